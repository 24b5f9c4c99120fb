"""Locate the data directories shipped with klimatspend (sql/, emission_factors/, reports/)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
_PACKAGED = {"sql": "pipeline._sql", "emission_factors": "pipeline._emission_factors", "reports": "pipeline._reports"}


def resource_dir(name: str) -> Path:
    """Return the directory `name` (one of sql, emission_factors, reports) as a filesystem path.

    In a checkout or an editable install the top-level directory of the repository is used;
    in a wheel install the copy packaged as `pipeline._<name>` is used.
    """
    if name not in _PACKAGED:
        raise ValueError(f"unknown resource directory {name!r}")
    checkout = _REPO_ROOT / name
    if checkout.is_dir():
        return checkout
    return Path(str(files(_PACKAGED[name])))


def sql_dir() -> Path:
    """Directory holding the SQL models (staging, intermediate, marts, checks)."""
    return resource_dir("sql")


def factors_dir() -> Path:
    """Directory holding factor sets, account maps, price indices and exchange rates."""
    return resource_dir("emission_factors")


def reports_dir() -> Path:
    """Directory holding report templates."""
    return resource_dir("reports")
