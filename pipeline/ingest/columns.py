"""Map a ledger file's headers to klimatspend's canonical fields by Swedish and English synonyms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Canonical field -> synonyms, most specific first. Headers are compared after `normalise_header`
# (lower case, accents removed, only letters and digits), so "Bokföringsdatum", "BOKFORINGSDATUM"
# and "bokförings datum" all match "bokforingsdatum".
SYNONYMS: dict[str, list[str]] = {
    "account": ["konto", "kontonr", "kontonummer", "kontokod", "kostnadsslag", "account", "accountcode",
                "accountnumber", "glaccount", "nominal", "nominalcode"],
    "account_name": ["kontobenamning", "kontonamn", "kontotext", "kontobeskrivning", "accountname",
                     "accountdescription", "expensetype", "expendituretype"],
    "amount": ["belopp", "beloppsek", "beloppkr", "utfall", "utfallkr", "nettobelopp", "summa", "amount",
               "netamount", "amountgbp", "amountexvat", "netvalue", "value", "totalamount"],
    "committee": ["namnd", "namndnamn", "committee"],
    "department": ["forvaltning", "forvaltningnamn", "department", "directorate", "servicearea",
                   "expensearea", "service", "servicelabel", "division"],
    "cost_centre": ["ansvar", "ansvarskod", "ansvarsnummer", "ansvarsomrade", "kostnadsstalle", "kststalle",
                    "resultatenhet", "enhet", "costcentre", "costcenter", "costcentrename", "servicecode"],
    "activity": ["verksamhet", "verksamhetskod", "activity"],
    "project": ["projekt", "projektnr", "projektnummer", "project", "projectcode"],
    "counterparty": ["motpart", "motpartskod", "counterparty"],
    "supplier_name": ["leverantor", "leverantorsnamn", "leverantorensnamn", "supplier", "suppliername",
                      "supplierbeneficiaryname", "beneficiary", "payee", "vendor", "vendorname"],
    "supplier_org_number": ["organisationsnummer", "orgnr", "orgnummer", "organisationsnr", "leverantorensorgnr",
                            "leverantorsorgnr", "corporateidentitynumber"],
    "invoice_id": ["fakturanummer", "fakturanr", "fakturaid", "fakturareferens", "invoicenumber", "invoiceno",
                   "invoiceid", "invoice", "transactionno", "transactionnumber", "transactionid"],
    "posting_date": ["bokforingsdatum", "bokfdatum", "verifikationsdatum", "transaktionsdatum", "datum",
                     "fakturadatum", "betaldatum", "postingdate", "transactiondate", "paymentdate", "date",
                     "invoicedate"],
    "period": ["period", "bokforingsperiod", "manad", "accountingperiod", "month"],
    "description": ["text", "beskrivning", "fakturatext", "verifikationstext", "specifikation", "description",
                    "narrative", "purposeofspend", "purposeofspendsummary", "details", "extendeddescription"],
    "currency": ["valuta", "valutakod", "currency"],
    "vat_amount": ["moms", "momsbelopp", "vat", "vatamount"],
}

REQUIRED = ("account", "amount")
TEXT_FIELDS = ("account", "account_name", "committee", "department", "cost_centre", "activity", "project",
               "counterparty", "supplier_name", "supplier_org_number", "invoice_id", "description", "currency")

_NON_ALNUM = re.compile(r"[^a-z0-9]")


def normalise_header(header: str) -> str:
    """Return `header` in lower case without accents, BOMs or non-alphanumeric characters."""
    text = header.replace("\ufeff", "").replace("ï»¿", "")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", text.lower())


_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _names in SYNONYMS.items():
    for _rank, _name in enumerate(_names):
        _LOOKUP.setdefault(_name, (_field, _rank))


@dataclass
class ColumnMapping:
    """Which source header feeds each canonical field, and which headers were kept as extra."""

    fields: dict[str, str] = field(default_factory=dict)   # canonical field -> source header
    extra: list[str] = field(default_factory=list)          # source headers without a canonical field
    headers: list[str] = field(default_factory=list)        # all source headers, in file order

    def missing(self, required: tuple[str, ...] = REQUIRED) -> list[str]:
        """Return the required canonical fields that no header maps to."""
        return [f for f in required if f not in self.fields]

    def as_dict(self) -> dict:
        """Return the mapping as plain data (stored with the batch, printed by --show-columns)."""
        return {"fields": dict(self.fields), "extra": list(self.extra)}


def map_columns(headers: list[str], overrides: dict[str, str] | None = None) -> ColumnMapping:
    """Map source `headers` to canonical fields; `overrides` (field -> header) from a profile win.

    Where two headers match the same field, the one whose synonym is listed first wins
    (so "Bokföringsdatum" beats "Fakturadatum"); the loser is kept as an extra column.
    """
    overrides = overrides or {}
    mapping = ColumnMapping(headers=list(headers))
    by_norm = {normalise_header(h): h for h in headers}
    taken: set[str] = set()
    for fld, header in overrides.items():
        if fld not in SYNONYMS:
            continue
        source = header if header in headers else by_norm.get(normalise_header(header))
        if source is not None:
            mapping.fields[fld] = source
            taken.add(source)
    best: dict[str, tuple[int, str]] = {}
    for header in headers:
        if header in taken:
            continue
        hit = _LOOKUP.get(normalise_header(header))
        if hit is None:
            continue
        fld, rank = hit
        if fld in mapping.fields:
            continue
        if fld not in best or rank < best[fld][0]:
            best[fld] = (rank, header)
    for fld, (_, header) in best.items():
        mapping.fields[fld] = header
        taken.add(header)
    mapping.extra = [h for h in headers if h not in taken]
    return mapping


def describe_missing(file_name: str, mapping: ColumnMapping, missing: list[str]) -> str:
    """Return the one-paragraph error for required fields that no header maps to."""
    wanted = "; ".join(f"{f} (e.g. {', '.join(repr(s) for s in SYNONYMS[f][:3])})" for f in missing)
    found = ", ".join(repr(h) for h in mapping.headers[:40]) or "none"
    return (
        f"{file_name}: required column(s) not found: {wanted}. Headers found: {found}. "
        "Rename the header in the file, or map it with a profile (klimatspend ingest FILE --profile NAME) "
        "or --map FIELD=HEADER."
    )
