"""Time the whole annual run (ingest -> validate -> compute -> marts) on large generated ledgers, side by side with
(a) a bare DuckDB read_csv + join to the factor table + group by department and (b) a plain pandas read_csv +
merge + groupby on the same file; print the ratios and the peak memory (RSS) of each, measured in its own process.

Usage:
    python bench/bench_run.py                      # 1,000,000 and 5,000,000 lines
    python bench/bench_run.py --lines 200000       # any sizes
    python bench/bench_run.py --explain            # also save EXPLAIN ANALYZE of the heavy query

Files go to bench/out/ (ledgers are regenerated only when missing). Goals (issue 5): the whole run within 4x of
(a), faster than (b), peak memory under 4 GB at 5M lines. Run it when the machine is otherwise idle and state
the load (`uptime`) with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
YEAR = 2024

# Kommun-Bas 13 accounts a municipal ledger uses (five digits, with the account text the ledger prints, as the
# demo books them), with rough shares of lines (personnel and internal lines included: they are loaded,
# classified and excluded like any other line).
ACCOUNTS = {
    "46320": (6, "Köp av grundskoleplatser"), "46391": (3, "Köp av placeringar HVB barn och unga"),
    "40310": (2, "Byggnader och tekniska anläggningar, entreprenader"), "40220": (1, "Datorer och IT-utrustning"),
    "41010": (2, "Byggnads- och anläggningsmaterial"), "45110": (1, "Ekonomiskt bistånd"),
    "45310": (2, "Föreningsbidrag"), "50110": (8, "Arvoden förtroendevalda"), "50210": (4, "Löner tillsvidareanställda"),
    "56110": (4, "Arbetsgivaravgifter enligt lag och avtal"), "57110": (2, "Avgiftsbestämd ålderspension"),
    "60110": (4, "Lokalhyror"), "60190": (5, "Lokalhyror, interna"), "61310": (3, "Städning och lokalvård"),
    "61500": (2, "Reparation och underhåll av fastigheter"), "61710": (2, "Entreprenader gator och vägar"),
    "62100": (2, "El"), "62110": (1, "Elnätsavgifter"), "62300": (2, "Fjärrvärme"), "69510": (1, "Leasing av personbilar"),
    "64110": (3, "Möbler och inventarier"), "64120": (2, "Datorer och IT-utrustning"),
    "64610": (4, "Förbrukningsmaterial"), "64400": (8, "Livsmedel"), "65100": (3, "Kontorsmaterial"),
    "65500": (1, "Trycksaker"), "68110": (2, "Mobiltelefoni"), "68120": (1, "Datakommunikation"),
    "69100": (2, "Drivmedel"), "69910": (1, "Service och reparation av fordon"), "70110": (2, "Skolskjutsar"),
    "70500": (2, "Resor"), "72200": (1, "Annonsering"), "73100": (1, "Försäkringspremier"),
    "76500": (2, "Kurser och konferenser"), "74510": (2, "Konsulttjänster teknik"),
    "74310": (3, "Programvarulicenser och molntjänster"), "75100": (1, "Inhyrd personal"),
    "76100": (1, "Medlemsavgifter"), "79210": (1, "Avskrivningar byggnader och tekniska anläggningar"),
    "85410": (1, "Räntekostnader"),
}
DEPARTMENTS = ["Kommunledningsförvaltningen", "Barn- och utbildningsförvaltningen", "Socialförvaltningen",
               "Vård- och omsorgsförvaltningen", "Tekniska förvaltningen", "Samhällsbyggnadsförvaltningen",
               "Kultur- och fritidsförvaltningen", "Miljö- och byggförvaltningen", "Serviceförvaltningen"]


PART_LINES = 2_500_000   # ingest refuses files above 512 MiB: larger ledgers are exported per half-year


def ledger_parts(n_lines: int) -> list[Path]:
    """Return the file names of an `n_lines` ledger: one file, or one per period of at most PART_LINES lines."""
    k = -(-n_lines // PART_LINES)
    return [OUT / f"ledger_{n_lines}.csv"] if k == 1 else [OUT / f"ledger_{n_lines}_part{i + 1}of{k}.csv"
                                                           for i in range(k)]


def generate(path: Path, n_lines: int, seed: float = 0.42, months: tuple[int, int] = (1, 12),
             year: int = YEAR) -> None:
    """Write a Swedish municipal ledger of `n_lines` rows (';', decimal comma, UTF-8) with DuckDB, dated in
    the months `months` (first, last) of `year`."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"select setseed({seed})")
    accounts = [a for a, (w, _) in ACCOUNTS.items() for _ in range(w)]
    texts = [ACCOUNTS[a][1] for a in accounts]
    con.execute("create table accounts as select unnest(?) as konto, unnest(?) as kontotext, "
                "generate_subscripts(?, 1) as i", [accounts, texts, accounts])
    con.execute("create table depts as select unnest(?) as name, generate_subscripts(?, 1) as i",
                [DEPARTMENTS, DEPARTMENTS])
    from pipeline.demo.identity import luhn_check_digit

    numbers = [f"{n[:6]}-{n[6:]}{luhn_check_digit(n)}" for n in (f"55660{k:04d}" for k in range(300))]
    con.execute("create table suppliers as select unnest(?) as org_number, generate_subscripts(?, 1) - 1 as k",
                [numbers, numbers])
    n_acc, n_dep = len(accounts), len(DEPARTMENTS)
    import datetime as dt

    end = dt.date(year + 1, 1, 1) if months[1] == 12 else dt.date(year, months[1] + 1, 1)
    days = (end - dt.date(year, months[0], 1)).days
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"""
        copy (
            select
                strftime(date '{year}-{months[0]:02d}-01' + cast(floor(random() * {days}) as integer), '%Y-%m-%d')
                    as "Bokföringsdatum",
                a.konto as "Konto",
                a.kontotext as "Kontotext",
                d.name as "Förvaltning",
                cast(d.i * 10000 + cast(floor(random() * 40) as integer) * 10 as varchar) as "Ansvar",
                'Leverantör ' || s.k || ' AB' as "Leverantör",
                s.org_number as "Organisationsnummer",
                'F' || g.r as "Fakturanummer",
                'Faktura ' || a.konto || ' v.' || (1 + g.r % 52) as "Text",
                replace(cast(round(case when random() < 0.015 then -1 else 1 end
                                   * exp(random() * 9 + 4), 2) as decimal(18, 2)) :: varchar, '.', ',') as "Belopp"
            from (select range as r, 1 + cast(floor(random() * {n_acc}) as integer) as ai,
                         1 + cast(floor(random() * {n_dep}) as integer) as di,
                         cast(floor(random() * random() * 300) as integer) as k
                  from range({n_lines})) as g
            join accounts as a on a.i = g.ai
            join depts as d on d.i = g.di
            join suppliers as s on s.k = g.k
            order by g.r
        ) to '{tmp}' (format csv, delimiter ';', header true)""")
    tmp.replace(path)


