"""The demo's catalogues, read from the CSV files in pipeline/demo/catalogues/ into the records the generator uses.

Organisation structure (förvaltningar, ansvar, verksamheter, kostnadsställen), investment projects,
accounts, supplier industries and name parts, seasons and the spend profile are data, not code:
each lives in one UTF-8 CSV file with a header row (catalogues/README.md describes every file and
where its values come from). This module turns the text cells into typed records once, at import.
Row order is kept everywhere: the generator draws from these tuples by index, so reordering rows
changes the generated ledgers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"
LIST_SEPARATOR = "|"                 # between the items of a list cell (names, text templates); no item contains it
MONTH_COLUMNS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Reading the files
# --------------------------------------------------------------------------------------------


def read_catalogue(name: str, columns: Sequence[str]) -> list[dict[str, str]]:
    """Return the rows of catalogues/<name>.csv (UTF-8, header row) as text cells; ValueError if a column is missing."""
    path = CATALOGUE_DIR / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        return list(reader)


def _records(name: str, columns: Sequence[str], make: Callable[[dict[str, str]], T]) -> tuple[T, ...]:
    """Build one record per row of catalogue `name`; a bad cell is reported with its file and line."""
    out = []
    for line, row in enumerate(read_catalogue(name, columns), start=2):      # line 1 is the header
        try:
            out.append(make(row))
        except (KeyError, ValueError) as err:
            raise ValueError(f"{CATALOGUE_DIR / name}.csv line {line}: {err}") from err
    return tuple(out)


def _number(text: str) -> int | float:
    """A number cell: int when written without a decimal point (as the values were in code), else float."""
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _optional_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _flag(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"expected true or false, got {text!r}")
    return text == "true"


def _words(text: str) -> tuple[str, ...]:
    """A space-separated cell (tags, prefixes) as a tuple."""
    return tuple(text.split())


def _items(text: str) -> tuple[str, ...]:
    """A list cell (items separated by LIST_SEPARATOR); an empty cell is an empty tuple."""
    return tuple(text.split(LIST_SEPARATOR)) if text else ()


# --------------------------------------------------------------------------------------------
# Kinds of spend
# --------------------------------------------------------------------------------------------

# Mapped kinds get an emission factor; excluded kinds are the explicit exclusions of DESIGN.md §5
# (they must be reported as excluded, never silently dropped). Order is the manifest's by_kind order.
_KINDS = read_catalogue("kinds", ("kind", "treatment", "label_sv"))
KIND_LABELS: dict[str, str] = {r["kind"]: r["label_sv"] for r in _KINDS}
MAPPED_KINDS: tuple[str, ...] = tuple(r["kind"] for r in _KINDS if r["treatment"] == "mapped")
EXCLUDED_KINDS: tuple[str, ...] = tuple(r["kind"] for r in _KINDS if r["treatment"] == "excluded")
if len(MAPPED_KINDS) + len(EXCLUDED_KINDS) != len(_KINDS):
    raise ValueError(f"{CATALOGUE_DIR / 'kinds.csv'}: treatment must be mapped or excluded")

# --------------------------------------------------------------------------------------------
# The municipality: nämnder, förvaltningar, ansvar (cost centres), verksamheter, projects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forvaltning:
    """One committee (nämnd) and its administration (förvaltning); `number` prefixes its ansvar codes."""

    key: str
    number: int
    namnd: str
    name: str


FORVALTNINGAR: tuple[Forvaltning, ...] = _records(
    "forvaltningar", ("key", "number", "namnd", "name"),
    lambda r: Forvaltning(r["key"], int(r["number"]), r["namnd"], r["name"]))
FORVALTNING_BY_KEY: dict[str, Forvaltning] = {f.key: f for f in FORVALTNINGAR}

# Verksamhet code -> name (the municipality's own activity codes).
VERKSAMHETER: dict[str, str] = {r["code"]: r["name"] for r in read_catalogue("verksamheter", ("code", "name"))}


@dataclass(frozen=True)
class Ansvar:
    """One cost centre: code, name, förvaltning, verksamhet, tags (what it buys) and size in FTE."""

    code: str
    name: str
    fv: str
    verksamhet: str
    tags: tuple[str, ...]
    fte: float


# An ansvar code's first digit is the first digit of its förvaltning's number (10 -> 1xxxx).
_FV_BY_DIGIT = {str(f.number)[0]: f.key for f in FORVALTNINGAR}

ANSVAR: tuple[Ansvar, ...] = _records(
    "ansvar", ("code", "name", "verksamhet", "tags", "fte"),
    lambda r: Ansvar(r["code"], r["name"], _FV_BY_DIGIT[r["code"][0]], r["verksamhet"], _words(r["tags"]),
                     _number(r["fte"])))


@dataclass(frozen=True)
class Project:
    """An investment project: code, name, ansvar, spend per year (MSEK) and the kind of contractor."""

    code: str
    name: str
    ansvar: str
    msek: dict[int, float]
    works: str            # building | civil | water | it | vehicles


def _projects(name: str) -> tuple[Project, ...]:
    """The projects of catalogue `name`; spend per year comes from the msek_<year> columns (empty: none)."""
    with (CATALOGUE_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    years = [int(c[len("msek_"):]) for c in header if c.startswith("msek_")]
    return _records(name, ("code", "name", "unit", "works"),
                    lambda r: Project(r["code"], r["name"], r["unit"],
                                      {y: _number(r[f"msek_{y}"]) for y in years if r[f"msek_{y}"].strip()},
                                      r["works"]))


PROJECTS: tuple[Project, ...] = _projects("municipal_projects")

# --------------------------------------------------------------------------------------------
# Charts of accounts: Kommun-Bas 13 (municipality) and BAS 2025 (company)
# --------------------------------------------------------------------------------------------

# Account number -> the name the municipality's finance system prints in "Kontobenämning".
KB13_ACCOUNTS: dict[str, str] = {r["account"]: r["name"]
                                 for r in read_catalogue("municipal_accounts", ("account", "name"))}
# BAS 2025 accounts used by the company (numbers and names as in the BAS chart).
BAS_ACCOUNTS: dict[str, str] = {r["account"]: r["name"]
                                for r in read_catalogue("company_accounts", ("account", "name"))}

# --------------------------------------------------------------------------------------------
# Supplier industries, legal forms and name parts
# --------------------------------------------------------------------------------------------

# Legal form -> the first digits of its organisationsnummer.
FORM_PREFIXES: dict[str, tuple[str, ...]] = {r["form"]: _words(r["prefixes"])
                                             for r in read_catalogue("legal_forms", ("form", "prefixes"))}


@dataclass(frozen=True)
class Industry:
    """A supplier industry: SNI 2007 code and text, how many suppliers, their legal forms and names."""

    key: str
    sni: str
    sni_text: str
    count: int
    forms: str                     # e.g. "AB AB AB HB EF": drawn in turn for generated names
    names: tuple[str, ...]         # hand-written names first (the largest suppliers)
    patterns: tuple[str, ...] = ()  # patterns for further names: {P} place, {S} surname, {F} first name, {T} nickname


INDUSTRIES: tuple[Industry, ...] = _records(
    "industries", ("key", "sni", "sni_text", "count", "forms", "names", "patterns"),
    lambda r: Industry(r["key"], r["sni"], r["sni_text"], int(r["count"]), r["forms"], _items(r["names"]),
                       _items(r["patterns"])))

_NAME_PARTS = read_catalogue("name_parts", ("part", "value"))
PLACES: tuple[str, ...] = tuple(r["value"] for r in _NAME_PARTS if r["part"] == "place")
NICKNAMES: tuple[str, ...] = tuple(r["value"] for r in _NAME_PARTS if r["part"] == "nickname")
SURNAMES: tuple[str, ...] = tuple(r["value"] for r in _NAME_PARTS if r["part"] == "surname")
FIRST_NAMES: tuple[str, ...] = tuple(r["value"] for r in _NAME_PARTS if r["part"] == "first_name")

# --------------------------------------------------------------------------------------------
# Spend profile: what the municipality and the company buy, how much, from whom, when
# --------------------------------------------------------------------------------------------

# Relative number of lines per month (seasonality). Amount totals follow, because amounts are
# drawn per line and a month with more lines gets more spend.
SEASONS: dict[str, tuple[float, ...]] = {r["season"]: tuple(_number(r[m]) for m in MONTH_COLUMNS)
                                         for r in read_catalogue("seasons", ("season", *MONTH_COLUMNS))}


@dataclass(frozen=True)
class SpendItem:
    """One kind of purchase: account, kind, base-year amount (MSEK), lines, buyers, suppliers, texts.

    `units` selects the buying ansvar (or kostnadsställen): space-separated `tag:x`, `fv:X` or a
    code, each optionally `=weight`; within a selector, units weigh by size (FTE). `industries`
    lists supplier industries (optionally `=weight`); within an industry the first suppliers get
    most of the business. `growth` is the change 2023→2024 and 2024→2025 (applied per year
    before and after the base year). From `switch` on, the second supplier of each industry takes
    over the contract (a shifting purchase). Text templates use {month} {Month} {week} {unit} {q}
    {year} {period} {n}.
    """

    key: str
    kind: str
    account: str
    msek: float
    lines: float
    units: str
    industries: str
    texts: tuple[str, ...]
    season: str = "flat"
    growth: tuple[float, float] = (0.04, 0.03)
    sigma: float = 0.9
    split: float = 0.08
    switch: int | None = None
    whole_kronor: bool = False
    metered: bool = False          # monthly invoices whose amounts follow the season (energy)


_ITEM_COLUMNS = ("key", "kind", "account", "msek", "lines", "units", "industries", "texts", "season",
                 "growth_before_base", "growth_after_base", "sigma", "split", "switch", "whole_kronor", "metered")


def _spend_item(r: dict[str, str]) -> SpendItem:
    """One row of a spend-item catalogue as a SpendItem (every field is written out in the file)."""
    if r["season"] not in SEASONS:
        raise ValueError(f"unknown season {r['season']!r}")
    return SpendItem(r["key"], r["kind"], r["account"], _number(r["msek"]), _number(r["lines"]), r["units"],
                     r["industries"], _items(r["texts"]), season=r["season"],
                     growth=(_number(r["growth_before_base"]), _number(r["growth_after_base"])),
                     sigma=_number(r["sigma"]), split=_number(r["split"]), switch=_optional_int(r["switch"]),
                     whole_kronor=_flag(r["whole_kronor"]), metered=_flag(r["metered"]))


MUNICIPAL_ITEMS: tuple[SpendItem, ...] = _records("municipal_spend_items", _ITEM_COLUMNS, _spend_item)

# One part of a project's works: (account, share of the project's spend, industries, text templates).
ProjectWork = tuple[str, float, str, tuple[str, ...]]


def _work(r: dict[str, str]) -> ProjectWork:
    return (r["account"], _number(r["share"]), r["industries"], _items(r["texts"]))


def _works_by_kind(name: str) -> dict[str, tuple[ProjectWork, ...]]:
    """The parts of each kind of works (the `works` column), in file order."""
    out: dict[str, tuple[ProjectWork, ...]] = {}
    for kind, part in _records(name, ("works", "account", "share", "industries", "texts"),
                               lambda r: (r["works"], _work(r))):
        out[kind] = (*out.get(kind, ()), part)
    return out


# Investment projects: how each kind of works splits over accounts and supplier industries.
PROJECT_WORKS: dict[str, tuple[ProjectWork, ...]] = _works_by_kind("municipal_project_works")

# --- the company (Älvbybostäder AB) -----------------------------------------------------------


@dataclass(frozen=True)
class Kostnadsstalle:
    """One of the company's cost centres (a housing area or a common function)."""

    code: str
    name: str
    tags: tuple[str, ...]
    size: float


