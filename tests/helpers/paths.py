"""Where the tests find the repository and their fixtures, wherever a test module sits in tests/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]          # the repository (pyproject.toml, pipeline/, sql/ ...)
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
