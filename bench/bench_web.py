"""Web app under load: do pages keep answering while a large ledger is checked, loaded and computed?

    python bench/bench_web.py [--lines 100000] [--requests 40]

Builds a database with the demo municipality's 2024 ledger loaded and computed, starts the web server
(uvicorn, in this process, as `klimatspend serve` does), logs in over HTTP and then:

1. times the dashboard with nothing else running (baseline);
2. uploads the demo's 2025 ledger with about --lines lines and times the dashboard while the file is checked
   (requests are sent back to back; only those that start and end inside the job are counted);
3. confirms the load and times the dashboard while the batch is loaded (one writer: the background job);
4. computes 2025 and times the dashboard while the run computes.

Prints, per phase, the job's duration and the dashboard's median, 95th percentile and slowest response, and
the machine's load average (other work on the machine slows everything; note it with the figures).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2 as httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.access import auth
from pipeline import store
from pipeline.engine import runs  # noqa: E402
from pipeline.demo.generator import generate  # noqa: E402
from pipeline.factors import load_reference_data  # noqa: E402
from pipeline.ingest import IngestOptions, ingest_file  # noqa: E402
from pipeline.web import WebConfig, create_app  # noqa: E402

PASSWORD = "correct horse battery"


def serve(app, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html).group(1)


def time_dashboard(client: httpx.Client, running, n: int | None = None) -> list[float]:
    """GET /dashboard back to back while `running()` is true (or `n` times); return the seconds of the requests
    that started and ended while it was true."""
    out = []
    while (n is not None and len(out) < n) or (n is None and running()):
        t0 = time.perf_counter()
        r = client.get("/dashboard?yo=2024%7Calvby_kommun")
        elapsed = time.perf_counter() - t0
        assert r.status_code == 200, r.status_code
        if n is not None or running():
            out.append(elapsed)
    return out


def job_running(state, job_id: int):
    def check() -> bool:
        con = state.db.cursor()
        try:
            return con.execute("select status from web_job where job_id = ?", [job_id]).fetchone()[0] in (
                "queued", "running")
        finally:
            con.close()
    return check


def summary(name: str, times: list[float], job_s: float | None) -> None:
    times = sorted(times)
    if not times:
        print(f"{name:<28} job {job_s:6.1f} s; no dashboard request fitted inside the job")
        return
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    job = f"job {job_s:6.1f} s; " if job_s is not None else " " * 14
    print(f"{name:<28} {job}dashboard n={len(times):3d}  median {statistics.median(times) * 1000:6.0f} ms  "
          f"p95 {p95 * 1000:6.0f} ms  max {times[-1] * 1000:6.0f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000, help="municipal ledger lines in the uploaded year")
    ap.add_argument("--requests", type=int, default=40, help="dashboard requests when idle")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="klimatspend-bench-web-"))
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    t0 = time.perf_counter()
    manifest = generate(work / "data", years=(2024, 2025), lines_per_year=args.lines)
    files = {(f.kind, f.year): work / "data" / f.name for f in manifest.files}
    db = work / "bench.duckdb"
    con = store.connect(db)
    load_reference_data(con)
    ingest_file(con, files[("municipal_ledger", 2024)], IngestOptions(organisation_id="alvby_kommun", year=2024))
    runs.compute_run(con, 2024, mapping="kommunbas13", organisation_id="alvby_kommun")
    auth.add_user(con, "adam", PASSWORD, "admin")
    con.close()
    upload = files[("municipal_ledger", 2025)]
    n_lines = sum(1 for _ in upload.open("rb")) - 1
    print(f"prepared in {time.perf_counter() - t0:.1f} s; upload: {upload.name}, {n_lines:,} lines, "
          f"{upload.stat().st_size / 1e6:.1f} MB")

    app = create_app(WebConfig(db_path=db, upload_dir=work / "uploads"))
    server = serve(app, args.port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=120) as client:
            page = client.get("/login")
            client.post("/login", data={"username": "adam", "password": PASSWORD, "csrf_token": csrf(page.text)})
            client.get("/dashboard?yo=2024%7Calvby_kommun")           # warm up (templates, views)
            summary("idle", time_dashboard(client, None, args.requests), None)

            token = csrf(client.get("/upload").text)
            t_up = time.perf_counter()
            r = client.post("/upload", data={"organisation_id": "alvby_kommun", "year": "2025", "csrf_token": token},
                            files={"file": (upload.name, upload.read_bytes(), "text/csv")}, follow_redirects=False)
            up_url = r.headers["location"]
            upload_s = time.perf_counter() - t_up
            state = app.state.web
            job_id = state.db.cursor().execute("select job_id from web_upload").fetchone()[0]
            t1 = time.perf_counter()
            times = time_dashboard(client, job_running(state, job_id))
            check_s = client.get(f"/jobs/{job_id}/status").json()["elapsed_s"]
            summary(f"during check ({upload_s:.1f} s upload)", times, check_s)
            assert "Skulle läsas in" in client.get(up_url).text, "the check did not succeed"

            r = client.post(up_url + "/confirm", data={"csrf_token": csrf(client.get(up_url).text)},
                            follow_redirects=False)
            job_url = r.headers["location"]
            times = time_dashboard(client, job_running(state, int(job_url.rsplit("/", 1)[1])))
            status = client.get(job_url + "/status").json()
            assert status["status"] == "done", status
            summary("during load", times, status["elapsed_s"])

            token = csrf(client.get("/dashboard").text)
            r = client.post("/runs", data={"year": "2025", "organisation_id": "alvby_kommun", "csrf_token": token},
                            follow_redirects=False)
            job_url = r.headers["location"]
            times = time_dashboard(client, job_running(state, int(job_url.rsplit("/", 1)[1])))
            status = client.get(job_url + "/status").json()
            assert status["status"] == "done", status
            summary("during run", times, status["elapsed_s"])
            print(f"wall time of the three jobs and their requests: {time.perf_counter() - t1:.1f} s")
    finally:
        server.should_exit = True
        time.sleep(0.5)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
