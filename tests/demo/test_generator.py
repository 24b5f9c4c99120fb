"""Tests of the demo-data generator (pipeline.demo) on a small generation (2,000 lines a year)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.demo import catalogues, identity, suppliers, writing
from pipeline.demo import generator as dd
from pipeline.resources import factors_dir

SMALL = 2000
YEARS = (2023, 2024, 2025)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dd.DemoManifest]:
    """One small generation shared by the tests of this module."""
    out = tmp_path_factory.mktemp("demo")
    return out, dd.generate(out, years=YEARS, lines_per_year=SMALL)


def read_municipal(path: Path) -> pd.DataFrame:
    """The municipal CSV as text cells, the way a finance department's file is read."""
    return pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)


def read_company(path: Path) -> tuple[list, list[tuple]]:
    """(header, data rows) of the company's xlsx; the header is on row 3."""
    ws = load_workbook(path, read_only=True)[writing.COMPANY_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[2]), rows[3:]


def parse_amount(text: str) -> float | None:
    """A Swedish decimal-comma amount ('-12345,50') as a float, None when it is not a number."""
    return float(text.replace(",", ".")) if re.fullmatch(r"-?\d+,\d\d", text) else None


# --- organisation numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("number, valid", [
    ("556012-5790", True),       # a real aktiebolag
    ("212000-2049", True),       # a real municipality (Heby)
    ("5560125790", True),
    ("556012-5791", False),
    ("556012-579", False),
    ("abcdef-ghij", False),
])
def test_is_valid_org_number(number, valid):
    assert identity.is_valid_org_number(number) is valid


def test_the_organisations_have_valid_numbers_of_their_series():
    municipality, company = identity.MUNICIPALITY_ORG_NUMBER, identity.COMPANY_ORG_NUMBER
    assert municipality.startswith("212000-") and identity.is_valid_org_number(municipality)
    assert company.startswith("556") and identity.is_valid_org_number(company)


def test_supplier_register_is_valid_and_unique():
    reg = suppliers.supplier_register()
    assert 250 <= len(reg) <= 500
    assert all(identity.is_valid_org_number(s.org_number) for s in reg)
    assert len({s.org_number for s in reg}) == len(reg)
    assert len({s.name for s in reg}) == len(reg)
    assert all(re.fullmatch(r"\d{5}", s.sni) for s in reg)
    forms = {s.form for s in reg}
    assert {"AB", "EF", "IF", "ST", "EK", "HB", "KOM"} <= forms       # companies, sole traders, associations, ...
    for s in reg:
        first = s.org_number[0]
        expected = {"AB": "5", "IF": "8", "ST": "8", "EK": "7", "HB": "9", "KOM": "2", "REG": "2", "KF": "2"}
        if s.form in expected:
            assert first == expected[s.form], s


# --- determinism -------------------------------------------------------------------------------

def test_generation_is_byte_identical(demo, tmp_path):
    out, manifest = demo
    again = dd.generate(tmp_path, years=YEARS, lines_per_year=SMALL)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert _sha(out / name) == _sha(tmp_path / name), name
    assert again.to_json() == manifest.to_json()


def test_manifest_hashes_are_the_files_hashes(demo):
    out, manifest = demo
    for f in manifest.files:
        assert _sha(out / f.name) == f.sha256, f.name


def test_a_different_seed_gives_different_ledgers(demo, tmp_path):
    out, manifest = demo
    other = dd.generate(tmp_path, years=(2025,), lines_per_year=SMALL, seed=1)
    for name in (dd.municipal_file_name(2025), dd.company_file_name(2025)):
        assert other.file(name).sha256 != manifest.file(name).sha256
    # the register is fixed, whatever the seed
    assert other.file(dd.REGISTER_FILE).sha256 == manifest.file(dd.REGISTER_FILE).sha256


def test_manifest_json_round_trips(demo):
    out, manifest = demo
    text = (out / dd.MANIFEST_FILE).read_text(encoding="utf-8")
    assert text == manifest.to_json()
    assert dd.DemoManifest.from_json(text) == manifest


# --- formats -----------------------------------------------------------------------------------

