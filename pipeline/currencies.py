"""Currencies: the codes a ledger may use and the country whose consumer price index deflates each one."""

from __future__ import annotations

# ISO 4217 codes accepted in a ledger's currency column (ECB reference-rate currencies and a few more).
KNOWN_CURRENCIES = ["SEK", "EUR", "USD", "GBP", "NOK", "DKK", "ISK", "CHF", "JPY", "PLN", "CZK", "HUF", "RON",
                    "BGN", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR",
                    "NZD", "PHP", "SGD", "THB", "ZAR"]

# The country whose CPI deflates amounts in a currency (EMU = euro area, World Bank code).
CURRENCY_COUNTRY = {"SEK": "SWE", "USD": "USA", "GBP": "GBR", "EUR": "EMU", "NOK": "NOR", "DKK": "DNK"}


def cpi_country(currency: str | None) -> str | None:
    """Return the World Bank country code whose CPI deflates `currency` (e.g. SEK -> SWE), or None if unknown."""
    return CURRENCY_COUNTRY.get((currency or "").upper())
