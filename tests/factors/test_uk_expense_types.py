"""The UK expense-type keyword table (emission_factors/text_rules/uk_expense_types): every rule with a realistic
expense type as councils publish it, through the engine of a GB organisation (Defra set), every transfer rule
excluded with its reason, near misses, unknown types unmapped and in the mapping review, exact map labels kept."""

from __future__ import annotations

import csv

import pytest

from pipeline import store
from pipeline.engine import marts, runs
from pipeline.factors import load_reference_data
from pipeline.resources import factors_dir
from tests.helpers.engine_seed import add_batch, add_lines

RULES_FILE = factors_dir() / "text_rules" / "uk_expense_types" / "1.0.0" / "text_rules.csv"

# rule -> an expense type as a council's spend file prints it
CASES = {
    "uk_precepts": "Parish Precepts",
    "uk_levies": "Environment Agency Flood Defence Levy",
    "uk_apprenticeship_levy": "Apprenticeship Levy",
    "uk_business_rates": "NNDR",
    "uk_rates_tariff": "Business Rates Tariff",
    "uk_council_tax": "Council Tax on Empty Properties",
    "uk_vat": "VAT",
    "uk_landfill_tax": "Landfill Tax",
    "uk_benefits": "Housing Benefit Payments",
    "uk_grants": "Grants to Vol Orgs",
    "uk_rebates": "Council Tax Energy Rebate",
    "uk_compensation": "Compensation Payments",
    "uk_other_authorities": "Payments to Other Local Authorities",
    "uk_pensions": "Pension Fund Contributions",
    "uk_balance_sheet": "Capital Receipts",
    "uk_financial": "Bank Charges",
    "uk_insurance_claims": "Insurance Claims",
    "uk_direct_payments": "Direct Payments",
    "uk_fostering_allowances": "Fostering Allowances",
    "uk_personnel": "Members Allowances",
    "uk_internal": "Internal Recharges",
    "uk_income": "Customer Receipts",
    "uk_construction": "Construction & Conversion Works",
    "uk_highways": "Highways Struc Works",
    "uk_repairs_maintenance": "Responsive Repairs",
    "uk_electrical_works": "Street Lighting Maintenance",
    "uk_heating_works": "Boiler Servicing",
    "uk_grounds": "Grounds Maintenance",
    "uk_cleaning": "Street Cleansing",
    "uk_facilities": "CCTV Monitoring",
    "uk_rent": "Room Hire",
    "uk_rent_and_rates": "Rents and Rates",
    "uk_temporary_accommodation": "Bed & Breakfast Accommodation",
    "uk_professional_fees": "Other Prof Services",
    "uk_legal": "Counsel Fees",
    "uk_collection": "Bailiff Fees",
    "uk_audit": "External Audit Fees",
    "uk_architects": "Asbestos Surveys",
    "uk_pfi_outsourced": "PFI Unitary Charge",
    "uk_refuse": "Refuse Collection",
    "uk_care_residential": "Residential Care Dementia",
    "uk_fostering": "Independent Fostering Agencies",
    "uk_home_care": "Domiciliary Care",
    "uk_childcare": "Early Years Funding",
    "uk_education": "Independent Special Schools",
    "uk_training": "Staff Training",
    "uk_health": "Sexual Health Services",
    "uk_agency_staff": "Agency Staff",
    "uk_advertising": "Marketing Services",
    "uk_interpreting": "Interpreters",
    "uk_insurance": "Insurance Premiums",
    "uk_subscriptions": "Prof Subscriptions",
    "uk_leisure_culture": "Arts Development",
    "uk_funeral": "Burial Fees",
    "uk_laundry": "Laundry",
    "uk_veterinary": "Kennelling",
    "uk_removals_storage": "Removal  & Storage",
    "uk_postage": "Postage & Franking",
    "uk_ict_hardware": "Computer Hardware Purchases",
    "uk_software": "Software Licences",
    "uk_ict_services": "ICT Support",
    "uk_telecoms": "Mobile Phones",
    "uk_electricity": "Clim Change Electric",
    "uk_gas": "Gas Supply",
    "uk_heating": "District Heating",
    "uk_energy": "Utilities",
    "uk_fuel": "Diesel - Fleet",
    "uk_water": "Water Rates",
    "uk_passenger_transport": "Home to School Transport",
    "uk_travel": "Travel & Subsistence",
    "uk_vehicle_costs": "Vehicle Repairs",
    "uk_vehicle_purchase": "Purch Vehicle/Equip",
    "uk_hire": "Plant Hire",
    "uk_food": "Food Provisions",
    "uk_catering": "Meals on Wheels",
    "uk_furniture": "Operational Furniture And Equipment",
    "uk_clothing": "Uniforms & PPE",
    "uk_stationery": "Stationery",
    "uk_printing": "Printing & Stationery",
    "uk_books": "Library Stock",
    "uk_medical_supplies": "Community Equipment",
    "uk_cleaning_materials": "Cleaning Materials & Chemicals",
    "uk_salt": "Rock Salt",
    "uk_materials": "Operational Materials",
    "uk_equipment": "Play Equipment",
    "uk_supplies": "Consumables",
}