COMPANY_UNITS: tuple[Kostnadsstalle, ...] = _records(
    "kostnadsstallen", ("code", "name", "tags", "size"),
    lambda r: Kostnadsstalle(r["code"], r["name"], _words(r["tags"]), _number(r["size"])))
COMPANY_PROJECTS: tuple[Project, ...] = _projects("company_projects")
COMPANY_PROJECT_WORKS: tuple[ProjectWork, ...] = _records(
    "company_project_works", ("account", "share", "industries", "texts"), _work)
COMPANY_ITEMS: tuple[SpendItem, ...] = _records("company_spend_items", _ITEM_COLUMNS, _spend_item)

# --- structured (non-invoice) municipal lines -------------------------------------------------

# (ansvar, account, MSEK in the base year): planned depreciation, booked monthly
DEPRECIATION: tuple[tuple[str, str, float], ...] = _records(
    "depreciation", ("ansvar", "account", "msek"), lambda r: (r["ansvar"], r["account"], _number(r["msek"])))

# Internal charges between the municipality's own units: (key, selling ansvar, account, MSEK,
# buyers, text). The motpart code is "1" + the seller's förvaltning number (e.g. 190).
INTERNAL: tuple[tuple[str, str, str, float, str, str], ...] = _records(
    "internal_charges", ("key", "seller", "account", "msek", "buyers", "text"),
    lambda r: (r["key"], r["seller"], r["account"], _number(r["msek"]), r["buyers"], r["text"]))

# Welfare payment types: (text template, share of the welfare total).
WELFARE_TYPES: tuple[tuple[str, float], ...] = _records(
    "welfare_payments", ("text", "share"), lambda r: (r["text"], _number(r["share"])))
