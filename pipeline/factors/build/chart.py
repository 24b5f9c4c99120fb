"""Normalise a published chart of accounts into the library's chart format (account, name_sv, level, notes).

The BAS 2025 chart (private-sector BAS, used by municipal companies) comes as a `;`-separated
UTF-8 file with a BOM and the columns id, main_account, main_account_description, no_k2,
simple_account, sub_account, sub_account_description:

* a row without sub_account is a kontoklass (1 digit) or kontogrupp (2 digits) heading;
* a row with sub_account is a 4-digit account; main_account (the 3-digit group it belongs to)
  is only filled on the first row of each 3-digit group, main_account_description on most rows;
* `simple_account` = 1 marks BAS's "■" basic accounts, `no_k2` = 1 its "[Ej K2]" accounts
  (not used by companies that apply K2).

The output has one row per account number, levels by number of digits as in the Kommun-Bas 13
chart (1 class, 2 group, 3 account, 4 subaccount). A number BAS lists twice (the equity
accounts 2010-2019 for a sole trader and for partner 1, 2087) keeps its first name; the other
name goes to the notes. Maintainer tool: the product reads only the normalised file.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ...errors import DataError

BAS_COLUMNS = ["id", "main_account", "main_account_description", "no_k2", "simple_account", "sub_account",
               "sub_account_description"]
CHART_COLUMNS = ["account", "name_sv", "level", "notes"]
LEVELS = {1: "class", 2: "group", 3: "account", 4: "subaccount"}


def convert_bas_chart(path: Path, source_key: str = "BAS2025") -> list[dict[str, str]]:
    """Read a BAS chart file and return normalised rows (account, name_sv, level, notes), sorted as text.

    Raises DataError naming the line when a row has no account number or an account is not 1-4 digits.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        missing = [c for c in BAS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path.name}: missing column(s) {', '.join(missing)}; expected the BAS columns "
                            f"{';'.join(BAS_COLUMNS)}", code="input-error")
        records = list(reader)
    rows: dict[str, dict[str, str]] = {}

    def add(account: str, name: str, flags: list[str], line: int) -> None:
        if not (account.isdigit() and 1 <= len(account) <= 4):
            raise DataError(f"{path.name}: line {line}: account {account!r} is not 1-4 digits", code="input-error")
        name = " ".join(name.split())
        if account in rows:
            seen = rows[account]
            if name and name != seen["name_sv"] and name not in seen["_also"]:
                seen["_also"].append(name)
            return
        rows[account] = {"account": account, "name_sv": name, "level": LEVELS[len(account)], "_flags": flags,
                         "_also": []}

    for line, rec in enumerate(records, start=2):
        main = (rec["main_account"] or "").strip()
        sub = (rec["sub_account"] or "").strip()
        if not sub:
            if not main:
                raise DataError(f"{path.name}: line {line}: a row with neither main_account nor sub_account",
                                code="input-error")
            add(main, rec["main_account_description"] or "", [], line)
            continue
        group = sub[:3]
        group_name = (rec["main_account_description"] or "").strip()
        if main:
            add(main, group_name, [], line)
        elif group not in rows and group_name:
            add(group, group_name, [], line)
        flags = []
        if (rec["simple_account"] or "").strip() == "1":
            flags.append("■ basic account")
        if (rec["no_k2"] or "").strip() == "1":
            flags.append("[Ej K2]")
        add(sub, rec["sub_account_description"] or "", flags, line)

    out = []
    for account in sorted(rows):
        row = rows[account]
        notes = [f"src={source_key}"] + row["_flags"]
        notes += [f"BAS also lists {account} as '{other}'" for other in row["_also"]]
        out.append({"account": account, "name_sv": row["name_sv"], "level": row["level"], "notes": "; ".join(notes)})
    orphans = [r["account"] for r in out if len(r["account"]) > 1 and r["account"][:-1] not in rows]
    if orphans:
        raise DataError(f"{path.name}: account(s) {', '.join(orphans[:5])} have no parent row in the file",
                        code="input-error")
    return out


def write_chart(rows: list[dict[str, str]], out_csv: Path) -> None:
    """Write normalised chart rows to `out_csv` (UTF-8, comma-separated, LF)."""
    with out_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CHART_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
