"""Build the shipped exchange rates (ECB annual means) and consumer price indices (World Bank CPI, chained)."""

from __future__ import annotations

import csv
from pathlib import Path

from ...errors import DataError
from ..prices import annual_fx_means, chain_index, today_year

FX_CURRENCIES = ["EUR", "SEK", "USD", "GBP", "NOK", "DKK", "CHF", "JPY", "PLN", "CAD", "AUD", "ISK", "CZK", "HUF"]
CPI_COUNTRIES = {"SWE": "Sweden", "USA": "United States", "GBR": "United Kingdom", "EMU": "Euro area",
                 "NOR": "Norway", "DNK": "Denmark"}
CPI_BASE_YEAR = 2022
CPI_FIRST_YEAR = 2000
# Riksbanken, ECB, Federal Reserve, Bank of England, Norges Bank all target 2 % a year; Denmark pegs to the euro.
CPI_EXTRAPOLATION_PCT = 2.0


def build_fx(ecb_csv: Path, out_csv: Path, currencies: list[str] | None = None) -> int:
    """Write annual ECB means (units per EUR) for FX_CURRENCIES to `out_csv`; return the number of rows.

    A year whose last quote is before 31 December is incomplete: its mean is the estimate used for the
    whole year and is flagged is_extrapolated = true.
    """
    rows = annual_fx_means(ecb_csv, currencies or FX_CURRENCIES)
    with out_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["year", "currency", "units_per_eur", "n_days", "first_date", "last_date",
                         "is_complete_year", "is_extrapolated", "source", "notes"])
        for r in rows:
            complete = r["last_date"] >= f"{r['year']}-12-28"  # the last TARGET business day is 28-31 Dec
            note = "" if complete else (f"partial year: mean of {r['n_days']} daily rates {r['first_date']}..{r['last_date']}, "
                                        "used as the estimate for the whole year")
            writer.writerow([r["year"], r["currency"], f"{r['units_per_eur']:.6f}", r["n_days"], r["first_date"],
                             r["last_date"], str(complete).lower(), str(not complete).lower(),
                             "ECB euro foreign exchange reference rates, annual mean of daily rates", note])
    return len(rows)


def build_cpi(worldbank_csv: Path, out_csv: Path, last_year: int | None = None,
              countries: dict[str, str] | None = None) -> int:
    """Write CPI indices (CPI_BASE_YEAR = 100) for `countries` (default CPI_COUNTRIES) to `out_csv`; return the row count."""
    last_year = last_year or today_year()
    countries = countries or CPI_COUNTRIES
    series: dict[str, dict[int, float]] = {code: {} for code in countries}
    with worldbank_csv.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["Country Code"]
            if code in series and row["CPI"].strip():
                year = int(row["Year"])
                if year >= CPI_FIRST_YEAR:
                    series[code][year] = float(row["CPI"])
    empty = [code for code, observed in series.items() if not observed]
    if empty:
        raise DataError(f"{worldbank_csv.name}: no inflation figures from {CPI_FIRST_YEAR} for {', '.join(empty)}",
                        code="input-error")
    count = 0
    with out_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["country_code", "country_name", "year", "index_value", "base_year", "inflation_pct",
                         "is_extrapolated", "source", "notes"])
        for code, name in countries.items():
            observed = series[code]
            last_obs = max(observed)
            for r in chain_index(observed, CPI_BASE_YEAR, last_year, CPI_EXTRAPOLATION_PCT):
                year = r["year"]
                pct = observed.get(year, CPI_EXTRAPOLATION_PCT if year > last_obs else None)
                note = ""
                if r["is_extrapolated"]:
                    note = (f"extrapolated at the central bank's {CPI_EXTRAPOLATION_PCT:g} % inflation target "
                            f"(last observation {last_obs}: {observed[last_obs]:.3f} %)")
                elif year == min(observed) - 1:
                    note = "start of the chain (no inflation figure used for this year)"
                writer.writerow([code, name, year, f"{r['index_value']:.4f}", CPI_BASE_YEAR,
                                 "" if pct is None or year == min(observed) - 1 else f"{pct:.4f}",
                                 str(r["is_extrapolated"]).lower(),
                                 "World Bank FP.CPI.TOTL.ZG (inflation, consumer prices, annual %), chained", note])
                count += 1
    return count
