"""Measure the UK council fixtures (tests/fixtures/ingest/uk/) loaded without options: per file, the share of its
spend excluded, classified and unmapped, and its ten largest expense types with level, UK SIC group and factor code.

Usage:
    python bench/uk_fixture_shares.py            # prints the block quoted in docs/ingest.md
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline import store
from pipeline.engine import runs
from pipeline.factors import load_reference_data
from pipeline.ingest import IngestOptions, ingest_file

UK = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ingest" / "uk"
FILES = {  # file: (organisation, year)
    "city_council_expenses_type_2022-08.csv": ("city", 2022),
    "leeds_2013-11_sample.csv": ("leeds", 2013),
    "bradford_2019-08_sample.csv": ("bradford", 2019),
    "harrogate_2022-08_clean.csv": ("harrogate", 2022),
    "calderdale_2022-08_clean.csv": ("calderdale", 2022),
}


def main() -> None:
    """Print, per fixture, the shares of spend (GBP) excluded/classified/unmapped and the ten largest expense types."""
    con = store.connect(Path(tempfile.mkdtemp()) / "k.duckdb")
    load_reference_data(con)
    for name, (org, year) in FILES.items():
        ingest_file(con, UK / name, IngestOptions(organisation_id=org, create_organisation=True))
        run_id = runs.compute_run(con, year, organisation_id=org).run_id
        total, excl, unm = con.execute(
            """select sum(abs(amount_ledger_currency)),
                      sum(abs(amount_ledger_currency)) filter (where is_excluded),
                      sum(abs(amount_ledger_currency)) filter (where not is_excluded and rule_level = 'unmapped')
               from line_emission where run_id = ?""", [run_id]).fetchone()
        excl, unm = excl or 0, unm or 0
        print(f"{name}: gross spend {total:,.2f} GBP; excluded {excl / total:.1%}, "
              f"classified {(total - excl - unm) / total:.1%}, unmapped {unm / total:.1%}")
        for account, spend, level, why, code, factor in con.execute(
                """select account, sum(amount_ledger_currency) as spend, any_value(rule_level),
                          any_value(exclusion_reason), any_value(industry_code), any_value(factor_code)
                   from line_emission where run_id = ? group by account order by abs(spend) desc limit 10""",
                [run_id]).fetchall():
            what = f"excluded: {why}" if why else f"SIC {code or '-'} -> {factor or '-'}"
            print(f"  {account[:44]:<44} {spend:>14,.2f}  {level:<12} {what}")
    con.close()


if __name__ == "__main__":
    main()
