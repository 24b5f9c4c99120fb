"""Turn the text cells of a ledger into typed canonical columns in DuckDB (amounts, dates, org numbers)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .columns import TEXT_FIELDS, ColumnMapping

DATE_FORMATS = ["%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d",
                "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%Y-%m-%d %H:%M:%S.%f"]

# SQL macros, created once per connection. Amounts: spaces (also non-breaking and narrow
# non-breaking) are thousands separators; a trailing minus or parentheses mean negative; where a
# value has both '.' and ',', the last one is the decimal separator; where it has only one of
# them, the file's convention decides unless the value is unambiguous (e.g. "1.234.567").
_MACROS = r"""
create or replace temp macro ks_amount_core(v) as
    regexp_replace(v, '[\s\x{00A0}\x{202F}'']', '', 'g');
create or replace temp macro ks_amount_negative(v) as
    (ks_amount_core(v) like '-%' or ks_amount_core(v) like '%-' or ks_amount_core(v) like '(%)'
     or ks_amount_core(v) like '−%');
create or replace temp macro ks_amount_digits(v) as
    regexp_replace(ks_amount_core(v), '^[-−+(]+|[-)]+$', '', 'g');
create or replace temp macro ks_amount_dotted(v, decimal_comma) as
    case
        when regexp_matches(ks_amount_digits(v), '^[0-9]+$') then ks_amount_digits(v)
        when regexp_matches(ks_amount_digits(v), '^[0-9]{1,3}(\.[0-9]{3})+,[0-9]+$')
            then replace(replace(ks_amount_digits(v), '.', ''), ',', '.')
        when regexp_matches(ks_amount_digits(v), '^[0-9]{1,3}(,[0-9]{3})+\.[0-9]+$')
            then replace(ks_amount_digits(v), ',', '')
        when regexp_matches(ks_amount_digits(v), '^[0-9]+,[0-9]+$') and
             (decimal_comma or not regexp_matches(ks_amount_digits(v), '^[0-9]{1,3}(,[0-9]{3})+$'))
            then replace(ks_amount_digits(v), ',', '.')
        when regexp_matches(ks_amount_digits(v), '^[0-9]{1,3}(,[0-9]{3})+$') then replace(ks_amount_digits(v), ',', '')
        when regexp_matches(ks_amount_digits(v), '^[0-9]+\.[0-9]+$') and
             (not decimal_comma or not regexp_matches(ks_amount_digits(v), '^[0-9]{1,3}(\.[0-9]{3})+$'))
            then ks_amount_digits(v)
        when regexp_matches(ks_amount_digits(v), '^[0-9]{1,3}(\.[0-9]{3})+$') then replace(ks_amount_digits(v), '.', '')
        else null
    end;
create or replace temp macro ks_amount(v, decimal_comma) as
    case when ks_amount_dotted(v, decimal_comma) is null then null
         else (case when ks_amount_negative(v) then -1 else 1 end)
              * try_cast(ks_amount_dotted(v, decimal_comma) as decimal(18, 2))
    end;
create or replace temp macro ks_org_digits(v) as regexp_replace(v, '[^0-9]', '', 'g');
create or replace temp macro ks_org_number(v) as
    case
        when length(ks_org_digits(v)) = 10 then substr(ks_org_digits(v), 1, 6) || '-' || substr(ks_org_digits(v), 7, 4)
        when length(ks_org_digits(v)) = 12 and substr(ks_org_digits(v), 1, 2) in ('16', '18', '19', '20')
            then substr(ks_org_digits(v), 3, 6) || '-' || substr(ks_org_digits(v), 9, 4)
        else null
    end;
create or replace temp macro ks_luhn_ok(s) as
    list_sum(list_transform(range(10), lambda i:
        (cast(substr(replace(s, '-', ''), i + 1, 1) as integer) * (2 - i % 2)) // 10
        + (cast(substr(replace(s, '-', ''), i + 1, 1) as integer) * (2 - i % 2)) % 10)) % 10 = 0;
create or replace temp macro ks_blank(v) as nullif(trim(regexp_replace(v, '[\x{00A0}]', ' ', 'g')), '');
"""


@dataclass
class NormaliseOptions:
    """What the file itself does not say: defaults for period, year and currency."""

    organisation_id: str
    currency: str = "SEK"
    period: str | None = None          # YYYY-MM for a file without dates
    year: int | None = None            # fiscal year for a file without dates
    decimal_comma: bool | None = None  # None = detect from the values


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the parsing macros (amount, org number, Luhn) on this connection."""
    con.execute(_MACROS)


def detect_decimal_comma(con: duckdb.DuckDBPyConnection, raw_table: str, column: str) -> bool:
    """Return True when the amount column uses a decimal comma (more ',dd' endings than '.dd')."""
    row = con.execute(
        f"""select count(*) filter (where regexp_matches({column}, ',[0-9]{{1,2}}[-)]?\\s*$')),
                   count(*) filter (where regexp_matches({column}, '\\.[0-9]{{1,2}}[-)]?\\s*$'))
            from (select {column} from {raw_table} where {column} is not null limit 100000)"""
    ).fetchone()
    return row[0] >= row[1]


