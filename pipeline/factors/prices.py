"""Exchange rates and consumer price indices: building the shipped tables and pure conversion helpers.

Conventions (DESIGN.md §5):

    amount_in_factor  = amount_net × fx(spend year)                      fx = factor units per ledger unit
    fx(year)          = units_per_eur[factor currency] / units_per_eur[ledger currency]   (annual ECB means)
    real_amount       = amount_in_factor × CPI(c, base year) / CPI(c, spend year)          c = factor currency's country
    emissions_kg_co2e = real_amount × factor

Exchange rates are annual means of the ECB's daily euro reference rates (units of currency per EUR).
The CPI is built from annual inflation (% change, World Bank FP.CPI.TOTL.ZG) chained into an index
that is 100 in `base_year`; years after the last observation are extrapolated (the shipped table uses
the central banks' 2 % inflation target) and flagged.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import DataError



class MissingRateError(DataError):
    """An exchange rate or price index needed for a conversion is not in the reference data."""

    code = "missing-rate"


def annual_fx_means(ecb_csv: Path, currencies: Iterable[str]) -> list[dict]:
    """Return annual mean rates (units per EUR) per year and currency from the ECB daily history file.

    Each row: year, currency, units_per_eur (mean of the daily rates, 'N/A' days skipped), n_days,
    first_date, last_date. EUR itself is 1.0 on every year that has any quote.
    """
    wanted = [c.upper() for c in currencies]
    sums: dict[tuple[int, str], list[float]] = defaultdict(list)
    span: dict[int, list[str]] = {}
    with ecb_csv.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        if not header or header[0] != "Date":
            raise DataError(f"{ecb_csv.name}: expected the ECB history layout (first column 'Date')", code="input-error")
        index = {name: i for i, name in enumerate(header) if name}
        unknown = [c for c in wanted if c != "EUR" and c not in index]
        if unknown:
            raise DataError(f"{ecb_csv.name}: no column for {', '.join(unknown)}", code="input-error")
        for row in reader:
            if not row or not row[0]:
                continue
            day = row[0]
            year = int(day[:4])
            first_last = span.setdefault(year, [day, day])
            first_last[0] = min(first_last[0], day)
            first_last[1] = max(first_last[1], day)
            for cur in wanted:
                if cur == "EUR":
                    sums[(year, cur)].append(1.0)
                    continue
                text = row[index[cur]].strip()
                if text and text != "N/A":
                    sums[(year, cur)].append(float(text))
    out = []
    for (year, cur), values in sorted(sums.items()):
        out.append({"year": year, "currency": cur, "units_per_eur": sum(values) / len(values), "n_days": len(values),
                    "first_date": span[year][0], "last_date": span[year][1]})
    return out


def chain_index(inflation_pct: Mapping[int, float], base_year: int, last_year: int,
                extrapolation_pct: float | None = None) -> list[dict]:
    """Chain annual inflation (% change on the previous year) into an index = 100 in `base_year`.

    Returns rows {year, index_value, is_extrapolated} from the year before the first inflation figure
    (the chain's start) to `last_year`. Years after the last observation are extrapolated at
    `extrapolation_pct` (None = the last observed rate). Raises DataError when `base_year` cannot be reached.
    """
    if not inflation_pct:
        raise DataError("no inflation figures to build an index from", code="data-error")
    first, last_obs = min(inflation_pct), max(inflation_pct)
    missing = [y for y in range(first, last_obs + 1) if y not in inflation_pct]
    if missing:
        raise DataError(f"inflation series has gaps in {missing}; an index cannot be chained across them", code="data-error")
    rates = dict(inflation_pct)
    extrapolated = set()
    for year in range(last_obs + 1, last_year + 1):
        rates[year] = rates[last_obs] if extrapolation_pct is None else extrapolation_pct
        extrapolated.add(year)
    start = first - 1
    if not start <= base_year <= max(rates):
        raise DataError(f"base year {base_year} is outside the series {start}-{max(rates)}", code="data-error")
    level = {start: 1.0}
    for year in range(first, max(rates) + 1):
        level[year] = level[year - 1] * (1 + rates[year] / 100.0)
    scale = 100.0 / level[base_year]
    return [{"year": y, "index_value": level[y] * scale, "is_extrapolated": y in extrapolated}
            for y in sorted(level) if y <= last_year]


def fx_factor_per_ledger(units_per_eur: Mapping[str, float], ledger_currency: str, factor_currency: str) -> float:
    """Return factor-currency units per ONE ledger-currency unit from rates in units per EUR.

    Example: SEK 10.63 and USD 1.053 per EUR (2022) give 1.053 / 10.63 = 0.0991 USD per SEK.
    """
    try:
        return units_per_eur[factor_currency] / units_per_eur[ledger_currency]
    except KeyError as exc:
        raise MissingRateError(f"no exchange rate for {exc.args[0]}; add it to emission_factors/exchange_rates") from None


def price_adjustment(cpi_base_year: float, cpi_spend_year: float) -> float:
    """Return CPI(base year) / CPI(spend year): multiply a spend-year amount by it to get base-year prices."""
    if cpi_spend_year <= 0 or cpi_base_year <= 0:
        raise DataError("price indices must be positive", code="data-error")
    return cpi_base_year / cpi_spend_year


def spend_emissions_kg(amount_net: float, fx: float, cpi_base_year: float, cpi_spend_year: float, factor: float) -> float:
    """Return kg CO2e for `amount_net` (ledger currency) given fx (factor units per ledger unit), CPIs and factor.

    emissions = amount_net × fx × CPI(base) / CPI(spend) × factor. Worked example: 1 000 SEK spent in 2023
    on soybeans (factor 0.532 kg CO2e/USD 2022), fx 2023 = 1.081269 / 11.478758 = 0.0941974 USD/SEK,
    US CPI 2022 = 100, 2023 = 104.1163: 1000 × 0.0941974 × 100 / 104.1163 × 0.532 = 48.13 kg CO2e.
    """
    return amount_net * fx * price_adjustment(cpi_base_year, cpi_spend_year) * factor


def rate_lookup(con, year: int, currency: str) -> tuple[float, bool]:
    """Return (units_per_eur, is_extrapolated) for `currency` in `year` from the database's exchange_rate table."""
    row = con.execute("select units_per_eur, is_extrapolated from exchange_rate where year = ? and currency = ?",
                      [year, currency.upper()]).fetchone()
    if row is None:
        raise MissingRateError(f"no exchange rate for {currency.upper()} in {year}; "
                               "add it to emission_factors/exchange_rates/ecb_annual.csv or choose another year")
    return float(row[0]), bool(row[1])


def cpi_lookup(con, country_code: str, year: int) -> tuple[float, bool]:
    """Return (index_value, is_extrapolated) for `country_code` in `year` from the database's price_index table."""
    row = con.execute("select index_value, is_extrapolated from price_index where country_code = ? and year = ?",
                      [country_code.upper(), year]).fetchone()
    if row is None:
        raise MissingRateError(f"no price index for {country_code.upper()} in {year}; "
                               "add it to emission_factors/price_indices/cpi.csv")
    return float(row[0]), bool(row[1])


def today_year() -> int:
    """Return the current calendar year (kept in one place so tests can reason about extrapolation)."""
    return date.today().year
