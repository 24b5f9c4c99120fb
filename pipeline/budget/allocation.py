"""Allocation of a carbon budget to departments or companies: shares that sum to 1.

Pure functions. Every method turns a basis value per unit into a share::

    share_u = x_u / Σ_v x_v

    grandfathering   x_u = the unit's emissions in the allocation base year (t)
    equal            x_u = 1                                   (equal share per unit)
    employees        x_u = the unit's employees (FTE) from the input file     (per employee)
    budget           x_u = the unit's financial budget in SEK from the input file (ability to pay)
    weights          x_u = a custom weight given for the unit  (normalised, so 3 and 1 mean 75 % and 25 %)

A unit's budget in year t is then b_u(t) = share_u × b(t), so the units' budgets add up to the
organisation's in every year.

Worked example: base-year emissions A 600 t, B 300 t, C 100 t (grandfathering) -> 0.6, 0.3, 0.1;
employees A 50, B 30, C 20 -> 0.5, 0.3, 0.2; equal -> 1/3 each; with b(2025) = 705.6 t,
grandfathering gives A 423.36 t, B 211.68 t, C 70.56 t (sum 705.6 t).
"""

from __future__ import annotations

import math

ALLOCATION_METHODS = ("grandfathering", "equal", "employees", "budget", "weights")


class AllocationError(ValueError):
    """An allocation that cannot be made (the message says what to give instead)."""


def shares(method: str, units: list, basis: dict | None = None) -> dict:
    """Return unit -> share (summing to 1) for `method`; `basis` maps unit -> basis value (not for 'equal').

    Units missing from `basis` get share 0; negative or non-finite basis values are refused.
    """
    if method not in ALLOCATION_METHODS:
        raise AllocationError(f"allocation method {method!r}: use one of {', '.join(ALLOCATION_METHODS)}")
    units = list(dict.fromkeys(units))
    if not units:
        raise AllocationError("no units to allocate to: the organisation has no departments with figures")
    if method == "equal":
        return {u: 1.0 / len(units) for u in units}
    basis = basis or {}
    values = {}
    for u in units:
        v = basis.get(u, 0.0)
        if v is None:
            v = 0.0
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise AllocationError(f"allocation basis for {u!r}: {v!r} is not a number ≥ 0")
        values[u] = float(v)
    total = sum(values.values())
    if total <= 0:
        what = {"grandfathering": "base-year emissions", "employees": "employees", "budget": "budget SEK",
                "weights": "weights"}[method]
        raise AllocationError(f"allocation by {method}: the {what} of all units sum to 0; give figures for the "
                              "units or choose another method")
    return {u: values[u] / total for u in units}


def allocate(total_t: float, unit_shares: dict) -> dict:
    """Return unit -> share × total_t (t): the units' parts of a yearly or total budget."""
    return {u: s * total_t for u, s in unit_shares.items()}
