"""Deterministic demo ledgers for a fictional mid-size Swedish municipality (Älvby kommun) and its housing company.

`generate()` writes what a finance system would export for three fiscal years:

* `alvby_kommun_<year>.csv` — the municipality's cost ledger (huvudbok, cost accounts with their
  supplier columns), Kommun-Bas 13 accounts, cp1252, `;`, decimal comma, Swedish headers;
* `alvbybostader_<year>.xlsx` — the housing company's posted supplier invoices (BAS 2025 accounts),
  two title rows above the header;
* `leverantorsregister.csv` — the supplier register with SNI 2007 codes (supplier-industry mapping);
* `manifest.json` — every file with its organisation, year, row count, total amount, totals per
  kind of spend, and the deliberately bad rows with the error each one should produce.

Everything is fictional (names, organisation numbers, amounts) but shaped like real municipal
data: spend mix, seasonality, price development, credit notes, internal transactions, grants.
The output is byte-identical for the same arguments: all randomness comes from one seeded numpy
Generator per organisation and year, the supplier register from a fixed seed of its own, and the
xlsx zip entries carry fixed timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# The catalogues (organisation structure, accounts, industries, spend profile) are data files in
# pipeline/demo/catalogues/, read by pipeline.demo.catalogues.
from .catalogues import (ANSVAR, BAS_ACCOUNTS, COMPANY_ITEMS, COMPANY_PROJECT_WORKS, COMPANY_PROJECTS,  # noqa: F401
                         COMPANY_UNITS, DEPRECIATION, EXCLUDED_KINDS, FIRST_NAMES, FORM_PREFIXES, FORVALTNINGAR,
                         INDUSTRIES, INTERNAL, KB13_ACCOUNTS, KIND_LABELS, MAPPED_KINDS, MUNICIPAL_ITEMS, NICKNAMES,
                         PLACES, PROJECT_WORKS, PROJECTS, SEASONS, SURNAMES, VERKSAMHETER, WELFARE_TYPES, Project,
                         SpendItem)
from .catalogues import FORVALTNING_BY_KEY as _FV

# --------------------------------------------------------------------------------------------
# Identity of the fictional organisations
# --------------------------------------------------------------------------------------------

MUNICIPALITY_NAME = "Älvby kommun"
COMPANY_NAME = "Älvbybostäder AB"
INHABITANTS = 60_000

DEFAULT_YEARS = (2023, 2024, 2025)
DEFAULT_LINES_PER_YEAR = 60_000
DEFAULT_SEED = 20261128
BASE_YEAR = 2024                            # spend targets below are stated for this year
COMPANY_LINE_SHARE = 0.06                   # company lines per municipal line (3,600 at the default)
REGISTER_SEED = 4711                        # the supplier register does not depend on `seed`

MUNICIPAL_HEADER = ["Bokföringsdatum", "Verifikationsnummer", "Konto", "Kontobenämning", "Nämnd", "Förvaltning",
                    "Ansvar", "Verksamhet", "Projekt", "Motpart", "Leverantör", "Organisationsnummer",
                    "Fakturanummer", "Text", "Belopp"]
COMPANY_HEADER = ["Datum", "Konto", "Kontonamn", "Kostnadsställe", "Projekt", "Leverantör", "Org.nr", "Fakturanr",
                  "Beskrivning", "Belopp"]
REGISTER_HEADER = ["Organisationsnummer", "Namn", "SNI 2007", "SNI-text"]
COMPANY_SHEET = "Leverantörsreskontra"

# --------------------------------------------------------------------------------------------
# Organisation numbers (Luhn check digit)
# --------------------------------------------------------------------------------------------

_ORG_RE = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_check_digit(first_nine: str) -> int:
    """Return the Luhn check digit (0-9) for the first nine digits of an organisationsnummer."""
    total = 0
    for i, ch in enumerate(first_nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def is_valid_org_number(value: str) -> bool:
    """Return True if `value` is NNNNNN-NNNN (or 10 digits) with a correct Luhn check digit."""
    m = _ORG_RE.match(value.strip())
    if not m:
        return False
    digits = m.group(1) + m.group(2)
    return luhn_check_digit(digits[:9]) == int(digits[9])


def _with_check(first_nine: str) -> str:
    digits = first_nine + str(luhn_check_digit(first_nine))
    return f"{digits[:6]}-{digits[6:]}"


# 212000-xxxx is the municipal series (real municipalities use 212000-0xxx..2xxx); 556 is an aktiebolag.
MUNICIPALITY_ORG_NUMBER = _with_check("212000399")
COMPANY_ORG_NUMBER = _with_check("556874321")

# --------------------------------------------------------------------------------------------
# Supplier register: fictional Swedish suppliers per industry, with SNI 2007 codes
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Supplier:
    """One supplier in the register: organisationsnummer, name, SNI 2007 code and text, industry, legal form."""

    org_number: str
    name: str
    sni: str
    sni_text: str
    industry: str
    form: str


def _legal_form(name: str, industry_forms: list[str]) -> str:
    """The legal form a name implies; a name without a company suffix is a sole trader's trading name."""
    if name.endswith(" ek. för."):
        return "EK"
    if name.endswith((" HB", " KB")):
        return "HB"
    if name.startswith("Stiftelsen"):
        return "ST"
    for public in ("KOM", "REG", "KF"):
        if public in industry_forms:
            return public
    if name.endswith(" AB") or name.startswith("Fastighets AB"):
        return "AB"
    return "IF" if "IF" in industry_forms else "EF"


def _personnummer_like(rng: np.random.Generator) -> str:
    """A sole trader's number (a personnummer in form): birth date 1955-1995 and a Luhn check digit."""
    day = dt.date(1955, 1, 1) + dt.timedelta(days=int(rng.integers(0, 40 * 365)))
    serial = f"{int(rng.integers(0, 1000)):03d}"
    return _with_check(day.strftime("%y%m%d") + serial)


def _org_number_for(form: str, rng: np.random.Generator) -> str:
    if form == "EF":
        return _personnummer_like(rng)
    prefixes = FORM_PREFIXES[form]
    prefix = prefixes[int(rng.integers(0, len(prefixes)))]
    rest = "".join(str(int(d)) for d in rng.integers(0, 10, size=9 - len(prefix)))
    if form in ("KOM", "REG", "KF"):
        rest = "3" + rest[1:]            # keep clear of the numbers real public bodies use
    return _with_check(prefix + rest)


_REGISTER_CACHE: list[tuple[Supplier, ...]] = []