def _col(mapping: ColumnMapping, headers: list[str], field: str) -> str | None:
    header = mapping.fields.get(field)
    if header is None:
        return None
    return f"c{headers.index(header)}"


def build_typed(con: duckdb.DuckDBPyConnection, raw_table: str, headers: list[str], mapping: ColumnMapping,
                opts: NormaliseOptions, typed_table: str) -> None:
    """Create temp table `typed_table`: one row per source row with typed canonical columns.

    Next to each typed value the raw text is kept (`raw_<field>`) so that validation messages can
    quote it; check columns (`chk_*`) say whether a value could be parsed.
    """
    install_macros(con)
    c = {f: _col(mapping, headers, f) for f in list(TEXT_FIELDS) + ["amount", "posting_date", "period", "vat_amount"]}
    amount_col = c["amount"]
    decimal_comma = opts.decimal_comma
    if decimal_comma is None:
        decimal_comma = detect_decimal_comma(con, raw_table, amount_col) if amount_col else True
    dc = "true" if decimal_comma else "false"

    def text(field: str) -> str:
        return f"ks_blank({c[field]})" if c[field] else "cast(null as varchar)"

    fmt_list = "[" + ", ".join(f"'{f}'" for f in DATE_FORMATS) + "]"
    date_expr = (f"cast(try_strptime(ks_blank({c['posting_date']}), {fmt_list}) as date)"
                 if c["posting_date"] else "cast(null as date)")
    if c["period"]:
        p = f"ks_blank({c['period']})"
        period_expr = (f"""case when regexp_matches({p}, '^[0-9]{{4}}-?(0[1-9]|1[0-2])$')
                                then substr({p}, 1, 4) || '-' || right({p}, 2)
                                when regexp_matches({p}, '^[0-9]{{4}}-(0[1-9]|1[0-2])-[0-9]{{2}}')
                                then substr({p}, 1, 7) end""")
    else:
        period_expr = "cast(null as varchar)"
    default_period = f"'{opts.period}'" if opts.period else "cast(null as varchar)"
    default_year = str(int(opts.year)) if opts.year else "cast(null as integer)"
    currency = f"upper(coalesce({text('currency')}, '{opts.currency}'))" if c["currency"] else f"'{opts.currency}'"
    # The department level used in reports: förvaltning, else nämnd, else ansvar.
    department = f"coalesce({text('department')}, {text('committee')}, {text('cost_centre')})"
    extra_cols = [h for h in mapping.extra]
    if extra_cols:
        extra = "json_object(" + ", ".join(
            f"'{h.replace(chr(39), chr(39) * 2)}', c{headers.index(h)}" for h in extra_cols) + ")"
    else:
        extra = "cast(null as json)"
    amount_raw = f"ks_blank({amount_col})" if amount_col else "cast(null as varchar)"
    vat = f"ks_amount(ks_blank({c['vat_amount']}), {dc})" if c["vat_amount"] else "cast(null as decimal(18, 2))"
    org_raw = text("supplier_org_number")

    con.execute(f"""
        create or replace temp table {typed_table} as
        with base as (
            select
                source_row,
                {text('account')} as raw_account,
                {amount_raw} as raw_amount,
                {f"ks_blank({c['posting_date']})" if c['posting_date'] else 'cast(null as varchar)'} as raw_posting_date,
                {f"ks_blank({c['period']})" if c['period'] else 'cast(null as varchar)'} as raw_period,
                {org_raw} as raw_supplier_org_number,
                {text('currency') if c['currency'] else 'cast(null as varchar)'} as raw_currency,
                {date_expr} as posting_date,
                {period_expr} as parsed_period,
                ks_amount({amount_raw}, {dc}) as amount,
                {vat} as vat_amount,
                {text('account_name')} as account_name,
                {text('committee')} as committee,
                {department} as department,
                {text('cost_centre')} as cost_centre,
                {text('activity')} as activity,
                {text('project')} as project,
                {text('counterparty')} as counterparty,
                {text('supplier_name')} as supplier_name,
                ks_org_number({org_raw}) as supplier_org_number,
                {text('invoice_id')} as invoice_id,
                {text('description')} as description,
                {currency} as currency,
                {extra} as extra
            from {raw_table}
        )
        select
            *,
            -- an account read from a spreadsheet number cell may come as '4610.0'
            regexp_replace(raw_account, '\\.0+$', '') as account,
            coalesce(strftime(posting_date, '%Y-%m'), parsed_period, {default_period}) as period,
            coalesce(year(posting_date), try_cast(substr(coalesce(parsed_period, {default_period}), 1, 4) as integer),
                     {default_year}) as fiscal_year,
            raw_amount is null as chk_amount_missing,
            raw_amount is not null and amount is null as chk_amount_type,
            raw_posting_date is not null and posting_date is null as chk_date_type,
            raw_period is not null and parsed_period is null as chk_period_type,
            raw_supplier_org_number is not null and (supplier_org_number is null or not ks_luhn_ok(supplier_org_number))
                as chk_org_invalid
        from base
    """)
