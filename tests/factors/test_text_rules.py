"""The keyword table over ledger texts (emission_factors/text_rules/sv_ledger_text): every rule is tested with a
realistic account text, through the engine (rule level account_text), with the precedence, conflicts, the map
row's own label, invoice texts, suggestions for unknown accounts and a person's confirmation."""

from __future__ import annotations

import csv

import pytest

from pipeline import store
from pipeline.engine import marts, runs
from pipeline.factors import load_reference_data
from pipeline.resources import factors_dir
from tests.helpers.engine_seed import add_batch, add_lines, add_org

RULES_FILE = factors_dir() / "text_rules" / "sv_ledger_text" / "1.0.0" / "text_rules.csv"

# rule -> (a group it applies in, an account text as a finance system prints it)
CASES = {
    "tax": ("699", "Fordonsskatt"),
    "late_interest": ("649", "Dröjsmålsräntor"),
    "bank_fees": ("749", "Bankavgifter"),
    "deductible": ("731", "Självrisker"),
    "electricity": ("646", "Elförbrukning arbetsbodar"),
    "district_heating": ("619", "Fjärrvärme och fjärrkyla"),
    "vehicle_fuel": ("699", "Diesel arbetsmaskiner"),
    "food": ("711", "Livsmedel personalrum"),
    "meals": ("644", "Köpta måltider"),
    "hospitality": ("749", "Representation och gåvor"),
    "consumables": ("649", "Förbrukningsmaterial övrigt"),
    "cleaning_products": ("646", "Städmaterial"),
    "hygiene_paper": ("645", "Inkontinensartiklar"),
    "office_supplies": ("651", "Kontorsmaterial och kopieringspapper"),
    "printed_matter": ("655", "Trycksaker och broschyrer"),
    "books": ("643", "Facklitteratur"),
    "workwear": ("648", "Skyddsskor"),
    "medicines": ("645", "Läkemedel"),
    "medical_supplies": ("645", "Hjälpmedel"),
    "computers": ("641", "Datorer och surfplattor"),
    "furniture": ("402", "Möbler och inredning"),
    "software": ("743", "Licenser"),
    "it_services": ("743", "Systemförvaltning"),
    "telecom": ("681", "Telefoni"),
    "postage": ("685", "Porto och frimärken"),
    "premises_rent": ("601", "Lokalhyror parkering garage"),
    "cleaning": ("613", "Lokalvård"),
    "refuse": ("749", "Sophämtning"),
    "snow": ("749", "Snöröjning"),
    "grounds": ("749", "Markskötsel"),
    "security": ("733", "Bevakning"),
    "alarms": ("734", "Brandlarm"),
    "insurance": ("749", "Försäkringar"),
    "agency_staff": ("751", "Bemanningssjuksköterskor"),
    "consultancy": ("749", "Konsultarvoden"),
    "interpreters": ("745", "Tolktjänster"),
    "advertising": ("722", "Annonser och reklam"),
    "memberships": ("761", "Medlemsavgifter SKR"),
    "courses": ("765", "Kurser"),
    "health_services": ("747", "Företagshälsovård"),
    "laundry": ("665", "Tvätteri"),
    "vehicle_repair": ("699", "Däck och besiktning"),
    "vehicle_hire": ("695", "Hyrbilar"),
    "water": ("619", "Vattenförbrukning"),
    "core_preschool": ("463", "Köp av förskoleplatser"),
    "core_school": ("463", "Köp av grundskoleplatser"),
    "core_upper_school": ("463", "Köp av gymnasieplatser"),
    "core_adult_education": ("463", "Köp av vuxenutbildning"),
    "core_elderly_home": ("463", "Köp av platser särskilt boende"),
    "core_lss_home": ("463", "Gruppbostad LSS"),
    "core_home_care": ("463", "Hemtjänst enligt LOV"),
    "core_personal_assistance": ("463", "Köp av personlig assistans"),
    "core_placements": ("463", "Köp av placeringar HVB"),
    "core_family_care": ("463", "Köp av öppenvård"),
    "core_health_care": ("463", "Köp av hälso- och sjukvård"),
    "core_special_transport": ("463", "Köp av färdtjänst"),
    "core_waste": ("463", "Köp av avfallsbehandling"),
    "core_interpreters": ("463", "Köp av tolktjänster"),
    "core_rescue": ("463", "Köp av räddningstjänst"),
    "cleaning_snow": ("613", "Plogning och sandning"),
    "cleaning_refuse": ("613", "Sophämtning och återvinning"),
    "cleaning_grounds": ("613", "Gräsklippning och parkskötsel"),
    "cleaning_chimney": ("613", "Sotning"),
    "contracts_roads": ("617", "Entreprenader gator och vägar"),
    "contracts_pipes": ("617", "Entreprenader VA-ledningar"),
    "contracts_building": ("617", "Byggentreprenader"),
    "contracts_plant": ("617", "Maskintjänster med förare"),
    "investment_roads": ("403", "Gator, vägar och broar, entreprenader"),
    "investment_pipes": ("403", "VA-anläggningar, entreprenader"),
    "travel_train": ("705", "Resor tåg"),
    "travel_flight": ("705", "Flygresor"),
    "travel_hotel": ("705", "Hotell och logi"),
    "travel_taxi": ("705", "Taxiresor"),
    "travel_bus": ("705", "Bussresor och resekort"),
    "transport_school": ("701", "Skolskjutsar"),
    "transport_special": ("701", "Färdtjänst"),
    "transport_courier": ("701", "Budtjänster"),
    "transport_freight": ("701", "Frakter"),
    "equipment_vehicles": ("402", "Bilar och andra transportmedel"),
    "equipment_art": ("402", "Konst"),
    "materials_metal": ("410", "Järn-, stål- och metallvaror"),
    "materials_pipes": ("410", "Tryckrör och avlopp"),
    "materials_timber": ("410", "Trävaror"),
    "materials_electrical": ("410", "Elmaterial"),
    "materials_gravel": ("410", "Grus och makadam"),
    "materials_paint": ("410", "Färger, kemisk-tekniska produkter"),
    "consumables_chemicals": ("646", "Kemikalier"),
    "consumables_teaching": ("646", "Läromedel"),
    "it_hosting": ("743", "IT-drift och hosting"),
    "consult_technical": ("745", "Konsulttjänster teknik"),
    "consult_legal": ("745", "Juridiska tjänster"),
    "consult_audit": ("745", "Revisionstjänster"),
    "consult_it": ("745", "IT-konsulter"),
    "other_services_culture": ("749", "Kultur- och evenemangstjänster"),
    "telecom_mobile": ("681", "Mobiltelefoni"),
    "water_sewage": ("628", "Avloppsavgift"),
    "rescue_fire": ("734", "Räddningstjänst"),
}

