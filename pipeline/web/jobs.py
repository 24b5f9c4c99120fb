"""Background jobs of the web app: long work (checking an upload, loading a batch, computing a run) runs in
worker threads inside the server process, so pages keep answering while it runs.

DuckDB allows one writing process; inside it, each thread uses its own cursor of the server's connection.
Jobs that write to the database run one at a time on the "db" worker (no two loads or runs race each other);
checks of uploaded files run in a private in-memory database on the "check" worker.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

import duckdb

from ..errors import KlimatspendError

log = logging.getLogger("klimatspend.web")
QUEUES = ("db", "check")


@dataclass
class Progress:
    """What a running job is doing now (kept in memory; the database has the final state)."""

    step: str = ""                     # English text, translated when shown
    started: float = field(default_factory=time.monotonic)
    estimate_s: float | None = None    # expected total duration, when it can be estimated
    estimate_basis: str = ""           # what the estimate comes from (English text)


class JobContext:
    """Handed to a job function: a database cursor and a way to report progress."""

    def __init__(self, runner: "JobRunner", job_id: int, con: duckdb.DuckDBPyConnection, params: dict,
                 created_by: str | None):
        self.runner = runner
        self.job_id = job_id
        self.con = con
        self.params = params
        self.created_by = created_by

    def progress(self, step: str, *, estimate_s: float | None = None, basis: str = "") -> None:
        """Record the current step (English text) and, if known, the expected total duration in seconds."""
        p = self.runner.progress.setdefault(self.job_id, Progress())
        p.step = step
        if estimate_s is not None:
            p.estimate_s = estimate_s
            p.estimate_basis = basis


JobFunction = Callable[[JobContext], tuple[dict, str | None]]   # returns (result, result_url)


class SnapshotWriter:
    """Keeps the read-only copy of the database that CLI readers open while the server runs (store.write_snapshot).

    `changed()` marks the data changed (after a job or a form that writes); a thread writes a new copy at most
    every `min_interval` seconds, so a burst of changes costs one copy.
    """

    def __init__(self, db: duckdb.DuckDBPyConnection, db_path, min_interval: float = 2.0):
        self.db = db
        self.db_path = db_path
        self.min_interval = min_interval
        self.written = 0
        self.last_seconds: float | None = None
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Write the first copy and start the thread that refreshes it."""
        self._dirty.set()
        self._thread = threading.Thread(target=self._loop, name="klimatspend-snapshot", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        """Note that the database changed: a new copy is written soon."""
        self._dirty.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop refreshing (the copy is removed with the server note, store.remove_server_info)."""
        self._stop.set()
        self._dirty.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        from .. import store

        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                break
            self._dirty.clear()
            con = self.db.cursor()
            try:
                started = time.monotonic()
                store.write_snapshot(con, self.db_path)
                self.last_seconds = time.monotonic() - started
                self.written += 1
            except Exception:  # noqa: BLE001 - readers then wait for the lock and are told why
                log.error("could not write the read-only copy of the database:\n%s", traceback.format_exc())
            finally:
                con.close()
            self._stop.wait(self.min_interval)


class JobRunner:
    """Two worker threads ("db" and "check") taking jobs from queues; job rows live in `web_job`."""

    def __init__(self, db: duckdb.DuckDBPyConnection):
        self.db = db
        self.on_change: Callable[[], None] = lambda: None      # called after each job of the "db" queue
        self.queues: dict[str, queue.Queue] = {name: queue.Queue() for name in QUEUES}
        self.progress: dict[int, Progress] = {}
        self.functions: dict[int, JobFunction] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._pending = 0
        self._cond = threading.Condition()

    def start(self) -> None:
        """Start the worker threads; jobs left unfinished by a previous server process are marked failed."""
        con = self.db.cursor()
        try:
            con.execute("""update web_job set status = 'failed', finished_at = current_timestamp,
                           error = 'the server stopped before the job finished; start it again'
                           where status in ('queued', 'running')""")
        finally:
            con.close()
        for name in QUEUES:
            t = threading.Thread(target=self._work, args=(name,), name=f"klimatspend-{name}-worker", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the workers to stop after their current job and wait up to `timeout` seconds."""
        self._stop.set()
        for q in self.queues.values():
            q.put(None)
        for t in self._threads:
            t.join(timeout)

    def submit(self, kind: str, fn: JobFunction, *, params: dict, created_by: str | None,
               queue_name: str = "db") -> int:
        """Record a queued job and hand it to a worker; return the job id."""
        con = self.db.cursor()
        try:
            job_id = con.execute("""insert into web_job (kind, status, created_by, params) values (?, 'queued', ?, ?)
                                    returning job_id""",
                                 [kind, created_by, json.dumps(params, ensure_ascii=False, default=str)]).fetchone()[0]
        finally:
            con.close()
        self.functions[job_id] = fn
        self.progress[job_id] = Progress(step="waiting for the job before it")
        with self._cond:
            self._pending += 1
        self.queues[queue_name].put(job_id)
        return job_id

    def _work(self, name: str) -> None:
        q = self.queues[name]
        while not self._stop.is_set():
            job_id = q.get()
            if job_id is None:
                break
            try:
                self._run(job_id)
                if name == "db":
                    self.on_change()
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _run(self, job_id: int) -> None:
        con = self.db.cursor()
        fn = self.functions.pop(job_id)
        try:
            row = con.execute("select params, created_by from web_job where job_id = ?", [job_id]).fetchone()
            params = json.loads(row[0]) if row and row[0] else {}
            self.progress[job_id] = Progress(step="")
            con.execute("update web_job set status = 'running', started_at = current_timestamp where job_id = ?",
                        [job_id])
            ctx = JobContext(self, job_id, con, params, row[1] if row else None)
            try:
                result, url = fn(ctx)
                status, error = "done", None
            except KlimatspendError as exc:
                result, url, status, error = {}, None, "failed", str(exc)
            except duckdb.TransactionException:
                result, url, status, error = {}, None, "failed", \
                    "the database was busy with another change at the same moment; start the job again"
            except Exception:  # noqa: BLE001 - a job must never kill its worker
                log.error("job %s failed:\n%s", job_id, traceback.format_exc())
                result, url, status, error = {}, None, "failed", "internal error (logged by the server)"
            con.execute("""update web_job set status = ?, finished_at = current_timestamp, result = ?, error = ?,
                           result_url = ? where job_id = ?""",
                        [status, json.dumps(result, ensure_ascii=False, default=str), error, url, job_id])
        finally:
            self.progress.pop(job_id, None)
            con.close()

    def status(self, con: duckdb.DuckDBPyConnection, job_id: int) -> dict | None:
        """Return a job's row with its live progress (step, elapsed and estimated seconds)."""
        cur = con.execute("""select job_id, kind, status, created_by, created_at, started_at, finished_at, params,
                                    result, error, result_url from web_job where job_id = ?""", [job_id])
        row = cur.fetchone()
        if row is None:
            return None
        job = dict(zip([d[0] for d in cur.description], row))
        job["params"] = json.loads(job["params"]) if job["params"] else {}
        job["result"] = json.loads(job["result"]) if job["result"] else {}
        p = self.progress.get(job_id)
        job["step"] = p.step if p else ""
        job["elapsed_s"] = (time.monotonic() - p.started) if p and job["status"] == "running" else None
        job["estimate_s"] = p.estimate_s if p else None
        job["estimate_basis"] = p.estimate_basis if p else ""
        if job["status"] in ("done", "failed") and job["started_at"] and job["finished_at"]:
            job["elapsed_s"] = (job["finished_at"] - job["started_at"]).total_seconds()
        return job

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until both queues are empty and idle (tests and benchmarks); return False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)