def factor_table(path: Path) -> Path:
    """Write account -> factor (kg CO2e per USD 2022, with margins) for the generator's accounts, as the
    baselines' 'factor table': the shipped Kommun-Bas 13 map (longest prefix) joined to USEEIO."""
    import duckdb

    from pipeline.resources import factors_dir

    root = factors_dir()
    amap = sorted(root.glob("account_maps/kommunbas13/*/account_map.csv"),
                  key=lambda p: [int(x) for x in p.parent.name.split(".")])[-1]      # the newest release
    factors = next(root.glob("useeio/*/factors.csv"))
    con = duckdb.connect()
    out = path.parent / "factor_table.csv"
    con.execute(f"""
        copy (
            with accounts as (select unnest(?) as account),
                 m as (select * from read_csv('{amap}', all_varchar = true)),
                 f as (select factor_code, cast(value as double) as value
                       from read_csv('{factors}', all_varchar = true) where gas = 'CO2e'),
                 best as (
                     select a.account, m.factor_code, m.is_excluded
                     from accounts a join m on starts_with(a.account, m.account_prefix)
                     qualify row_number() over (partition by a.account order by length(m.account_prefix) desc) = 1)
            select b.account, coalesce(f.value, 0) * case when b.is_excluded = 'true' then 0 else 1 end as factor
            from best b left join f on f.factor_code = b.factor_code
        ) to '{out}' (format csv, header true)""", [list(ACCOUNTS)])
    return out