# texts that look alike but must not take the rule one might fear: (group, text, the rule that applies or None)
NEAR_MISSES = [
    ("701", "Elevresor", "transport_school"),                # not electricity
    ("410", "Elmaterial och kablar", "materials_electrical"),  # not electricity
    ("749", "Göteborgs stad, tjänster", None),               # 'stad' is not cleaning (städning)
    ("463", "Skolskjuts taxi", "core_special_transport"),    # a school trip is transport, not a school place
    ("463", "Köp av huvudverksamhet, hotell", None),         # no 463 rule for hotels; global rules do not apply in 463
    ("644", "Livsmedel", None),                              # the map row's own label adds nothing
    ("645", "Medicinskt material och läkemedel", None),      # the map row's own label adds nothing
    ("402", "Inköp av inventarier och maskiner", None),      # the group's own name: no furniture refinement
]

CONFLICTS = {"electricity": True, "tax": True, "food": True, "refuse": True, "medicines": False,
             "interpreters": False, "computers": False, "core_school": False, "consumables": False}


def rule_ids() -> list[str]:
    with RULES_FILE.open(encoding="utf-8") as handle:
        return [r["rule_id"] for r in csv.DictReader(handle)]


def test_every_rule_of_the_table_has_a_case():
    assert sorted(CASES) == sorted(rule_ids())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of 2024 over a line per case (each on its own account: the group + two digits) and per near miss,
    plus invoice-text, precedence and unknown-account lines; returns (connection, run id, account of each case)."""
    con = store.connect(tmp_path_factory.mktemp("text") / "k.duckdb")
    load_reference_data(con)
    add_org(con, "org")
    add_batch(con, 1)
    accounts: dict[str, str] = {}
    lines = []
    texts = [(rid, group, text) for rid, (group, text) in CASES.items()]
    texts += [(f"near:{i}", group, text) for i, (group, text, _) in enumerate(NEAR_MISSES)]
    for n, (key, group, text) in enumerate(texts):
        account = (group + f"{n % 100:02d}")[:5] if len(group) == 3 else group
        while account in accounts.values():
            account = group + f"{(int(account[3:]) + 1) % 100:02d}"
        accounts[key] = account
        lines.append(dict(source_row=n + 2, account=account, account_name=text, amount=1000, department="KLF"))
    n = len(lines) + 2
    extra = [
        # invoice text refines a broad account whose own text says nothing more
        dict(account="70598", account_name="Resor", description="Tågresor Stockholm", amount=500),
        dict(account="46398", account_name="Köp av huvudverksamhet", description="Hemtjänst LOV mars", amount=500),
        dict(account="64998", account_name="Övrigt förbrukningsmaterial", description="Dröjsmålsränta faktura 77",
             amount=50),
        # precedence: the supplier's industry (from the register) comes before the account text
        dict(account="46399", account_name="Köp av förskoleplatser", amount=700, supplier_org_number="556036-0793",
             supplier_name="Skolbolaget AB"),
        # an account the map does not know: unmapped, with a suggestion
        dict(account="46200", account_name="Köp av huvudverksamhet, placeringskostnad", amount=900),
    ]
    assert not {r["account"] for r in extra} & set(accounts.values())
    for i, row in enumerate(extra):
        lines.append({"source_row": n + i, "department": "KLF", **row})
    add_lines(con, 1, lines)
    con.execute("insert into supplier_register (org_number, name, sni_code) values ('556036-0793', 'Skolbolaget AB', "
                "'85100')")
    run_id = runs.compute_run(con, 2024).run_id
    yield con, run_id, accounts
    con.close()


def _account(con, run_id, account) -> dict:
    rows = [r for r in marts.read(con, "mapping_review", run_id) if r["account"] == account]
    assert rows, account
    return rows[0]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_classifies_a_realistic_account_text(run, rule_id):
    con, run_id, accounts = run
    row = _account(con, run_id, accounts[rule_id])
    assert row["text_rule_id"] == rule_id, (CASES[rule_id], row)
    line = con.execute("select rule_level, rule_id, category_id, exclusion_reason from line_emission "
                       "where run_id = ? and account = ?", [run_id, accounts[rule_id]]).fetchone()
    rule = con.execute("select category_id, factor_set_id, factor_code, industry_code, is_excluded, exclusion_reason "
                       "from text_rule where rule_id = ?", [rule_id]).fetchone()
    # the factor the run's set gives the rule: its own code, its industry through the crosswalk, or bridged
    priced = con.execute(
        """select factor_code from run_factor_rule where run_id = ? and role = 'run'
           and rule_factor_set_id is not distinct from ? and rule_factor_code is not distinct from ?
           and rule_industry_code is not distinct from nullif(regexp_replace(coalesce(?, ''), '[^0-9]', '', 'g'), '')""",
        [run_id, rule[1], rule[2], rule[3]]).fetchone()
    if rule[4]:
        assert line == ("excluded", f"text_rule:{rule_id}", None, rule[5])
    elif priced and priced[0]:
        assert line == ("account_text", f"text_rule:{rule_id}", rule[0], None)   # energy too: a flagged estimate
    elif rule[0] == "energy":
        assert line == ("unmapped", "needs-activity-data", "energy", None)       # waits for kWh or litres
    else:                                   # the set has no factor for the rule: the map's row prices it
        assert line[0] in ("account", "account_group")


@pytest.mark.parametrize("index", range(len(NEAR_MISSES)), ids=[t for _, t, _ in NEAR_MISSES])
def test_near_misses_take_the_right_rule_or_none(run, index):
    con, run_id, accounts = run
    assert _account(con, run_id, accounts[f"near:{index}"])["text_rule_id"] == NEAR_MISSES[index][2]


@pytest.mark.parametrize("rule_id, conflict", sorted(CONFLICTS.items()))
def test_conflict_when_the_text_contradicts_the_map_outside_the_groups_that_hold_it(run, rule_id, conflict):
    """'Elförbrukning' on a consumables account, a tax or food on a purchase account of another kind, refuse on
    'other services': conflicts (the line takes the ledger's word). Medicines in 645, interpreters in 745,
    computers in 641 and the refinements inside broad groups are what those groups hold: no conflict."""
    con, run_id, accounts = run
    row = _account(con, run_id, accounts[rule_id])
    assert row["is_conflict"] is conflict
    if conflict:
        assert row["suggested_rule_id"] == rule_id
    flags = {f for (f,) in con.execute("select is_text_conflict from line_results where run_id = ? and account = ?",
                                       [run_id, accounts[rule_id]]).fetchall()}
    assert flags == {conflict}                  # the account's lines carry the flag too


def test_invoice_text_refines_a_broad_account_and_excludes_late_interest(run):
    con, run_id, _ = run
    got = dict(con.execute("select account, rule_id from line_emission where run_id = ? and account in "
                           "('70598', '46398', '64998')", [run_id]).fetchall())
    assert got == {"70598": "text_rule:travel_train", "46398": "text_rule:core_home_care",
                   "64998": "exclusion:kw_drojsmalsranta"}      # the default keyword exclusions read invoice texts


def test_supplier_industry_comes_before_the_account_text(run):
    con, run_id, _ = run
    level = con.execute("select rule_level from line_emission where run_id = ? and account = '46399'",
                        [run_id]).fetchone()[0]
    assert level == "supplier_industry"


def test_an_unknown_account_is_unmapped_with_its_text_suppliers_and_a_suggestion(run):
    con, run_id, _ = run
    row = next(r for r in marts.read(con, "unmapped_accounts", run_id) if r["account"] == "46200")
    assert (row["reason"], row["account_name"], row["suggested_rule_id"], row["suggested_category_id"],
            row["suggested_industry_code"]) == ("no-account-match", "Köp av huvudverksamhet, placeringskostnad",
                                                "core_placements", "care_education", "8790")


def test_the_industry_of_the_deciding_rule_is_carried_per_line(run):
    """int_line_keys__classified.industry_code: what pricing by industry (each factor set's crosswalk) reads."""
    con, run_id, accounts = run
    got = dict(con.execute("select account, industry_code from int_line_keys__classified where account in (?, ?, ?)",
                           [accounts["core_preschool"], accounts["electricity"], "46399"]).fetchall())
    assert got == {accounts["core_preschool"]: "8510", accounts["electricity"]: "3511", "46399": "85100"}


def test_a_confirmed_map_row_stands_against_the_text(run, tmp_path):
    """Keeping the map's row (a person decides) turns the conflict off: the next run prices the account as the map
    says and the keyword table no longer applies to it."""
    from pipeline.engine import review

    con, run_id, accounts = run
    account = accounts["electricity"]
    review.keep_map_row(con, tmp_path / "ovr.csv", review.run_record(con, run_id), organisation_id="org",
                        account=account, author="Test", author_role="cli")
    new_run = runs.compute_run(con, 2024).run_id
    row = _account(con, new_run, account)
    assert (row["is_conflict"], row["is_confirmed"], row["text_rule_id"], row["category_id"], row["rule_level"]) == \
        (False, True, None, "goods", "account")
