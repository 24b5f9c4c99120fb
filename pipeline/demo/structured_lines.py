"""Municipal lines that are not ordinary purchases: payroll, depreciation, internal charges, grants, interest."""

from __future__ import annotations

import numpy as np

from .allocation import BASE_YEAR, Units, allocate, exact_ore, subsample, year_factor, year_total_ore
from .catalogues import DEPRECIATION, FORVALTNING_BY_KEY, INTERNAL, WELFARE_TYPES, SpendItem
from .dates import month_end_workday, month_starts, posting_dates, season_months, to_workday
from .rendering import date_tokens, render
from .rows import Rows, invoice_lines
from .suppliers import industry_pools

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


def personnel(rows: Rows, rng: np.random.Generator, year: int, units: Units, scale: float) -> None:
    """Monthly payroll lines per ansvar (class 5, no supplier): pay, hourly pay, fees, contributions, pensions."""
    n_u = len(units.codes)
    u = np.repeat(np.arange(n_u), 12)
    m = np.tile(np.arange(1, 13), n_u)
    fte = units.sizes[u]
    base = MONTHLY_SALARY_SEK[BASE_YEAR]
    level_now = base * year_factor(year, SALARY_GROWTH)
    level_before = base * year_factor(year - 1, SALARY_GROWTH)
    pay_level = np.where(m >= 4, level_now, level_before)             # lönerevision in April
    politics = np.array(["politics" in units.tags[i] for i in u])
    hourly = np.array([any(t in units.tags[i] for t in HOURLY_TAGS) for i in u])
    pay = np.where(politics, 0.0, fte * pay_level * (1 + rng.normal(0, 0.02, u.size)))
    summer = np.array([1, 1, 1, 1, 1.1, 1.8, 2.6, 1.6, 1, 1, 1, 1.2])[m - 1]
    hourly_pay = np.where(hourly, pay * 0.12 * summer * (1 + rng.normal(0, 0.05, u.size)), 0.0)
    fees = np.where(politics, fte * 300_000 * year_factor(year, SALARY_GROWTH), 0.0)
    contrib = EMPLOYER_CONTRIBUTIONS * (pay + hourly_pay + fees)
    pension = PENSION_RATE * (pay + hourly_pay)
    parts = [("50210", "personnel", pay, "Löner {month} {year}"),
             ("50220", "personnel", hourly_pay, "Timlöner {month} {year}"),
             ("50110", "personnel", fees, "Arvoden förtroendevalda {month}"),
             ("56110", "personnel", contrib, "Arbetsgivaravgifter {month} {year}"),
             ("57110", "pension", pension, "Pensionskostnad avgiftsbestämd {month}")]
    vkeys = rows.keys(12)
    for account, kind, amount, text in parts:
        present = np.flatnonzero(amount > 0)
        keep = present[subsample(rng, present.size, scale)]
        ore = exact_ore(amount, np.zeros(amount.size, dtype=int), keep)
        dates = month_end_workday(year, m[keep])
        tokens = date_tokens(dates, units, u[keep], rng)
        rows.add(date=dates, series="LÖ", vkey=vkeys[m[keep] - 1], account=account, unit=u[keep],
                 text=render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind=kind,
                 item=f"payroll_{account}")
    # central pension payments and the special payroll tax on all pension costs
    central = units.index["11100"]
    months = np.arange(1, 13)
    payments = PENSION_PAYMENTS_MSEK * 1e6 * year_factor(year, (0.03, 0.03)) / 12 * (1 + rng.normal(0, 0.01, 12))
    monthly_pension = np.bincount(m - 1, pension, minlength=12)
    tax = SPECIAL_PAYROLL_TAX * (monthly_pension + payments)
    for account, amount, text in (("57210", payments, "Pensionsutbetalningar {month}"),
                                  ("57510", tax, "Särskild löneskatt {month} {year}")):
        keep = subsample(rng, 12, scale, minimum=2)
        ore = exact_ore(amount, np.zeros(12, dtype=int), keep)
        dates = month_end_workday(year, months[keep])
        unit = np.full(keep.size, central)
        tokens = date_tokens(dates, units, unit, rng)
        rows.add(date=dates, series="LÖ", vkey=vkeys[months[keep] - 1], account=account, unit=unit,
                 text=render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind="pension",
                 item=f"payroll_{account}")


