"""Budget definition files (TOML): read, validate with clear errors, and write back.

A definition file holds the organisation's carbon budgets (one `[[budget]]` table each), optional
`[settings]`, `[files]` naming the input tables it refers to (relative to the TOML file), and an
optional `[carbon_fee]` (internal carbon price, klimatväxling). See docs/budget.md for every key;
`pipeline/demo/inputs/budget.toml` is a complete example.

Every problem is reported, naming file, line, table and key, e.g.
`budget.toml: line 9, [[budget]] "kommun", key "rate": value 16 is not a share between 0 and 1; write 0.16 for 16 % (constraint-error)`.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .. import tables
from ..errors import InputFileError, Problem
from ..tables import Column, InputValidationError
from .allocation import ALLOCATION_METHODS
from .paths import METHODS

PERSPECTIVES = ("organisation", "territorial", "residents")
SCOPES = ("co2e", "co2")
ALLOCATE_TO = ("department", "organisation", "none")
FILE_KEYS = ("allocation_basis", "measures", "own_emissions", "residents")
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")

BUDGET_KEYS = {
    "id", "name", "name_en", "perspective", "organisations", "municipality", "scope", "method", "rate", "base_year",
    "base_emissions_t", "total_t", "start_year", "start_emissions_t", "zero_year", "values", "follow_up_from",
    "include_own_emissions", "allocate_to", "allocation", "allocation_base_year", "weights", "trend_years", "notes",
}
SETTINGS_KEYS = {"trend_years", "horizon_year", "language"}
FEE_KEYS = {"price_sek_per_kg_co2e", "scope", "categories", "from_year", "to_year", "fund", "notes"}
TOP_KEYS = {"version", "settings", "budget", "files", "carbon_fee"}


@dataclass
class BudgetDef:
    """One validated [[budget]] table."""

    budget_id: str
    name: str
    perspective: str = "organisation"
    name_en: str | None = None          # the name in English reports and pages (name is used when absent)
    organisations: list[str] = field(default_factory=list)   # ["*"] = every organisation in the store
    municipality: str | None = None
    scope: str = "co2e"
    method: str = "rate"                                       # rate | paris | linear | custom | klimatkollen
    rate: float | None = None
    base_year: int | None = None
    base_emissions_t: float | None = None                      # None with base_from_actual
    base_from_actual: bool = False
    total_t: float | None = None
    start_year: int | None = None
    start_emissions_t: float | None = None
    start_from_actual: bool = False
    zero_year: int | None = None
    values: dict[int, float] = field(default_factory=dict)
    follow_up_from: int | None = None
    include_own_emissions: bool = False
    allocate_to: str = "none"
    allocation_method: str | None = None
    allocation_base_year: int | None = None
    weights: dict[str, float] = field(default_factory=dict)
    trend_years: int | None = None
    notes: str | None = None

    def as_toml_table(self) -> dict:
        """Return the budget as the [[budget]] table that would define it (keys in file order)."""
        out: dict = {"id": self.budget_id, "name": self.name, "perspective": self.perspective}
        if self.name_en:
            out["name_en"] = self.name_en
        if self.perspective == "organisation":
            out["organisations"] = list(self.organisations)
        if self.municipality:
            out["municipality"] = self.municipality
        out["scope"] = self.scope
        out["method"] = self.method
        if self.method == "rate":
            out.update(rate=self.rate, base_year=self.base_year,
                       base_emissions_t="actual" if self.base_from_actual else self.base_emissions_t)
        elif self.method == "paris":
            out.update(total_t=self.total_t, start_year=self.start_year,
                       start_emissions_t="actual" if self.start_from_actual else self.start_emissions_t)
        elif self.method == "linear":
            out.update(start_year=self.start_year, zero_year=self.zero_year,
                       start_emissions_t="actual" if self.start_from_actual else self.start_emissions_t)
        elif self.method == "custom":
            out["values"] = {str(y): v for y, v in sorted(self.values.items())}
        for key, value in (("follow_up_from", self.follow_up_from), ("trend_years", self.trend_years)):
            if value is not None:
                out[key] = value
        if self.include_own_emissions:
            out["include_own_emissions"] = True
        if self.allocate_to != "none":
            out["allocate_to"] = self.allocate_to
            out["allocation"] = self.allocation_method
            if self.allocation_base_year is not None:
                out["allocation_base_year"] = self.allocation_base_year
            if self.weights:
                out["weights"] = dict(self.weights)
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass
class CarbonFeeDef:
    """The internal carbon fee (klimatväxling): a price per kg charged to departments on their emissions."""

    price_sek_per_kg_co2e: float
    scope: str = "co2e"
    categories: list[str] = field(default_factory=list)        # empty = all categories
    from_year: int | None = None
    to_year: int | None = None
    fund: str | None = None
    notes: str | None = None


@dataclass
class Definition:
    """A validated definition file with the input tables it names (already read and checked)."""

    source: str
    budgets: list[BudgetDef]
    settings: dict = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    carbon_fee: CarbonFeeDef | None = None
    allocation_basis: list[dict] = field(default_factory=list)
    measures: list[dict] = field(default_factory=list)
    own_emissions: list[dict] = field(default_factory=list)
    residents: list[dict] = field(default_factory=list)


# --- input tables named in [files] -------------------------------------------------------------

def _nonneg(v):
    return None if v >= 0 else "is negative; give a number ≥ 0"


ALLOCATION_BASIS_COLUMNS = [
    Column("organisation", synonyms=("organisation_id", "org", "organisation", "bolag")),
    Column("department", required=True, synonyms=("förvaltning", "forvaltning", "unit", "enhet", "nämnd")),
    Column("employees", "number", synonyms=("anställda", "anstallda", "årsarbetare", "fte", "antal_anstallda"),
           minimum=0),
    Column("budget_sek", "number", synonyms=("budget", "nettobudget", "budget_kr", "kommunbidrag"), minimum=0),
    Column("weight", "number", synonyms=("vikt", "weights"), minimum=0),
]
MEASURE_COLUMNS = [
    Column("measure_id", required=True, synonyms=("id", "åtgärd_id", "atgard_id")),
    Column("name", required=True, synonyms=("åtgärd", "atgard", "namn", "measure")),
    Column("budget", synonyms=("budget_id",)),
    Column("organisation", synonyms=("organisation_id", "org", "bolag")),
    Column("department", synonyms=("förvaltning", "forvaltning")),
    Column("start_year", "year", required=True, synonyms=("startår", "startar", "from_year")),
    Column("end_year", "year", synonyms=("slutår", "slutar", "to_year")),
    Column("reduction_t_per_year", "number", required=True, minimum=0,
           synonyms=("minskning_t_per_år", "minskning_t_per_ar", "reduction_t", "effekt_t_per_år")),
    Column("cost_sek", "number", minimum=0, synonyms=("kostnad_sek", "kostnad", "investering_sek")),
    Column("yearly_cost_sek", "number", minimum=0, synonyms=("årlig_kostnad_sek", "arlig_kostnad_sek")),
    Column("lifetime_years", "integer", minimum=1, synonyms=("livslängd_år", "livslangd_ar", "lifetime")),
    Column("status", "enum", choices=("planned", "decided", "ongoing", "done"), default="planned"),
    Column("notes", synonyms=("kommentar", "anteckningar")),
]
OWN_EMISSION_COLUMNS = [
    Column("organisation", synonyms=("organisation_id", "org", "bolag")),
    Column("department", synonyms=("förvaltning", "forvaltning")),
    Column("year", "year", required=True, synonyms=("år", "ar")),
    Column("emissions_t_co2e", "number", required=True, minimum=0, synonyms=("utsläpp_t_co2e", "utslapp_t_co2e")),
    Column("emissions_t_co2", "number", minimum=0, synonyms=("utsläpp_t_co2", "utslapp_t_co2")),
    Column("source", synonyms=("källa", "kalla")),
    Column("notes", synonyms=("kommentar",)),
]
RESIDENTS_COLUMNS = [
    Column("year", "year", required=True, synonyms=("år", "ar")),
    Column("emissions_t_co2e", "number", minimum=0, synonyms=("utsläpp_t_co2e", "utslapp_t_co2e")),
    Column("population", "number", minimum=0, synonyms=("invånare", "invanare", "folkmängd", "folkmangd")),
    Column("kg_co2e_per_person", "number", minimum=0, synonyms=("kg_co2e_per_invånare", "kg_co2e_per_invanare")),
    Column("source", synonyms=("källa", "kalla")),
]
TABLE_COLUMNS = {"allocation_basis": ALLOCATION_BASIS_COLUMNS, "measures": MEASURE_COLUMNS,
                 "own_emissions": OWN_EMISSION_COLUMNS, "residents": RESIDENTS_COLUMNS}
TABLE_UNIQUE = {"allocation_basis": ("organisation", "department"), "measures": ("measure_id",),
                "own_emissions": ("organisation", "department", "year"), "residents": ("year",)}


def read_input_table(kind: str, path: Path, display_name: str | None = None) -> tuple[list[dict], list]:
    """Read one input table of `kind` (allocation_basis, measures, own_emissions, residents); return rows, problems."""
    table = tables.read_table(path, TABLE_COLUMNS[kind], display_name=display_name, unique=TABLE_UNIQUE[kind])
    problems = list(table.problems)
    if kind == "residents":
        for r in table.rows:
            if r["emissions_t_co2e"] is None:
                if r["population"] is not None and r["kg_co2e_per_person"] is not None:
                    r["emissions_t_co2e"] = r["population"] * r["kg_co2e_per_person"] / 1000
                else:
                    problems.append(Problem(table.file, "missing-cell", "has no emissions_t_co2e; give it, or "
                                            "population and kg_co2e_per_person", r["source_row"]))
    if kind == "measures":
        for r in table.rows:
            if r["end_year"] is not None and r["end_year"] < r["start_year"]:
                problems.append(Problem(table.file, "constraint-error", f"is before start_year {r['start_year']}",
                                        r["source_row"], table.columns_found.get("end_year"), str(r["end_year"])))
    if kind == "allocation_basis":
        for r in table.rows:
            if all(r[c] is None for c in ("employees", "budget_sek", "weight")):
                problems.append(Problem(table.file, "missing-cell", "has none of employees, budget_sek, weight",
                                        r["source_row"]))
    return table.rows, problems


# --- the TOML file ------------------------------------------------------------------------------

class _Collector:
    def __init__(self, name: str, text: str):
        self.name = name
        self.lines = text.splitlines()
        self.problems: list[Problem] = []

    def add(self, where: str, message: str, *, code: str = "constraint-error", key: str | None = None,
            value=None, header: str | None = None, index: int = 0):
        line = self.locate(header, index, key) if header else None
        prefix = f"line {line}, " if line else ""
        what = where + (f", key \"{key}\"" if key else "")
        val = "" if value is None else f"value {_show(value)} "
        self.problems.append(Problem(self.name, code, f"{prefix}{what}: {val}{message}"))

    def locate(self, header: str, index: int, key: str | None) -> int | None:
        """Return the 1-based line of `key` in the index-th table `header` ([x] or [[x]]), or of the header."""
        current, count, header_line = None, -1, None
        for no, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            m = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if m:
                current = m.group(1)
                if current == header:
                    count += 1
                    if count == index:
                        header_line = no
                continue
            if current == header and count == index and key is not None:
                km = re.match(r'^"?([A-Za-z0-9_\-]+)"?\s*=', line)
                if km and km.group(1) == key:
                    return no
        return header_line


def _show(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _unknown(col: _Collector, table: dict, allowed: set, where: str, header: str, index: int = 0) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean \"{close[0]}\"?" if close else f"; known keys: {', '.join(sorted(allowed))}"
            col.add(where, f"is not a known key{hint}", code="unknown-key", key=key, header=header, index=index)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_year(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 1900 <= v <= 2200


def parse_definition(text: str, name: str = "budget.toml") -> tuple[Definition, list[Problem]]:
    """Parse and validate definition text; return the definition and every problem (empty = valid)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Definition(name, []), [Problem(name, "syntax-error", f"is not valid TOML: {exc}")]
    col = _Collector(name, text)
    _unknown(col, data, TOP_KEYS, "top level", header="")
    if "version" in data and data["version"] != 1:
        col.add("top level", "is not a known definition version; this klimatspend reads version 1", key="version",
                value=data["version"])
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        col.add("[settings]", "must be a table", code="type-error")
        settings = {}
    _unknown(col, settings, SETTINGS_KEYS, "[settings]", header="settings")
    for key in ("trend_years",):
        if key in settings and not (isinstance(settings[key], int) and 1 <= settings[key] <= 30):
            col.add("[settings]", "is not a number of years between 1 and 30", key=key, value=settings[key],
                    header="settings")
    if "horizon_year" in settings and not _is_year(settings["horizon_year"]):
        col.add("[settings]", "is not a year", key="horizon_year", value=settings["horizon_year"], header="settings")
    files = data.get("files", {})
    if not isinstance(files, dict):
        col.add("[files]", "must be a table", code="type-error")
        files = {}
    _unknown(col, files, set(FILE_KEYS), "[files]", header="files")
    for key, value in files.items():
        if not isinstance(value, str) or not value.strip():
            col.add("[files]", "is not a file name", key=key, value=value, header="files")
    raw_budgets = data.get("budget", [])
    if isinstance(raw_budgets, dict):
        raw_budgets = [raw_budgets]
    if not raw_budgets:
        col.add("top level", "defines no budget; add a [[budget]] table (see docs/budget.md)", code="missing-key")
    budgets = []
    ids: dict[str, int] = {}
    for i, table in enumerate(raw_budgets):
        b = _parse_budget(col, table, i, settings)
        if b is None:
            continue
        if b.budget_id in ids:
            col.add(f"[[budget]] {i + 1}", f"repeats the id of [[budget]] {ids[b.budget_id] + 1}", key="id",
                    value=b.budget_id, code="unique-error", header="budget", index=i)
            continue
        ids[b.budget_id] = i
        budgets.append(b)
    seen_orgs: dict[str, str] = {}
    for b in budgets:
        for org in b.organisations:
            if org in seen_orgs:
                col.add(f"[[budget]] \"{b.budget_id}\"", f"is also in budget \"{seen_orgs[org]}\"; an organisation "
                        "can have one budget (the group view adds the budgets up)", key="organisations", value=org,
                        header="budget", index=ids[b.budget_id])
            seen_orgs[org] = b.budget_id
    fee = None
    if "carbon_fee" in data:
        fee = _parse_fee(col, data["carbon_fee"])
    defn = Definition(name, budgets, settings=settings, files={k: v for k, v in files.items() if isinstance(v, str)},
                      carbon_fee=fee)
    return defn, col.problems


