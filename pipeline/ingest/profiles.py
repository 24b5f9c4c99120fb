"""Named import profiles: per finance system or publisher, how to read its ledger exports (TOML files)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from ..errors import UsageError
from .columns import SYNONYMS

PROFILES_ENV = "KLIMATSPEND_PROFILES"
_SETTINGS = {"description", "aliases", "currency", "decimal", "delimiter", "encoding", "sheet", "header_row",
             "recognise", "account_text_first", "account_pattern", "split_account_text", "amounts_include_vat", "sie_ledger_accounts",
             "sie_dimensions", "columns", "account_map", "country"}
_SIE_FIELDS = {"department", "activity", "project", "supplier_name", "invoice_id"}


@dataclass(frozen=True)
class Profile:
    """One import profile; None means "not set: detect or use klimatspend's default"."""

    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    currency: str | None = None
    decimal: str | None = None                 # comma | point
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    account_pattern: str | None = None         # "" = any text
    split_account_text: bool | None = None
    amounts_include_vat: bool | None = None
    sie_ledger_accounts: str | None = None
    account_map: str | None = None             # account map for an organisation whose ledger this is (if unset)
    country: str | None = None                 # ISO alpha-2 of the organisations whose ledgers this is (if unset)
    recognise: bool = False                    # chosen without --profile for a file whose columns only it finds
    account_text_first: bool = False           # of the listed account columns, words before code numbers
    sie_dimensions: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""                           # file the profile came from

    def headers(self) -> tuple[str, ...]:
        """Return every header the profile names (helps find the header row)."""
        return tuple(h for hs in self.columns.values() for h in hs)


def shipped_profiles_path() -> Path:
    """Return the profiles file shipped with klimatspend."""
    return Path(str(files("pipeline.ingest") / "profiles" / "profiles.toml"))


def load_profiles(extra_file: str | Path | None = None) -> dict[str, Profile]:
    """Return all profiles by name: shipped ones, then $KLIMATSPEND_PROFILES, then `extra_file` (later wins)."""
    paths = [shipped_profiles_path()]
    env = os.environ.get(PROFILES_ENV)
    if env:
        paths.append(Path(env))
    if extra_file:
        paths.append(Path(extra_file))
    profiles: dict[str, Profile] = {}
    for path in paths:
        for prof in _read_file(path):
            profiles[prof.name] = prof
    return profiles


def get_profile(name: str, extra_file: str | Path | None = None) -> Profile:
    """Return the profile called `name` (or one of its aliases); UsageError listing the names if unknown."""
    profiles = load_profiles(extra_file)
    key = name.strip().lower().replace("_", "-")
    for prof in profiles.values():
        if key == prof.name or key in prof.aliases:
            return prof
    raise UsageError(f"--profile {name}: no such import profile; available: {', '.join(sorted(profiles))} "
                     "(see --list-profiles)")


def suggest_profiles(headers: list[str], extra_file: str | Path | None = None) -> list[str]:
    """Return names of profiles that would find both an account and an amount column among `headers`."""
    from .columns import map_columns

    out = []
    for prof in load_profiles(extra_file).values():
        if not prof.columns.get("account") or not prof.columns.get("amount"):
            continue
        mapping = map_columns(headers, {k: v for k, v in prof.columns.items() if k in ("account", "amount")})
        if not mapping.missing():
            out.append(prof.name)
    return out


def recognise_profile(headers: list[str], extra_file: str | Path | None = None, *,
                      country: str | None = None) -> Profile | None:
    """Return the profile a file without --profile is read with: one marked `recognise` whose account and amount
    columns the file has (a UK council spend file names its account "Expense Type", "Expenses Type", "Expenditure
    Category"), when klimatspend's own synonyms find no account column, or also when they do ("Account Code" next to
    "Expense Type") if the organisation is in the profile's country or has none; else None."""
    from .columns import map_columns

    has_account = "account" not in map_columns(headers).missing()
    for prof in load_profiles(extra_file).values():
        if has_account and (not prof.country or (country or prof.country).upper() != prof.country.upper()):
            continue
        if prof.recognise and prof.columns.get("account") and prof.columns.get("amount"):
            found = map_columns(headers, {k: v for k, v in prof.columns.items() if k in ("account", "amount")})
            # the account must be one of the profile's own columns, not a synonym match ("Konto") the
            # mapping falls back to
            if not found.missing() and found.source.get("account") == "profile":
                return prof
    return None


def _read_file(path: Path) -> list[Profile]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: profiles file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a valid TOML profiles file ({exc})") from None
    return [_profile(path, name, body) for name, body in data.items()]


def _profile(path: Path, name: str, body) -> Profile:
    where = f"{path.name}: profile [{name}]"
    if not isinstance(body, dict):
        raise UsageError(f"{where}: expected a table of settings")
    unknown = set(body) - _SETTINGS
    if unknown:
        raise UsageError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_SETTINGS))}")
    columns: dict[str, list[str]] = {}
    for fld, headers in (body.get("columns") or {}).items():
        if fld not in SYNONYMS:
            raise UsageError(f"{where}: columns.{fld} is not a field; fields: {', '.join(SYNONYMS)}")
        columns[fld] = [headers] if isinstance(headers, str) else [str(h) for h in headers]
    dims = {}
    for fld, number in (body.get("sie_dimensions") or {}).items():
        if fld not in _SIE_FIELDS or not isinstance(number, int):
            raise UsageError(f"{where}: sie_dimensions.{fld} must be one of {', '.join(sorted(_SIE_FIELDS))} "
                             "= a dimension number")
        dims[fld] = number
    decimal = body.get("decimal")
    if decimal not in (None, "comma", "point"):
        raise UsageError(f"{where}: decimal must be \"comma\" or \"point\"")
    for key in ("account_pattern", "sie_ledger_accounts"):
        if body.get(key):
            try:
                re.compile(body[key])
            except re.error as exc:
                raise UsageError(f"{where}: {key} is not a valid regular expression ({exc})") from None
    return Profile(
        name=name.lower(), description=str(body.get("description", "")),
        aliases=tuple(a.lower() for a in body.get("aliases", [])), currency=body.get("currency"),
        decimal=decimal, delimiter=body.get("delimiter"), encoding=body.get("encoding"), sheet=body.get("sheet"),
        header_row=body.get("header_row"), account_pattern=body.get("account_pattern"),
        split_account_text=body.get("split_account_text"), amounts_include_vat=body.get("amounts_include_vat"),
        sie_ledger_accounts=body.get("sie_ledger_accounts"), sie_dimensions=dims, columns=columns,
        account_map=body.get("account_map"), country=body.get("country"), recognise=bool(body.get("recognise", False)),
        account_text_first=bool(body.get("account_text_first", False)), source=str(path))
