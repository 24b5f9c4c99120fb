"""The fixed supplier register: fictional Swedish suppliers per industry, with SNI 2007 codes and valid numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .catalogues import FIRST_NAMES, FORM_PREFIXES, INDUSTRIES, NICKNAMES, PLACES, SURNAMES
from .identity import COMPANY_NAME, COMPANY_ORG_NUMBER, MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER, with_check_digit

REGISTER_SEED = 4711                        # the supplier register does not depend on the ledgers' seed


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
    return with_check_digit(day.strftime("%y%m%d") + serial)


def _org_number_for(form: str, rng: np.random.Generator) -> str:
    """A random organisationsnummer of legal form `form` (its series' first digits, a valid check digit)."""
    if form == "EF":
        return _personnummer_like(rng)
    prefixes = FORM_PREFIXES[form]
    prefix = prefixes[int(rng.integers(0, len(prefixes)))]
    rest = "".join(str(int(d)) for d in rng.integers(0, 10, size=9 - len(prefix)))
    if form in ("KOM", "REG", "KF"):
        rest = "3" + rest[1:]            # keep clear of the numbers real public bodies use
    return with_check_digit(prefix + rest)


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


def industry_pools() -> dict[str, np.ndarray]:
    """Return industry key -> register indices of its suppliers, in register order (the largest first)."""
    pools: dict[str, list[int]] = {}
    for i, s in enumerate(supplier_register()):
        pools.setdefault(s.industry, []).append(i)
    return {k: np.array(v) for k, v in pools.items()}