# expense types that look alike but must not take the rule one might fear: (expense type, the rule that applies)
NEAR_MISSES = [
    ("Electrical Repairs Schools", "uk_electrical_works"),     # electrical works, not electricity
    ("Gas Oil", "uk_fuel"),                                   # a fuel, not mains gas
    ("Food Waste Collection", "uk_refuse"),                   # waste, not food
    ("Training Courses", "uk_training"),                      # not rail travel
    ("Carriageway Resurfacing", "uk_highways"),               # not carriage (haulage)
    ("Energy Bills Rebate", "uk_rebates"),                    # a rebate to residents, not energy bought
    ("Vehicle Hire", "uk_hire"),                              # renting, not repairs
    ("Adoptions - Allowances", "uk_fostering_allowances"),    # a transfer to adopters, not staff allowances
    ("Repairs to Schools", "uk_repairs_maintenance"),          # works at a school are works, not education
    ("Business Services", None),                              # 'bus' is a whole word: not passenger transport
    ("Third Party Payments", None),                           # a broad CIPFA heading: unmapped, for a person
    ("Agency Staff Costs", "uk_agency_staff"),                # agency labour bought, not the council's staff costs
    ("Drug & Alcohol Services", "uk_health"),                 # '&' reads as 'and': the term 'drug and alcohol'
    ("Asbestos Removal", "uk_repairs_maintenance"),           # building work, not a removal firm
    ("Public Transport", "uk_passenger_transport"),           # tickets and services, not vehicle costs
    ("Flood Defence Levy", "uk_levies"),                      # a levy is a transfer before flood works are works
    ("Land Purchase", "uk_balance_sheet"),                    # an existing asset changes hands: nothing produced
]

# exclusion reason of every transfer rule (the list: each one is tested)
TRANSFERS = {
    "uk_precepts": "grants_transfers", "uk_levies": "grants_transfers", "uk_apprenticeship_levy": "personnel",
    "uk_business_rates": "taxes_vat", "uk_rates_tariff": "taxes_vat", "uk_council_tax": "taxes_vat",
    "uk_vat": "taxes_vat", "uk_landfill_tax": "taxes_vat", "uk_benefits": "grants_transfers",
    "uk_grants": "grants_transfers", "uk_rebates": "grants_transfers", "uk_compensation": "grants_transfers",
    "uk_other_authorities": "grants_transfers", "uk_pensions": "pensions", "uk_balance_sheet": "balance_sheet",
    "uk_financial": "financial", "uk_insurance_claims": "financial", "uk_direct_payments": "grants_transfers",
    "uk_fostering_allowances": "grants_transfers", "uk_personnel": "personnel", "uk_internal": "internal",
    "uk_income": "revenue",
}


def rules() -> dict[str, dict]:
    with RULES_FILE.open(encoding="utf-8") as handle:
        return {r["rule_id"]: r for r in csv.DictReader(handle)}


