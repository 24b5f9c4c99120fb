"""The report files written for a run (table report_output): recorded when written, listed by the web's Reports page."""

from __future__ import annotations

from pathlib import Path

import duckdb


def record_outputs(con: duckdb.DuckDBPyConnection, run_id: int, paths: list[Path], lang: str) -> None:
    """Record the report files written for `run_id` (absolute paths); a read-only database records nothing."""
    try:
        for p in paths:
            con.execute("insert or replace into report_output (run_id, file_name, path, lang) values (?, ?, ?, ?)",
                        [run_id, p.name, str(Path(p).resolve()), lang])
    except duckdb.Error:
        # a report read from a read-only copy still gets written; only the web's list misses it
        pass


def list_outputs(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict]:
    """Return the recorded report files of `run_id` that still exist: [{name, path, bytes, written_at}], newest first."""
    out, seen = [], set()
    for name, path, written in con.execute(
            "select file_name, path, written_at from report_output where run_id = ? order by written_at desc",
            [run_id]).fetchall():
        p = Path(path)
        if name in seen or not p.is_file():
            continue
        seen.add(name)
        out.append({"name": name, "path": p, "bytes": p.stat().st_size, "written_at": written})
    return out