def _parse_budget(col: _Collector, t, i: int, settings: dict) -> BudgetDef | None:
    where = f"[[budget]] {i + 1}"
    if not isinstance(t, dict):
        col.add(where, "must be a table", code="type-error")
        return None
    bid = t.get("id")
    if not isinstance(bid, str) or not _ID.match(bid):
        col.add(where, "is required: a short id of lower-case letters, digits, _ or - (e.g. \"kommun\")",
                key="id", value=bid, code="missing-key" if bid is None else "constraint-error", header="budget",
                index=i)
        bid = f"budget{i + 1}"
    else:
        where = f"[[budget]] \"{bid}\""

    def add(message, key=None, value=None, code="constraint-error"):
        col.add(where, message, key=key, value=value, code=code, header="budget", index=i)

    _unknown(col, t, BUDGET_KEYS, where, header="budget", index=i)
    b = BudgetDef(budget_id=bid, name=str(t.get("name") or bid))
    b.name_en = str(t["name_en"]) if t.get("name_en") else None
    b.perspective = t.get("perspective", "organisation")
    if b.perspective not in PERSPECTIVES:
        add(f"is not one of: {', '.join(PERSPECTIVES)}", "perspective", b.perspective)
        return None
    b.scope = t.get("scope", "co2" if b.perspective == "territorial" else "co2e")
    if b.scope not in SCOPES:
        add("is not one of: co2e (all greenhouse gases), co2 (carbon dioxide only)", "scope", b.scope)
    if b.perspective == "territorial" and b.scope != "co2":
        add("territorial emissions (SMHI) are CO2 only; write scope = \"co2\"", "scope", b.scope)
    if b.perspective == "organisation":
        orgs = t.get("organisations", [bid])
        if isinstance(orgs, str):
            orgs = [orgs]
        if not isinstance(orgs, list) or not orgs or not all(isinstance(o, str) and o.strip() for o in orgs):
            add("must be a list of organisation ids, e.g. [\"kommun\"], or [\"*\"] for all", "organisations", orgs)
            orgs = [bid]
        b.organisations = [o.strip() for o in orgs]
    elif "organisations" in t:
        add(f"only applies to organisation budgets, not {b.perspective}", "organisations", t["organisations"])
    if b.perspective == "territorial":
        m = t.get("municipality")
        if not isinstance(m, str) or not m.strip():
            add("is required for a territorial budget: the municipality's name, e.g. \"Borås\"", "municipality", m,
                code="missing-key")
        else:
            from .territorial import find_municipality
            try:
                b.municipality = find_municipality(m)["kommun"]
            except Exception as exc:  # UsageError with close matches
                add(str(exc).split(": ", 1)[-1], "municipality", m)
    default_method = "klimatkollen" if b.perspective == "territorial" else None
    b.method = t.get("method", default_method)
    allowed_methods = METHODS + (("klimatkollen",) if b.perspective == "territorial" else ())
    if b.method not in allowed_methods:
        add(f"is required: one of {', '.join(allowed_methods)}", "method", b.method,
            code="missing-key" if b.method is None else "constraint-error")
        return b
    _parse_method(b, t, add)
    for key in ("follow_up_from", "allocation_base_year"):
        if key in t:
            if _is_year(t[key]):
                setattr(b, key, t[key])
            else:
                add("is not a year", key, t[key])
    if "trend_years" in t:
        if isinstance(t["trend_years"], int) and 1 <= t["trend_years"] <= 30:
            b.trend_years = t["trend_years"]
        else:
            add("is not a number of years between 1 and 30", "trend_years", t["trend_years"])
    if "include_own_emissions" in t:
        if isinstance(t["include_own_emissions"], bool):
            b.include_own_emissions = t["include_own_emissions"]
        else:
            add("is not true or false", "include_own_emissions", t["include_own_emissions"])
    b.allocate_to = t.get("allocate_to", "department" if "allocation" in t else "none")
    if b.allocate_to not in ALLOCATE_TO:
        add(f"is not one of: {', '.join(ALLOCATE_TO)}", "allocate_to", b.allocate_to)
    elif b.allocate_to != "none":
        if b.perspective != "organisation":
            add("allocation applies to organisation budgets only", "allocate_to", b.allocate_to)
        b.allocation_method = t.get("allocation", "grandfathering")
        if b.allocation_method not in ALLOCATION_METHODS:
            add(f"is not one of: {', '.join(ALLOCATION_METHODS)}", "allocation", b.allocation_method)
        if b.allocation_method == "grandfathering" and b.allocation_base_year is None:
            b.allocation_base_year = b.base_year or b.start_year
    weights = t.get("weights", {})
    if not isinstance(weights, dict):
        add("must be a table of unit = weight", "weights", weights)
    else:
        for unit, w in weights.items():
            if not _is_number(w) or w < 0:
                add(f"for \"{unit}\" is not a number ≥ 0", "weights", w)
            else:
                b.weights[str(unit)] = float(w)
    if "notes" in t:
        b.notes = str(t["notes"])
    return b


