"""UK council spend files in their published layouts load with no options, reconcile to the penny and are
classified by the UK expense-type table (issue 17); one database for the module keeps it lean."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline import store
from pipeline.engine import runs
from pipeline.factors import load_reference_data
from pipeline.ingest import IngestOptions, ingest_file
from tests.helpers.paths import FIXTURES

UK = FIXTURES / "ingest" / "uk"

# file: (organisation, year, rows read, rows loaded, sum read in GBP)
FILES = {
    "leeds_2013-11_sample.csv": ("leeds", 2013, 22, 22, "96550.38"),
    "bradford_2019-08_sample.csv": ("bradford", 2019, 19, 19, "342852.40"),
    "city_council_expenses_type_2022-08.csv": ("city", 2022, 27, 27, "2165242.63"),
    "harrogate_2022-08_clean.csv": ("harrogate", 2022, 1873, 1873, "5385270.74"),
    "calderdale_2022-08_clean.csv": ("calderdale", 2022, 1956, 1956, "15901508.75"),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Every file ingested without options into its own organisation and computed; (connection, results, runs)."""
    con = store.connect(tmp_path_factory.mktemp("uk") / "k.duckdb")
    load_reference_data(con)
    results, run_ids = {}, {}
    for name, (org, year, *_rest) in FILES.items():
        results[name] = ingest_file(con, UK / name, IngestOptions(organisation_id=org, create_organisation=True))
        run_ids[name] = runs.compute_run(con, year, organisation_id=org).run_id
    yield con, results, run_ids
    con.close()


@pytest.mark.parametrize("name", list(FILES))
def test_loads_with_no_options_and_reconciles_to_the_penny(loaded, name):
    con, results, run_ids = loaded
    org, year, read, n_loaded, total = FILES[name]
    r = results[name]
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.currency) == (read, n_loaded, 0, "GBP")
    assert f"{Decimal(str(r.sum_read)):.2f}" == total
    assert any("read with the import profile uk-council-spend" in n for n in r.notes)
    # every loaded pound is in the run: excluded + classified + unmapped = the file's sum, in GBP
    spent = con.execute("select sum(amount_ledger_currency) from line_emission where run_id = ?",
                        [run_ids[name]]).fetchone()[0]
    assert f"{spent:.2f}" == total
    assert con.execute("select country from organisation where organisation_id = ?", [org]).fetchone()[0] == "GB"


def test_double_encoded_bom_amounts_and_dates(loaded):
    """The 'Expenses Type' file starts with C3 AF C2 BB C2 BF; '£1,234.50', '(1,234.50)', '1234.5', 01/08/2022,
    01-Aug-2022, 02/08/22 and 2022-08-03 are read."""
    con, results, _ = loaded
    assert (UK / "city_council_expenses_type_2022-08.csv").read_bytes()[:6] == bytes.fromhex("C3AFC2BBC2BF")
    rows = dict(con.execute("""select l.source_row, l.amount from ledger_line l join ledger_batch b using (batch_id)
                               where b.organisation_id = 'city'""").fetchall())
    assert rows[25] == Decimal("-1234.50") and rows[26] == Decimal("1234.50") and rows[2] == Decimal("12450.00")
    dates = [d.isoformat() for (d,) in con.execute(
        """select posting_date from ledger_line l join ledger_batch b using (batch_id)
           where b.organisation_id = 'city' and source_row in (2, 3, 4, 5) order by source_row""").fetchall()]
    assert dates == ["2022-08-01", "2022-08-01", "2022-08-02", "2022-08-03"]
    assert results["city_council_expenses_type_2022-08.csv"].column_mapping["fields"]["account"] == "Expenses Type"


def test_bradford_reads_the_expense_words_not_the_code_numbers(loaded):
    con, results, _ = loaded
    r = results["bradford_2019-08_sample.csv"]
    assert r.column_mapping["fields"]["account"] == "Expenditure category"
    assert any('"Expenditure code" holds code numbers' in n for n in r.notes)


def test_transfers_are_excluded_with_reasons(loaded):
    """The issue's transfers in the 'Expenses Type' file: energy rebate, levies, precepts, business-rates tariff,
    housing benefit, payments to other local authorities, pension fund, insurance claims, debtors/creditors."""
    con, _, run_ids = loaded
    rows = dict(con.execute("select account, exclusion_reason from line_emission where run_id = ? and is_excluded",
                            [run_ids["city_council_expenses_type_2022-08.csv"]]).fetchall())
    assert rows == {
        "Council Tax Energy Rebate": "grants_transfers", "Levies": "grants_transfers",
        "Parish Precepts": "grants_transfers", "Business Rates Tariff": "taxes_vat",
        "Housing Benefit Payments": "grants_transfers", "Payments to Other Local Authorities": "grants_transfers",
        "Pension Fund Contributions": "pensions", "Insurance Claims": "financial", "Direct Payments": "grants_transfers",
        "Sundry Creditors": "balance_sheet", "Refund of Overpayment": "grants_transfers"}


def test_payments_to_individuals_are_flagged_and_classified_by_expense_type(loaded):
    con, results, run_ids = loaded
    r = results["city_council_expenses_type_2022-08.csv"]
    assert any("5 row(s) (8,040.00 GBP) are payments to individuals" in n for n in r.notes)
    rows = con.execute("""select account, rule_level, is_payment_to_individual from line_results
                          where run_id = ? and is_payment_to_individual order by account""",
                       [run_ids["city_council_expenses_type_2022-08.csv"]]).fetchall()
    assert [a for a, *_ in rows] == ["Council Tax Energy Rebate", "Direct Payments", "Housing Benefit Payments",
                                     "Insurance Claims", "Sundry Creditors"]


