"""Pure matching rules of the factor library: account prefixes, supplier industries and expense types.

These functions state the rules the SQL engine applies, so that a reader (and a test) can check one
line by hand:

* account map: the row with the LONGEST `account_prefix` that starts the account wins
  (5-digit 64631 -> 646 -> 64 -> 6);
* supplier industry (SNI 2007 / NACE Rev. 2): dots and spaces removed, then the longest prefix wins;
* expense types (UK council files): the ledger columns are tried in the crosswalk's column
  precedence; the first column whose trimmed, case-folded value is listed decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence, TypeVar

T = TypeVar("T")


def longest_prefix(code: str, rules: Mapping[str, T]) -> tuple[str, T] | None:
    """Return (prefix, rule) for the longest key of `rules` that `code` starts with, or None."""
    code = code.strip()
    for length in range(len(code), 0, -1):
        prefix = code[:length]
        if prefix in rules:
            return prefix, rules[prefix]
    return None


def normalise_industry_code(code: str) -> str:
    """Return an SNI/NACE code without dots, spaces or a leading section letter ('C 10.71' -> '1071')."""
    text = re.sub(r"[\s.]", "", code.strip().upper())
    if text[:1].isalpha():
        text = text[1:]
    if not text.isdigit():
        raise ValueError(f"{code!r} is not an SNI/NACE code (digits with optional dots)")
    return text


def normalise_expense_type(value: str) -> str:
    """Return an expense-type value as compared: trimmed, inner whitespace kept, case-folded."""
    return value.strip().casefold()


@dataclass(frozen=True)
class ExpenseRule:
    """One expense-type crosswalk row."""

    source_column: str
    expense_type: str
    category_id: str | None
    factor_set_id: str | None
    factor_code: str | None
    is_excluded: bool
    exclusion_reason: str | None


def index_expense_rules(rules: Iterable[ExpenseRule]) -> dict[tuple[str, str], ExpenseRule]:
    """Index rules by (source column, normalised expense type) for matching."""
    return {(r.source_column, normalise_expense_type(r.expense_type)): r for r in rules}


def match_expense_type(row: Mapping[str, str | None], index: Mapping[tuple[str, str], ExpenseRule],
                       precedence: Sequence[str]) -> ExpenseRule | None:
    """Return the rule for a ledger `row` (column -> value) trying columns in `precedence` order, or None."""
    for column in precedence:
        value = row.get(column)
        if value is None or not str(value).strip():
            continue
        rule = index.get((column, normalise_expense_type(str(value))))
        if rule is not None:
            return rule
    return None


def expense_rules_from_db(con, crosswalk_id: str, version: str) -> list[ExpenseRule]:
    """Read the expense-type rules of one crosswalk release from the database."""
    rows = con.execute("""select source_column, expense_type, category_id, factor_set_id, factor_code, is_excluded,
                                 exclusion_reason
                          from expense_type_map where crosswalk_id = ? and version = ?""",
                       [crosswalk_id, version]).fetchall()
    return [ExpenseRule(*r) for r in rows]