def _parse_method(b: BudgetDef, t: dict, add) -> None:
    def year(key, required=True):
        v = t.get(key)
        if v is None:
            if required:
                add(f"is required for method \"{b.method}\": a calendar year", key, code="missing-key")
            return None
        if not _is_year(v):
            add("is not a year such as 2024", key, v)
            return None
        return v

    def tonnes(key, allow_actual=True):
        v = t.get(key)
        if v is None:
            hint = " or \"actual\" (taken from the computed run of that year)" if allow_actual else ""
            add(f"is required for method \"{b.method}\": a number of tonnes{hint}", key, code="missing-key")
            return None, False
        if allow_actual and v == "actual":
            return None, True
        if not _is_number(v) or v <= 0:
            add("is not a number of tonnes greater than 0" + (" or \"actual\"" if allow_actual else ""), key, v)
            return None, False
        return float(v), False

    if b.method == "rate":
        r = t.get("rate")
        if r is None:
            add("is required for method \"rate\": the yearly reduction as a share, e.g. 0.16", "rate",
                code="missing-key")
        elif not _is_number(r) or not 0 < r < 1:
            add("is not a share between 0 and 1; write 0.16 for 16 %", "rate", r)
        else:
            b.rate = float(r)
        b.base_year = year("base_year")
        b.base_emissions_t, b.base_from_actual = tonnes("base_emissions_t")
    elif b.method == "paris":
        b.total_t, _ = tonnes("total_t", allow_actual=False)
        b.start_year = year("start_year")
        b.start_emissions_t, b.start_from_actual = tonnes("start_emissions_t")
    elif b.method == "linear":
        b.start_year = year("start_year")
        b.zero_year = year("zero_year")
        if b.start_year and b.zero_year and b.zero_year <= b.start_year:
            add(f"must be after start_year {b.start_year}", "zero_year", b.zero_year)
        b.start_emissions_t, b.start_from_actual = tonnes("start_emissions_t")
    elif b.method == "custom":
        values = t.get("values")
        if not isinstance(values, dict) or not values:
            add("is required for method \"custom\": a table of \"year\" = tonnes", "values", values,
                code="missing-key" if values is None else "type-error")
            return
        parsed = {}
        for k, v in values.items():
            if not (str(k).isdigit() and _is_year(int(k))):
                add(f"has key \"{k}\", which is not a year", "values", v)
            elif not _is_number(v) or v < 0:
                add(f"for {k} is not a number of tonnes ≥ 0", "values", v)
            else:
                parsed[int(k)] = float(v)
        if parsed:
            years = sorted(parsed)
            gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
            if gaps:
                add(f"must cover consecutive years; {gaps[0]} is missing", "values", None)
            b.values = parsed
            b.start_year = years[0]
    elif b.method == "klimatkollen":
        for key in ("rate", "total_t", "base_year", "base_emissions_t", "start_emissions_t", "zero_year", "values"):
            if key in t:
                add("does not apply: method \"klimatkollen\" takes the shipped budget and path; choose another "
                    "method to set it yourself", key, t[key])