def depreciation(rows: Rows, rng: np.random.Generator, year: int, units: Units, scale: float) -> None:
    """Planned depreciation per asset-owning ansvar, booked on the last day of every month."""
    n = len(DEPRECIATION)
    e = np.repeat(np.arange(n), 12)
    m = np.tile(np.arange(1, 13), n)
    annual = np.array([d[2] for d in DEPRECIATION]) * 1e6 * year_factor(year, DEPRECIATION_GROWTH)
    amount = annual[e] / 12
    keep = subsample(rng, e.size, scale, groups=e)
    ore = exact_ore(amount, e, keep, whole_kronor=True)
    starts = month_starts(year)
    dates = starts[m[keep]] - np.timedelta64(1, "D")
    unit = np.array([units.index[DEPRECIATION[i][0]] for i in e[keep]])
    account = np.array([DEPRECIATION[i][1] for i in e[keep]], dtype=object)
    vkeys = rows.keys(12)
    tokens = date_tokens(dates, units, unit, rng)
    rows.add(date=dates, series="AV", vkey=vkeys[m[keep] - 1], account=account, unit=unit,
             text=render(["Avskrivningar {month} {year}", "Planenliga avskrivningar {period}"],
                         (account == "79310").astype(int), tokens), amount=ore, kind="depreciation",
             item="depreciation")


def internal(rows: Rows, rng: np.random.Generator, year: int, units: Units, scale: float) -> None:
    """Internal charges (rent, meals, IT, cleaning, vehicles) from the selling unit to the buying ones."""
    for key, seller, account, msek, spec, text in INTERNAL:
        idx, p = units.select(spec)
        mask = idx != units.index[seller]
        idx, p = idx[mask], p[mask] / p[mask].sum()
        b = np.repeat(np.arange(idx.size), 12)
        m = np.tile(np.arange(1, 13), idx.size)
        total = msek * 1e6 * year_factor(year, (0.035, 0.03))
        amount = total * p[b] / 12 * (1 + rng.normal(0, 0.01, b.size))
        keep = subsample(rng, b.size, scale)
        ore = exact_ore(amount, np.zeros(b.size, dtype=int), keep, whole_kronor=True)
        dates = month_end_workday(year, m[keep])
        unit = idx[b[keep]]
        motpart = "1" + str(FORVALTNING_BY_KEY[units.groups[units.index[seller]]].number)
        vkeys = rows.keys(12)
        tokens = date_tokens(dates, units, unit, rng)
        rows.add(date=dates, series="IN", vkey=vkeys[m[keep] - 1], account=account, unit=unit, motpart=motpart,
                 text=render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind="internal",
                 item=f"internal_{key}")


