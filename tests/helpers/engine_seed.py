"""Tiny hand-made reference data and ledgers for the engine tests (SQL inserts, arithmetic kept round).

Factor set test@1.0: kg CO2e per USD of 2022, with margins (without margins in brackets):
    F1 0.5 (0.4)  F2 0.2 (0.1)  F3 0.3  F4 0.4  F9 0.9;  CO2 only: F1 0.4.
Spend year 2024: 10.00 SEK, 1.25 USD and 0.80 GBP per EUR; 2022: 10.5 SEK, 1.05 USD, 0.84 GBP per EUR.
US CPI 2022 = 100, 2024 = 125; Swedish CPI 2022 = 100, 2024 = 100; UK CPI 2022 = 100, 2024 = 112.
So 1 SEK of 2024 = 0.1 USD of 2022 under both conventions: deflated in SEK (default) 1 x 100/100 = 1 SEK of 2022
x 1.05 / 10.5 = 0.1 USD; converted first 1.25 / 10 = 0.125 USD of 2024 x 100 / 125 = 0.1 USD of 2022. Hence
emissions of a SEK line priced by factor F = amount x 0.1 x F.
"""

from __future__ import annotations


def seed_reference(con) -> None:
    """Factor set, rates, CPI, categories and the account map 'map@1.0' (Kommun-Bas-like)."""
    con.execute("""insert into factor_set (factor_set_id, version, name, base_year, currency, relative_uncertainty)
                   values ('test', '1.0', 'Test factors', 2022, 'USD', 0.3)""")
    con.execute("""insert into factor (factor_set_id, version, factor_code, factor_name, gas, value,
                                       value_without_margins, numerator_unit, denominator_unit) values
                   ('test', '1.0', 'F1', 'care', 'CO2e', 0.5, 0.4, 'kg CO2e', 'USD'),
                   ('test', '1.0', 'F1', 'care', 'CO2', 0.4, 0.3, 'kg', 'USD'),
                   ('test', '1.0', 'F2', 'food', 'CO2e', 0.2, 0.1, 'kg CO2e', 'USD'),
                   ('test', '1.0', 'F3', 'wholesale food', 'CO2e', 0.3, 0.3, 'kg CO2e', 'USD'),
                   ('test', '1.0', 'F4', 'meat', 'CO2e', 0.4, 0.4, 'kg CO2e', 'USD'),
                   ('test', '1.0', 'F5', 'district heat', 'CO2e', 0.6, 0.6, 'kg CO2e', 'USD'),
                   ('test', '1.0', 'F9', 'other services', 'CO2e', 0.9, 0.9, 'kg CO2e', 'USD')""")
    con.execute("""insert into exchange_rate (year, currency, units_per_eur) values
                   (2024, 'SEK', 10.0), (2024, 'USD', 1.25), (2024, 'GBP', 0.8),
                   (2022, 'SEK', 10.5), (2022, 'USD', 1.05), (2022, 'GBP', 0.84)""")
    con.execute("""insert into price_index (country_code, year, index_value, base_year) values
                   ('USA', 2022, 100.0, 2022), ('USA', 2024, 125.0, 2022),
                   ('SWE', 2022, 100.0, 2022), ('SWE', 2024, 100.0, 2022),
                   ('GBR', 2022, 100.0, 2022), ('GBR', 2024, 112.0, 2022)""")
    con.execute("""insert into category (category_id, name_sv, name_en, sort_order) values
                   ('care_education', 'Köpt vård', 'Purchased care', 1), ('food', 'Livsmedel', 'Food', 2),
                   ('energy', 'Energi', 'Energy', 3), ('transport', 'Transporter', 'Transport', 4),
                   ('goods', 'Varor', 'Goods', 5), ('other', 'Övrigt', 'Other', 9),
                   ('construction_property', 'Bygg och fastighet', 'Construction and property', 6)""")
    con.execute("""insert into account_map (mapping_id, mapping_version, account_prefix, category_id, factor_set_id,
                                            factor_code, scope3_category, is_excluded, exclusion_reason) values
                   ('map', '1.0', '46', 'care_education', 'test', 'F1', 1, false, null),
                   ('map', '1.0', '6461', 'food', 'test', 'F2', 1, false, null),
                   ('map', '1.0', '644', 'food', 'test', 'F2', 1, false, null),
                   ('map', '1.0', '402', 'goods', 'test', 'F1', 2, false, null),
                   ('map', '1.0', '661', 'construction_property', 'test', 'F1', 1, false, null),
                   ('map', '1.0', '622', 'energy', null, null, 1, false, null),
                   ('map', '1.0', '623', 'energy', 'test', 'F5', 1, false, null),
                   ('map', '1.0', '691', 'transport', 'test', 'F2', 1, false, null),
                   ('map', '1.0', '5', null, null, null, null, true, 'personnel')""")


def add_org(con, organisation_id: str, *, org_number: str | None = None, kind: str = "municipality",
            parent: str | None = None, default_factor: str | None = None, mapping: str | None = None) -> None:
    """Insert an organisation row with engine settings."""
    con.execute("""insert into organisation (organisation_id, name, org_number, kind, parent_organisation_id,
                                             mapping_id, default_factor_code) values (?, ?, ?, ?, ?, ?, ?)""",
                [organisation_id, organisation_id.title(), org_number, kind, parent, mapping, default_factor])


def add_batch(con, batch_id: int, organisation_id: str = "org", *, currency: str = "SEK",
              includes_vat: bool = False) -> None:
    """Insert a loaded ledger batch."""
    con.execute("""insert into ledger_batch (batch_id, organisation_id, source_file_name, sha256, file_format,
                       rows_read, rows_loaded, rows_rejected, status, currency, amounts_include_vat)
                   values (?, ?, ?, 'x', 'csv', 0, 0, 0, 'loaded', ?, ?)""",
                [batch_id, organisation_id, f"batch{batch_id}.csv", currency, includes_vat])


def add_lines(con, batch_id: int, rows: list[dict], organisation_id: str = "org", currency: str = "SEK") -> None:
    """Insert ledger lines; each row dict gives source_row, account, amount and any other ledger column."""
    columns = ["source_row", "account", "amount", "department", "committee", "cost_centre", "project",
               "counterparty", "supplier_name", "supplier_org_number", "description", "vat_amount", "period",
               "account_name"]
    for row in rows:
        values = [row.get(c) for c in columns]
        values[columns.index("period")] = row.get("period", "2024-03")
        con.execute(f"""insert into ledger_line (batch_id, organisation_id, fiscal_year, currency, {', '.join(columns)})
                        values (?, ?, ?, ?, {', '.join('?' for _ in columns)})""",
                    [batch_id, organisation_id, row.get("year", 2024), currency, *values])