# --- phases, each run in its own process ----------------------------------------------------------------

def _peak_mb() -> int:
    """Peak resident memory of this process so far, in MB."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def phase_full(files: list[Path], db: Path, explain: Path | None) -> dict:
    """Whole annual run on a fresh database: reference data, ingest (+validate), compute, marts."""
    from pipeline.ingest import batches
    from pipeline import store
    from pipeline.engine import runs, marts
    from pipeline.cli.run import run_summary
    from pipeline.factors import load_reference_data
    from pipeline.ingest import IngestOptions, ingest_file

    t = {}
    t0 = time.perf_counter()
    con = store.connect(db)
    load_reference_data(con)
    batches.ensure_organisation(con, "bench", "Bench kommun", "municipality", "212000-0000")
    t["reference_data_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    stages: dict[str, float] = {}
    t["rows_loaded"] = 0
    for file in files:
        result = ingest_file(con, file, IngestOptions(organisation_id="bench", year=YEAR))
        t["rows_loaded"] += result.rows_loaded
        for k, v in result.timings.items():
            stages[k] = stages.get(k, 0.0) + v
    t["ingest_validate_s"] = time.perf_counter() - t1
    t["ingest_stages_s"] = {k: round(v, 2) for k, v in stages.items()}
    t["peak_rss_after_mb"] = {"ingest": _peak_mb()}
    t2 = time.perf_counter()
    run = runs.compute_run(con, YEAR, organisation_id="bench")
    t["compute_s"] = time.perf_counter() - t2
    t["compute_stages_s"] = {k: round(v, 2) for k, v in run.timings.items()}
    t["peak_rss_after_mb"]["compute"] = _peak_mb()
    t3 = time.perf_counter()
    summary = run_summary(con, run.run_id)
    for name in ("emissions_by_category", "emissions_by_supplier", "emissions_by_unit", "emissions_by_scope",
                 "spend_coverage", "unmapped_accounts", "emissions_by_month"):
        marts.read(con, name, run.run_id)
    t["marts_s"] = time.perf_counter() - t3
    t["peak_rss_after_mb"]["marts"] = _peak_mb()
    t["run_s"] = t["ingest_validate_s"] + t["compute_s"] + t["marts_s"]
    t["total_emissions_t_co2e"] = round(summary["total_emissions_kg_co2e"] / 1000, 1)
    t["by_department"] = {d["name"]: round(d["emissions_kg_co2e"] / 1000, 1) for d in summary["by_department"]}
    if explain:
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{explain}'")
        con.execute("select count(*), sum(emissions_kg_co2e) from int_line__emissions").fetchall()
        con.execute("pragma disable_profiling")
    con.close()
    return t


def phase_duckdb(files: list[Path], factors: Path) -> dict:
    """Baseline (a): bare DuckDB read_csv + join to the factor table + group by department."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(f"""
        select l."Förvaltning" as department, sum(l."Belopp" * 0.1 * f.factor) / 1000 as t_co2e
        from read_csv({[str(f) for f in files]}, delim = ';', header = true, decimal_separator = ',',
                      types = {{'Konto': 'VARCHAR', 'Belopp': 'DECIMAL(18,2)'}}) as l
        join read_csv('{factors}', header = true, types = {{'account': 'VARCHAR'}}) as f on f.account = l."Konto"
        group by all""").fetchall()
    return {"run_s": time.perf_counter() - t0, "by_department": {d: round(v, 1) for d, v in rows}}


def phase_pandas(files: list[Path], factors: Path) -> dict:
    """Baseline (b): plain pandas read_csv + merge + groupby."""
    import pandas as pd

    t0 = time.perf_counter()
    lines = pd.concat([pd.read_csv(f, sep=";", decimal=",", dtype={"Konto": str, "Ansvar": str}) for f in files],
                      ignore_index=True)
    table = pd.read_csv(factors, dtype={"account": str})
    merged = lines.merge(table, left_on="Konto", right_on="account", how="inner")
    merged["t"] = merged["Belopp"] * 0.1 * merged["factor"] / 1000
    result = merged.groupby("Förvaltning")["t"].sum()
    return {"run_s": time.perf_counter() - t0, "by_department": {k: round(v, 1) for k, v in result.items()}}


def measured(argv: list[str]) -> tuple[dict, float, float]:
    """Run this script with `argv` in a child process; return (its JSON output, wall seconds, peak RSS in MB).

    The output also gets 'cpu_s' (user + system CPU seconds of the whole process, load-independent).
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=Path(__file__).resolve().parent.parent)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"phase {argv[:2]} failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out)
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    return result, wall, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Generate the ledgers, time every phase in its own process and print the comparison."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 5_000_000])
    p.add_argument("--explain", action="store_true", help="save the profile of the heavy query (bench/out/)")
    p.add_argument("--phase", choices=["full", "duckdb", "pandas"], help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--factors", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--explain-file", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.phase == "full":
        print(json.dumps(phase_full(args.file, args.db, args.explain_file)))
        return 0
    if args.phase == "duckdb":
        print(json.dumps(phase_duckdb(args.file, args.factors)))
        return 0
    if args.phase == "pandas":
        print(json.dumps(phase_pandas(args.file, args.factors)))
        return 0

    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"cpus {os.cpu_count()}")
    for n in args.lines:
        files = ledger_parts(n)
        for i, file in enumerate(files):
            if not file.exists():
                t0 = time.perf_counter()
                first = 1 + 12 * i // len(files)
                generate(file, n // len(files), seed=0.42 + i / 100, months=(first, 12 * (i + 1) // len(files)))
                print(f"generated {file} in {time.perf_counter() - t0:.1f} s")
        factors = factor_table(files[0])
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            explain = OUT / f"profile_{n}.json" if args.explain else None
            full, full_wall, full_rss = measured(["--phase", "full", "--file", *map(str, files), "--db",
                                                  str(Path(tmp) / "bench.duckdb")]
                                                 + (["--explain-file", str(explain)] if explain else []))
        a, a_wall, a_rss = measured(["--phase", "duckdb", "--file", *map(str, files), "--factors", str(factors)])
        b, b_wall, b_rss = measured(["--phase", "pandas", "--file", *map(str, files), "--factors", str(factors)])
        print(f"\n{n:,} lines in {len(files)} file(s), {size_mb:.0f} MB, load average now {os.getloadavg()[0]:.2f}")
        print(f"  klimatspend whole run   {full['run_s']:7.1f} s   peak RSS {full_rss:7.0f} MB"
              f"   (+ reference data {full['reference_data_s']:.1f} s; process {full_wall:.1f} s wall, "
              f"{full['cpu_s']:.1f} s CPU)")
        print(f"     ingest + validate    {full['ingest_validate_s']:7.1f} s   {full['ingest_stages_s']}")
        print(f"     compute + checks     {full['compute_s']:7.1f} s   {full['compute_stages_s']}")
        print(f"     marts                {full['marts_s']:7.1f} s")
        print(f"     peak RSS after each stage (MB): {full['peak_rss_after_mb']}")
        print(f"  (a) bare DuckDB         {a['run_s']:7.1f} s   peak RSS {a_rss:7.0f} MB   ({a['cpu_s']:.1f} s CPU)")
        print(f"  (b) pandas              {b['run_s']:7.1f} s   peak RSS {b_rss:7.0f} MB   ({b['cpu_s']:.1f} s CPU)")
        print(f"  ratio run / (a) = {full['run_s'] / a['run_s']:.1f} (goal <= 4);  run / (b) = "
              f"{full['run_s'] / b['run_s']:.2f} (goal < 1);  compute only / (a) = {full['compute_s'] / a['run_s']:.1f}")
        print(f"  peak memory goal < 4096 MB at 5M lines: {'met' if full_rss < 4096 else 'NOT met'} "
              f"({full_rss:.0f} MB)")
        if explain:
            print(f"  profile of the heavy query: {explain}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
