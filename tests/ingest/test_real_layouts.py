"""Real Swedish ledgers as exported (tests/fixtures/ingest/real_layouts): four layouts load with their departments
recognised and every account split into its code and its text; a file without a department column is refused
in plain words until the user says which column it is (or names the one department of the file)."""

from __future__ import annotations

import pytest

from pipeline.errors import MissingColumnError, UsageError
from pipeline.ingest import IngestOptions, ingest_file
from tests.helpers.paths import FIXTURES

LAYOUTS = FIXTURES / "ingest" / "real_layouts"

CASES = {
    "sambruk_2016-03.csv": (dict(period="2016-03"), "RN1/FÖRVALTNING", "last part", {
        "VVV Vård- och omsorgsnämnd väster", "FSN Förskolenämnden", "GSN Grundskolenämnden", "TKN Tekniska nämnden",
        "KS Kommunstyrelsen"}),
    "goteborg_2024-05.csv": (dict(period="2024-05"), "förvaltning", "synonym", {
        "Förskoleförvaltningen", "Grundskoleförvaltningen", "Äldre samt vård- och omsorgsförvaltningen",
        "Stadsmiljöförvaltningen", "Park- och naturförvaltningen", "Stadsledningskontoret"}),
    "umea_2023.csv": (dict(year=2023), "förvaltning", "synonym", {
        "Äldreomsorgen", "För- och grundskoleförvaltningen", "Individ- och familjeomsorgen", "Gator och parker",
        "Fritidsförvaltningen"}),
    "raindance_2024-03.csv": (dict(period="2024-03"), "RN1/FÖRVALTNING", "last part", {
        "Barn- och utbildningsförvaltningen", "Vård- och omsorgsförvaltningen", "Kommunledningsförvaltningen",
        "Tekniska förvaltningen", "Serviceförvaltningen"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_layout_loads_with_departments_and_accounts_split_into_code_and_text(con, name):
    options, header, how, departments = CASES[name]
    r = ingest_file(con, LAYOUTS / name, IngestOptions(organisation_id="kommun", **options))
    assert r.rows_rejected == 0 and r.rows_loaded == r.rows_read
    assert (r.column_mapping["fields"]["department"], r.column_mapping["source"]["department"]) == (header, how)
    lines = con.execute("select account, account_name, department from ledger_line where batch_id = ?",
                        [r.batch_id]).fetchall()
    assert {d for _, _, d in lines} == departments
    assert all(len(a) == 5 and a.isdigit() and n and not n[:1].isdigit() for a, n, _ in lines), lines


def test_the_sambruk_account_cell_holds_code_and_text(con):
    r = ingest_file(con, LAYOUTS / "sambruk_2016-03.csv", IngestOptions(period="2016-03"))
    got = dict(con.execute("select account, account_name from ledger_line where batch_id = ? and account in "
                           "('64400', '46310', '60150', '46200')", [r.batch_id]).fetchall())
    assert got == {"64400": "Livsmedel", "46310": "Köp av förskoleplatser",
                   "46200": "Köp av huvudverksamhet, placeringskostnad"}
    assert "account_name" not in r.column_mapping["fields"]          # the text came from the account cell


def test_foreign_and_bad_supplier_numbers_keep_their_rows(con):
    r = ingest_file(con, LAYOUTS / "sambruk_2016-03.csv", IngestOptions(period="2016-03"))
    assert r.rows_rejected == 0
    assert sorted(w.rsplit("(", 1)[1] for w in r.warnings) == ["foreign-org-number)", "invalid-org-number)"]
    spend = con.execute("select sum(amount) from ledger_line where batch_id = ? and supplier_org_number is null",
                        [r.batch_id]).fetchone()[0]
    assert float(spend) == 12400.00 + 8900.00


def test_without_a_department_column_the_check_asks_which_column_it_is(con, tmp_path):
    path = tmp_path / "utan_forvaltning.csv"
    path.write_text("Bokföringsdatum;Konto;Kontotext;Ansvarig;Belopp\n2024-03-01;64400;Livsmedel;Skolköket;100,00\n",
                    encoding="utf-8")
    with pytest.raises(MissingColumnError) as exc:
        ingest_file(con, path, IngestOptions(year=2024))
    assert str(exc.value) == (
        "utan_forvaltning.csv: no department column found, so the spend cannot be split by department "
        "(förvaltning). Headers found: 'Bokföringsdatum', 'Konto', 'Kontotext', 'Ansvarig', 'Belopp'. Say which "
        "column holds the department with --map department=\"HEADER\" (in the web app: choose it under \"Change the "
        "column mapping\"), or, if every line of the file belongs to one department, name it with --department NAME.")
    assert con.execute("select count(*) from ledger_batch").fetchone()[0] == 0
    r = ingest_file(con, path, IngestOptions(year=2024, column_overrides={"department": "Ansvarig"}))
    assert con.execute("select department from ledger_line where batch_id = ?", [r.batch_id]).fetchall() == \
        [("Skolköket",)]


def test_a_file_of_one_department_says_so_explicitly(con, tmp_path):
    path = tmp_path / "en_forvaltning.csv"
    path.write_text("Bokföringsdatum;Konto;Belopp\n2024-03-01;64400;100,00\n", encoding="utf-8")
    r = ingest_file(con, path, IngestOptions(year=2024, department="Serviceförvaltningen"))
    assert con.execute("select department from ledger_line where batch_id = ?", [r.batch_id]).fetchall() == \
        [("Serviceförvaltningen",)]
    with pytest.raises(UsageError, match=r'goteborg_2024-05.csv: the file has a department column \("förvaltning"\); '
                                         r"leave out --department"):
        ingest_file(con, LAYOUTS / "goteborg_2024-05.csv", IngestOptions(period="2024-05", department="X"))


def test_a_company_is_one_department_and_needs_no_column(con, tmp_path):
    from pipeline.ingest import batches

    batches.ensure_organisation(con, "bolaget", "Bostadsbolaget AB", "company", None)
    path = tmp_path / "bolag.csv"
    path.write_text("Datum;Konto;Belopp\n2024-03-01;5170;100,00\n", encoding="utf-8")
    assert ingest_file(con, path, IngestOptions(organisation_id="bolaget", year=2024)).rows_loaded == 1


def test_a_swedish_ledger_places_its_new_organisation_in_sweden_and_runs_with_swedish_factors(con):
    # Göteborg's export says nothing of its country, but its amounts are SEK: a municipality registered with it is
    # priced with EXIOBASE's Swedish region, not the US EPA set the tool falls back to for an unknown country
    from pipeline.engine import marts, runs
    from pipeline.factors import load_reference_data

    load_reference_data(con)
    r = ingest_file(con, LAYOUTS / "goteborg_2024-05.csv", IngestOptions(organisation_id="goteborg", period="2024-05"))
    assert con.execute("select country from organisation where organisation_id = 'goteborg'").fetchone()[0] == "SE"
    assert ("organisation goteborg is now in country SE (its ledger is in SEK): its runs use the factor set exiobase "
            "unless `klimatspend org set goteborg --country CC` or `--factors SET` says otherwise") in r.notes
    run = runs.compute_run(con, 2024)
    assert (run.factor_set_id, run.settings["factor_region"]) == ("exiobase", "SE")
    by_account = {a["account"]: a for a in marts.read(con, "emissions_by_account", run.run_id)}
    # elderly care bought (46350) is health and social work, priced per EUR of Swedish output; shown by name
    care = by_account["46350"]
    assert (care["factor_set_id"], care["factor_code"], care["factor_name"]) == \
        ("exiobase", "p85", "Health and social work services (85)")


def test_an_organisation_with_a_country_keeps_it_and_a_euro_ledger_sets_none(con, tmp_path):
    from pipeline.organisations import set_organisation

    set_organisation(con, "kommun", country="NO")
    r = ingest_file(con, LAYOUTS / "goteborg_2024-05.csv", IngestOptions(organisation_id="kommun", period="2024-05"))
    assert con.execute("select country from organisation where organisation_id = 'kommun'").fetchone()[0] == "NO"
    assert not any("is now in country" in n for n in r.notes)
    r = ingest_file(con, LAYOUTS / "umea_2023.csv", IngestOptions(organisation_id="eu", year=2023, currency="EUR",
                                                                  create_organisation=True))
    assert r.rows_loaded == r.rows_read
    assert con.execute("select country from organisation where organisation_id = 'eu'").fetchone()[0] is None
    assert not any("is now in country" in n for n in r.notes)
