"""Locate the data directories shipped with klimatspend (sql/, emission_factors/, reports/)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent
_NAMES = ("sql", "emission_factors", "reports")


def resource_dir(name: str) -> Path:
    """Return the directory `name` (one of sql, emission_factors, reports) as a filesystem path.

    In a checkout or an editable install the top-level directory of the repository is used;
    in a wheel install the copy packaged as `pipeline._<name>` is used.
    """
    if name not in _NAMES:
        raise ValueError(f"unknown resource directory {name!r}")
    return locate(name, _PACKAGE_DIR)


def locate(name: str, package_dir: Path) -> Path:
    """Return `<repo>/<name>` next to the package (checkout, editable install) or `<package>/_<name>` (wheel)."""
    checkout = package_dir.parent / name
    if checkout.is_dir() and (package_dir.parent / "pyproject.toml").is_file():
        return checkout
    packaged = package_dir / f"_{name}"
    if packaged.is_dir():
        return packaged
    raise FileNotFoundError(f"klimatspend's {name}/ directory is missing from {package_dir}; reinstall klimatspend")


def sql_dir() -> Path:
    """Directory holding the SQL models (staging, intermediate, marts, checks)."""
    return resource_dir("sql")


def factors_dir() -> Path:
    """Directory holding factor sets, account maps, price indices and exchange rates."""
    return resource_dir("emission_factors")


def reports_dir() -> Path:
    """Directory holding report templates."""
    return resource_dir("reports")