def _parse_fee(col: _Collector, t) -> CarbonFeeDef | None:
    where = "[carbon_fee]"
    if not isinstance(t, dict):
        col.add(where, "must be a table", code="type-error")
        return None
    _unknown(col, t, FEE_KEYS, where, header="carbon_fee")
    price = t.get("price_sek_per_kg_co2e")
    if price is None or not _is_number(price) or price < 0:
        col.add(where, "is required: the internal carbon price in SEK per kg CO2e (e.g. 1.5)",
                key="price_sek_per_kg_co2e", value=price, code="missing-key" if price is None else "constraint-error",
                header="carbon_fee")
        return None
    fee = CarbonFeeDef(float(price))
    fee.scope = t.get("scope", "co2e")
    if fee.scope not in SCOPES:
        col.add(where, "is not one of: co2e, co2", key="scope", value=fee.scope, header="carbon_fee")
    cats = t.get("categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        col.add(where, "must be a list of category ids, e.g. [\"transport\"]; [] for all", key="categories",
                value=cats, header="carbon_fee")
    else:
        fee.categories = cats
    for key in ("from_year", "to_year"):
        if key in t:
            if _is_year(t[key]):
                setattr(fee, key, t[key])
            else:
                col.add(where, "is not a year", key=key, value=t[key], header="carbon_fee")
    fee.fund = t.get("fund")
    fee.notes = t.get("notes")
    return fee


def load_definition(path: str | Path) -> Definition:
    """Read and validate a definition file and the input tables it names; raise InputValidationError listing all."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(f"{path.name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path.name}: cannot read the definition ({exc}); save it as UTF-8 text") from None
    defn, problems = parse_definition(text, path.name)
    for kind, rel in defn.files.items():
        target = (path.parent / rel)
        if not target.is_file():
            problems.append(Problem(path.name, "missing-file", f"[files] {kind} = \"{rel}\": no such file next to "
                                    f"{path.name}; give a path relative to it"))
            continue
        try:
            rows, table_problems = read_input_table(kind, target, display_name=rel)
        except InputFileError as exc:
            problems.append(Problem(rel, "input-error", str(exc).split(": ", 1)[-1]))
            continue
        problems.extend(table_problems)
        setattr(defn, kind, rows)
    problems.extend(_cross_checks(defn))
    if problems:
        raise InputValidationError(problems, f"fix {path.name} (see `klimatspend budget check {path.name}`)")
    return defn


def _cross_checks(defn: Definition) -> list[Problem]:
    problems = []
    ids = {b.budget_id for b in defn.budgets}
    name = defn.files.get("measures", "measures")
    for m in defn.measures:
        if m.get("budget") and m["budget"] not in ids:
            problems.append(Problem(name, "reference-error", f"is not a budget id in {defn.source} "
                                    f"({', '.join(sorted(ids))})", m["source_row"], "budget", m["budget"]))
    for b in defn.budgets:
        if b.allocation_method in ("employees", "budget") and not defn.allocation_basis:
            problems.append(Problem(defn.source, "missing-file", f"[[budget]] \"{b.budget_id}\": allocation "
                                    f"\"{b.allocation_method}\" needs [files] allocation_basis (a table of department "
                                    f"and {'employees' if b.allocation_method == 'employees' else 'budget_sek'})"))
        if b.allocation_method == "weights" and not b.weights and not any(
                r.get("weight") is not None for r in defn.allocation_basis):
            problems.append(Problem(defn.source, "missing-key", f"[[budget]] \"{b.budget_id}\": allocation "
                                    "\"weights\" needs a [budget.weights] table or a weight column in allocation_basis"))
        if b.perspective == "residents" and not defn.residents:
            problems.append(Problem(defn.source, "missing-file", f"[[budget]] \"{b.budget_id}\": a residents budget "
                                    "needs [files] residents (year and emissions_t_co2e)"))
        if b.include_own_emissions and not defn.own_emissions:
            problems.append(Problem(defn.source, "missing-file", f"[[budget]] \"{b.budget_id}\": "
                                    "include_own_emissions needs [files] own_emissions"))
    return problems


# --- writing TOML back (the web app edits definitions through this) ------------------------------

def dump_definition(defn: Definition, files: dict[str, str] | None = None) -> str:
    """Return TOML text that defines `defn` (settings, files, budgets, carbon fee); loads back to the same."""
    out = ["# klimatspend budget definition (koldioxidbudget); see docs/budget.md", "version = 1", ""]
    if defn.settings:
        out.append("[settings]")
        out += [f"{k} = {_toml_value(v)}" for k, v in defn.settings.items()]
        out.append("")
    files = defn.files if files is None else files
    if files:
        out.append("[files]")
        out += [f"{k} = {_toml_value(v)}" for k, v in files.items()]
        out.append("")
    for b in defn.budgets:
        table = b.as_toml_table()
        out.append("[[budget]]")
        nested = {k: v for k, v in table.items() if isinstance(v, dict)}
        out += [f"{k} = {_toml_value(v)}" for k, v in table.items() if k not in nested and v is not None]
        for k, v in nested.items():
            out.append(f"[budget.{k}]")
            out += [f"{_toml_key(kk)} = {_toml_value(vv)}" for kk, vv in v.items()]
        out.append("")
    if defn.carbon_fee:
        f = defn.carbon_fee
        out.append("[carbon_fee]")
        for k in ("price_sek_per_kg_co2e", "scope", "categories", "from_year", "to_year", "fund", "notes"):
            v = getattr(f, k)
            if v is not None and v != []:
                out.append(f"{k} = {_toml_value(v)}")
        out.append("")
    return "\n".join(out)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_\-]+", key) else _toml_value(key)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "nan"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")
