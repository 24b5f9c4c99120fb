"""Shared fixtures: a fresh database per test, and the path of the hand-made fixtures."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from pipeline import store
from pipeline.engine import runs
from tests.helpers.paths import FIXTURES

FIXTURES = FIXTURES

# The CLI follows LANG (issue 20); the tests pin its English output unless a test asks for Swedish (--lang sv).
os.environ["KLIMATSPEND_LANG"] = "en"


@pytest.fixture
def con(tmp_path):
    """A new, migrated klimatspend database in a temporary directory."""
    connection = store.connect(tmp_path / "test.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def fixtures() -> Path:
    """The directory of hand-made test files."""
    return FIXTURES


BUDGET_FIXTURES = FIXTURES / "budget"


def seed_store(con) -> list[int]:
    """Load tests/fixtures/budget/seed.sql and compute 2023–2025; return the run ids.

    Per year (t CO2e): kommun A 300/280/260, B 150/140/100, C 50/30/40 (totals 500/450/400);
    bostad X 100/90/95. Capital goods (scope 3 category 2): P1 (C) 15 t in 2024 and 30 t in 2025,
    P2 (A) 150 t in 2025.
    """
    con.execute((BUDGET_FIXTURES / "seed.sql").read_text(encoding="utf-8"))
    return [runs.compute_run(con, y, factors="test@1.0", mapping="map@1.0").run_id for y in (2023, 2024, 2025)]


@pytest.fixture(scope="session")
def seeded_db_file(tmp_path_factory) -> Path:
    """A store with the seed computed once per test session; tests work on copies of it."""
    path = tmp_path_factory.mktemp("seed") / "seed.duckdb"
    con = store.connect(path)
    seed_store(con)
    con.close()
    return path


@pytest.fixture(scope="session")
def hostile_workbooks(tmp_path_factory) -> dict[str, Path]:
    """The hostile workbooks of issue 18 (tests/helpers/hostile.py), written once per session: name -> path."""
    from tests.helpers import hostile

    folder = tmp_path_factory.mktemp("hostile")
    return {"dimension_bomb": hostile.dimension_bomb(folder / "dimension_bomb.xlsx"),
            "expansion_bomb": hostile.expansion_bomb(folder / "expansion_bomb.xlsx"),
            "many_rows": hostile.many_rows(folder / "many_rows.xlsx")}


@pytest.fixture(scope="session")
def demo_once(tmp_path_factory) -> tuple[Path, str]:
    """`klimatspend demo --lines-per-year 2000` run once per session in an empty directory, as a user runs it.

    Returns the directory and what the demo printed. Tests only read it (or copy the database): a demo run costs
    about 15 s, and the demo tests and the scenario tests all start from the same one.
    """
    from pipeline.cli import main

    folder = tmp_path_factory.mktemp("demo_once")
    printed = io.StringIO()
    before = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(printed):
            code = main(["demo", "--lines-per-year", "2000"])
    finally:
        os.chdir(before)
    assert code == 0, printed.getvalue()
    return folder, printed.getvalue()
