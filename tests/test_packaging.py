"""Packaging: every Python subpackage and data directory is shipped in a wheel install."""

from __future__ import annotations

import tomllib
from tests.helpers.paths import ROOT

ROOT = ROOT


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py")}
    missing = sorted(on_disk - listed)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_resources_found_in_checkout_and_in_wheel_layout(tmp_path):
    from pipeline.resources import locate, resource_dir

    assert (resource_dir("sql") / "marts").is_dir()
    assert (resource_dir("emission_factors") / "categories.csv").is_file()
    # a wheel install: site-packages/pipeline/_sql, with no pyproject.toml beside the package
    pkg = tmp_path / "site-packages" / "pipeline"
    (pkg / "_sql" / "marts").mkdir(parents=True)
    (tmp_path / "site-packages" / "sql").mkdir()  # an unrelated top-level 'sql' package must not be picked
    assert locate("sql", pkg) == pkg / "_sql"


def test_wheel_contains_data_directories(tmp_path):
    """Build the wheel as pip does and check the data a fresh install needs is inside it."""
    import subprocess
    import sys
    import zipfile

    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("klimatspend-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("pipeline/store/migrations/0001_initial.sql", "pipeline/_sql/marts/emissions_by_department.sql",
                     "pipeline/_emission_factors/categories.csv",
                     "pipeline/_emission_factors/useeio/1.3.0/factors.csv", "pipeline/factors/__init__.py",
                     "pipeline/cli/demo.py", "pipeline/i18n/__init__.py", "pipeline/i18n/catalogue/sv.json",
                     "pipeline/i18n/catalogue/en.json"):
        assert required in names, required
