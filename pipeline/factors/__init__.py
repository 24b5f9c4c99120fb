"""Emission factor library: versioned factor sets, account maps, crosswalks, exchange rates and price indices.

`load_reference_data(con)` loads everything shipped in emission_factors/ into the database; the
helpers in `prices` and `mapping` are pure functions the engine and reports can use.
"""

from .load import ReleaseChangedError, ensure_reference_data, load_reference_data, reference_counts
from .prices import fx_factor_per_ledger, price_adjustment, spend_emissions_kg

__all__ = [
    "ensure_reference_data",
    "ReleaseChangedError",
    "fx_factor_per_ledger",
    "load_reference_data",
    "price_adjustment",
    "reference_counts",
    "spend_emissions_kg",
]
