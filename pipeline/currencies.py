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


# The one country whose currency each of these is: an organisation without a country of its own is placed in it by
# the currency of its ledger (the amounts are in that currency, so the factors should fit that economy). Only the
# currencies of one country that klimatspend's users keep ledgers in; a euro or dollar ledger says nothing.
HOME_COUNTRY = {"SEK": "SE", "GBP": "GB", "NOK": "NO", "DKK": "DK"}


def home_country(currency: str | None) -> str | None:
    """Return the ISO 3166 alpha-2 country whose currency `currency` is (SEK -> SE), or None when it says none."""
    return HOME_COUNTRY.get((currency or "").upper())
