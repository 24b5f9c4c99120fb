"""`klimatspend serve`: the web application on the database (uvicorn, one process that holds the database)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..config import ReadLimits, resolve_db_path
from ..errors import KlimatspendError, UsageError
from . import add_db_option

TRUST_PROXY_ENV = "KLIMATSPEND_TRUST_PROXY"


def register(sub) -> None:
    """Add the `serve` verb."""
    p = sub.add_parser("serve", help="start the web application (upload, review, map accounts)",
                       description="Serve the web app on the database: finance staff upload ledgers, strategists "
                                   "review emissions and map accounts, administrators manage users and publish runs. "
                                   "The server holds the database while it runs (DuckDB allows one writing process): "
                                   "CLI verbs that write wait for it and then say so; `show`, `report` and `batches "
                                   "list` read a copy the server keeps next to the database (<db>.snapshot.duckdb), "
                                   "refreshed after each change. Create the first administrator with "
                                   "`klimatspend user add NAME --role admin`. See docs/web.md.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    add_db_option(p)
    p.add_argument("--max-upload-mb", type=int, default=200, metavar="MB",
                   help="largest ledger file accepted (default 200 MB)")
    p.add_argument("--upload-dir", metavar="DIR",
                   help="private folder for uploads waiting to be loaded (default: a new temporary folder, "
                        "removed when the server stops)")
    p.add_argument("--overrides", metavar="FILE",
                   help="organisation overrides CSV the mapping page writes (default: <database>.overrides.csv)")
    p.add_argument("--secure-cookies", action="store_true",
                   help="always mark cookies Secure (they are whenever a request arrives over https, e.g. via a "
                        "proxy given with --trust-proxy)")
    p.add_argument("--trust-proxy", "--forwarded-allow-ips", dest="trust_proxy", metavar="IPS",
                   default=os.environ.get(TRUST_PROXY_ENV),
                   help="addresses of your reverse proxies (comma-separated, e.g. 127.0.0.1 or 10.0.0.0/8) whose "
                        "X-Forwarded-For/-Proto headers give the client's address and https; default: none, the "
                        f"headers are ignored (setting {TRUST_PROXY_ENV})")
    p.add_argument("--read-memory-mb", type=int, metavar="MB",
                   help="memory (address space) of the process that reads an upload (default 4096; setting "
                        "KLIMATSPEND_READ_MEMORY_MB)")
    p.add_argument("--read-seconds", type=int, metavar="S",
                   help="time the process that reads an upload may take (default 900; setting "
                        "KLIMATSPEND_READ_SECONDS)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Open the database, check there is an administrator, and serve until interrupted."""
    from .. import store
    from ..access import auth

    import uvicorn

    from ..web import WebConfig, create_app, security

    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: use a port between 1 and 65535")
    if args.max_upload_mb < 1:
        raise UsageError("--max-upload-mb: use at least 1")
    trusted = security.parse_proxies(args.trust_proxy)
    if args.read_memory_mb is not None or args.read_seconds is not None:
        limits = ReadLimits.from_env(read_memory_mb=args.read_memory_mb, read_seconds=args.read_seconds)
        os.environ.update(limits.as_env())      # the upload checks read their limits from the settings
    _check_port(args.host, args.port)
    db_path = resolve_db_path(args.db)
    con = store.connect(db_path)
    try:
        if not auth.has_active_admin(con):
            raise KlimatspendError(
                f"{db_path}: no administrator can log in yet; create one first with "
                f"`klimatspend user add NAME --role admin --db {db_path}`", code="no-admin")
        config = WebConfig(db_path=Path(db_path), upload_dir=Path(args.upload_dir) if args.upload_dir else None,
                           max_upload_bytes=args.max_upload_mb * 2**20,
                           overrides_path=Path(args.overrides) if args.overrides else None,
                           secure_cookies=args.secure_cookies, trusted_proxies=trusted, read_copy=True,
                           warm_reader=True)
        app = create_app(config, db=con)
    except BaseException:
        con.close()
        raise
    url = f"http://{args.host}:{args.port}/"
    print(f"klimatspend: serving {db_path} on {url} (Ctrl-C stops); `klimatspend show`, `report` and "
          "`batches list` read its copy meanwhile", file=sys.stderr)
    store.write_server_info(db_path, url)
    try:
        # proxy headers are the app's (pipeline.web.security.ProxyHeadersMiddleware): uvicorn must not apply them
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=False,
                    server_header=False, workers=1)
    except SystemExit as exc:          # uvicorn exits when it cannot start; it has logged why
        if exc.code not in (0, None):
            raise KlimatspendError(f"the web server stopped ({args.host}:{args.port}); see the messages above",
                                   code="serve-error") from None
    finally:
        store.remove_server_info(db_path)
    return 0


def _check_port(host: str, port: int) -> None:
    """Raise a clear error if nothing can listen on host:port (in use, or an address of another machine)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UsageError(f"--host {host}: not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise KlimatspendError(f"cannot listen on {host}:{port} ({exc.strerror}); another program (perhaps "
                                   "another klimatspend serve) uses it: choose another --port", code="serve-error"
                                   ) from None
