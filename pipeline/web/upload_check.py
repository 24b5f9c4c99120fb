"""Reading an uploaded ledger in a child process with a memory and time limit, so that no file can take the web
server down.

The check of an upload (pipeline.web.uploads.check_upload) parses the whole file; a hostile workbook can make a
reader allocate far more memory than the machine has, and a Rust reader then aborts the whole process. The
server therefore runs the reading in a child process (`python -c ...`, never a fork of the threaded server)
whose address space is limited with RLIMIT_AS (ReadLimits.read_memory_mb) before anything is imported, and
which is killed after ReadLimits.read_seconds. The child writes its result as JSON next to the upload, with
the findings CSV and the keys of the rows that would load (for the overlap check, which the server makes
against the live batches). If the child dies, the upload fails with one line that says why. The server keeps
one child started ahead (`prestart`), so that its imports do not delay the check of the next upload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import ReadLimits
from ..errors import KlimatspendError

# The child sets its limits first, then imports: nothing heavy is loaded before the limit holds. With "-" for
# the task, it imports and warms up, then waits for the task's path on its standard input (a warm child).
# (Where there is no `resource` module, Windows, only the time limit applies.)
_BOOT = ("import sys\n"
         "try:\n    import resource\n    limit = int(sys.argv[1]) * 2**20\n"
         "    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
         "except ImportError:\n    pass\n"
         "from pipeline.web.uploads import child_main\nsys.exit(child_main(sys.argv[2]))\n")
_warm_lock = threading.Lock()
_warm: tuple[subprocess.Popen, ReadLimits] | None = None
_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MALLOC_ARENA_MAX": "2", "RUST_BACKTRACE": "0"}


class ReadLimitError(KlimatspendError):
    """The child process reading an upload ran out of memory or time, or died."""

    code = "read-limit"


@dataclass
class CheckOutcome:
    """What the child reported (`result`: the check as plain data) and how long it took (seconds, with start-up)."""

    result: dict
    seconds: float


def _spawn(limits: ReadLimits, task_arg: str) -> subprocess.Popen:
    env = {**os.environ, **_THREAD_ENV, **limits.as_env(),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                          *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.Popen([sys.executable, "-c", _BOOT, str(limits.read_memory_mb), task_arg],
                            stdin=subprocess.PIPE if task_arg == "-" else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, close_fds=True)


def prestart(limits: ReadLimits) -> None:
    """Start a warm child (imported and waiting for a task) unless one with these limits is waiting already.

    Starting Python with pandas, DuckDB and great-expectations takes seconds; a warm child takes them before the
    upload arrives. The server starts the next one after each check.
    """
    global _warm
    with _warm_lock:
        if _warm is not None and _warm[1] == limits and _warm[0].poll() is None:
            return
        if _warm is not None:
            _warm[0].kill()
        _warm = (_spawn(limits, "-"), limits)


def shutdown() -> None:
    """Stop the warm child, if any (the server is stopping)."""
    global _warm
    with _warm_lock:
        if _warm is not None:
            _warm[0].kill()
            _warm[0].communicate()
            _warm = None


def _take_warm(limits: ReadLimits) -> subprocess.Popen | None:
    global _warm
    with _warm_lock:
        found, _warm = _warm, None
    if found is not None and found[1] == limits and found[0].poll() is None:
        return found[0]
    if found is not None:
        found[0].kill()
        found[0].communicate()
    return None


def run_check(task: dict, result_path: Path, limits: ReadLimits, display_name: str, *,
              warm: bool = False) -> CheckOutcome:
    """Run the check described by `task` in a limited child process; return its result.

    `task` is plain data for `pipeline.web.uploads.check_task` (file path, ingest options, where to write), run
    by `uploads.child_main` in the child. With `warm`, a child started ahead (`prestart`) takes the task and the
    next one is started. Raises ReadLimitError with a one-line message when the child exceeds its memory or
    time, or dies without a result.
    """
    result_path.unlink(missing_ok=True)
    task_path = result_path.with_suffix(".task.json")
    task_path.write_text(json.dumps({**task, "result_path": str(result_path)}, ensure_ascii=False), encoding="utf-8")
    started = time.perf_counter()
    words = (f"the server reads an upload with at most {limits.read_memory_mb:,} MB of memory and "
             f"{limits.read_seconds:,} s (settings KLIMATSPEND_READ_MEMORY_MB, KLIMATSPEND_READ_SECONDS)")
    proc = _take_warm(limits) if warm else None
    try:
        if proc is None:
            proc = _spawn(limits, str(task_path))
            given = None
        else:
            given = (str(task_path) + "\n").encode("utf-8")
        try:
            _, err = proc.communicate(input=given, timeout=limits.read_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise ReadLimitError(f"{display_name}: reading the file took longer than {limits.read_seconds:,} s and "
                                 f"was stopped; {words}: export the ledger as CSV, or split it by period") from None
    finally:
        task_path.unlink(missing_ok=True)
        if warm:
            prestart(limits)
    seconds = time.perf_counter() - started
    if result_path.is_file():
        result = json.loads(result_path.read_text(encoding="utf-8"))
        result_path.unlink(missing_ok=True)
        return CheckOutcome(result, seconds)
    why = _reason(proc.returncode, err.decode("utf-8", "replace"))
    raise ReadLimitError(f"{display_name}: the file could not be read ({why}); {words}: if it is a real ledger, "
                         "export it as CSV or split it by period")


def _reason(code: int, stderr: str) -> str:
    """Return a short reason for a child's death from its exit code and the last lines it wrote."""
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    text = " ".join(lines).lower()
    if "memory allocation" in text or "memoryerror" in text or "out of memory" in text or "cannot allocate" in text:
        return "it needs more memory than allowed"
    if code < 0:
        return f"the reading process was stopped by signal {-code}"
    if code == 134:
        return "the reading process aborted"
    last = next((ln for ln in reversed(lines) if not ln.startswith(("File ", "Traceback", "^"))), "")
    return f"the reading process ended with code {code}" + (f": {last[:160]}" if last else "")
