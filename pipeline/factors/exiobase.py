"""Product-level GHG multipliers for one region from an EXIOBASE 3 (or any pymrio) MRIO, as a factor set.

    M = S · L            (pymrio: stressor intensities S = F / x, Leontief inverse L = (I - A)^-1)
    factor(p) = Σ_g GWP_g · M[g, (region, p)] / unit_scale

M[g, (r, p)] is the mass of gas g emitted worldwide per unit of final demand for product p from
region r (EXIOBASE: kg per million EUR, basic prices). With the EXIOBASE `impacts` extension the
characterised row (e.g. "GHG emissions AR5 (GWP100) | GWP100 (IPCC, 2010)", kg CO2-eq) is used as is
(GWP = 1). The result is kg CO2e per ONE currency unit of the MRIO's year, at basic prices.

The official files are large (IOT_2022_pxp.zip is ~700 MB); pymrio is imported lazily so the rest
of klimatspend does not need it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import DataError, UsageError
from .factor_file import FACTOR_FILE_SCHEMA, write_factors

GHG_ROW_PATTERNS = (r"GHG emissions AR5 \(GWP100\)", r"GHG emissions \(GWP100\)", r"GHG.*GWP100")


class ExiobaseError(DataError):
    """The MRIO cannot be read or lacks what the import needs."""

    code = "exiobase-error"


@dataclass(frozen=True)
class MultiplierResult:
    """Multipliers of one region: per product, kg CO2e per currency unit, plus what they were computed from."""

    region: str
    factors: dict[str, float]          # product name -> kg CO2e per currency unit
    currency: str
    unit_scale: float
    indicator: str
    year: int | None
    mrio_name: str


def _pymrio():
    try:
        import pymrio  # noqa: PLC0415 - optional, heavy dependency
    except ImportError:
        raise ExiobaseError("EXIOBASE import needs pymrio: pip install 'pymrio>=0.5'", code="missing-dependency") from None
    return pymrio


def open_mrio(path: Path):
    """Open an MRIO: an official EXIOBASE 3 zip/folder (pymrio.parse_exiobase3) or a pymrio-saved folder/zip."""
    pymrio = _pymrio()
    if not Path(path).exists():
        raise ExiobaseError(f"{path}: no such file or folder; download IOT_<year>_pxp.zip from the EXIOBASE Zenodo record")
    errors = []
    # A pymrio-saved MRIO has file_parameters.json; load_all fails fast on anything else.
    for loader in (pymrio.load_all, pymrio.parse_exiobase3):
        try:
            return loader(str(path))
        except Exception as exc:  # pymrio raises many kinds; report them together
            errors.append(f"{loader.__name__}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    raise ExiobaseError(f"{path}: not an EXIOBASE 3 file or a pymrio-saved MRIO ({'; '.join(errors)})")


def parse_unit(unit: str) -> tuple[str, float]:
    """Return (currency, scale) from an MRIO monetary unit such as 'M.EUR' or 'Mill USD' (scale 1e6)."""
    currency = next((c for c in ("EUR", "USD", "GBP", "SEK") if c in unit.upper()), None)
    if currency is None:
        raise ExiobaseError(f"monetary unit {unit!r} names no known currency; pass --currency")
    scale = 1e6 if re.search(r"\bM(ill?)?\b|\bM\.|^M", unit.strip(), re.IGNORECASE) else 1.0
    return currency, scale


def region_multipliers(io, region: str, *, extension: str | None = None, indicator: str | None = None,
                       gwp: Mapping[str, float] | None = None, currency: str | None = None,
                       unit_scale: float | None = None) -> MultiplierResult:
    """Compute kg CO2e per currency unit for every product of `region` in the pymrio IOSystem `io`.

    Either `indicator` (a characterised row of `extension`, default: the GHG GWP100 row of 'impacts')
    or `gwp` (stressor name -> GWP100, summed over compartments) selects what is counted.
    """
    regions = list(io.get_regions())
    if region not in regions:
        raise UsageError(f"region {region!r} is not in the MRIO; choose one of {', '.join(map(str, regions[:60]))}")
    extensions = {name: ext for name, ext in zip(io.get_extensions(), io.get_extensions(data=True))}
    ext_name = extension or ("impacts" if "impacts" in extensions else None)
    if ext_name not in extensions:
        raise UsageError(f"extension {ext_name!r} is not in the MRIO; choose one of {', '.join(extensions)}")
    ext = extensions[ext_name]
    io.calc_all()
    M = ext.M
    names = [row if isinstance(row, str) else row[0] for row in M.index]
    if gwp:
        unknown = [g for g in gwp if g not in names]
        if unknown:
            raise UsageError(f"stressor(s) {', '.join(unknown)} not in extension {ext_name!r}")
        weights = [float(gwp.get(n, 0.0)) for n in names]
        series = (M.mul(weights, axis=0)).sum(axis=0)
        label = "sum of " + ", ".join(f"{g} x {w:g}" for g, w in gwp.items())
    else:
        chosen = indicator
        if chosen is None:
            for pattern in GHG_ROW_PATTERNS:
                hits = [n for n in names if re.search(pattern, n)]
                if hits:
                    chosen = hits[0]
                    break
        if chosen is None or chosen not in names:
            raise UsageError(f"no GHG row {chosen or ''!s} in extension {ext_name!r}; pass --indicator or --gwp")
        series = M.iloc[names.index(chosen)]
        label = chosen
    unit_text = str(io.unit.iloc[0, 0]) if getattr(io, "unit", None) is not None else ""
    parsed_currency, parsed_scale = parse_unit(unit_text) if (currency is None or unit_scale is None) else (currency, unit_scale)
    cur = currency or parsed_currency
    scale = unit_scale or parsed_scale
    products = series.xs(region, level=0)
    year = None
    try:
        year = int(re.search(r"(19|20)\d\d", str(io.meta.name) + " " + str(getattr(io.meta, "description", ""))).group(0))
    except (AttributeError, TypeError):
        year = None
    return MultiplierResult(region=region, factors={str(p): float(v) / scale for p, v in products.items()},
                            currency=cur, unit_scale=scale, indicator=label, year=year, mrio_name=str(io.meta.name))


def write_factor_set(result: MultiplierResult, out_dir: Path, *, set_id: str, version: str, base_year: int,
                     source: str, licence: str, gwp_version: str, is_partial: bool = False) -> Path:
    """Write the multipliers as a custom factor set (factors.csv + factor_set.meta.json) into out_dir/set_id/version."""
    target = Path(out_dir) / set_id / version
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target}: already holds a factor set; choose another --version (released versions are immutable)")
    target.mkdir(parents=True, exist_ok=True)
    rows = [{"factor_code": name, "factor_name": name, "gas": "CO2e", "value": repr(value), "value_without_margins": "",
             "numerator_unit": "kg CO2e", "denominator_unit": result.currency,
             "source_ref": f"{result.mrio_name} {result.region}: {result.indicator}", "notes": ""}
            for name, value in sorted(result.factors.items())]
    write_factors(rows, target / "factors.csv")
    meta = {
        "factor_set_id": set_id, "version": version, "status": "custom",
        "name": f"EXIOBASE-derived GHG multipliers, region {result.region}",
        "publisher": "computed by klimatspend from " + result.mrio_name, "url": "https://www.exiobase.eu",
        "licence": licence, "source": source, "base_year": base_year, "currency": result.currency,
        "price_basis": "basic", "gases": "CO2e (" + result.indicator + ")", "gwp": gwp_version,
        "region": result.region, "relative_uncertainty": 0.3,
        "relative_uncertainty_note": "MRIO multipliers at ~200 products; +-30 % is a round judgement, not a published interval",
        "is_partial": is_partial,
        "method": "M = S L (pymrio calc_all), column of each product of the region, divided by the monetary unit scale "
                  f"{result.unit_scale:g}: kg CO2e per 1 {result.currency} of final demand at basic prices",
        "files": {"factors.csv": FACTOR_FILE_SCHEMA},
    }
    (target / "factor_set.meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
