"""klimatspend: consumption-based emissions from a procurement ledger."""

__version__ = "0.1.0"
