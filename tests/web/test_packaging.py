"""The web app's templates and static files are shipped in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from tests.helpers.paths import ROOT

ROOT = ROOT
WEB = ROOT / "pipeline" / "web"


def test_wheel_contains_every_template_and_static_file(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set(zipfile.ZipFile(next(tmp_path.glob("klimatspend-*.whl"))).namelist())
    wanted = {f"pipeline/web/{p.relative_to(WEB).as_posix()}" for p in
              list((WEB / "templates").glob("*.html")) + list((WEB / "static").glob("*"))}
    assert len(wanted) > 20
    assert not wanted - names, sorted(wanted - names)
    assert "pipeline/store/migrations/0009_web.sql" in names and "pipeline/cli/serve.py" in names