def test_every_rule_of_the_table_has_a_case_and_a_note():
    table = rules()
    assert sorted(CASES) == sorted(table)
    assert all(r["notes"].strip() and "E.g." in r["notes"] for r in table.values())
    assert {k for k, r in table.items() if r["is_excluded"] == "true"} == set(TRANSFERS)
    # purchases name an industry (UK SIC 2007 digits) and a category, never a factor of one set
    assert all(r["industry_code"] and r["category_id"] and not r["factor_code"]
               for r in table.values() if r["is_excluded"] == "false")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One 2022 run of a GB council (Defra set, uk_council_expense_types map) over a line per case, per near miss,
    one exact map label and one unknown type; returns (connection, run id)."""
    con = store.connect(tmp_path_factory.mktemp("uk") / "k.duckdb")
    load_reference_data(con)
    con.execute("insert into organisation (organisation_id, name, kind, mapping_id, country) "
                "values ('council', 'Council', 'municipality', 'uk_council_expense_types', 'GB')")
    add_batch(con, 1, "council", currency="GBP")
    texts = list(CASES.values()) + [t for t, _ in NEAR_MISSES] + ["Payments to Ext Contractors", "Widget Frobnication"]
    lines = [dict(source_row=n + 2, account=text, amount=1000, department="Resources", year=2022, period="2022-08",
                  supplier_name="Redacted Personal Information" if n == 0 else "Supplier Ltd")
             for n, text in enumerate(texts)]
    add_lines(con, 1, lines, "council", currency="GBP")
    run_id = runs.compute_run(con, 2022).run_id
    yield con, run_id
    con.close()


def _line(con, run_id, account) -> tuple:
    row = con.execute("select rule_level, rule_id, category_id, industry_code, factor_code, exclusion_reason "
                      "from line_emission where run_id = ? and account = ?", [run_id, account]).fetchone()
    assert row, account
    return row


def test_the_run_uses_the_uk_table_and_the_defra_set(run):
    con, run_id = run
    settings = runs.get_run(con, run_id)["settings"] if hasattr(runs, "get_run") else None
    row = con.execute("select text_ruleset_id, account_is_text from run_organisation where run_id = ?",
                      [run_id]).fetchone()
    assert row == ("uk_expense_types", True)
    assert con.execute("select factor_set_id from run where run_id = ?", [run_id]).fetchone()[0] == "defra_sic"
    del settings


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_classifies_a_realistic_expense_type(run, rule_id):
    con, run_id = run
    level, rule, category, industry, factor, reason = _line(con, run_id, CASES[rule_id])
    table = rules()[rule_id]
    if rule_id in TRANSFERS:
        assert (level, rule, reason) == ("excluded", f"text_rule:{rule_id}", TRANSFERS[rule_id])
    elif table["category_id"] == "energy" and level == "unmapped":
        assert rule == "needs-activity-data"     # energy without a spend factor waits for kWh
    else:
        # priced through the industry seam: the rule's UK SIC code, the Defra crosswalk's factor
        assert (level, rule, category, industry) == ("account_text", f"text_rule:{rule_id}", table["category_id"],
                                                      table["industry_code"])
        assert factor


@pytest.mark.parametrize("text,expected", NEAR_MISSES)
def test_near_misses(run, text, expected):
    con, run_id = run
    level, rule, *_ = _line(con, run_id, text)
    if expected is None:
        assert (level, rule) == ("unmapped", "no-account-match")
    else:
        assert rule == f"text_rule:{expected}"


def test_an_exact_map_label_keeps_its_reviewed_row(run):
    """Harrogate's 'Payments to Ext Contractors' is a row of uk_council_expense_types: the map decides, not a word."""
    con, run_id = run
    level, rule, category, industry, *_ = _line(con, run_id, "Payments to Ext Contractors")
    assert (level, rule, category) == ("account", "Payments to Ext Contractors", "construction_property")


def test_an_unknown_expense_type_is_unmapped_and_in_the_mapping_review(run):
    con, run_id = run
    assert _line(con, run_id, "Widget Frobnication")[:2] == ("unmapped", "no-account-match")
    review = {r["account"]: r for r in marts.read(con, "mapping_review", run_id)}
    assert review["Widget Frobnication"]["rule_level"] == "unmapped" if "rule_level" in review["Widget Frobnication"] \
        else review["Widget Frobnication"]["unmapped_spend_sek"]
    # a classified expense type is shown with the rule its words matched, not as a suggestion
    assert review["Refuse Collection"]["text_rule_id"] == "uk_refuse"
    assert review["Refuse Collection"]["suggested_rule_id"] is None
