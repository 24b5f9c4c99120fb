"""UK council spend files classify through the expense-type account map that the uk profile assigns."""

from __future__ import annotations

from pipeline.engine import runs, marts
from pipeline.factors import load_reference_data
from pipeline.ingest import IngestOptions, ingest_file


def test_uk_profile_assigns_expense_type_map_and_run_classifies(con, fixtures):
    load_reference_data(con)
    path = next((fixtures / "ingest" / "uk").glob("harrogate*.csv"))
    result = ingest_file(con, path, IngestOptions(organisation_id="harrogate", profile="uk-council-spend"))
    assert result.rows_rejected == 0
    assert any("uk_council_expense_types" in n for n in result.notes)
    assert con.execute("select mapping_id from organisation where organisation_id = 'harrogate'").fetchone()[0] \
        == "uk_council_expense_types"
    # the profile says the UK: the organisation's runs use the Defra/Leeds UK set (2022 factors for 2022 spend)
    assert con.execute("select country from organisation where organisation_id = 'harrogate'").fetchone()[0] == "GB"
    assert any("is now in country GB (from profile uk-council-spend)" in n for n in result.notes)
    run = runs.compute_run(con, 2022)
    assert (run.factor_set_id, run.settings["factor_year"]) == ("defra_sic", 2022)
    # the run's map is the one its only organisation used, not the Swedish default nobody used
    assert run.mapping_id == "uk_council_expense_types"
    # every Harrogate expense code is in the crosswalk; electricity, whose map row names no industry, is read by the
    # UK expense-type table (issue 17): electric power (SIC 35.11), priced by Defra as a spend estimate
    assert marts.read(con, "unmapped_accounts", run.run_id) == []
    assert con.execute("""select distinct rule_level, industry_code, factor_code from line_emission
                          where run_id = ? and account = 'Electricity'""", [run.run_id]).fetchall() \
        == [("account_text", "3511", "35.1")]
    fuel = con.execute("""select distinct category_id, factor_code from line_emission
                          where run_id = ? and account = 'Fuel/Oil'""", [run.run_id]).fetchall()
    assert fuel and fuel[0][0] in ("energy", "transport")


def test_existing_account_map_is_not_overridden(con, fixtures):
    load_reference_data(con)
    from pipeline.organisations import set_organisation

    set_organisation(con, "harrogate", mapping="kommunbas13")
    path = next((fixtures / "ingest" / "uk").glob("harrogate*.csv"))
    result = ingest_file(con, path, IngestOptions(organisation_id="harrogate", profile="uk"))
    assert not any("now uses the account map" in n for n in result.notes)
    assert con.execute("select mapping_id from organisation where organisation_id = 'harrogate'").fetchone()[0] \
        == "kommunbas13"