def test_municipal_csv_is_cp1252_semicolon_decimal_comma(demo):
    out, manifest = demo
    raw = (out / dd.municipal_file_name(2024)).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")                       # å, ä, ö are single cp1252 bytes, not UTF-8
    text = raw.decode("cp1252")
    assert text.startswith(";".join(writing.MUNICIPAL_HEADER) + "\r\n")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    df = read_municipal(out / dd.municipal_file_name(2024))
    assert list(df.columns) == writing.MUNICIPAL_HEADER
    assert df["Belopp"].str.fullmatch(r"-?\d+,\d\d").all()
    assert df["Bokföringsdatum"].str.fullmatch(r"2024-\d\d-\d\d").all()
    assert df["Konto"].str.fullmatch(r"\d{4,5}").all()
    assert (df["Kontobenämning"] != "").all() and (df["Nämnd"] != "").all() and (df["Förvaltning"] != "").all()
    assert df["Ansvar"].str.fullmatch(r"\d{4,6}").all()
    assert df["Nämnd"].nunique() >= 8


def test_company_xlsx_has_title_rows_and_header_on_row_3(demo):
    out, manifest = demo
    ws = load_workbook(out / dd.company_file_name(2024), read_only=True)[writing.COMPANY_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Älvbybostäder AB – bokförda leverantörsfakturor 2024"
    assert all(v is None for v in rows[1])
    assert list(rows[2]) == writing.COMPANY_HEADER
    data = rows[3:]
    assert data and all(isinstance(r[0], dt.datetime) and r[0].year == 2024 for r in data)
    assert all(isinstance(r[9], (int, float)) and not isinstance(r[9], bool) for r in data)   # numeric cells
    assert all(identity.is_valid_org_number(r[6]) for r in data)


def test_supplier_register_file(demo):
    out, manifest = demo
    text = (out / dd.REGISTER_FILE).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == writing.REGISTER_HEADER
    assert len(rows) - 1 == manifest.file(dd.REGISTER_FILE).rows == len(suppliers.supplier_register())


# --- counts, totals, content -------------------------------------------------------------------

def test_row_counts_and_totals_match_the_manifest(demo):
    out, manifest = demo
    for f in manifest.ledgers("municipal_ledger"):
        df = read_municipal(out / f.name)
        amounts = [parse_amount(v) for v in df["Belopp"]]
        assert len(df) == f.rows
        assert round(sum(a for a in amounts if a is not None), 2) == pytest.approx(f.total_amount_sek, abs=0.005)
        assert f.loaded_rows + f.rejected_rows == f.rows
        assert sum(k["rows"] for k in f.by_kind.values()) == f.loaded_rows
        assert sum(k["amount_sek"] for k in f.by_kind.values()) == pytest.approx(f.loaded_amount_sek, abs=0.01)
    for f in manifest.ledgers("company_ledger"):
        header, data = read_company(out / f.name)
        assert len(data) == f.rows
        assert round(sum(r[9] for r in data), 2) == pytest.approx(f.total_amount_sek, abs=0.005)


def test_line_counts_scale_and_amounts_do_not(demo, tmp_path):
    out, manifest = demo
    big = dd.generate(tmp_path, years=(2024,), lines_per_year=6000)
    small_file, big_file = manifest.file(dd.municipal_file_name(2024)), big.file(dd.municipal_file_name(2024))
    assert abs(small_file.rows - SMALL) / SMALL < 0.1
    assert abs(big_file.rows - 6000) / 6000 < 0.05
    assert small_file.total_amount_sek == pytest.approx(big_file.total_amount_sek, rel=0.03)


def test_spend_mix_and_scale_are_those_of_a_mid_size_municipality(demo):
    out, manifest = demo
    for f in manifest.ledgers("municipal_ledger"):
        kinds = f.by_kind
        total = f.loaded_amount_sek
        assert 4.5e9 < total < 7e9                                  # gross costs of several billion SEK
        personnel = kinds["personnel"]["amount_sek"] + kinds["pension"]["amount_sek"]
        assert personnel == max(k["amount_sek"] for k in kinds.values()) or personnel > 0.4 * total
        assert set(catalogues.MAPPED_KINDS) <= set(kinds)
        assert {"personnel", "pension", "grants", "financial", "depreciation", "internal"} <= set(kinds)
    totals = [manifest.file(dd.municipal_file_name(y)).loaded_amount_sek for y in YEARS]
    assert len(set(totals)) == 3 and totals[0] < totals[2]       # the years differ; prices rise


def test_every_account_is_in_the_chart(demo):
    """Every municipal account is a five-digit sub-account of a Kommun-Bas 13 group as municipalities book them
    (chart_of_accounts/kommunbas13_account_groups_observed.csv), or of a chart account the observed file does not
    cover (403 investment, 79 depreciation, in kommun_bas_13.csv), with the text the ledger prints for it."""
    charts = factors_dir() / "chart_of_accounts"
    observed = {row["group"] for row in csv.DictReader((charts / "kommunbas13_account_groups_observed.csv")
                                                       .open(encoding="utf-8"))}
    ranges = {g[:2] for g in observed if "x-" in g} | {g[5:7] for g in observed if "x-" in g}   # 56x-57x -> 56, 57
    chart = {row["account"] for row in csv.DictReader((charts / "kommun_bas_13.csv").open(encoding="utf-8"))}
    out, manifest = demo
    used = dict(catalogues.KB13_ACCOUNTS)
    for f in manifest.ledgers("municipal_ledger"):
        df = read_municipal(out / f.name)
        used.update(dict(zip(df["Konto"], df["Kontobenämning"])))
    bad_values = {b.value for f in manifest.files for b in f.bad_rows if b.field == "account"}
    used = {a: n for a, n in used.items() if a and a not in bad_values}
    assert all(re.fullmatch(r"[1-8][0-9]{4}", a) for a in used), sorted(a for a in used if len(a) != 5)
    missing = sorted(a for a in used if a[:3] not in observed and a[:2] not in ranges
                     and a[:3] not in chart and a[:2] not in chart)
    assert not missing, f"accounts outside the observed Kommun-Bas 13 groups: {missing}"
    assert all(used[a] == catalogues.KB13_ACCOUNTS[a] for a in used), "a ledger prints another text for an account"


def test_company_accounts_are_bas_accounts(demo):
    out, manifest = demo
    for f in manifest.ledgers("company_ledger"):
        header, data = read_company(out / f.name)
        for r in data:
            assert str(r[1]) in catalogues.BAS_ACCOUNTS and r[2] == catalogues.BAS_ACCOUNTS[str(r[1])]


def test_company_accounts_are_in_the_bas_chart_with_their_names():
    with (factors_dir() / "chart_of_accounts" / "bas_2025.csv").open(encoding="utf-8") as handle:
        names = {r["account"]: r["name_sv"] for r in csv.DictReader(handle)}
    assert {a: names.get(a) for a in catalogues.BAS_ACCOUNTS} == catalogues.BAS_ACCOUNTS


def test_company_books_exactly_the_accounts_pinned_for_bas2025(fixtures):
    """test_factors_bas_map.py pins how each of these accounts resolves in bas2025; a new one needs a row there."""
    with (fixtures / "factors" / "bas2025_company_accounts.csv").open(encoding="utf-8") as handle:
        pinned = [r["account"] for r in csv.DictReader(handle)]
    assert sorted(pinned) == sorted(catalogues.BAS_ACCOUNTS)


def test_generated_company_ledger_computes_with_bas2025(demo, tmp_path):
    """A small generated year of Älvbybostäder AB: every line finds a map row; the run completes its checks."""
    from pipeline import ingest
    from pipeline import store
    from pipeline.engine import marts, runs
    from pipeline.factors import load_reference_data

    out, manifest = demo
    ledger = manifest.file(dd.company_file_name(2025))
    con = store.connect(tmp_path / "k.duckdb")
    try:
        load_reference_data(con)
        result = ingest.ingest_file(con, out / ledger.name,
                                    ingest.IngestOptions(organisation_id="alvbybostader", year=2025,
                                                         sheet=manifest.company["sheet"]))
        assert result.rows_rejected == 0
        accounts = {a for (a,) in con.execute("select distinct account from ledger_line").fetchall()}
        assert accounts <= set(catalogues.BAS_ACCOUNTS)
        run = runs.compute_run(con, 2025, mapping="bas2025@1.0.0", organisation_id="alvbybostader")
        by_account = {r["account"]: r for r in marts.read(con, "emissions_by_account", run.run_id)}
        assert set(by_account) == accounts
        # the only spend left without emissions is electricity (no spend-based factor), as 622 in kommunbas13
        no_emissions = {a for a, r in by_account.items() if r["rule_level"] == "unmapped"}
        assert no_emissions == {"5120"}
        assert {a for a, r in by_account.items() if r["rule_level"] == "excluded"} == {"2641", "6570", "8410"}
        assert by_account["1181"]["category_id"] == "construction_property"
        assert by_account["5170"]["emissions_kg_co2e"] > 0
    finally:
        con.close()


def test_org_numbers_in_the_ledgers_pass_luhn_except_the_deliberate_one(demo):
    out, manifest = demo
    register = {s.org_number: s.name for s in suppliers.supplier_register()}
    for f in manifest.ledgers("municipal_ledger"):
        df = read_municipal(out / f.name)
        bad = {b.row for b in f.bad_rows if b.field == "supplier_org_number"}
        for i, (number, name) in enumerate(zip(df["Organisationsnummer"], df["Leverantör"])):
            if number and i + 2 not in bad:
                assert identity.is_valid_org_number(number), (f.name, i + 2, number)
                assert register[number] == name


def test_personnel_and_depreciation_lines_have_no_supplier(demo):
    out, manifest = demo
    df = read_municipal(out / dd.municipal_file_name(2024))
    no_supplier = df["Konto"].str.match(r"^(5|79)")
    assert no_supplier.sum() > 0
    assert (df.loc[no_supplier, ["Leverantör", "Organisationsnummer", "Fakturanummer"]] == "").all().all()


def test_internal_lines_carry_a_motpart_code_of_an_own_unit(demo):
    out, manifest = demo
    df = read_municipal(out / dd.municipal_file_name(2024))
    internal = df[df["Motpart"] != ""]
    assert len(internal) > 0
    own = {"1" + str(f.number) for f in catalogues.FORVALTNINGAR}
    assert set(internal["Motpart"]) <= own
    assert (internal["Leverantör"] == "").all()


def test_projects_on_investment_lines(demo):
    out, manifest = demo
    df = read_municipal(out / dd.municipal_file_name(2024))
    projects = df[df["Projekt"] != ""]
    assert set(projects["Projekt"]) <= {p.code for p in catalogues.PROJECTS}
    assert (projects["Leverantör"] != "").all()


def test_credit_notes_credit_an_earlier_invoice_of_the_same_supplier(demo):
    out, manifest = demo
    for f in manifest.ledgers("municipal_ledger"):
        df = read_municipal(out / f.name)
        credits = df[df["Text"].str.startswith("Kreditering faktura ")]
        supplier_lines = df[(df["Fakturanummer"] != "") & ~df["Konto"].str.match(r"^(45|85)")]
        assert 0.005 < len(credits) / len(supplier_lines) < 0.03
        for _, c in credits.iterrows():
            assert parse_amount(c["Belopp"]) < 0
            original = c["Text"][len("Kreditering faktura "):].split(",")[0]
            orig = df[(df["Fakturanummer"] == original) & (df["Leverantör"] == c["Leverantör"])
                      & (df["Konto"] == c["Konto"])]
            assert len(orig) >= 1 and (orig["Bokföringsdatum"] <= c["Bokföringsdatum"]).all()
    for f in manifest.ledgers("company_ledger"):
        header, data = read_company(out / f.name)
        assert any(r[9] < 0 and r[8].startswith("Kreditering faktura ") for r in data)


def test_bad_rows_are_exactly_the_listed_ones(demo):
    out, manifest = demo
    with_bad = [f for f in manifest.files if f.bad_rows]
    assert [f.name for f in with_bad] == [dd.municipal_file_name(max(YEARS))]
    f = with_bad[0]
    errors = [b for b in f.bad_rows if b.severity == "error"]
    assert 5 <= len(errors) <= 10 and f.rejected_rows == len(errors)
    codes = {(b.field, b.code, b.severity) for b in f.bad_rows}
    assert {("amount", "type-error", "error"), ("account", "missing-cell", "error"),
            ("posting_date", "constraint-error", "error"), ("supplier_org_number", "invalid-org-number", "warning"),
            ("supplier_org_number", "foreign-org-number", "warning")} <= codes
    df = read_municipal(out / f.name)
    for b in f.bad_rows:
        assert df.iloc[b.row - 2][b.column] == b.value
    # an independent check of every row finds exactly the listed ones, in every file
    for g in manifest.ledgers("municipal_ledger"):
        df = read_municipal(out / g.name)
        found = set()
        for i, r in enumerate(df.itertuples(index=False)):
            values = dict(zip(df.columns, r))
            problems = []
            if parse_amount(values["Belopp"]) is None:
                problems.append("amount")
            if not re.fullmatch(r"\d{2,6}", values["Konto"]):
                problems.append("account")
            try:
                if dt.date.fromisoformat(values["Bokföringsdatum"]).year != g.year:
                    problems.append("posting_date")
            except ValueError:
                problems.append("posting_date")
            if values["Organisationsnummer"] and not identity.is_valid_org_number(values["Organisationsnummer"]):
                problems.append("supplier_org_number")
            if problems:
                assert len(problems) == 1, (i + 2, problems)
                found.add((i + 2, problems[0]))
        assert found == {(b.row, b.field) for b in g.bad_rows}


def test_seasonality_and_year_on_year_change(demo, tmp_path):
    dd.generate(tmp_path, years=(2023, 2024, 2025), lines_per_year=6000)
    heat = []
    for year in (2023, 2024, 2025):
        df = read_municipal(tmp_path / dd.municipal_file_name(year))
        df = df[df["Konto"] == "62300"]                                # district heating
        month = df["Bokföringsdatum"].str[5:7].astype(int)
        amount = df["Belopp"].map(parse_amount)
        winter = amount[month.isin([1, 2, 12])].sum()
        summer = amount[month.isin([6, 7, 8])].sum()
        assert winter > 2.5 * summer
        heat.append(amount.sum())
    assert len(set(np.round(heat))) == 3


@pytest.mark.parametrize("kwargs, message", [({"years": ()}, "years"), ({"lines_per_year": 10}, "lines_per_year")])
def test_bad_arguments_are_refused(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dd.generate(tmp_path, **kwargs)


def test_ingest_reproduces_the_manifest(demo, tmp_path):
    """Ingest (with the fiscal year declared) reads, loads and rejects exactly what the manifest says."""
    from pipeline import ingest
    from pipeline import store

    out, manifest = demo
    con = store.connect(tmp_path / "demo.duckdb")
    try:
        for f in manifest.ledgers():
            result = ingest.ingest_file(con, out / f.name,
                                        ingest.IngestOptions(organisation_id=f.organisation, year=f.year,
                                                             create_organisation=True))
            assert (result.rows_read, result.rows_loaded, result.rows_rejected) == \
                (f.rows, f.loaded_rows, f.rejected_rows), f.name
            assert result.sum_read == pytest.approx(f.total_amount_sek, abs=0.01)
            assert result.sum_loaded == pytest.approx(f.loaded_amount_sek, abs=0.01)
            errors = [b for b in f.bad_rows if b.severity == "error"]
            assert result.n_errors == len(errors), result.errors
            # a 2,000-line year has fewer, larger lines: besides the listed supplier numbers only "unusually large"
            # warnings may appear
            listed = [b for b in f.bad_rows if b.severity == "warning"]
            assert all(w.endswith("(large-amount)") or any(f"row {b.row}," in w for b in listed)
                       for w in result.warnings), result.warnings
            for b in f.bad_rows:
                found = result.errors if b.severity == "error" else result.warnings
                assert any(f"row {b.row}," in e and b.message in e and f"({b.code})" in e for e in found), \
                    (b, found)
    finally:
        con.close()
