"""Shared fixtures: a fresh database per test, and the path of the hand-made fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import store

FIXTURES = Path(__file__).parent / "fixtures"


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
