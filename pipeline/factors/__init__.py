"""Emission factor library: versioned factor sets, account maps, crosswalks, exchange rates and price indices.

`load_reference_data(con)` loads everything shipped in emission_factors/ into the database; the
helpers in `prices` and `mapping` are pure functions the engine and reports can use.
"""

from importlib import import_module

# Loaded on first use (PEP 562): `pipeline.factors.categories` and the other light modules are imported by the
# CLI's parser, which must not load DuckDB through `load`.
_EXPORTS = {"ReleaseChangedError": "load", "ensure_reference_data": "load", "load_reference_data": "load",
            "reference_counts": "load", "fx_factor_per_ledger": "prices", "price_adjustment": "prices",
            "spend_emissions_kg": "prices"}


def __getattr__(name: str):
    """Return an exported name of `load` or `prices`, importing the module on first use."""
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ensure_reference_data",
    "ReleaseChangedError",
    "fx_factor_per_ledger",
    "load_reference_data",
    "price_adjustment",
    "reference_counts",
    "spend_emissions_kg",
]
