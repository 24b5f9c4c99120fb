"""`klimatspend init`: create (or migrate) the database."""

from __future__ import annotations

from ..config import resolve_db_path
from . import add_db_option, print_json


def register(sub) -> None:
    """Add the `init` verb."""
    p = sub.add_parser("init", help="create the database (or bring an older one up to date)",
                       description="Create the DuckDB database with the klimatspend schema, or migrate an older one.")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Create or migrate the database at the resolved path and report its schema version."""
    from .. import store

    path = resolve_db_path(args.db)
    existed = path.exists()
    con = store.connect(path, create=True)
    try:
        from ..factors import load_reference_data

        loaded = load_reference_data(con)
        migrations = store.applied_migrations(con)
    finally:
        con.close()
    result = {
        "database": str(path),
        "created": not existed,
        "schema_version": migrations[-1][0],
        "migrations": [f"{n:04d}_{name}" for n, name in migrations],
        "reference_data": loaded,
    }
    if args.json:
        print_json(result)
    else:
        verb = "created" if not existed else "up to date"
        print(f"{path}: {verb}, schema version {result['schema_version']:04d}")
    return 0
