"""The contract floor of bench/bench_fast_path.py measures the same work as its baseline: on a small generated
ledger the floor runs klimatspend's own great-expectations suite and gives the baseline's totals per department."""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    sys.path.insert(0, str(BENCH))
    try:
        import bench_fast_path
        import bench_run
    finally:
        sys.path.remove(str(BENCH))
    folder = tmp_path_factory.mktemp("bench")
    ledger = folder / "ledger.csv"
    bench_run.generate(ledger, 3_000, seed=0.5)
    return bench_fast_path, ledger, bench_run.factor_table(ledger), folder


def test_floor_agrees_with_the_stored_baseline(bench):
    module, ledger, factors, folder = bench
    floor = module.phase_floor([ledger], factors, folder / "floor.duckdb")
    stored = module.phase_stored([ledger], factors, folder / "stored.duckdb")
    assert floor["failing_rows"] == 0           # a generated ledger passes the contract: every line is priced
    assert len(floor["by_department"]) == len(stored["by_department"]) > 1
    assert floor["by_department"] == stored["by_department"]
    assert sum(floor["by_department"].values()) > 0
