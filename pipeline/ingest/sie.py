"""Read an SIE 4 file (the Swedish accounting interchange format) into ledger rows.

An SIE 4 file is a whole general ledger: every voucher (`#VER`) holds transactions (`#TRANS`) that
balance to zero, so next to each purchase on a cost account stand the matching lines on bank,
accounts-payable and VAT accounts. klimatspend takes as *ledger lines* the transactions on the
accounts that match `ledger_accounts` (default: BAS classes 4-8, the cost and financial accounts of
the income statement), plus any transaction whose account is not a number (so that a broken line is
quarantined, not skipped). The other transactions are counted and summed in the batch facts, so
the whole file reconciles: in-scope sum + out-of-scope sum = the sum of all transactions (zero when
every voucher balances).

Other rules, from the SIE 4 specification: text is PC8 (code page 437) unless the bytes say
otherwise; `#RTRANS` (a line added after registration) is always followed by an identical `#TRANS`
and is skipped; `#BTRANS` (a removed line) is not part of the voucher. Object lists `{dim "obj" ...}`
are resolved with `#DIM`/`#OBJEKT`: dimension 1 (resultatenhet / kostnadsställe) gives the department,
6 the project, 2 (kostnadsbärare) the activity, 9 the supplier and 10 the invoice (SIE reserved
dimension numbers); the choice can be changed per profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

DEFAULT_LEDGER_ACCOUNTS = r"^[4-8][0-9]{3,5}$"
DEFAULT_DIMENSIONS = {"department": 1, "activity": 2, "project": 6, "supplier_name": 9, "invoice_id": 10}

# Column headers of the rows produced from an SIE file, and the canonical field each one feeds.
HEADERS = ["Verifikation", "Verifikationsdatum", "Transaktionsdatum", "Konto", "Kontonamn", "Belopp",
           "Text", "Resultatenhet", "Resultatenhet kod", "Kostnadsbärare", "Projekt", "Leverantör",
           "Faktura", "Övriga objekt", "Kvantitet"]
FIELD_OF_HEADER = {"Transaktionsdatum": "posting_date", "Konto": "account", "Kontonamn": "account_name",
                   "Belopp": "amount", "Text": "description", "Resultatenhet": "department",
                   "Resultatenhet kod": "cost_centre", "Kostnadsbärare": "activity", "Projekt": "project",
                   "Leverantör": "supplier_name", "Faktura": "invoice_id"}

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\{[^}]*\}?)|(\S+)')
_NUMBER = re.compile(r"[-+]?[0-9]+(?:[.,][0-9]+)?")
_SWEDISH = set("åäöÅÄÖéÉü")


class SieError(ValueError):
    """The file is not an SIE 4 file with vouchers (message says what to do)."""


@dataclass
class SieLedger:
    """Rows taken from an SIE file plus the facts needed to reconcile and report it."""

    rows: list[list]                          # [source_row, *cells in HEADERS order]
    encoding: str
    facts: dict = field(default_factory=dict)
    unbalanced: list[dict] = field(default_factory=list)   # one per voucher that does not balance
    notes: list[str] = field(default_factory=list)


def looks_like_sie(head: bytes) -> bool:
    """True when the first bytes of a file look like an SIE file (#FLAGGA, #SIETYP, #VER ... lines)."""
    text = head[:8192].decode("latin-1", errors="replace").lstrip("\ufeffï»¿ \r\n\t")
    return text.startswith("#") and any(tag in text for tag in ("#FLAGGA", "#SIETYP", "#FORMAT", "#VER", "#KONTO"))


def decode_sie(data: bytes) -> tuple[str, str]:
    """Return (text, encoding): UTF-8 when the bytes are valid UTF-8, else PC8 (cp437) or cp1252.

    The SIE specification says PC8; some programs write cp1252 anyway. Between the two, the
    decoding that yields more Swedish letters (å ä ö é ü) wins, ties go to PC8.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    pc8 = data.decode("cp437")
    win = data.decode("cp1252", errors="replace")
    score_pc8 = sum(1 for ch in pc8 if ch in _SWEDISH)
    score_win = sum(1 for ch in win if ch in _SWEDISH) - win.count("\ufffd")
    return (win, "cp1252") if score_win > score_pc8 else (pc8, "cp437 (PC8)")


def tokenize(line: str) -> list[str]:
    """Split one SIE line into fields: quoted strings (with \\" escapes), {object lists} and words."""
    out = []
    for m in _TOKEN.finditer(line):
        if m.group(1) is not None:
            out.append(m.group(1).replace('\\"', '"').replace("\\\\", "\\"))
        else:
            out.append(m.group(2) if m.group(2) is not None else m.group(3))
    return out


def parse_objects(text: str) -> list[tuple[str, str]]:
    """Return the (dimension, object) pairs of an object list such as `{1 "2" 10 "12"}`."""
    inner = text.strip()[1:]
    if inner.endswith("}"):
        inner = inner[:-1]
    items = tokenize(inner)
    return [(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]


def _fmt_date(value: str | None) -> str | None:
    if value and re.fullmatch(r"[0-9]{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value or None


def read_sie(path: Path, *, ledger_accounts: str | None = None,
             dimensions: dict[str, int] | None = None) -> SieLedger:
    """Parse the SIE 4 file at `path`; return its ledger lines (cells as text) and reconciliation facts."""
    data = path.read_bytes()
    text, encoding = decode_sie(data)
    scope = re.compile(ledger_accounts or DEFAULT_LEDGER_ACCOUNTS)
    dims = {**DEFAULT_DIMENSIONS, **(dimensions or {})}
    dim_of_field = {f: str(d) for f, d in dims.items()}

    dim_names: dict[str, str] = {}
    objects: dict[tuple[str, str], str] = {}
    accounts: dict[str, str] = {}
    facts: dict = {"program": None, "company": None, "org_number": None, "sie_type": None,
                   "format": None, "fiscal_year": None, "currency": None}
    transactions: list[dict] = []             # every #TRANS inside a voucher
    vouchers: list[dict] = []
    voucher: dict | None = None
    in_block = False
    stray = 0

    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "{":
            in_block = voucher is not None
            continue
        if stripped == "}":
            in_block = False
            voucher = None
            continue
        if not stripped.startswith("#"):
            continue
        tokens = tokenize(stripped)
        tag, args = tokens[0].upper(), tokens[1:]
        if tag == "#TRANS":
            if voucher is None or not in_block:
                stray += 1
                voucher_ref = None
            else:
                voucher_ref = voucher
            objs = [a for a in args if a.startswith("{")]
            plain = [a for a in args if not a.startswith("{")]
            trans = {
                "line": lineno, "voucher": voucher_ref,
                "account": plain[0] if plain else None,
                "objects": parse_objects(objs[0]) if objs else [],
                "amount": plain[1] if len(plain) > 1 else None,
                "date": plain[2] if len(plain) > 2 and plain[2] else None,
                "text": plain[3] if len(plain) > 3 and plain[3] else None,
                "quantity": plain[4] if len(plain) > 4 and plain[4] else None,
            }
            transactions.append(trans)
            if voucher_ref is not None:
                voucher_ref["trans"].append(trans)
        elif tag in ("#RTRANS", "#BTRANS"):
            continue  # RTRANS is repeated as #TRANS right after it; BTRANS was removed from the voucher
        elif tag == "#VER":
            voucher = {"series": args[0] if args else "", "number": args[1] if len(args) > 1 else "",
                       "date": args[2] if len(args) > 2 else None, "text": args[3] if len(args) > 3 else None,
                       "line": lineno, "trans": []}
            vouchers.append(voucher)
            in_block = False
        elif tag == "#KONTO" and args:
            accounts[args[0]] = args[1] if len(args) > 1 else ""
        elif tag == "#DIM" and args:
            dim_names[args[0]] = args[1] if len(args) > 1 else args[0]
        elif tag == "#UNDERDIM" and args:
            dim_names[args[0]] = args[1] if len(args) > 1 else args[0]
        elif tag == "#OBJEKT" and len(args) >= 2:
            objects[(args[0], args[1])] = args[2] if len(args) > 2 else ""
        elif tag == "#RAR" and len(args) >= 3 and args[0] == "0":
            facts["fiscal_year"] = {"start": _fmt_date(args[1]), "end": _fmt_date(args[2])}
        elif tag == "#PROGRAM" and args:
            facts["program"] = " ".join(args)
        elif tag == "#FNAMN" and args:
            facts["company"] = args[0]
        elif tag == "#ORGNR" and args:
            facts["org_number"] = args[0]
        elif tag == "#SIETYP" and args:
            facts["sie_type"] = args[0]
        elif tag == "#FORMAT" and args:
            facts["format"] = args[0]
        elif tag == "#VALUTA" and args:
            facts["currency"] = args[0]

    if facts["sie_type"] not in (None, "4") and not transactions:
        raise SieError(f"this is an SIE {facts['sie_type']} file, which holds balances, not vouchers; "
                       "export SIE 4 (with verifikationer) from the finance system")
    if not vouchers and not transactions:
        raise SieError("the SIE file holds no vouchers (#VER) with transactions (#TRANS); "
                       "export SIE 4 with verifikationer for the year")

    rows: list[list] = []
    in_sum, out_sum, n_out = Decimal(0), Decimal(0), 0
    out_by_class: dict[str, list] = {}
    for t in transactions:
        account = t["account"] or ""
        amount = _decimal(t["amount"])
        is_ledger = bool(scope.match(account)) or not account.isdigit()
        if not is_ledger:
            n_out += 1
            out_sum += amount or 0
            cls = out_by_class.setdefault(account[:1], [0, Decimal(0)])
            cls[0] += 1
            cls[1] += amount or 0
            continue
        in_sum += amount or 0
        v = t["voucher"] or {}
        by_dim = {d: o for d, o in t["objects"]}
        other = [f"{dim_names.get(d, 'dim ' + d)}={o}" + (f" {objects[(d, o)]}" if objects.get((d, o)) else "")
                 for d, o in t["objects"] if d not in dim_of_field.values()]

        def obj(fld: str, named: bool = True) -> str | None:
            code = by_dim.get(dim_of_field.get(fld, ""))
            if code is None:
                return None
            name = objects.get((dim_of_field[fld], code))
            return (name or code) if named else code

        rows.append([
            t["line"],
            f"{v.get('series', '')} {v.get('number', '')}".strip() or None,
            _fmt_date(v.get("date")),
            _fmt_date(t["date"] or v.get("date")),
            t["account"],
            accounts.get(account) or None,
            t["amount"],
            t["text"] or v.get("text"),
            obj("department"),
            obj("department", named=False),
            obj("activity"),
            obj("project"),
            obj("supplier_name"),
            obj("invoice_id", named=False),
            "; ".join(other) or None,
            t["quantity"],
        ])

    unbalanced = []
    for v in vouchers:
        total = sum((_decimal(t["amount"]) or Decimal(0)) for t in v["trans"])
        if total != 0:
            ledger_lines = [t["line"] for t in v["trans"]
                            if t["account"] and (scope.match(t["account"]) or not t["account"].isdigit())]
            unbalanced.append({"voucher": f"{v['series']} {v['number']}".strip(), "date": _fmt_date(v["date"]),
                               "line": v["line"], "n_trans": len(v["trans"]), "sum": str(total),
                               "ledger_lines": ledger_lines})
    notes = []
    replaced = sum(1 for ch in text if ch == "\ufffd")
    if replaced:
        notes.append(f"{replaced} characters in the file are '\ufffd': the exporting program could not store "
                     "them (usually å, ä, ö), so some names show '\ufffd'")
    if stray:
        notes.append(f"{stray} #TRANS line(s) stand outside a voucher block")
    facts.update({
        "vouchers": len(vouchers), "transactions": len(transactions), "accounts_named": len(accounts),
        "dimensions": {d: n for d, n in sorted(dim_names.items(), key=lambda kv: _int_or(kv[0]))},
        "objects": len(objects), "ledger_accounts": scope.pattern, "dimension_fields": dims,
        "ledger_lines": len(rows), "ledger_lines_sum": str(in_sum),
        "other_lines": n_out, "other_lines_sum": str(out_sum),
        "other_lines_by_class": {k or "?": {"lines": n, "sum": str(s)} for k, (n, s) in sorted(out_by_class.items())},
        "all_transactions_sum": str(in_sum + out_sum),
        "unbalanced_vouchers": len(unbalanced),
        # the names of the department dimension's objects: the organisation's department register (issue 20)
        "departments": {code: name for (d, code), name in sorted(objects.items())
                        if d == dim_of_field.get("department") and name and name != code},
    })
    return SieLedger(rows=rows, encoding=encoding, facts=facts, unbalanced=unbalanced, notes=notes)


def _decimal(value: str | None) -> Decimal | None:
    if value is None or not _NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None


def _int_or(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (10**9, text)