def test_a_gbp_ledger_reports_its_spend_in_gbp(loaded):
    """run --json of a council says GBP and gives the spend in pounds, exact to the penny: in scope + excluded =
    the file's sum (2,165,242.63); the *_sek keys stay for programs."""
    from pipeline.cli.run import run_summary

    con, _, run_ids = loaded
    summary = run_summary(con, run_ids["city_council_expenses_type_2022-08.csv"])
    assert summary["currency"] == "GBP"
    assert f"{summary['total_spend'] + summary['excluded_spend']:.2f}" == "2165242.63"
    assert f"{summary['excluded_spend']:.2f}" == "1674305.50"
    assert summary["loaded_spend_sek"] > 10 * summary["loaded_spend"]       # SEK internally, about 12 SEK a pound
    assert sum(d["spend"] for d in summary["by_department"]) == summary["total_spend"]


def test_energy_estimates_of_a_gbp_run_are_in_gbp(loaded, capsys):
    """The run table's estimate line names the pounds of electricity spend (21,000.00 GBP, converted back from the
    engine's SEK at the run year's rate), not SEK; its heading names the map the council used."""
    from pipeline.cli.run import print_department_table, run_summary

    con, _, run_ids = loaded
    summary = run_summary(con, run_ids["city_council_expenses_type_2022-08.csv"])
    electricity = next(e for e in summary["energy_estimates"] if e["energy_kind"] == "electricity")
    assert electricity["estimated_spend"] == pytest.approx(21000.00, abs=0.01)
    print_department_table(summary)
    out = capsys.readouterr().out
    assert "from 21,000 GBP of spend" in out and " SEK" not in out
    assert "mapping uk_council_expense_types@" in out        # the council's own map, not the run's Swedish default


def test_an_account_code_next_to_the_expense_type_and_more_amount_and_date_styles(con, tmp_path):
    """A council file with a numeric 'Account Code' beside 'Expense Type' is still a council file (the register is
    empty: no country says otherwise); 'Amount Paid' is the amount; -£, (£ ), £-, 'CR' credits; 1-Aug-22 is 2022."""
    path = tmp_path / "council.csv"
    path.write_text('Directorate,Account Code,Expense Type,Payment Date,Amount Paid,Supplier Name\n'
                    'Place,41100,Refuse Collection,01/08/2022,"-£1,234.50",Biffa\n'
                    'Place,41100,Refuse Collection,1-Aug-22,"(£1,234.50)",Biffa\n'
                    'Place,41100,Refuse Collection,01 August 2022,£-12.00,Biffa\n'
                    'Place,41100,Refuse Collection,01/08/2022 00:00:00,"£1,000",Biffa\n'
                    'Place,41100,Refuse Collection,01/08/2022,"1,234.50 CR",Biffa\n', encoding="utf-8")
    result = ingest_file(con, path, IngestOptions(organisation_id="council"))
    assert (result.rows_loaded, result.rows_rejected, result.currency) == (5, 0, "GBP")
    assert result.column_mapping["fields"]["account"] == "Expense Type"
    rows = con.execute("select amount, posting_date from ledger_line order by source_row").fetchall()
    assert [str(a) for a, _ in rows] == ["-1234.50", "-1234.50", "-12.00", "1000.00", "-1234.50"]
    assert {d.isoformat() for _, d in rows} == {"2022-08-01"}


@pytest.mark.parametrize("supplier,flagged", [
    ("Redacted Personal Information", True), ("REDACTED PERSONAL DATA", True), ("Private Individual", True),
    ("Individual", True), ("Name withheld - Data Protection", True), ("Individual Care Services Ltd", False),
    ("Biffa Waste Services", False)])
def test_redacted_supplier_names_as_councils_write_them(loaded, supplier, flagged):
    con, _, _ = loaded
    assert con.execute("select is_payment_to_individual(?)", [supplier]).fetchone()[0] is flagged


def test_a_dash_for_no_expense_area_is_no_department_worded_in_the_readers_language(loaded, capsys):
    """Calderdale writes "-" where a payment has no expense area (7 rows, 488,747.43 GBP, all booked on cost codes
    that are not expense types: unmapped). They load without a department, not in a department named "-", and the
    run's table words that in the reader's language, never as the engine's stored Swedish placeholder."""
    from pipeline.cli import _output
    from pipeline.cli.run import print_department_table, run_summary

    con, results, run_ids = loaded
    batch = results["calderdale_2022-08_clean.csv"].batch_id
    no_department = con.execute("select count(*), sum(amount) from ledger_line where batch_id = ? and department is "
                                "null", [batch]).fetchone()
    assert no_department == (7, Decimal("488747.43"))
    assert con.execute("select count(*) from ledger_line where batch_id = ? and department = '-'",
                       [batch]).fetchone()[0] == 0
    summary = run_summary(con, run_ids["calderdale_2022-08_clean.csv"])
    for lang, words in (("en", "(no department)"), ("sv", "(förvaltning saknas)")):
        before = _output._language["lang"]
        _output.set_language(lang)
        try:
            print_department_table(summary)
        finally:
            _output._language["lang"] = before
        out = capsys.readouterr().out
        assert words in out and "(okänd förvaltning)" not in out, out