def supplier_register() -> tuple[Supplier, ...]:
    """Return the fixed supplier register (same for every seed): about 300 suppliers in industry order."""
    if _REGISTER_CACHE:
        return _REGISTER_CACHE[0]
    rng = np.random.default_rng(REGISTER_SEED)
    taken_numbers = {MUNICIPALITY_ORG_NUMBER, COMPANY_ORG_NUMBER}
    taken_names: set[str] = set()
    suppliers: list[Supplier] = []
    for ind in INDUSTRIES:
        forms = ind.forms.split()
        names = list(ind.names)
        tries = 0
        if len(names) < ind.count and not ind.patterns:
            raise ValueError(f"industry {ind.key}: {ind.count} suppliers wanted, {len(names)} names and no patterns")
        while len(names) < ind.count:
            pattern = ind.patterns[tries % len(ind.patterns)]
            tries += 1
            name = pattern.format(P=PLACES[int(rng.integers(0, len(PLACES)))],
                                  S=SURNAMES[int(rng.integers(0, len(SURNAMES)))],
                                  F=FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))],
                                  T=NICKNAMES[int(rng.integers(0, len(NICKNAMES)))])
            if name not in taken_names and name not in names:
                names.append(name)
        for name in names:
            form = _legal_form(name, forms)
            number = _org_number_for(form, rng)
            while number in taken_numbers:
                number = _org_number_for(form, rng)
            taken_numbers.add(number)
            taken_names.add(name)
            suppliers.append(Supplier(number, name, ind.sni, ind.sni_text, ind.key, form))
    # The municipality's own company is a supplier of premises to the municipality, and the
    # municipality (water, waste) a supplier to the company.
    suppliers.append(Supplier(COMPANY_ORG_NUMBER, COMPANY_NAME, "68201",
                              "Uthyrning och förvaltning av egna eller arrenderade bostäder", "housing", "AB"))
    suppliers.append(Supplier(MUNICIPALITY_ORG_NUMBER, MUNICIPALITY_NAME, "84111",
                              "Stats- och kommunledning, lagstiftning och övergripande planering", "own_municipality",
                              "KOM"))
    _REGISTER_CACHE.append(tuple(suppliers))
    return _REGISTER_CACHE[0]

# --------------------------------------------------------------------------------------------
# Spend profile: what the municipality and the company buy, how much, from whom, when
# --------------------------------------------------------------------------------------------

PROJECT_LINES_PER_MSEK = 5.0
MAX_LINE_SEK = 25_000_000          # no single generated line exceeds this (keeps clear of "large amount" checks)

# Structured (non-invoice) municipal lines.
MONTHLY_SALARY_SEK = {2024: 41_000.0}          # average monthly pay per FTE incl. supplements, base year
SALARY_GROWTH = (0.044, 0.036)                  # pay rise 2023→2024, 2024→2025 (applied from April)
EMPLOYER_CONTRIBUTIONS = 0.3142 + 0.006         # arbetsgivaravgifter + avtalsförsäkringar
PENSION_RATE = 0.062                            # avgiftsbestämd ålderspension, share of pay
SPECIAL_PAYROLL_TAX = 0.2426                    # särskild löneskatt on pension costs
PENSION_PAYMENTS_MSEK = 88.0                    # pensionsutbetalningar (förmånsbestämd), base year
HOURLY_TAGS = ("care", "homecare", "school", "preschool", "kitchen", "cleaning", "culture", "sport", "upper")

DEPRECIATION_GROWTH = (0.05, 0.06)

GRANT_MSEK = {"associations": 24.0, "study": 4.2, "welfare": 86.0, "housing_adaptation": 8.0}
INTEREST_MSEK = {2023: 35.0, 2024: 46.0, 2025: 41.0}
CREDIT_NOTE_RATE = 0.015
CREDITABLE_KINDS = set(MAPPED_KINDS)

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")

# --------------------------------------------------------------------------------------------
# Generation engine
# --------------------------------------------------------------------------------------------

_COLUMNS = ("date", "series", "vkey", "account", "unit", "project", "motpart", "supplier", "invoice", "credit_of",
            "text", "amount", "kind", "item")


