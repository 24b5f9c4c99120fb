"""Organisation overrides: an editable CSV of account, supplier, keyword and counterparty rules with author and date.

File layout (one override per row; `klimatspend factors overrides add` appends rows, a text editor or the
web app may edit them):

    override_id,organisation_id,kind,match_value,account_prefix,category_id,factor_set_id,factor_code,
    industry_code,factor_value,factor_unit,is_excluded,exclusion_reason,author,created_at,notes

(`industry_code`, the NACE Rev. 2 code of what was bought, came later: a file without that column is read as if
it were empty there, and gets the column the next time a row is added.)

kind = account       match_value = account prefix (1-6 digits): replaces or adds a row of the account map
kind = supplier      match_value = organisation number NNNNNN-NNNN: supplier-specific category/factor
kind = keyword       match_value = word matched in the line description (optionally only under account_prefix)
kind = counterparty  match_value = counterparty (motpart) code or name: excluded, normally as 'internal'

Loading for an organisation writes:
* account overrides into a DERIVED account map `<org>_<base map>` version `<base version>.<n>` = the base
  map's rows with the overrides applied (an override replaces the row of the same prefix, with source
  `override:<org>:<id>`: a row a person confirmed, which the keyword table over ledger texts never overrides). Each distinct
  content gets a new n, so a derived version is as immutable as a released one and a run records exactly
  which overrides it used;
* supplier, keyword and counterparty rules into supplier_rule, keyword_rule and exclusion with rule ids
  `ovr:<org>:<override_id>`, replacing that organisation's previous override rules.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: the CLI builds its parser without loading DuckDB
    import duckdb

from .categories import category_ids
from ..errors import UsageError
from .schema import Problem, SchemaError, validate_csv

COLUMNS = ["override_id", "organisation_id", "kind", "match_value", "account_prefix", "category_id", "factor_set_id",
           "factor_code", "industry_code", "factor_value", "factor_unit", "is_excluded", "exclusion_reason", "author",
           "created_at", "notes"]
LATER_COLUMNS = ("industry_code",)     # optional in files written before they existed
KINDS = ("account", "supplier", "keyword", "counterparty")
REASONS = ("personnel", "pensions", "grants_transfers", "financial", "depreciation", "taxes_vat", "internal",
           "balance_sheet", "revenue")
CATEGORIES = category_ids()

OVERRIDE_SCHEMA = {
    "columns": {
        "override_id": {"type": "string", "required": True, "pattern": "^[A-Za-z0-9_.-]+$"},
        "organisation_id": {"type": "string", "required": False, "description": "empty = every organisation"},
        "kind": {"type": "string", "required": True, "enum": list(KINDS)},
        "match_value": {"type": "string", "required": True},
        "account_prefix": {"type": "string", "required": False, "pattern": "^[0-9]{1,6}$"},
        "category_id": {"type": "string", "required": False, "enum": list(CATEGORIES)},
        "factor_set_id": {"type": "string", "required": False},
        "factor_code": {"type": "string", "required": False},
        "industry_code": {"type": "string", "required": False, "pattern": "^[0-9]{2,5}$"},
        "factor_value": {"type": "number", "required": False, "minimum": 0},
        "factor_unit": {"type": "string", "required": False, "pattern": r"^kg CO2e/[A-Z]{3}$"},
        "is_excluded": {"type": "boolean", "required": True},
        "exclusion_reason": {"type": "string", "required": False, "enum": list(REASONS)},
        "author": {"type": "string", "required": True},
        "created_at": {"type": "date", "required": True},
        "notes": {"type": "string", "required": False},
    },
    "unique": ["override_id"],
}
_ORG_NUMBER = re.compile(r"^\d{6}-?\d{4}$")


@dataclass(frozen=True)
class LoadResult:
    """What loading an overrides file did."""

    organisation_id: str
    mapping: str | None            # derived account map 'id@version', or None without account overrides
    accounts: int
    suppliers: int
    keywords: int
    counterparties: int


def read_overrides(path: Path) -> list[dict]:
    """Read the overrides CSV at `path` as a list of dicts (empty cells as '')."""
    if not Path(path).is_file():
        raise UsageError(f"{path}: no overrides file; create it with `klimatspend factors overrides add --file {path} ...`")
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column in LATER_COLUMNS:
            row.setdefault(column, "")
    return rows


def _header(path: Path) -> list[str]:
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def check_overrides(path: Path) -> list[Problem]:
    """Validate an overrides file: schema (types, required author and date, unique ids) and per-kind rules."""
    schema = OVERRIDE_SCHEMA
    if Path(path).is_file():
        missing_later = [c for c in LATER_COLUMNS if c not in _header(Path(path))]
        schema = {**OVERRIDE_SCHEMA, "columns": {k: v for k, v in OVERRIDE_SCHEMA["columns"].items()
                                                 if k not in missing_later}}
    problems = validate_csv(Path(path), schema, label=Path(path).name)
    if problems:
        return problems
    label = Path(path).name
    for row_no, row in enumerate(read_overrides(path), start=1):
        problems += [Problem(label, code, message, row=row_no, column=column, value=row.get(column, ""))
                     for code, column, message in _row_rules(row)]
    return problems


def _row_rules(row: dict) -> list[tuple[str, str, str]]:
    """Return (code, column, message) for each per-kind rule the row breaks."""
    out = []
    kind, value = row["kind"], row["match_value"].strip()
    excluded = row["is_excluded"].strip().lower() in ("true", "1", "yes")
    if excluded and not row["exclusion_reason"]:
        out.append(("missing-cell", "exclusion_reason", "is required when is_excluded is true"))
    if not excluded and kind != "counterparty":
        if not row["category_id"]:
            out.append(("missing-cell", "category_id", "is required unless the override excludes"))
        has_code = bool(row["factor_set_id"] and row["factor_code"])
        has_value = bool(row["factor_value"] and row["factor_unit"])
        has_industry = bool(row.get("industry_code"))
        if kind == "supplier" and not (has_code or has_value):
            out.append(("missing-cell", "factor_code", "a supplier override needs factor_set_id+factor_code or factor_value+factor_unit"))
        if kind in ("account", "keyword") and not (has_code or has_industry):
            out.append(("missing-cell", "factor_code", "needs factor_set_id and factor_code, or an industry_code"))
    if kind == "account" and not re.fullmatch(r"[0-9]{1,6}", value):
        out.append(("constraint-error", "match_value", "is not an account prefix (1-6 digits)"))
    if kind == "supplier" and not _ORG_NUMBER.match(value):
        out.append(("constraint-error", "match_value", "is not an organisation number NNNNNN-NNNN"))
    if kind == "counterparty" and not excluded:
        out.append(("constraint-error", "is_excluded", "counterparty overrides exclude (normally as 'internal')"))
    if row["created_at"] and row["created_at"] > date.today().isoformat():
        out.append(("constraint-error", "created_at", "is in the future"))
    return out


def append_override(path: Path, row: dict) -> dict:
    """Append one override to the file at `path` (created with a header if missing); return the row written.

    Fills override_id (next number) and created_at (today) when empty; refuses a row that breaks the rules.
    """
    path = Path(path)
    existing = read_overrides(path) if path.is_file() else []
    full = {c: str(row.get(c, "") if row.get(c) is not None else "") for c in COLUMNS}
    if not full["override_id"]:
        numbers = [int(r["override_id"]) for r in existing if r["override_id"].isdigit()]
        full["override_id"] = str(max(numbers, default=0) + 1)
    full["created_at"] = full["created_at"] or date.today().isoformat()
    full["is_excluded"] = full["is_excluded"] or "false"
    if full["kind"] == "supplier":
        digits = re.sub(r"\D", "", full["match_value"])
        if len(digits) == 10:
            full["match_value"] = f"{digits[:6]}-{digits[6:]}"
    problems = [Problem(path.name, code, message, row=len(existing) + 1, column=column, value=full.get(column, ""))
                for code, column, message in _row_rules(full)]
    if any(r["override_id"] == full["override_id"] for r in existing):
        problems.append(Problem(path.name, "unique-error", "is already used", column="override_id", value=full["override_id"]))
    if problems:
        raise SchemaError(problems)
    new = not path.is_file()
    if not new and any(c not in _header(path) for c in LATER_COLUMNS):
        # an older file: rewrite it once with today's columns (empty where it had none)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows({c: r.get(c, "") for c in COLUMNS} for r in existing)
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(full)
    return full


def load_overrides(con: duckdb.DuckDBPyConnection, path: Path, organisation_id: str,
                   base: tuple[str, str] = ("kommunbas13", "2.0.0")) -> LoadResult:
    """Validate the overrides file and load the rows that apply to `organisation_id` (or to all) into `con`."""
    from ..store import transaction   # here: the CLI builds its parser without loading DuckDB

    problems = check_overrides(path)
    if problems:
        raise SchemaError(problems)
    rows = [r for r in read_overrides(path) if r["organisation_id"] in ("", organisation_id)]
    if not con.execute("select count(*) from account_map where mapping_id = ? and mapping_version = ?", list(base)).fetchone()[0]:
        raise UsageError(f"base account map {base[0]}@{base[1]} is not in the database; run `klimatspend init`")
    prefix = f"ovr:{organisation_id}:"
    with transaction(con):
        for table, key in (("supplier_rule", "rule_id"), ("keyword_rule", "rule_id"), ("exclusion", "exclusion_id")):
            con.execute(f"delete from {table} where {key} like ?", [prefix + "%"])
        counts = {k: 0 for k in KINDS}
        for r in rows:
            counts[r["kind"]] += 1
            rule_id = prefix + r["override_id"]
            excluded = r["is_excluded"].strip().lower() in ("true", "1", "yes")
            if r["kind"] == "supplier":
                con.execute("""insert into supplier_rule (rule_id, organisation_id, match_kind, match_value, category_id,
                                   factor_set_id, factor_code, factor_value, factor_unit, is_excluded, exclusion_reason,
                                   author, created_at, notes) values (?, ?, 'org_number', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                            [rule_id, organisation_id, r["match_value"], r["category_id"] or None, r["factor_set_id"] or None,
                             r["factor_code"] or None, float(r["factor_value"]) if r["factor_value"] else None,
                             r["factor_unit"] or None, excluded, r["exclusion_reason"] or None, r["author"],
                             r["created_at"], r["notes"] or None])
            elif r["kind"] == "keyword":
                con.execute("""insert into keyword_rule (rule_id, account_prefix, keyword, category_id, factor_set_id,
                                   factor_code, industry_code, author, created_at, notes)
                               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                            [rule_id, r["account_prefix"] or None, r["match_value"], r["category_id"] or None,
                             r["factor_set_id"] or None, r["factor_code"] or None, r["industry_code"] or None,
                             r["author"], r["created_at"], r["notes"] or None])
            elif r["kind"] == "counterparty":
                con.execute("insert into exclusion (exclusion_id, match_kind, match_value, reason, notes) values (?, 'counterparty', ?, ?, ?)",
                            [rule_id, r["match_value"], r["exclusion_reason"] or "internal",
                             f"{r['author']} {r['created_at']}: {r['notes']}".strip()])
        accounts = [r for r in rows if r["kind"] == "account"]
        mapping = _derive_account_map(con, accounts, organisation_id, base) if accounts else None
    return LoadResult(organisation_id, mapping, counts["account"], counts["supplier"], counts["keyword"], counts["counterparty"])


def _derive_account_map(con: duckdb.DuckDBPyConnection, accounts: list[dict], organisation_id: str,
                        base: tuple[str, str]) -> str:
    derived_id = f"{organisation_id}_{base[0]}"
    # industry_code joins the digest only when set, so maps derived before the column existed keep their version
    digest = hashlib.sha256(("|".join(base) + "\n" + "\n".join(
        ",".join(r[c] for c in COLUMNS if c not in ("override_id", "organisation_id")
                 and (c not in LATER_COLUMNS or r[c])) for r in
        sorted(accounts, key=lambda r: r["match_value"]))).encode("utf-8")).hexdigest()
    same = con.execute("select version from reference_release where kind = 'account_map' and release_id = ? and sha256 = ?",
                       [derived_id, digest]).fetchone()
    if same:
        return f"{derived_id}@{same[0]}"
    n = con.execute("select count(*) from reference_release where kind = 'account_map' and release_id = ?",
                    [derived_id]).fetchone()[0] + 1
    version = f"{base[1]}.{n}"
    con.execute("""insert into account_map by name
                   select ? as mapping_id, ? as mapping_version, * exclude (mapping_id, mapping_version)
                   from account_map where mapping_id = ? and mapping_version = ?""", [derived_id, version, *base])
    for r in accounts:
        excluded = r["is_excluded"].strip().lower() in ("true", "1", "yes")
        con.execute("delete from account_map where mapping_id = ? and mapping_version = ? and account_prefix = ?",
                    [derived_id, version, r["match_value"]])
        con.execute("""insert into account_map (mapping_id, mapping_version, account_prefix, account_name, category_id,
                           factor_set_id, factor_code, industry_code, scope3_category, is_excluded, exclusion_reason,
                           source, notes)
                       values (?, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [derived_id, version, r["match_value"], None if excluded else r["category_id"],
                     None if excluded else (r["factor_set_id"] or None), None if excluded else (r["factor_code"] or None),
                     None if excluded else (r["industry_code"] or None), None if excluded else 1, excluded,
                     r["exclusion_reason"] or None, f"override:{organisation_id}:{r['override_id']}",
                     f"override {r['override_id']} by {r['author']} on {r['created_at']}: {r['notes']}".strip()])
    con.execute("insert into reference_release (kind, release_id, version, sha256, status) values ('account_map', ?, ?, ?, 'override')",
                [derived_id, version, digest])
    return f"{derived_id}@{version}"
