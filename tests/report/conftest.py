"""The report tests share one seeded database (two organisations, 2023 and 2024 runs): see tests/helpers/report_seed.py."""

from __future__ import annotations

import pytest

from pipeline import store
from tests.helpers import report_seed as seed


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """An open connection to the shared report database and the run ids by year."""
    path, runs = seed.shared_database(tmp_path_factory)
    con = store.connect(path)
    yield con, runs
    con.close()
