"""Turn the text cells of a ledger into typed canonical columns in DuckDB (amounts, dates, org numbers).

Everything here is set-based SQL over the raw table; Python only builds the statement. Parsing
rules (documented in docs/ingest.md):

- Amounts: spaces, non-breaking and narrow non-breaking spaces and apostrophes are thousands
  separators; a currency word or sign at either end (kr, SEK, GBP, £, €, $, ":-") is dropped ("CR" at the end is
  a credit: negative; "DR" is dropped); a
  leading or trailing minus, a Unicode minus or parentheses mean negative. With both '.' and ','
  the last one is the decimal separator; with only one of them the file's convention decides
  (`decimal_comma`, detected from the column), except where the value is unambiguous
  ("1,234,567", "12,5" in a decimal-point file). An amount of MAX_AMOUNT or more in absolute value
  (14 or more digits before the decimal point) is out of range: the row is quarantined (`out-of-range`),
  and its amount counts as 0 in the sums, like an amount that cannot be read.
- Dates: ISO (2024-03-05, with or without a time), 20240305, 05.03.2024, 05/03/2024 (day first),
  5 Mar 2024 / 05-Mar-2024, and Excel serial day numbers; periods 2024-03, 202403, 03/2024, or a
  month number 1-12 when the year is declared.
- Text cells: trimmed; a lone dash in an organisational dimension (department, committee, cost centre, activity,
  project, counterparty) is empty (PLACEHOLDER_FIELDS).
- Organisation numbers: 10 digits (any punctuation), 12 digits with century (16/18/19/20) or a VAT
  number SE…01; normalised to NNNNNN-NNNN and checked with the Luhn digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from .columns import ColumnMapping

# Amounts are stored as DECIMAL(18, 2); one line is at most 13 digits before the decimal point, so that
# a conversion to SEK and the sums of a batch (DECIMAL(38, 2)) never overflow.
MAX_AMOUNT = 10**13
DATE_FORMATS = ["%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%d/%m/%Y",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y", "%d.%m.%y", "%d/%m/%y", "%d %b %Y",
                "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%d %b %y"]

# Organisational dimensions where a lone dash is how an export writes "none" (Calderdale's expense area "-"): read
# as an empty cell, so that such a line has no department instead of a department named "-"
PLACEHOLDER_FIELDS = ("department", "committee", "cost_centre", "activity", "project", "counterparty")

_AMOUNT_CLEAN = (r"[\s\x{00A0}\x{202F}\x{2009}']|^(?i:sek|kr|gbp|eur|usd|nok|dkk)\.?|(?i:sek|kr|gbp|eur|usd|nok|dkk)\.?$"
                 r"|[£€$]|:-$")
_AMOUNT_SHAPE = r"^(?:([-−+]?)([0-9][0-9.,]*)(-?)|\(([0-9][0-9.,]*)\))$"

# SQL macros, created once per connection. They take already computed columns as arguments, so
# that an expensive expression (a regular expression over the cell) is evaluated once per row.
_MACROS = rf"""
create or replace temp macro ks_blank(v) as nullif(trim(regexp_replace(v, '[\x{{00A0}}\x{{202F}}]', ' ', 'g')), '');
create or replace temp macro ks_amount_clean(v) as
    regexp_replace(regexp_replace(regexp_replace(v, '(?i)\s*cr\.?$', '-'), '(?i)\s*dr\.?$', ''),
                   '{_AMOUNT_CLEAN.replace("'", "''")}', '', 'g');
create or replace temp macro ks_amount_shape(clean) as
    regexp_extract(clean, '{_AMOUNT_SHAPE}', ['lead', 'body', 'trail', 'paren']);
create or replace temp macro ks_amount_dotted(body, decimal_comma) as
    case
        when body is null then null
        when regexp_matches(body, '^[0-9]+$') then body
        when contains(body, ',') and contains(body, '.') then
            case
                when regexp_matches(body, '^[0-9]{{1,3}}(\.[0-9]{{3}})+,[0-9]+$')
                    then replace(replace(body, '.', ''), ',', '.')
                when regexp_matches(body, '^[0-9]{{1,3}}(,[0-9]{{3}})+\.[0-9]+$') then replace(body, ',', '')
            end
        when contains(body, ',') then
            case
                when regexp_matches(body, '^[0-9]{{1,3}}(,[0-9]{{3}}){{2,}}$') then replace(body, ',', '')
                when decimal_comma and regexp_matches(body, '^[0-9]+,[0-9]+$') then replace(body, ',', '.')
                when regexp_matches(body, '^[0-9]{{1,3}},[0-9]{{3}}$') then replace(body, ',', '')
                when regexp_matches(body, '^[0-9]+,[0-9]{{1,2}}$') then replace(body, ',', '.')
            end
        else
            case
                when regexp_matches(body, '^[0-9]{{1,3}}(\.[0-9]{{3}}){{2,}}$') then replace(body, '.', '')
                when not decimal_comma and regexp_matches(body, '^[0-9]+\.[0-9]+$') then body
                when regexp_matches(body, '^[0-9]{{1,3}}\.[0-9]{{3}}$') then replace(body, '.', '')
                when regexp_matches(body, '^[0-9]+\.[0-9]+$') then body
            end
    end;
create or replace temp macro ks_amount_from_shape(shape, decimal_comma) as
    (case when struct_extract(shape, 'lead') in ('-', '−') or struct_extract(shape, 'trail') = '-'
               or struct_extract(shape, 'paren') <> '' then -1 else 1 end)
    * try_cast(ks_amount_dotted(coalesce(nullif(struct_extract(shape, 'body'), ''),
                                         nullif(struct_extract(shape, 'paren'), '')), decimal_comma)
               as decimal(38, 2));
create or replace temp macro ks_amount(v, decimal_comma) as
    ks_amount_from_shape(ks_amount_shape(ks_amount_clean(v)), decimal_comma);
create or replace temp macro ks_amount_magnitude(v, decimal_comma) as
    try_cast(ks_amount_dotted(coalesce(nullif(struct_extract(ks_amount_shape(ks_amount_clean(v)), 'body'), ''),
                                       nullif(struct_extract(ks_amount_shape(ks_amount_clean(v)), 'paren'), '')),
                              decimal_comma) as double);
create or replace temp macro ks_digit(s, i) as ascii(substr(s, i, 1)) - 48;
create or replace temp macro ks_luhn_ok(s) as
    ((ks_digit(s, 1) * 2) - (case when ks_digit(s, 1) > 4 then 9 else 0 end) + ks_digit(s, 2)
     + (ks_digit(s, 3) * 2) - (case when ks_digit(s, 3) > 4 then 9 else 0 end) + ks_digit(s, 4)
     + (ks_digit(s, 5) * 2) - (case when ks_digit(s, 5) > 4 then 9 else 0 end) + ks_digit(s, 6)
     + (ks_digit(s, 7) * 2) - (case when ks_digit(s, 7) > 4 then 9 else 0 end) + ks_digit(s, 8)
     + (ks_digit(s, 9) * 2) - (case when ks_digit(s, 9) > 4 then 9 else 0 end) + ks_digit(s, 10)) % 10 = 0;
create or replace temp macro ks_org_ten(raw, digits) as
    case
        when length(digits) = 10 then digits
        when length(digits) = 12 and upper(trim(raw)) like 'SE%' and digits like '%01' then substr(digits, 1, 10)
        when length(digits) = 12 and substr(digits, 1, 2) in ('16', '18', '19', '20') then substr(digits, 3)
    end;
"""


@dataclass
class NormaliseOptions:
    """What the file itself does not say: defaults for period, year and currency, and parsing conventions."""

    organisation_id: str
    currency: str = "SEK"
    period: str | None = None          # YYYY-MM for a file without dates
    year: int | None = None            # fiscal year for a file without dates
    decimal_comma: bool | None = None  # None = detect from the values
    split_account_text: bool = True    # "4610 Köp av huvudverksamhet" -> account 4610 + its name
    numeric_columns: set[int] = field(default_factory=set)   # columns read as numbers (xlsx)
    department: str | None = None      # the department of every line (a file without a department column)


@dataclass
class NormaliseInfo:
    """What normalising decided (stored with the batch)."""

    decimal_comma: bool
    decimal_source: str                # option | numbers | detected | currency default


# A connection variable says which set of macros a connection holds (temp macros and variables both belong to
# the connection): the set is created once per connection, as creating it takes as long as parsing a few hundred
# thousand amounts. Change the number when a macro changes.
_MACROS_VERSION = 2
_MACROS += f"set variable ks_macros_version = {_MACROS_VERSION};\n"


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the parsing macros (amount, org number, Luhn) on this connection, unless it has them already."""
    # getvariable() of an unset name is null, not an error (an error would abort a caller's transaction)
    if con.execute("select getvariable('ks_macros_version')").fetchone()[0] == _MACROS_VERSION:
        return
    con.execute(_MACROS)


DECIMAL_SAMPLE = 20_000      # amounts looked at first; a clear verdict there (2 to 1, at least 100) decides
DECIMAL_SAMPLE_MAX = 200_000  # else this many


def detect_decimal_comma(con: duckdb.DuckDBPyConnection, raw_table: str, column: str) -> bool | None:
    """Return True/False when the amounts show a decimal comma/point (more ',dd' or '.dd' endings), else None.

    The first DECIMAL_SAMPLE amounts decide when they are clear; a mixed or undecided sample is widened to
    DECIMAL_SAMPLE_MAX amounts.
    """
    for limit in (DECIMAL_SAMPLE, DECIMAL_SAMPLE_MAX):
        comma, point, seen = con.execute(
            f"""with v as (select ks_amount_clean({column}) as a from {raw_table}
                          where {column} is not null limit {limit})
                select count(*) filter (where regexp_matches(a, ',[0-9]{{1,2}}[-)]?$')
                                           or regexp_matches(a, '^[-(]?[0-9]{{1,3}}(\\.[0-9]{{3}})+,')),
                       count(*) filter (where regexp_matches(a, '\\.[0-9]{{1,2}}[-)]?$')
                                           or regexp_matches(a, '^[-(]?[0-9]{{1,3}}(,[0-9]{{3}})+\\.')),
                       count(*)
                from v"""
        ).fetchone()
        if seen < limit or (max(comma, point) >= 100 and max(comma, point) >= 2 * min(comma, point)):
            break
    if comma == point:
        return None
    return comma > point


def _cols(mapping: ColumnMapping, headers: list[str], fld: str) -> list[str]:
    return [f"c{headers.index(h)}" for h in mapping.headers_of(fld)]


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def build_typed(con: duckdb.DuckDBPyConnection, raw_table: str, headers: list[str], mapping: ColumnMapping,
                opts: NormaliseOptions, typed_table: str) -> NormaliseInfo:
    """Create temp table `typed_table`: one row per source row with typed canonical columns.

    Check columns (`chk_*`) say whether a value could be parsed; the temp view `<typed_table>_raw`
    gives the cells as read (`raw_<field>`) so that validation messages can quote them. Amounts are
    DECIMAL(18,2) in the ledger currency (null when out of range: `chk_amount_range`); `period_month`/`date_month`
    are YYYYMM of the booking.
    """
    install_macros(con)

    def text(fld: str) -> str:
        # trim only cells that start or end with a space: most do not, and trim() copies every string
        cols = _cols(mapping, headers, fld)
        if not cols:
            return "cast(null as varchar)"
        parts = [f"nullif(case when starts_with({c}, ' ') or ends_with({c}, ' ') then trim({c}) else {c} end, '')"
                 for c in cols]
        if fld in PLACEHOLDER_FIELDS:
            parts = [f"nullif(nullif(nullif({p}, '-'), '–'), '—')" for p in parts]
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    amount_cols = _cols(mapping, headers, "amount")
    if opts.decimal_comma is not None:
        decimal_comma, source = opts.decimal_comma, "option"
    elif amount_cols and all(headers.index(h) in opts.numeric_columns for h in mapping.headers_of("amount")):
        decimal_comma, source = False, "numbers"
    else:
        found = detect_decimal_comma(con, raw_table, amount_cols[0]) if amount_cols else None
        if found is None:
            decimal_comma, source = opts.currency not in ("GBP", "USD"), "currency default"
        else:
            decimal_comma, source = found, "detected"
    dc = "true" if decimal_comma else "false"
    # Fast path for the common plain forms ("-1234,50" in a decimal-comma file, "1234.50" in a
    # decimal-point file): a cast. Anything else (thousands separators, trailing minus, parentheses,
    # currency words) goes through the full parser. The guards keep the cast from reading a value
    # the full parser would read differently ("1.234" in a comma file is 1234, not 1.23). The full parser
    # runs in a CASE branch, only for the rows the cast did not read (COALESCE would evaluate it on every row).
    guard = "not contains(lower(amount_compact), 'e') and not contains(amount_compact, '_')"
    if decimal_comma:
        fast = (f"case when not contains(amount_compact, '.') and {guard} "
                "then try_cast(replace(amount_compact, ',', '.') as decimal(38, 2)) end")
    else:
        fast = f"case when not contains(amount_compact, ',') and {guard} then try_cast(amount_compact as decimal(38, 2)) end"
    # Before that, one regular expression picks the plainest cells (digits, one decimal separator, a leading minus:
    # nearly every cell of a system export). Such a cell has nothing for the compacting to remove and passes every
    # guard, so its cast is the fast path's cast; the compacting (four string copies) runs only for the other cells.
    plain = (r"case when regexp_full_match(raw_amount, '-?[0-9]+(,[0-9]+)?') "
             "then try_cast(replace(raw_amount, ',', '.') as decimal(38, 2)) end" if decimal_comma else
             r"case when regexp_full_match(raw_amount, '-?[0-9]+(\.[0-9]+)?') "
             "then try_cast(raw_amount as decimal(38, 2)) end")

    fmt_list = "[" + ", ".join(_sql_text(f) for f in DATE_FORMATS) + "]"
    default_period = _sql_text(opts.period) if opts.period else "cast(null as varchar)"
    default_year = str(int(opts.year)) if opts.year else "cast(null as integer)"
    declared_year = default_year if opts.year else (str(int(opts.period[:4])) if opts.period else "cast(null as integer)")
    has_currency = bool(_cols(mapping, headers, "currency"))
    has_vat = bool(_cols(mapping, headers, "vat_amount"))
    vat = f"try_cast(ks_amount(raw_vat_amount, {dc}) as decimal(18, 2))" if has_vat else "cast(null as decimal(18, 2))"
    currency = f"upper(coalesce(p.raw_currency, {_sql_text(opts.currency)}))" if has_currency else _sql_text(opts.currency)
    extra_cols = list(mapping.extra)
    if extra_cols:
        extra = "json_object(" + ", ".join(f"{_sql_text(h)}, c{headers.index(h)}" for h in extra_cols) + ")"
    else:
        extra = "cast(null as json)"
    all_cells = ", ".join(f"c{i}" for i in range(len(headers)))
    split = "true" if opts.split_account_text else "false"
    fixed_department = _sql_text(opts.department.strip()) if opts.department else "cast(null as varchar)"
    total_re = r"(^|\|)\s*(summa|totalsumma|totalt?|grand total|sum)([^a-zåäö]|$)"
    split_re = r"^([0-9]{2,8})(?:\s*[-–:]\s*|\s+)(\S.*)$"
    compact = "replace(replace(replace(replace(raw_amount, ' ', ''), chr(160), ''), chr(8239), ''), '''', '')"

    # Low-cardinality values (accounts, dates, periods, org numbers) are parsed once per distinct value and
    # joined back, with everything that depends only on the value (the month and year of a date); amounts
    # (nearly one distinct value per row) are parsed in place. The lookup of a column the file does not have
    # is empty: nothing is scanned for it.
    def distinct(fld: str, name: str) -> str:
        # the distinct filled cells of a field, or no rows (nothing scanned) when the file has no such column
        if not _cols(mapping, headers, fld):
            return f"(select cast(null as varchar) as {name} where false)"
        return f"(select * from (select distinct {text(fld)} as {name} from {raw_table}) where {name} is not null)"

    con.execute(f"""
        create or replace temp table {typed_table} as
        with base as (
            select
                source_row,
                {text('account')} as raw_account,
                {text('amount')} as raw_amount,
                {text('posting_date')} as raw_posting_date,
                {text('period')} as raw_period,
                {text('supplier_org_number')} as raw_supplier_org_number,
                {text('currency')} as raw_currency,
                {text('vat_amount')} as raw_vat_amount,
                {text('account_name')} as account_name_cell,
                {text('committee')} as committee,
                {text('department')} as department_cell,
                {text('cost_centre')} as cost_centre,
                {text('activity')} as activity,
                {text('project')} as project,
                {text('counterparty')} as counterparty,
                {text('supplier_name')} as supplier_name,
                {text('invoice_id')} as invoice_id,
                {text('description')} as description,
                {extra} as extra,
                case when {text('account')} is null
                     then regexp_matches(lower(concat_ws('|', {all_cells})), {_sql_text(total_re)})
                     else false end as chk_total_row
            from {raw_table}
        ),

        accounts as (
            select
                raw_account,
                case when {split} then regexp_extract(raw_account, {_sql_text(split_re)}, ['num', 'txt'])
                end as account_split
            from (select distinct {text('account')} as raw_account from {raw_table})
            where raw_account is not null
        ),

        account_lookup as (
            select
                raw_account,
                coalesce(nullif(account_split.num, ''),
                         regexp_replace(trim(raw_account), '^([0-9]+)\\.0+$', '\\1')) as account,
                nullif(account_split.txt, '') as account_name_from_cell
            from accounts
        ),

        date_lookup as (
            select raw_posting_date, posting_date,
                   strftime(posting_date, '%Y-%m') as date_period,
                   cast(strftime(posting_date, '%Y%m') as integer) as date_month,
                   year(posting_date) as date_year
            from (
                select
                    raw_posting_date,
                    case
                        when regexp_matches(raw_posting_date, '^[0-9]{{5}}(\\.0+)?$')
                             and try_cast(raw_posting_date as double) between 20000 and 80000
                            then cast(date '1899-12-30' + cast(try_cast(raw_posting_date as double) as integer) as date)
                        -- a two-digit year (01/08/22) is 2022, not the year 22 that %Y would read
                        when regexp_matches(trim(raw_posting_date),
                                            '^[0-9]{{1,2}}[./ -]([0-9]{{1,2}}|[A-Za-z]{{3}})[./ -][0-9]{{2}}$')
                            then cast(try_strptime(trim(raw_posting_date), ['%d/%m/%y', '%d.%m.%y', '%d-%m-%y',
                                                                            '%d-%b-%y', '%d %b %y']) as date)
                        else cast(try_strptime(raw_posting_date, {fmt_list}) as date)
                    end as posting_date
                from {distinct('posting_date', 'raw_posting_date')})
        ),

        period_lookup as (
            select raw_period, parsed_period,
                   try_cast(substr(parsed_period, 1, 4) as integer) as period_year,
                   cast(replace(parsed_period, '-', '') as integer) as period_month
            from (
                select
                    raw_period,
                    case
                        when period_ym.y <> '' and try_cast(period_ym.m as integer) between 1 and 12
                            then period_ym.y || '-' || lpad(period_ym.m, 2, '0')
                        when period_my.y <> '' and try_cast(period_my.m as integer) between 1 and 12
                            then period_my.y || '-' || lpad(period_my.m, 2, '0')
                        when regexp_matches(raw_period, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')
                             and try_cast(substr(raw_period, 6, 2) as integer) between 1 and 12
                            then substr(raw_period, 1, 7)
                        when {declared_year} is not null and regexp_matches(raw_period, '^(0?[1-9]|1[0-2])$')
                            then cast({declared_year} as varchar) || '-' || lpad(raw_period, 2, '0')
                    end as parsed_period
                from (
                    select
                        raw_period,
                        regexp_extract(raw_period, '^([0-9]{{4}})[-/. ]?([0-9]{{1,2}})$', ['y', 'm']) as period_ym,
                        regexp_extract(raw_period, '^([0-9]{{1,2}})[-/. ]([0-9]{{4}})$', ['m', 'y']) as period_my
                    from {distinct('period', 'raw_period')}))
        ),

        org_lookup as (
            select raw_supplier_org_number, ks_org_ten(raw_supplier_org_number, org_digits) as org_ten
            from (select raw_supplier_org_number,
                         regexp_replace(raw_supplier_org_number, '[^0-9]', '', 'g') as org_digits
                  from {distinct('supplier_org_number', 'raw_supplier_org_number')})
        ),

        org_checked as (
            select
                raw_supplier_org_number,
                -- only a valid Swedish number identifies the supplier; the row keeps everything else (a warning)
                case when org_ok then substr(org_ten, 1, 6) || '-' || substr(org_ten, 7, 4) end as supplier_org_number,
                not org_ok and not org_foreign as org_invalid,
                org_foreign
            from (
                select
                    raw_supplier_org_number,
                    org_ten,
                    org_ten is not null and ks_luhn_ok(org_ten) as org_ok,
                    -- a VAT or company number of another country (DE260543043, NO 912345678 MVA): not checkable here
                    coalesce(regexp_matches(upper(trim(raw_supplier_org_number)),
                                            '^[A-Z]{{2}}[ -]?[0-9A-Z][0-9A-Z .+*-]+$')
                             and not (upper(trim(raw_supplier_org_number)) like 'SE%' and org_ten is not null),
                             false) as org_foreign
                from org_lookup)
        ),

        amounts as (
            select * exclude (amount_compact), {fast} as amount_fast
            from (select *, case when amount_plain is null then {compact} end as amount_compact
                  from (select *, {plain} as amount_plain from base))
        ),

        parsed as (
            select
                * exclude (amount_plain, amount_fast),
                case when amount_plain is not null then amount_plain
                     when amount_fast is not null then amount_fast
                     else ks_amount(raw_amount, {dc}) end as amount_wide,
                {vat} as vat_amount
            from amounts
        ),

        final as (
            select
                p.source_row,
                al.account,
                coalesce(p.account_name_cell, al.account_name_from_cell) as account_name,
                dl.posting_date,
                coalesce(pl.parsed_period, dl.date_period, {default_period}) as period,
                coalesce(pl.period_year, dl.date_year,
                         try_cast(substr({default_period}, 1, 4) as integer), {default_year}) as fiscal_year,
                pl.period_month,
                case when pl.parsed_period is null then dl.date_month end as date_month,
                case when abs(p.amount_wide) < {MAX_AMOUNT} then cast(p.amount_wide as decimal(18, 2)) end as amount,
                p.vat_amount,
                p.committee,
                -- the department level used in reports: förvaltning, else nämnd, else ansvar, else the file's
                coalesce(p.department_cell, p.committee, p.cost_centre, {fixed_department}) as department,
                p.cost_centre, p.activity, p.project, p.counterparty, p.supplier_name,
                oc.supplier_org_number,
                p.invoice_id, p.description,
                {currency} as currency,
                p.extra,
                p.raw_posting_date is not null and dl.posting_date is null as chk_date_type,
                p.raw_period is not null and pl.parsed_period is null as chk_period_type,
                p.raw_supplier_org_number is not null and coalesce(oc.org_invalid, true) as chk_org_invalid,
                p.raw_supplier_org_number is not null and coalesce(oc.org_foreign, false) as chk_org_foreign,
                -- too large to store; a number beyond even DECIMAL(38, 2) is measured as a double
                case when p.amount_wide is not null then abs(p.amount_wide) >= {MAX_AMOUNT}
                     when p.raw_amount is not null
                         then coalesce(abs(ks_amount_magnitude(p.raw_amount, {dc})) >= {MAX_AMOUNT}, false)
                     else false end as chk_amount_range,
                p.chk_total_row
            from parsed as p
            left join account_lookup as al on al.raw_account = p.raw_account
            left join date_lookup as dl on dl.raw_posting_date = p.raw_posting_date
            left join period_lookup as pl on pl.raw_period = p.raw_period
            left join org_checked as oc on oc.raw_supplier_org_number = p.raw_supplier_org_number
        )

        select * from final
    """)
    # The cells as read, for quoting in messages: a view, so they are not copied for every row.
    con.execute(f"""
        create or replace temp view {typed_table}_raw as
        select source_row,
               {text('account')} as raw_account,
               {text('amount')} as raw_amount,
               {text('posting_date')} as raw_posting_date,
               {text('period')} as raw_period,
               {text('supplier_org_number')} as raw_supplier_org_number,
               {text('currency')} as raw_currency,
               {text('invoice_id')} as invoice_id,
               coalesce({text('period')}, {text('posting_date')}) as raw_when,
               upper(coalesce({text('currency')}, {_sql_text(opts.currency)})) as currency
        from {raw_table}
    """)
    return NormaliseInfo(decimal_comma=decimal_comma, decimal_source=source)
