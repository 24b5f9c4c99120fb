"""Map a ledger file's headers to klimatspend's canonical fields by Swedish and English synonyms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

SWEDISH_ACCOUNT_PATTERN = r"^[0-9]{2,6}$"   # the default account check: 2-6 digits (Kommun-Bas, BAS)

# Canonical field -> synonyms, most specific first. Headers are compared after `normalise_header`
# (lower case, accents removed, only letters and digits), so "Bokföringsdatum", "BOKFORINGSDATUM"
# and "bokförings datum" all match "bokforingsdatum".
SYNONYMS: dict[str, list[str]] = {
    "account": ["konto", "kontonr", "kontonummer", "kontokod", "baskonto", "kostnadsslag", "kontoid",
                "account", "accountcode", "accountnumber", "accountno", "glaccount", "glcode", "nominal",
                "nominalcode", "subjectivecode"],
    "account_name": ["kontobenamning", "kontonamn", "kontotext", "kontobeskrivning", "kontot", "kontoben",
                     "kontonrtext", "kontoslagtext", "kontotxt",
                     "accountname", "accountdescription", "subjectivedescription", "expensetype",
                     "expensestype", "expendituretype", "expenditurecategory"],
    "amount": ["belopp", "beloppsek", "beloppkr", "beloppexklmoms", "beloppexklusivemoms", "konteratbelopp",
               "konteratbeloppexklmoms", "konteratbeloppexklusivemoms", "nettobelopp", "utfall", "utfallkr",
               "utfallsek", "utfallexklmoms", "beloppexmoms", "summa", "amount", "netamount", "amountgbp", "amountexvat", "amountexclvat",
               "netvalue", "value", "lineamount", "transactionamount", "totalamount", "amountpaid", "paymentamount",
               "paidamount", "netamountpaid", "transactionvalue", "invoiceamount",
               # amounts including VAT come last; choosing one sets amounts_include_vat
               "beloppinklmoms", "beloppinklusivemoms", "konteratbeloppinklmoms", "konteratbeloppinklusivemoms",
               "grossamount", "amountincvat", "amountinclvat"],
    "committee": ["namnd", "namndnamn", "committee"],
    "department": ["forvaltning", "forvaltningnamn", "forvaltningsnamn", "forvaltningtext", "forvaltningstext",
                   "forvaltningnamnd", "department", "directorate",
                   "servicearea", "expensearea", "service", "servicelabel", "division", "portfolio",
                   "serviceareadescription", "directoratename", "departmentname"],
    "cost_centre": ["ansvar", "ansvarskod", "ansvarsnummer", "ansvarsomrade", "ansvarsenhet", "kostnadsstalle",
                    "kststalle", "kst", "resultatenhet", "enhet", "costcentre", "costcenter", "costcentrename",
                    "costcentrecode", "servicecode"],
    "activity": ["verksamhet", "verksamhetskod", "verks", "activity"],
    "project": ["projekt", "projektnr", "projektnummer", "project", "projectcode"],
    "counterparty": ["motpart", "motpartskod", "motpartsid", "counterparty"],
    "supplier_name": ["leverantor", "leverantorsnamn", "leverantorensnamn", "leverantornamn", "levnamn",
                      "leverantortext",
                      "supplier", "suppliername", "supplierbeneficiaryname", "beneficiary", "payee", "vendor",
                      "vendorname", "merchantname", "merchant"],
    "supplier_org_number": ["organisationsnummer", "orgnr", "orgnummer", "organisationsnr", "leverantorensorgnr",
                            "leverantorsorgnr", "leverantorensorganisationsnummer",
                            "leverantorsorganisationsnummer", "orgnrleverantor", "levorgnr", "corporateidentitynumber"],
    "invoice_id": ["fakturanummer", "fakturanr", "faktnr", "fakturaid", "fakturareferens", "invoicenumber", "invoiceno",
                   "invoiceid", "invoice", "transactionno", "transactionnumber", "transactionid",
                   "transactionreference", "verifikationsnummer", "verifikationsnr", "vernr", "documentnumber"],
    "posting_date": ["bokforingsdatum", "bokfdatum", "bokfdat", "verifikationsdatum", "transaktionsdatum", "datum",
                     "fakturadatum", "betaldatum", "betalningsdatum", "registreringsdatum", "postingdate",
                     "transactiondate", "paymentdate", "invoicepaymentdate", "datepaid", "paiddate", "date",
                     "invoicedate"],
    "period": ["period", "bokforingsperiod", "manad", "armanad", "accountingperiod", "month"],
    "description": ["text", "beskrivning", "fakturatext", "verifikationstext", "konteringstext", "radtext",
                    "specifikation", "description", "narrative", "purposeofspend", "purposeofspendsummary",
                    "transactiondescription", "expensedescription", "details", "extendeddescription"],
    "currency": ["valuta", "valutakod", "currency", "currencycode"],
    "vat_amount": ["moms", "momsbelopp", "vat", "vatamount"],
}

REQUIRED = ("account", "amount")
TEXT_FIELDS = ("account", "account_name", "committee", "department", "cost_centre", "activity", "project",
               "counterparty", "supplier_name", "supplier_org_number", "invoice_id", "description", "currency")
FIELD_LABELS = {
    "account": "account (konto)", "amount": "amount (belopp)", "posting_date": "date (bokföringsdatum)",
    "period": "period", "department": "department (förvaltning)",
}

_NON_ALNUM = re.compile(r"[^a-z0-9]")
# Exports write a dimension's code or path in front of its name ("RN1/FÖRVALTNING", "Dim 2: Ansvar"): the part
# after the last of these separators is tried when the whole header is not a synonym.
_PATH_SEPARATORS = re.compile(r"[/\\|:>]")
# Fixed-width exports cut headers ("ORGANISATIO", "FÖRVALTNIN"): a header of at least this many letters that
# starts every synonym of exactly one field (and no other field's) is that field.
MIN_TRUNCATED_LENGTH = 5
# Matches by a header's last part or by truncation rank after every exact synonym of the same field.
_INDIRECT_RANK = 1000
_INCLUDES_VAT = re.compile(r"inkl|incl|inc(vat)?$|gross")


def normalise_header(header: str) -> str:
    """Return `header` in lower case without accents, BOMs or non-alphanumeric characters."""
    text = str(header).replace("\ufeff", "").replace("ï»¿", "")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", text.lower())


_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _names in SYNONYMS.items():
    for _rank, _name in enumerate(_names):
        _LOOKUP.setdefault(_name, (_field, _rank))


def _truncated_field(norm: str) -> tuple[str, int] | None:
    """Return (field, rank) when `norm` is a cut-off synonym of one field only ("organisatio"), else None."""
    if len(norm) < MIN_TRUNCATED_LENGTH:
        return None
    hits = {(fld, rank) for name, (fld, rank) in _LOOKUP.items() if name.startswith(norm) and name != norm}
    fields = {fld for fld, _ in hits}
    if len(fields) != 1:
        return None
    return fields.pop(), min(rank for _, rank in hits)


def header_field(header: str) -> tuple[str, int, str] | None:
    """Return (canonical field, rank, how) for one source header, or None when no synonym fits.

    `how` is "synonym" (the whole header), "last part" (the part after a path separator, "RN1/FÖRVALTNING")
    or "truncated" (a cut-off synonym, "ORGANISATIO"); the latter two rank after exact synonyms.
    """
    norm = normalise_header(header)
    hit = _LOOKUP.get(norm)
    if hit is not None:
        return hit[0], hit[1], "synonym"
    parts = [normalise_header(p) for p in _PATH_SEPARATORS.split(str(header))]
    parts = [p for p in parts if p]
    if len(parts) > 1:
        for part in reversed(parts):
            hit = _LOOKUP.get(part)
            if hit is not None:
                return hit[0], hit[1] + _INDIRECT_RANK, "last part"
    for candidate in [norm, *reversed(parts if len(parts) > 1 else [])]:
        cut = _truncated_field(candidate)
        if cut is not None:
            return cut[0], cut[1] + _INDIRECT_RANK, "truncated"
    return None


@lru_cache(maxsize=1)
def known_header_names() -> frozenset[str]:
    """Return every normalised synonym (used to recognise the header row)."""
    return frozenset(_LOOKUP)


@dataclass
class ColumnMapping:
    """Which source header feeds each canonical field, and which headers were kept as extra."""

    fields: dict[str, str] = field(default_factory=dict)      # canonical field -> source header
    fallbacks: dict[str, list[str]] = field(default_factory=dict)  # field -> headers used when the first is empty
    extra: list[str] = field(default_factory=list)             # source headers without a canonical field
    headers: list[str] = field(default_factory=list)           # all source headers, in file order
    source: dict[str, str] = field(default_factory=dict)       # field -> how it was found (synonym|profile|--map|sie)

    def missing(self, required: tuple[str, ...] = REQUIRED) -> list[str]:
        """Return the required canonical fields that no header maps to."""
        return [f for f in required if f not in self.fields]

    def headers_of(self, fld: str) -> list[str]:
        """Return the headers that feed `fld`: the main one, then its fallbacks."""
        if fld not in self.fields:
            return []
        return [self.fields[fld], *self.fallbacks.get(fld, [])]

    def amount_includes_vat(self) -> bool:
        """True when the amount header says it includes VAT (e.g. 'Belopp inkl. moms')."""
        header = self.fields.get("amount")
        return bool(header and _INCLUDES_VAT.search(normalise_header(header)))

    def as_dict(self) -> dict:
        """Return the mapping as plain data (stored with the batch, printed by --show-columns)."""
        return {"fields": dict(self.fields), "fallbacks": {k: list(v) for k, v in self.fallbacks.items()},
                "extra": list(self.extra), "source": dict(self.source)}


def map_columns(headers: list[str], overrides: dict[str, str | list[str]] | None = None, *,
                override_source: dict[str, str] | None = None) -> ColumnMapping:
    """Map source `headers` to canonical fields; `overrides` (field -> header or list of headers) win.

    An override given as a list means "the first of these headers that the file has; where its cell
    is empty, the next one's" (e.g. a UK expense type, falling back to the expense code);
    `override_source` labels where each override came from (profile name or --map). Where two
    headers match the same field by synonym, the one whose synonym is listed first wins (so
    "Bokföringsdatum" beats "Fakturadatum"); the other is kept as an extra column.
    """
    overrides = overrides or {}
    mapping = ColumnMapping(headers=list(headers))
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    taken: set[str] = set()
    blocked = {f for f, v in overrides.items() if not isinstance(v, str) and not list(v)}  # [] = never map
    for fld, wanted in overrides.items():
        if fld not in SYNONYMS or fld in blocked:
            continue
        candidates = [wanted] if isinstance(wanted, str) else list(wanted)
        found = []
        for cand in candidates:
            source = cand if cand in headers else by_norm.get(normalise_header(cand))
            if source is not None and source not in taken and source not in found:
                found.append(source)
        if found:
            mapping.fields[fld] = found[0]
            if found[1:]:
                mapping.fallbacks[fld] = found[1:]
            mapping.source[fld] = (override_source or {}).get(fld, "profile")
            taken.update(found)
    best: dict[str, tuple[int, str, str]] = {}
    for header in headers:
        if header in taken:
            continue
        hit = header_field(header)
        if hit is None:
            continue
        fld, rank, how = hit
        if fld in mapping.fields or fld in blocked:
            continue
        if fld not in best or rank < best[fld][0]:
            best[fld] = (rank, header, how)
    for fld, (_, header, how) in best.items():
        mapping.fields[fld] = header
        mapping.source[fld] = how
        taken.add(header)
    # fallback columns stay in `extra` too, so every line keeps the cells its values came from
    primary = set(mapping.fields.values())
    mapping.extra = [h for h in headers if h not in primary]
    return mapping


def fixed_mapping(headers: list[str], fields: dict[str, str]) -> ColumnMapping:
    """Return a mapping decided by the reader (SIE): `fields` is canonical field -> header."""
    mapping = ColumnMapping(headers=list(headers), fields=dict(fields), source={f: "sie" for f in fields})
    used = set(fields.values())
    mapping.extra = [h for h in headers if h not in used]
    return mapping


def describe_missing(file_name: str, mapping: ColumnMapping, missing: list[str],
                     suggestions: list[str] | None = None) -> str:
    """Return the error for required fields that no header maps to: what is missing, what was found, what to do."""
    wanted = "; ".join(f"{FIELD_LABELS.get(f, f)}, e.g. {', '.join(repr(s) for s in _examples(f))}" for f in missing)
    found = ", ".join(repr(h) for h in mapping.headers[:40]) or "none"
    if len(mapping.headers) > 40:
        found += f" and {len(mapping.headers) - 40} more"
    example_header = next((h for h in mapping.extra if h), "HEADER")
    how = (f"map a header with --map {missing[0]}=\"{example_header}\", or choose an import profile "
           "with --profile NAME (list them with --list-profiles)")
    if suggestions:
        how = (f"this file matches the import profile {', '.join(repr(s) for s in suggestions)}: run again with "
               f"--profile {suggestions[0]}; or " + how)
    return f"{file_name}: required column not found: {wanted}. Headers found: {found}. To fix it, {how}."


_EXAMPLES = {
    "account": ["Konto", "Account", "Expense Type"],
    "amount": ["Belopp", "Utfall", "Net Amount"],
}


def _examples(fld: str) -> list[str]:
    return _EXAMPLES.get(fld, SYNONYMS[fld][:3])