class _Units:
    """Column arrays of the buying units (municipal ansvar or company kostnadsställen)."""

    def __init__(self, codes: list[str], names: list[str], tags: list[tuple[str, ...]], sizes: list[float],
                 groups: list[str]):
        self.codes = codes
        self.names = np.array(names, dtype=object)
        self.tags = tags
        self.sizes = np.array(sizes, dtype=float)
        self.groups = groups
        self.index = {c: i for i, c in enumerate(codes)}

    def select(self, spec: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (unit indices, probabilities) for a selector such as 'tag:school=2 91010'."""
        weights = np.zeros(len(self.codes))
        for token in spec.split():
            sel, _, w = token.partition("=")
            weight = float(w) if w else 1.0
            if sel.startswith("tag:"):
                hit = np.array([sel[4:] in t for t in self.tags])
            elif sel.startswith("fv:"):
                hit = np.array([g == sel[3:] for g in self.groups])
            else:
                hit = np.zeros(len(self.codes), dtype=bool)
                hit[self.index[sel]] = True
            if not hit.any():
                raise ValueError(f"unit selector {sel!r} matches nothing")
            size = np.where(hit, np.maximum(self.sizes, 0.5), 0.0)
            weights += weight * size / size.sum()
        idx = np.flatnonzero(weights)
        return idx, weights[idx] / weights[idx].sum()


def _municipal_units() -> _Units:
    return _Units([a.code for a in ANSVAR], [a.name for a in ANSVAR], [a.tags for a in ANSVAR],
                  [a.fte for a in ANSVAR], [a.fv for a in ANSVAR])


def _company_units() -> _Units:
    return _Units([k.code for k in COMPANY_UNITS], [k.name for k in COMPANY_UNITS], [k.tags for k in COMPANY_UNITS],
                  [k.size for k in COMPANY_UNITS], ["company"] * len(COMPANY_UNITS))


def _industry_pools() -> dict[str, np.ndarray]:
    pools: dict[str, list[int]] = {}
    for i, s in enumerate(supplier_register()):
        pools.setdefault(s.industry, []).append(i)
    return {k: np.array(v) for k, v in pools.items()}


def _supplier_choice(spec: str, year: int, switch: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Return (register indices, probabilities) for an industry spec; the first suppliers dominate."""
    pools = _industry_pools()
    idx: list[np.ndarray] = []
    prob: list[np.ndarray] = []
    tokens = [t.partition("=") for t in spec.split()]
    total_weight = sum(float(w) if w else 1.0 for _, _, w in tokens)
    for key, _, w in tokens:
        pool = pools[key].copy()
        if switch is not None and year >= switch and len(pool) > 1:
            pool[[0, 1]] = pool[[1, 0]]
        rank_w = 1.0 / np.arange(1, len(pool) + 1) ** 1.3
        idx.append(pool)
        prob.append(rank_w / rank_w.sum() * (float(w) if w else 1.0) / total_weight)
    return np.concatenate(idx), np.concatenate(prob)


def _year_factor(year: int, growth: tuple[float, float]) -> float:
    """Price and volume development relative to the base year (growth before and after it)."""
    if year <= BASE_YEAR:
        return float((1 + growth[0]) ** (year - BASE_YEAR))
    return float((1 + growth[1]) ** (year - BASE_YEAR))


def _total_ore(msek: float, year: int, growth: tuple[float, float], rng: np.random.Generator,
               whole_kronor: bool = False, noise: float = 0.015) -> int:
    sek = msek * 1e6 * _year_factor(year, growth) * (1 + rng.normal(0, noise))
    return int(round(sek)) * 100 if whole_kronor else int(round(sek * 100))


def _allocate(rng: np.random.Generator, n: int, total_ore: int, sigma: float, *, whole_kronor: bool = False,
              cap_ore: int = MAX_LINE_SEK * 100, weight: np.ndarray | None = None) -> np.ndarray:
    """Split `total_ore` into `n` positive lognormal-shaped amounts (öre) that sum exactly to it.

    `weight` scales each line's expected size (e.g. the month's share of a year's heating).
    """
    unit = 100 if whole_kronor else 1
    draws = rng.lognormal(0.0, sigma, n)
    if weight is not None:
        draws = draws * weight
    x = draws / draws.sum() * total_ore
    for _ in range(50):                      # move the excess of capped lines to the others
        over = x > cap_ore
        if not over.any():
            break
        excess = float((x[over] - cap_ore).sum())
        x[over] = cap_ore
        free = x < cap_ore * 0.98
        x[free] += excess * x[free] / x[free].sum()
    q = (np.floor(x / unit) * unit).astype(np.int64)
    q = np.maximum(q, unit)
    q[int(np.argmax(q))] += total_ore - int(q.sum())
    return q


def _months(rng: np.random.Generator, n: int, season: str) -> np.ndarray:
    w = np.array(SEASONS[season], dtype=float)
    return rng.choice(12, size=n, p=w / w.sum()) + 1


def _month_starts(year: int) -> np.ndarray:
    return np.array([np.datetime64(f"{year}-{m:02d}-01") for m in range(1, 13)] + [np.datetime64(f"{year + 1}-01-01")])


def _dates(rng: np.random.Generator, year: int, months: np.ndarray, *, workdays: bool = True) -> np.ndarray:
    """Uniform posting dates within the given months; weekends move to the Friday before (or Monday after)."""
    starts = _month_starts(year)
    lengths = (starts[1:] - starts[:-1]).astype(int)
    offset = np.floor(rng.random(months.size) * lengths[months - 1]).astype(int)
    d = starts[months - 1] + offset.astype("timedelta64[D]")
    return _to_workday(d, year) if workdays else d


def _to_workday(d: np.ndarray, year: int) -> np.ndarray:
    wd = (d.astype("datetime64[D]").astype(np.int64) + 3) % 7          # Monday = 0
    back = np.where(wd == 5, 1, np.where(wd == 6, 2, 0)).astype("timedelta64[D]")
    out = d - back
    early = out < np.datetime64(f"{year}-01-02")          # New Year's Day is no working day either
    first_workday = np.datetime64(f"{year}-01-02")
    first_workday += {5: 2, 6: 1}.get(int((first_workday.astype(np.int64) + 3) % 7), 0)
    out[early] = first_workday
    return out


def _month_end_workday(year: int, months: np.ndarray) -> np.ndarray:
    starts = _month_starts(year)
    return _to_workday(starts[months] - np.timedelta64(1, "D"), year)


_TOKEN_RE = re.compile(r"\{(\w+)\}")


def _render(templates: tuple[str, ...] | list[str], choice: np.ndarray, tokens: dict[str, np.ndarray]) -> np.ndarray:
    """Fill text templates per row: `choice[i]` picks the template, `tokens[name][i]` the values."""
    out = np.empty(choice.size, dtype=object)
    for t, template in enumerate(templates):
        rows = np.flatnonzero(choice == t)
        if rows.size == 0:
            continue
        parts = _TOKEN_RE.split(template)        # literal, token, literal, token, ...
        acc = np.full(rows.size, parts[0], dtype=object)
        for j in range(1, len(parts), 2):
            acc = acc + tokens[parts[j]][rows] + parts[j + 1]
        out[rows] = acc
    return out


_WEEK_STR = np.array([str(i) for i in range(60)], dtype=object)
_YEAR_STR = np.array([str(2000 + i) for i in range(100)], dtype=object)
_MONTH_STR = np.array(MONTHS_SV, dtype=object)
_MONTH_CAP = np.array([m.capitalize() for m in MONTHS_SV], dtype=object)


def _date_tokens(dates: np.ndarray, units: _Units, unit_idx: np.ndarray, rng: np.random.Generator,
                 extra: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Per-row values for the text templates, derived from the posting dates and units."""
    days = dates.astype("datetime64[D]")
    month = (days.astype("datetime64[M]").astype(np.int64) % 12).astype(int)
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    # ISO week: the week's Thursday decides the ISO year; count weeks from that year's 1 January
    thursday = days - ((days.astype(np.int64) + 3) % 7).astype("timedelta64[D]") + np.timedelta64(3, "D")
    week = (thursday - thursday.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) // 7 + 1
    tokens = {
        "month": _MONTH_STR[month], "Month": _MONTH_CAP[month],
        "week": _WEEK_STR[week],
        "q": _WEEK_STR[month // 3 + 1],
        "year": _YEAR_STR[year - 2000],
        "period": np.array(np.datetime_as_string(dates.astype("datetime64[M]"), unit="M"), dtype=object),
        "date": np.array(np.datetime_as_string(dates, unit="D"), dtype=object),
        "unit": units.names[unit_idx],
        "n": _WEEK_STR[rng.integers(1, 41, size=dates.size)],
    }
    if extra:
        tokens.update(extra)
    return tokens


class _Rows:
    """Accumulates generated ledger lines as column chunks; `frame()` concatenates them."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []
        self.next_key = 0

    def keys(self, n: int) -> np.ndarray:
        """Reserve `n` fresh verification/invoice keys."""
        k = np.arange(self.next_key, self.next_key + n, dtype=np.int64)
        self.next_key += n
        return k

    def add(self, **cols) -> None:
        n = len(cols["amount"])
        chunk = {}
        for name in _COLUMNS:
            v = cols.get(name)
            if v is None:
                v = {"project": "", "motpart": "", "supplier": -1, "invoice": -1, "credit_of": -1}[name]
            if np.isscalar(v) or isinstance(v, str):
                arr = np.empty(n, dtype=object if isinstance(v, str) else np.int64)
                arr[:] = v
                v = arr
            chunk[name] = np.asarray(v)
        self.chunks.append(chunk)

    def frame(self) -> pd.DataFrame:
        data = {name: np.concatenate([c[name] for c in self.chunks]) for name in _COLUMNS}
        for name in ("series", "account", "project", "motpart", "text", "kind", "item"):
            data[name] = data[name].astype(object)
        return pd.DataFrame(data)


def _invoice_lines(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, item: SpendItem, n: int,
                   total_ore: int, *, unit_spec: str | None = None, project: str = "",
                   extra_tokens: dict[str, str] | None = None, series: str = "LF") -> None:
    """Generate `n` supplier invoices for one spend item (split over several lines now and then)."""
    if item.season == "monthly" or item.metered:      # invoiced every month: same count per month
        months = rng.permutation(np.arange(n) % 12 + 1)
    else:
        months = _months(rng, n, item.season)
    dates = _dates(rng, year, months)
    weight = np.array(SEASONS[item.season])[months - 1] if item.metered else None
    amounts = _allocate(rng, n, total_ore, item.sigma, whole_kronor=item.whole_kronor, weight=weight)
    uidx, up = units.select(unit_spec or item.units)
    unit = uidx[rng.choice(uidx.size, size=n, p=up)]
    sidx, sp = _supplier_choice(item.industries, year, item.switch)
    supplier = sidx[rng.choice(sidx.size, size=n, p=sp)]
    template = rng.integers(0, len(item.texts), size=n)
    # split a share of the invoices over 2-4 lines (other units, same supplier and invoice)
    k = np.ones(n, dtype=np.int64)
    split = rng.random(n) < item.split
    k[split] = rng.integers(2, 5, size=int(split.sum()))
    rep = np.repeat(np.arange(n), k)
    first = np.concatenate(([0], np.cumsum(k)[:-1]))
    step = 100 if item.whole_kronor else 1
    share = rng.uniform(0.2, 1.0, rep.size)
    share = share / np.bincount(rep, share)[rep]
    line_amount = (np.floor(amounts[rep] * share / step) * step).astype(np.int64)
    line_amount[first] += amounts - np.bincount(rep, line_amount, minlength=n).astype(np.int64)
    line_unit = unit[rep].copy()
    others = np.ones(rep.size, dtype=bool)
    others[first] = False
    line_unit[others] = uidx[rng.choice(uidx.size, size=int(others.sum()), p=up)]
    invoice = rows.keys(n)
    line_dates = dates[rep]
    extra = {k2: np.full(rep.size, v, dtype=object) for k2, v in (extra_tokens or {}).items()}
    tokens = _date_tokens(line_dates, units, line_unit, rng, extra)
    text = _render(item.texts, template[rep], tokens)
    rows.add(date=line_dates, series=series, vkey=invoice[rep], account=item.account, unit=line_unit,
             project=project, supplier=supplier[rep], invoice=invoice[rep], text=text, amount=line_amount,
             kind=item.kind, item=item.key)


def _project_lines(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, projects: tuple[Project, ...],
                   works: dict[str, tuple] | tuple, scale: float, lines_per_msek: float = PROJECT_LINES_PER_MSEK) -> None:
    """Generate invoices on investment projects (project code on every line)."""
    for p in projects:
        msek = p.msek.get(year)
        if not msek:
            continue
        parts = works[p.works] if isinstance(works, dict) else works
        for n_part, (account, share, industries, texts) in enumerate(parts):
            total = int(round(msek * share * 1e6 * (1 + rng.normal(0, 0.02)))) * 100
            n = max(1, int(round(msek * share * lines_per_msek * scale)),
                    int(np.ceil(total / (MAX_LINE_SEK * 100) * 1.3)))
            item = SpendItem(f"project_{p.code}_{n_part}", "construction", account, 0, 0, p.ansvar, industries,
                             texts, season="construction", sigma=1.0, split=0.0)
            _invoice_lines(rows, rng, year, units, item, n, total, project=p.code,
                           extra_tokens={"project": p.name})


def _credit_notes(df: pd.DataFrame, rng: np.random.Generator, year: int, rows: _Rows) -> pd.DataFrame:
    """Append credit notes: ~1.5 % of supplier invoices are credited (fully or partly) a few weeks later."""
    inv = df[(df["invoice"] >= 0) & df["kind"].isin(CREDITABLE_KINDS)]
    first_lines = inv.drop_duplicates("invoice")
    first_lines = first_lines[first_lines["date"] < np.datetime64(f"{year}-12-01")]
    chosen = rng.random(len(first_lines)) < CREDIT_NOTE_RATE * 1.04
    if not chosen.any() and len(first_lines):     # a small file still shows one credit note
        chosen[rng.integers(0, len(first_lines))] = True
    pick = first_lines[chosen]
    n = len(pick)
    if n == 0:
        return df
    full = rng.random(n) < 0.55
    frac = np.where(full, 1.0, rng.uniform(0.05, 0.5, n))
    amount = -np.round(pick["amount"].to_numpy() * frac).astype(np.int64)
    amount = np.minimum(amount, -1)
    delay = rng.integers(4, 45, size=n).astype("timedelta64[D]")
    dates = pick["date"].to_numpy().astype("datetime64[D]") + delay
    dates = np.minimum(dates, np.datetime64(f"{year}-12-31"))
    dates = _to_workday(dates, year)
    credit = pick.copy()
    keys = rows.keys(n)
    credit["date"] = dates
    credit["amount"] = amount
    credit["credit_of"] = pick["invoice"].to_numpy()
    credit["invoice"] = keys
    credit["vkey"] = keys
    return pd.concat([df, credit], ignore_index=True)


def _subsample(rng: np.random.Generator, n_grid: int, scale: float, minimum: int = 12,
               groups: np.ndarray | None = None) -> np.ndarray:
    """Indices of a structured grid kept at this scale (all of them at the default size).

    With `groups`, every group keeps at least one row, so no group's amount is lost.
    """
    if scale >= 1:
        return np.arange(n_grid)
    k = min(n_grid, max(minimum, int(round(n_grid * scale))))
    if groups is None:
        return np.sort(rng.choice(n_grid, size=k, replace=False))
    order = rng.permutation(n_grid)
    _, first = np.unique(groups[order], return_index=True)
    chosen = set(order[first].tolist())
    rest = [i for i in order.tolist() if i not in chosen][:max(0, k - len(chosen))]
    return np.sort(np.array(sorted(chosen) + rest, dtype=np.int64))


def _exact_ore(amount_sek: np.ndarray, groups: np.ndarray, keep: np.ndarray, *, whole_kronor: bool = False) -> np.ndarray:
    """Round kept amounts to öre so that each group keeps its full-grid total (subsampling moves none)."""
    unit = 100 if whole_kronor else 1
    ore = amount_sek * 100.0
    kept = np.zeros(amount_sek.size, dtype=bool)
    kept[keep] = True
    out = np.zeros(keep.size, dtype=np.int64)
    g_keep = groups[keep]
    for g in np.unique(groups):
        sel = np.flatnonzero(g_keep == g)
        total = int(round(ore[groups == g].sum() / unit)) * unit
        x = ore[keep][sel] * (total / ore[keep][sel].sum())
        q = (np.floor(x / unit) * unit).astype(np.int64)
        q[int(np.argmax(q))] += total - int(q.sum())
        out[sel] = q
    return out


def _personnel(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Monthly payroll lines per ansvar (class 5, no supplier): pay, hourly pay, fees, contributions, pensions."""
    n_u = len(units.codes)
    u = np.repeat(np.arange(n_u), 12)
    m = np.tile(np.arange(1, 13), n_u)
    fte = units.sizes[u]
    base = MONTHLY_SALARY_SEK[BASE_YEAR]
    level_now = base * _year_factor(year, SALARY_GROWTH)
    level_before = base * _year_factor(year - 1, SALARY_GROWTH)
    pay_level = np.where(m >= 4, level_now, level_before)             # lönerevision in April
    politics = np.array(["politics" in units.tags[i] for i in u])
    hourly = np.array([any(t in units.tags[i] for t in HOURLY_TAGS) for i in u])
    pay = np.where(politics, 0.0, fte * pay_level * (1 + rng.normal(0, 0.02, u.size)))
    summer = np.array([1, 1, 1, 1, 1.1, 1.8, 2.6, 1.6, 1, 1, 1, 1.2])[m - 1]
    hourly_pay = np.where(hourly, pay * 0.12 * summer * (1 + rng.normal(0, 0.05, u.size)), 0.0)
    fees = np.where(politics, fte * 300_000 * _year_factor(year, SALARY_GROWTH), 0.0)
    contrib = EMPLOYER_CONTRIBUTIONS * (pay + hourly_pay + fees)
    pension = PENSION_RATE * (pay + hourly_pay)
    parts = [("5020", "personnel", pay, "Löner {month} {year}"),
             ("5022", "personnel", hourly_pay, "Timlöner {month} {year}"),
             ("5010", "personnel", fees, "Arvoden förtroendevalda {month}"),
             ("5611", "personnel", contrib, "Arbetsgivaravgifter {month} {year}"),
             ("5711", "pension", pension, "Pensionskostnad avgiftsbestämd {month}")]
    vkeys = rows.keys(12)
    for account, kind, amount, text in parts:
        present = np.flatnonzero(amount > 0)
        keep = present[_subsample(rng, present.size, scale)]
        ore = _exact_ore(amount, np.zeros(amount.size, dtype=int), keep)
        dates = _month_end_workday(year, m[keep])
        tokens = _date_tokens(dates, units, u[keep], rng)
        rows.add(date=dates, series="LÖ", vkey=vkeys[m[keep] - 1], account=account, unit=u[keep],
                 text=_render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind=kind,
                 item=f"payroll_{account}")
    # central pension payments and the special payroll tax on all pension costs
    central = units.index["11100"]
    months = np.arange(1, 13)
    payments = PENSION_PAYMENTS_MSEK * 1e6 * _year_factor(year, (0.03, 0.03)) / 12 * (1 + rng.normal(0, 0.01, 12))
    monthly_pension = np.bincount(m - 1, pension, minlength=12)
    tax = SPECIAL_PAYROLL_TAX * (monthly_pension + payments)
    for account, amount, text in (("5721", payments, "Pensionsutbetalningar {month}"),
                                  ("5751", tax, "Särskild löneskatt {month} {year}")):
        keep = _subsample(rng, 12, scale, minimum=2)
        ore = _exact_ore(amount, np.zeros(12, dtype=int), keep)
        dates = _month_end_workday(year, months[keep])
        unit = np.full(keep.size, central)
        tokens = _date_tokens(dates, units, unit, rng)
        rows.add(date=dates, series="LÖ", vkey=vkeys[months[keep] - 1], account=account, unit=unit,
                 text=_render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind="pension",
                 item=f"payroll_{account}")


def _depreciation(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Planned depreciation per asset-owning ansvar, booked on the last day of every month."""
    n = len(DEPRECIATION)
    e = np.repeat(np.arange(n), 12)
    m = np.tile(np.arange(1, 13), n)
    annual = np.array([d[2] for d in DEPRECIATION]) * 1e6 * _year_factor(year, DEPRECIATION_GROWTH)
    amount = annual[e] / 12
    keep = _subsample(rng, e.size, scale, groups=e)
    ore = _exact_ore(amount, e, keep, whole_kronor=True)
    starts = _month_starts(year)
    dates = starts[m[keep]] - np.timedelta64(1, "D")
    unit = np.array([units.index[DEPRECIATION[i][0]] for i in e[keep]])
    account = np.array([DEPRECIATION[i][1] for i in e[keep]], dtype=object)
    vkeys = rows.keys(12)
    tokens = _date_tokens(dates, units, unit, rng)
    rows.add(date=dates, series="AV", vkey=vkeys[m[keep] - 1], account=account, unit=unit,
             text=_render(["Avskrivningar {month} {year}", "Planenliga avskrivningar {period}"],
                          (account == "7931").astype(int), tokens), amount=ore, kind="depreciation",
             item="depreciation")


def _internal(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Internal charges (rent, meals, IT, cleaning, vehicles) from the selling unit to the buying ones."""
    for key, seller, account, msek, spec, text in INTERNAL:
        idx, p = units.select(spec)
        mask = idx != units.index[seller]
        idx, p = idx[mask], p[mask] / p[mask].sum()
        b = np.repeat(np.arange(idx.size), 12)
        m = np.tile(np.arange(1, 13), idx.size)
        total = msek * 1e6 * _year_factor(year, (0.035, 0.03))
        amount = total * p[b] / 12 * (1 + rng.normal(0, 0.01, b.size))
        keep = _subsample(rng, b.size, scale)
        ore = _exact_ore(amount, np.zeros(b.size, dtype=int), keep, whole_kronor=True)
        dates = _month_end_workday(year, m[keep])
        unit = idx[b[keep]]
        motpart = "1" + str(_FV[units.groups[units.index[seller]]].number)
        vkeys = rows.keys(12)
        tokens = _date_tokens(dates, units, unit, rng)
        rows.add(date=dates, series="IN", vkey=vkeys[m[keep] - 1], account=account, unit=unit, motpart=motpart,
                 text=_render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind="internal",
                 item=f"internal_{key}")


def _grants(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Grants to associations and study associations, welfare payments and housing-adaptation grants."""
    pools = _industry_pools()
    # associations: a few payments a year each, no invoice
    recipients = np.concatenate([pools["sports_clubs"], pools["associations"]])
    k = rng.integers(2, 6, size=recipients.size)
    who = np.repeat(recipients, k)
    keep = _subsample(rng, who.size, scale, minimum=6)
    who = who[keep]
    months = _months(rng, who.size, "school")
    dates = _dates(rng, year, months)
    total = _total_ore(GRANT_MSEK["associations"], year, (0.02, 0.02), rng, whole_kronor=True)
    unit = np.full(who.size, units.index["72040"])
    texts = ("Aktivitetsstöd {year}", "Lokalbidrag kv {q} {year}", "Verksamhetsbidrag {year}", "Projektbidrag {year}")
    rows.add(date=dates, series="UT", vkey=rows.keys(who.size), account="4521", unit=unit, supplier=who,
             text=_render(texts, rng.integers(0, 4, who.size), _date_tokens(dates, units, unit, rng)),
             amount=_allocate(rng, who.size, total, 0.9, whole_kronor=True), kind="grants", item="grants_associations")
    # study associations: quarterly
    study = np.repeat(pools["study_associations"], 4)
    months = np.tile(np.array([1, 4, 7, 10]), pools["study_associations"].size)
    dates = _dates(rng, year, months)
    total = _total_ore(GRANT_MSEK["study"], year, (0.0, 0.0), rng, whole_kronor=True)
    unit = np.full(study.size, units.index["72040"])
    rows.add(date=dates, series="UT", vkey=rows.keys(study.size), account="4522", unit=unit, supplier=study,
             text=_render(["Bidrag studieförbund kv {q} {year}"], np.zeros(study.size, dtype=int),
                          _date_tokens(dates, units, unit, rng)),
             amount=_allocate(rng, study.size, total, 0.3, whole_kronor=True), kind="grants", item="grants_study")
    # welfare (ekonomiskt bistånd): two payment runs a month per type, paid to households (no supplier)
    n_types = len(WELFARE_TYPES)
    t = np.tile(np.arange(n_types), 24)
    run = np.repeat(np.arange(24), n_types)
    months = run // 2 + 1
    day = np.where(run % 2 == 0, 10, 25)
    starts = _month_starts(year)
    dates = _to_workday(starts[months - 1] + (day - 1).astype("timedelta64[D]"), year)
    shares = np.array([w for _, w in WELFARE_TYPES])
    seasonal = np.array([1.05, 1, 1, 0.97, 0.97, 1, 1.02, 1, 0.97, 0.98, 1, 1.1])[months - 1]
    amount = GRANT_MSEK["welfare"] * 1e6 * _year_factor(year, (0.08, 0.06)) * shares[t] / 24 * seasonal \
        * (1 + rng.normal(0, 0.04, t.size))
    keep = _subsample(rng, t.size, scale, minimum=n_types)
    unit = np.full(keep.size, units.index["32020"])
    vkeys = rows.keys(24)
    rows.add(date=dates[keep], series="UT", vkey=vkeys[run[keep]], account="4511", unit=unit,
             text=_render([w for w, _ in WELFARE_TYPES], t[keep], _date_tokens(dates[keep], units, unit, rng)),
             amount=_exact_ore(amount, np.zeros(t.size, dtype=int), keep), kind="grants", item="grants_welfare")
    # housing adaptation grants, paid straight to the contractor on the contractor's invoice
    item = SpendItem("grants_housing_adaptation", "grants", "4513", GRANT_MSEK["housing_adaptation"], 0, "61050",
                     "building plumbing electrical lifts", ("Bostadsanpassningsbidrag ärende {n}",), sigma=0.8,
                     split=0.0)
    _invoice_lines(rows, rng, year, units, item, max(2, int(round(80 * scale))),
                   _total_ore(item.msek, year, (0.03, 0.03), rng))


def _financial(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Interest on borrowing (monthly notices from the lender) and small late-payment interest."""
    msek = INTEREST_MSEK.get(year, INTEREST_MSEK[BASE_YEAR])
    item = SpendItem("interest", "financial", "8541", msek, 12, "11100", "lender", ("Ränta lån {month} {year}",),
                     season="monthly", sigma=0.05, split=0.0, whole_kronor=True)
    _invoice_lines(rows, rng, year, units, item, 12, _total_ore(msek, year, (0, 0), rng, whole_kronor=True, noise=0))
    item = SpendItem("late_interest", "financial", "8591", 0.2, 30, "tag:adm",
                     "office_supplies building electrical food_wholesale it_consult cleaning",
                     ("Dröjsmålsränta", "Påminnelseavgift och dröjsmålsränta"), sigma=1.0, split=0.0)
    _invoice_lines(rows, rng, year, units, item, max(1, int(round(30 * scale))), _total_ore(0.2, year, (0, 0), rng))


def _spend_items(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, items: tuple[SpendItem, ...],
                 budget: int) -> None:
    """Supplier invoices for every spend item; `budget` is the number of lines left for them."""
    w = np.array([it.lines for it in items], dtype=float)
    split = np.array([it.split for it in items])
    per_invoice = 1 + (w * split).sum() / w.sum() * 2 + CREDIT_NOTE_RATE
    n_invoices = max(budget, len(items)) / per_invoice
    for it, wi in zip(items, w):
        n = max(1, int(round(n_invoices * wi / w.sum())))
        total = _total_ore(it.msek, year, it.growth, rng, whole_kronor=it.whole_kronor)
        _invoice_lines(rows, rng, year, units, it, n, total)


def _municipal_frame(year: int, lines: int, seed: int) -> pd.DataFrame:
    """All ledger lines of the municipality for one year (internal columns, not yet formatted)."""
    rng = np.random.default_rng([seed, year, 1])
    units = _municipal_units()
    scale = lines / DEFAULT_LINES_PER_YEAR
    rows = _Rows()
    _personnel(rows, rng, year, units, scale)
    _depreciation(rows, rng, year, units, scale)
    _internal(rows, rng, year, units, scale)
    _grants(rows, rng, year, units, scale)
    _financial(rows, rng, year, units, scale)
    _project_lines(rows, rng, year, units, PROJECTS, PROJECT_WORKS, scale)
    used = sum(len(c["amount"]) for c in rows.chunks)
    _spend_items(rows, rng, year, units, MUNICIPAL_ITEMS, lines - used)
    df = _credit_notes(rows.frame(), rng, year, rows)
    return _finish(df, rng, year, salt=0)


def _company_frame(year: int, lines: int, seed: int) -> pd.DataFrame:
    """All posted supplier-invoice lines of the company for one year."""
    rng = np.random.default_rng([seed, year, 2])
    units = _company_units()
    scale = lines / (DEFAULT_LINES_PER_YEAR * COMPANY_LINE_SHARE)
    rows = _Rows()
    _project_lines(rows, rng, year, units, COMPANY_PROJECTS, COMPANY_PROJECT_WORKS, scale, lines_per_msek=3.0)
    used = sum(len(c["amount"]) for c in rows.chunks)
    _spend_items(rows, rng, year, units, COMPANY_ITEMS, lines - used)
    df = _credit_notes(rows.frame(), rng, year, rows)
    return _finish(df, rng, year, salt=500_000)


def _finish(df: pd.DataFrame, rng: np.random.Generator, year: int, salt: int) -> pd.DataFrame:
    """Sort by posting date and number the verifications and the suppliers' invoices."""
    df["date"] = df["date"].to_numpy().astype("datetime64[D]")
    df["seq"] = np.arange(len(df))
    df = df.sort_values(["date", "series", "vkey", "seq"], kind="stable").reset_index(drop=True)
    # verification numbers: one per (series, key), numbered per series in date order
    group = df.groupby(["series", "vkey"], sort=False).ngroup().to_numpy()
    firsts = pd.DataFrame({"series": df["series"].to_numpy(), "group": group}).drop_duplicates("group")
    firsts["n"] = firsts.groupby("series").cumcount().to_numpy() + 1
    number = np.empty(len(firsts), dtype=object)
    number[:] = (firsts["series"] + f"{year % 100:02d}" + firsts["n"].astype(str).str.zfill(6)).to_numpy()
    lookup = np.empty(group.max() + 1, dtype=object)
    lookup[firsts["group"].to_numpy()] = number
    df["verification"] = lookup[group]
    # invoice numbers: each supplier numbers its invoices in date order, with gaps for its other customers
    inv = df.loc[df["invoice"] >= 0, ["invoice", "supplier", "date"]].drop_duplicates("invoice")
    inv = inv.sort_values(["supplier", "date", "invoice"], kind="stable")
    sup = inv["supplier"].to_numpy()
    seq = pd.Series(rng.integers(1, 12, size=len(inv))).groupby(sup).cumsum().to_numpy()
    base = 100_000 + (sup * 7919) % 800_000 + (year - 2020) * 40_000 + salt
    style = sup % 4
    yy = f"{year % 100:02d}"
    plain = (base + seq).astype(str)
    dashed = np.char.add(f"F{year}-", np.char.zfill(seq.astype(str), 5))
    short = np.char.add(yy, np.char.zfill(seq.astype(str), 5))
    ocr = np.char.add("7", np.char.zfill(((base * 131 + seq * 7) % 10_000_000).astype(str), 7))
    numbers = np.where(style == 0, plain, np.where(style == 1, dashed, np.where(style == 2, short, ocr)))
    by_key = pd.Series(numbers.astype(object), index=inv["invoice"].to_numpy())
    df["invoice_number"] = df["invoice"].map(by_key).fillna("").astype(object)
    credit = df["credit_of"].to_numpy() >= 0
    if credit.any():
        orig = by_key.reindex(df.loc[credit, "credit_of"].to_numpy()).to_numpy()
        df.loc[credit, "text"] = ("Kreditering faktura " + pd.Series(orig, dtype=object) + ", "
                                  + df.loc[credit, "text"].reset_index(drop=True)).to_numpy()
    return df.drop(columns=["seq"])

# --------------------------------------------------------------------------------------------
# Deliberately bad rows (one municipal file) and the manifest
# --------------------------------------------------------------------------------------------


@dataclass
class BadRow:
    """A deliberately invalid row: where it is and the finding validation should report for it."""

    row: int                 # line number in the file as a spreadsheet shows it (the header is row 1)
    column: str              # header of the offending column
    field: str               # canonical field (klimatspend's name for the column)
    value: str               # the raw value written
    code: str                # stable error code
    message: str             # the message text validation is expected to give
    note: str = ""


@dataclass
class DemoFile:
    """One generated file: what it holds, how many rows, and its totals (SEK) overall and per kind."""

    name: str
    kind: str                # municipal_ledger | company_ledger | supplier_register
    organisation: str
    org_number: str
    year: int | None
    format: str              # csv | xlsx
    encoding: str
    rows: int                # data rows (header and title rows not counted)
    total_amount_sek: float  # sum of every amount that parses as a number
    loaded_rows: int         # rows expected to pass validation
    loaded_amount_sek: float
    rejected_rows: int
    rejected_amount_sek: float   # parseable amounts on the rejected rows
    sha256: str
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)


@dataclass
class DemoManifest:
    """What `generate` wrote: the organisations, the parameters and every file with its totals."""

    seed: int
    years: list[int]
    lines_per_year: int
    municipality: dict[str, object]
    company: dict[str, object]
    files: list[DemoFile]
    generator: str = "pipeline.demo.generator"
    manifest_version: int = 1

    def file(self, name: str) -> DemoFile:
        """Return the entry for the file called `name` (KeyError if there is none)."""
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)

    def ledgers(self, kind: str | None = None) -> list[DemoFile]:
        """Return the ledger files (optionally only `municipal_ledger` or `company_ledger`)."""
        return [f for f in self.files if f.kind != "supplier_register" and (kind is None or f.kind == kind)]

    def as_dict(self) -> dict:
        """Return the manifest as plain data (the content of manifest.json)."""
        return asdict(self)

    def to_json(self) -> str:
        """Return manifest.json's text (UTF-8, stable key order)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DemoManifest:
        """Read a manifest back from the text of manifest.json."""
        data = json.loads(text)
        files = [DemoFile(**{**f, "bad_rows": [BadRow(**b) for b in f["bad_rows"]]}) for f in data.pop("files")]
        return cls(files=files, **data)


# (column, field, code, message): one row each; the value is made by _bad_value
_BAD_ROW_SPECS: tuple[tuple[str, str, str], ...] = (
    ("Belopp", "amount", "type-error"),
    ("Konto", "account", "missing-cell"),
    ("Bokföringsdatum", "posting_date", "constraint-error"),
    ("Organisationsnummer", "supplier_org_number", "constraint-error"),
    ("Bokföringsdatum", "posting_date", "type-error"),
    ("Belopp", "amount", "missing-cell"),
    ("Konto", "account", "constraint-error"),
)


def _bad_value(column: str, code: str, row: dict[str, str], year: int) -> tuple[str, str, str]:
    """Return (value, expected message, note) for one deliberately bad cell."""
    if column == "Belopp" and code == "type-error":
        value = "12,5O"
        return value, f'value "{value}" is not a number', "letter O instead of zero"
    if code == "missing-cell":
        return "", "the cell is empty", ""
    if column == "Bokföringsdatum" and code == "constraint-error":
        value = f"{year - 1}-12-31"
        return (value, f'value "{value}" is outside the declared period {year}-01-01..{year}-12-31',
                "a date outside the fiscal year; rejected when the file is ingested with its year declared")
    if column == "Bokföringsdatum":
        value = f"{year}-02-30"
        return value, f'value "{value}" is not a date', "no such day"
    if column == "Organisationsnummer":
        digits = row["Organisationsnummer"].replace("-", "")
        wrong = digits[:9] + str((int(digits[9]) + 1) % 10)
        value = f"{wrong[:6]}-{wrong[6:]}"
        return value, f'value "{value}" is not a valid organisationsnummer (check digit)', "check digit off by one"
    if column == "Konto":
        value = row["Konto"][:2] + "I" + row["Konto"][3:]
        return value, f'value "{value}" is not an account number (expected 2-6 digits)', "letter I instead of one"
    raise ValueError(f"no bad value defined for {column} {code}")


def _inject_bad_rows(table: pd.DataFrame, rng: np.random.Generator, year: int,
                     kinds: pd.Series) -> tuple[pd.DataFrame, list[BadRow], pd.Series]:
    """Insert copies of supplier-invoice rows with one bad cell each; returns the table, the list, the kinds."""
    candidates = np.flatnonzero((table["Organisationsnummer"] != "").to_numpy()
                                & kinds.isin(list(MAPPED_KINDS)).to_numpy()
                                & ~table["Text"].str.startswith("Kreditering").to_numpy())
    n = len(_BAD_ROW_SPECS)
    sources = np.sort(rng.choice(candidates, size=n, replace=False))
    pieces, kind_pieces, bad = [], [], []
    start = 0
    for k, (src, (column, fld, code)) in enumerate(zip(sources, _BAD_ROW_SPECS)):
        pieces.append(table.iloc[start:src + 1])
        kind_pieces.append(kinds.iloc[start:src + 1])
        copy = table.iloc[[src]].copy()
        # another line of the same invoice (a different amount), so it is no duplicate of its source
        ore = int(_parse_amounts(copy["Belopp"])[0])
        copy["Belopp"] = format_amount(np.array([max(100, int(ore * rng.uniform(0.3, 0.9)))]))
        value, message, note = _bad_value(column, code, copy.iloc[0].to_dict(), year)
        copy[column] = value
        pieces.append(copy)
        kind_pieces.append(pd.Series(["invalid"]))
        # row number: rows before it (src + 1 originals + k earlier bad rows) plus the header row
        bad.append(BadRow(row=int(src) + 1 + k + 2, column=column, field=fld, value=value, code=code,
                          message=message, note=note))
        start = src + 1
    pieces.append(table.iloc[start:])
    kind_pieces.append(kinds.iloc[start:])
    return (pd.concat(pieces, ignore_index=True), bad,
            pd.concat(kind_pieces, ignore_index=True))

# --------------------------------------------------------------------------------------------
# Formatting and writers
# --------------------------------------------------------------------------------------------

_FORBIDDEN = re.compile(r'[;"\r\n]')


def format_amount(ore: np.ndarray) -> np.ndarray:
    """Format amounts in öre as Swedish decimal-comma strings without thousands separator: -12345,50."""
    ore = np.asarray(ore, dtype=np.int64)
    a = np.abs(ore)
    text = np.char.add(np.char.add((a // 100).astype(str), ","), np.char.zfill((a % 100).astype(str), 2))
    return np.where(ore < 0, np.char.add("-", text), text).astype(object)


def _register_columns() -> tuple[np.ndarray, np.ndarray]:
    reg = supplier_register()
    names = np.array([s.name for s in reg] + [""], dtype=object)       # index -1 -> ""
    numbers = np.array([s.org_number for s in reg] + [""], dtype=object)
    return names, numbers


def _municipal_table(df: pd.DataFrame) -> pd.DataFrame:
    """The municipal ledger as the finance system exports it: every cell a string, Swedish headers."""
    unit = df["unit"].to_numpy()
    namnd = np.array([_FV[a.fv].namnd for a in ANSVAR], dtype=object)[unit]
    forv = np.array([_FV[a.fv].name for a in ANSVAR], dtype=object)[unit]
    code = np.array([a.code for a in ANSVAR], dtype=object)[unit]
    verks = np.array([a.verksamhet for a in ANSVAR], dtype=object)[unit]
    names, numbers = _register_columns()
    sup = df["supplier"].to_numpy()
    return pd.DataFrame({
        "Bokföringsdatum": np.datetime_as_string(df["date"].to_numpy().astype("datetime64[D]"), unit="D").astype(object),
        "Verifikationsnummer": df["verification"].to_numpy(),
        "Konto": df["account"].to_numpy(),
        "Kontobenämning": df["account"].map(KB13_ACCOUNTS).to_numpy(),
        "Nämnd": namnd, "Förvaltning": forv, "Ansvar": code, "Verksamhet": verks,
        "Projekt": df["project"].to_numpy(), "Motpart": df["motpart"].to_numpy(),
        "Leverantör": names[sup], "Organisationsnummer": numbers[sup],
        "Fakturanummer": df["invoice_number"].to_numpy(), "Text": df["text"].to_numpy(),
        "Belopp": format_amount(df["amount"].to_numpy()),
    }, dtype=object)


def _csv_bytes(table: pd.DataFrame, encoding: str) -> bytes:
    """Join the cells with ';' and CRLF, as a Windows finance system writes them (no quoting needed)."""
    line = None
    for name in table.columns:
        col = table[name].to_numpy(dtype=object)
        hit = _FORBIDDEN.search("\x00".join(col.tolist()))
        if hit:
            raise ValueError(f"column {name!r}: a value contains {hit.group()!r} and would need quoting")
        line = col if line is None else line + ";" + col
    text = ";".join(table.columns) + "\r\n" + "\r\n".join(line.tolist()) + "\r\n"
    return text.encode(encoding)


_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2020-01-01T00:00:00Z"


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite an xlsx zip with fixed timestamps and stored (uncompressed) entries.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; deflate output may
    differ between zlib builds. Fixed times and stored entries make the bytes the same everywhere.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rb"\g<1>" + _FIXED_DOC_TIME.encode() + rb"\g<3>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_STORED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            dst.writestr(entry, data)
    return out.getvalue()


def _company_xlsx_bytes(df: pd.DataFrame, year: int) -> bytes:
    """The company's posted supplier invoices as an xlsx: two title rows, header on row 3."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(COMPANY_SHEET)
    for col, width in zip("ABCDEFGHIJ", (11, 7, 34, 13, 9, 36, 13, 13, 44, 14)):
        ws.column_dimensions[col].width = width
    ws.append([f"{COMPANY_NAME} – bokförda leverantörsfakturor {year}"])
    ws.append([])
    ws.append(COMPANY_HEADER)
    names, numbers = _register_columns()
    sup = df["supplier"].to_numpy()
    units = np.array([k.code for k in COMPANY_UNITS], dtype=object)[df["unit"].to_numpy()]
    dates = df["date"].to_numpy().astype("datetime64[D]").astype(object)      # datetime.date
    amounts = (df["amount"].to_numpy() / 100.0).round(2)
    columns = zip(dates, df["account"], df["account"].map(BAS_ACCOUNTS), units, df["project"], names[sup],
                  numbers[sup], df["invoice_number"], df["text"], amounts)
    # plain values: openpyxl gives date cells the format yyyy-mm-dd; amounts are numeric cells
    for date, account, account_name, unit, project, supplier, number, invoice, text, amount in columns:
        ws.append([date, int(account), account_name, unit, project or None, supplier, number, invoice, text,
                   float(amount)])
    wb.properties.creator = COMPANY_NAME
    wb.properties.title = f"Leverantörsreskontra {year}"
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def _register_bytes() -> bytes:
    reg = supplier_register()
    table = pd.DataFrame({"Organisationsnummer": [s.org_number for s in reg], "Namn": [s.name for s in reg],
                          "SNI 2007": [s.sni for s in reg], "SNI-text": [s.sni_text for s in reg]}, dtype=object)
    return _csv_bytes(table, "utf-8")


def _by_kind(kinds: pd.Series, amounts: np.ndarray) -> dict[str, dict[str, float]]:
    frame = pd.DataFrame({"kind": kinds.to_numpy(), "amount": amounts})
    out: dict[str, dict[str, float]] = {}
    for kind in (*MAPPED_KINDS, *EXCLUDED_KINDS):
        sel = frame["amount"][frame["kind"] == kind]
        if len(sel):
            out[kind] = {"rows": int(len(sel)), "amount_sek": round(int(sel.sum()) / 100, 2)}
    return out


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def municipal_file_name(year: int) -> str:
    """File name of the municipality's ledger for `year`."""
    return f"alvby_kommun_{year}.csv"


def company_file_name(year: int) -> str:
    """File name of the company's ledger for `year`."""
    return f"alvbybostader_{year}.xlsx"


REGISTER_FILE = "leverantorsregister.csv"
MANIFEST_FILE = "manifest.json"


def generate(out_dir: Path, *, years: tuple[int, ...] = DEFAULT_YEARS, lines_per_year: int = DEFAULT_LINES_PER_YEAR,
             seed: int = DEFAULT_SEED) -> DemoManifest:
    """Write the demo ledgers, the supplier register and manifest.json into `out_dir`; return the manifest.

    `lines_per_year` is the approximate number of municipal ledger lines per year (the company gets
    6 % of it); amounts (SEK) do not depend on it, only how finely they are split. The same
    arguments always give byte-identical files. The latest year's municipal file carries seven
    deliberately bad rows, listed in the manifest with the error each should produce.
    """
    years = tuple(sorted(int(y) for y in years))
    if not years:
        raise ValueError("years: give at least one fiscal year")
    if lines_per_year < 500:
        raise ValueError(f"lines_per_year={lines_per_year}: use at least 500 (every kind of spend needs lines)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    bad_year = years[-1]
    for year in years:
        df = _municipal_frame(year, lines_per_year, seed)
        table = _municipal_table(df)
        kinds = df["kind"].astype(object)
        amounts = df["amount"].to_numpy()
        bad: list[BadRow] = []
        if year == bad_year:
            rng = np.random.default_rng([seed, year, 3])
            table, bad, kinds = _inject_bad_rows(table, rng, year, kinds)
            amounts = _parse_amounts(table["Belopp"])
        data = _csv_bytes(table, "cp1252")
        name = municipal_file_name(year)
        (out / name).write_bytes(data)
        files.append(_describe(name, "municipal_ledger", MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER, year, "csv",
                               "cp1252", kinds, amounts, bad, data))
    for year in years:
        df = _company_frame(year, max(60, int(round(lines_per_year * COMPANY_LINE_SHARE))), seed)
        data = _company_xlsx_bytes(df, year)
        name = company_file_name(year)
        (out / name).write_bytes(data)
        files.append(_describe(name, "company_ledger", COMPANY_NAME, COMPANY_ORG_NUMBER, year, "xlsx", "",
                               df["kind"].astype(object), df["amount"].to_numpy(), [], data))
    data = _register_bytes()
    (out / REGISTER_FILE).write_bytes(data)
    files.append(DemoFile(REGISTER_FILE, "supplier_register", MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER, None, "csv",
                          "utf-8", len(supplier_register()), 0.0, len(supplier_register()), 0.0, 0, 0.0,
                          _sha256(data)))
    manifest = DemoManifest(
        seed=seed, years=list(years), lines_per_year=lines_per_year,
        municipality={"name": MUNICIPALITY_NAME, "org_number": MUNICIPALITY_ORG_NUMBER, "inhabitants": INHABITANTS,
                      "chart_of_accounts": "Kommun-Bas 13"},
        company={"name": COMPANY_NAME, "org_number": COMPANY_ORG_NUMBER, "chart_of_accounts": "BAS 2025",
                 "sheet": COMPANY_SHEET, "header_row": 3},
        files=files)
    (out / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8", newline="\n")
    return manifest


def _parse_amounts(column: pd.Series) -> np.ndarray:
    """Amounts in öre of a formatted Belopp column; unparseable cells count as 0 (they are rejected)."""
    text = column.astype(str).str.replace(",", ".", regex=False)
    value = pd.to_numeric(text, errors="coerce")
    return np.round(value.fillna(0).to_numpy() * 100).astype(np.int64)


def _describe(name: str, kind: str, organisation: str, org_number: str, year: int, fmt: str, encoding: str,
              kinds: pd.Series, amounts: np.ndarray, bad: list[BadRow], data: bytes) -> DemoFile:
    rejected = (kinds == "invalid").to_numpy()
    total = int(amounts.sum())
    rejected_sum = int(amounts[rejected].sum())
    return DemoFile(name=name, kind=kind, organisation=organisation, org_number=org_number, year=year, format=fmt,
                    encoding=encoding, rows=int(len(kinds)), total_amount_sek=round(total / 100, 2),
                    loaded_rows=int((~rejected).sum()), loaded_amount_sek=round((total - rejected_sum) / 100, 2),
                    rejected_rows=int(rejected.sum()), rejected_amount_sek=round(rejected_sum / 100, 2),
                    sha256=_sha256(data), by_kind=_by_kind(kinds[~rejected], amounts[~rejected]), bad_rows=bad)