def grants(rows: Rows, rng: np.random.Generator, year: int, units: Units, scale: float) -> None:
    """Grants to associations and study associations, welfare payments and housing-adaptation grants."""
    pools = industry_pools()
    # associations: a few payments a year each, no invoice
    recipients = np.concatenate([pools["sports_clubs"], pools["associations"]])
    k = rng.integers(2, 6, size=recipients.size)
    who = np.repeat(recipients, k)
    keep = subsample(rng, who.size, scale, minimum=6)
    who = who[keep]
    months = season_months(rng, who.size, "school")
    dates = posting_dates(rng, year, months)
    total = year_total_ore(GRANT_MSEK["associations"], year, (0.02, 0.02), rng, whole_kronor=True)
    unit = np.full(who.size, units.index["72040"])
    texts = ("Aktivitetsstöd {year}", "Lokalbidrag kv {q} {year}", "Verksamhetsbidrag {year}", "Projektbidrag {year}")
    rows.add(date=dates, series="UT", vkey=rows.keys(who.size), account="45310", unit=unit, supplier=who,
             text=render(texts, rng.integers(0, 4, who.size), date_tokens(dates, units, unit, rng)),
             amount=allocate(rng, who.size, total, 0.9, whole_kronor=True), kind="grants", item="grants_associations")
    # study associations: quarterly
    study = np.repeat(pools["study_associations"], 4)
    months = np.tile(np.array([1, 4, 7, 10]), pools["study_associations"].size)
    dates = posting_dates(rng, year, months)
    total = year_total_ore(GRANT_MSEK["study"], year, (0.0, 0.0), rng, whole_kronor=True)
    unit = np.full(study.size, units.index["72040"])
    rows.add(date=dates, series="UT", vkey=rows.keys(study.size), account="45320", unit=unit, supplier=study,
             text=render(["Bidrag studieförbund kv {q} {year}"], np.zeros(study.size, dtype=int),
                         date_tokens(dates, units, unit, rng)),
             amount=allocate(rng, study.size, total, 0.3, whole_kronor=True), kind="grants", item="grants_study")
    # welfare (ekonomiskt bistånd): two payment runs a month per type, paid to households (no supplier)
    n_types = len(WELFARE_TYPES)
    t = np.tile(np.arange(n_types), 24)
    run = np.repeat(np.arange(24), n_types)
    months = run // 2 + 1
    day = np.where(run % 2 == 0, 10, 25)
    starts = month_starts(year)
    dates = to_workday(starts[months - 1] + (day - 1).astype("timedelta64[D]"), year)
    shares = np.array([w for _, w in WELFARE_TYPES])
    seasonal = np.array([1.05, 1, 1, 0.97, 0.97, 1, 1.02, 1, 0.97, 0.98, 1, 1.1])[months - 1]
    amount = GRANT_MSEK["welfare"] * 1e6 * year_factor(year, (0.08, 0.06)) * shares[t] / 24 * seasonal \
        * (1 + rng.normal(0, 0.04, t.size))
    keep = subsample(rng, t.size, scale, minimum=n_types)
    unit = np.full(keep.size, units.index["32020"])
    vkeys = rows.keys(24)
    rows.add(date=dates[keep], series="UT", vkey=vkeys[run[keep]], account="45110", unit=unit,
             text=render([w for w, _ in WELFARE_TYPES], t[keep], date_tokens(dates[keep], units, unit, rng)),
             amount=exact_ore(amount, np.zeros(t.size, dtype=int), keep), kind="grants", item="grants_welfare")
    # housing adaptation grants, paid straight to the contractor on the contractor's invoice
    item = SpendItem("grants_housing_adaptation", "grants", "45210", GRANT_MSEK["housing_adaptation"], 0, "61050",
                     "building plumbing electrical lifts", ("Bostadsanpassningsbidrag ärende {n}",), sigma=0.8,
                     split=0.0)
    invoice_lines(rows, rng, year, units, item, max(2, int(round(80 * scale))),
                  year_total_ore(item.msek, year, (0.03, 0.03), rng))


def financial(rows: Rows, rng: np.random.Generator, year: int, units: Units, scale: float) -> None:
    """Interest on borrowing (monthly notices from the lender) and small late-payment interest."""
    msek = INTEREST_MSEK.get(year, INTEREST_MSEK[BASE_YEAR])
    item = SpendItem("interest", "financial", "85410", msek, 12, "11100", "lender", ("Ränta lån {month} {year}",),
                     season="monthly", sigma=0.05, split=0.0, whole_kronor=True)
    invoice_lines(rows, rng, year, units, item, 12,
                  year_total_ore(msek, year, (0, 0), rng, whole_kronor=True, noise=0))
    item = SpendItem("late_interest", "financial", "48500", 0.2, 30, "tag:adm",
                     "office_supplies building electrical food_wholesale it_consult cleaning",
                     ("Dröjsmålsränta", "Påminnelseavgift och dröjsmålsränta"), sigma=1.0, split=0.0)
    invoice_lines(rows, rng, year, units, item, max(1, int(round(30 * scale))), year_total_ore(0.2, year, (0, 0), rng))
