"""Deterministic demo ledgers for a fictional mid-size Swedish municipality (Älvby kommun) and its housing company.

`generate()` writes what a finance system would export for three fiscal years:

* `alvby_kommun_<year>.csv` — the municipality's cost ledger (huvudbok, cost accounts with their
  supplier columns), Kommun-Bas 13 accounts, cp1252, `;`, decimal comma, Swedish headers;
* `alvbybostader_<year>.xlsx` — the housing company's posted supplier invoices (BAS 2025 accounts),
  two title rows above the header;
* `leverantorsregister.csv` — the supplier register with SNI 2007 codes (supplier-industry mapping);
* `manifest.json` — every file with its organisation, year, row count, total amount, totals per
  kind of spend, and the deliberately bad rows with the error each one should produce.

Everything is fictional (names, organisation numbers, amounts) but shaped like real municipal
data: spend mix, seasonality, price development, credit notes, internal transactions, grants.
The output is byte-identical for the same arguments: all randomness comes from one seeded numpy
Generator per organisation and year, the supplier register from a fixed seed of its own, and the
xlsx zip entries carry fixed timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------
# Identity of the fictional organisations
# --------------------------------------------------------------------------------------------

MUNICIPALITY_NAME = "Älvby kommun"
COMPANY_NAME = "Älvbybostäder AB"
INHABITANTS = 60_000

DEFAULT_YEARS = (2023, 2024, 2025)
DEFAULT_LINES_PER_YEAR = 60_000
DEFAULT_SEED = 20261128
BASE_YEAR = 2024                            # spend targets below are stated for this year
COMPANY_LINE_SHARE = 0.06                   # company lines per municipal line (3,600 at the default)
REGISTER_SEED = 4711                        # the supplier register does not depend on `seed`

MUNICIPAL_HEADER = ["Bokföringsdatum", "Verifikationsnummer", "Konto", "Kontobenämning", "Nämnd", "Förvaltning",
                    "Ansvar", "Verksamhet", "Projekt", "Motpart", "Leverantör", "Organisationsnummer",
                    "Fakturanummer", "Text", "Belopp"]
COMPANY_HEADER = ["Datum", "Konto", "Kontonamn", "Kostnadsställe", "Projekt", "Leverantör", "Org.nr", "Fakturanr",
                  "Beskrivning", "Belopp"]
REGISTER_HEADER = ["Organisationsnummer", "Namn", "SNI 2007", "SNI-text"]
COMPANY_SHEET = "Leverantörsreskontra"

# Kinds of spend. Mapped kinds get an emission factor; excluded kinds are the explicit exclusions
# of DESIGN.md §5 (they must be reported as excluded, never silently dropped).
MAPPED_KINDS = ("purchased_care", "construction", "property", "food", "energy", "it", "transport",
                "consultants", "goods", "services")
EXCLUDED_KINDS = ("personnel", "pension", "grants", "financial", "depreciation", "internal", "vat")
KIND_LABELS = {
    "purchased_care": "Köp av huvudverksamhet (vård, omsorg, skola)",
    "construction": "Investeringar: byggentreprenader och anläggning",
    "property": "Lokalhyror, fastighetsdrift och underhåll",
    "food": "Livsmedel",
    "energy": "Energi (el, fjärrvärme, drivmedel)",
    "it": "IT, telefoni och programvara",
    "transport": "Transporter (skolskjuts, färdtjänst, resor, fordon)",
    "consultants": "Konsulter och inhyrd personal",
    "goods": "Varor och förbrukningsmaterial",
    "services": "Övriga tjänster (avfall, försäkring, annonser, medlemsavgifter)",
    "personnel": "Personalkostnader (exkluderas)",
    "pension": "Pensionskostnader (exkluderas)",
    "grants": "Bidrag och transfereringar (exkluderas)",
    "financial": "Finansiella poster (exkluderas)",
    "depreciation": "Avskrivningar (exkluderas)",
    "internal": "Interna transaktioner (exkluderas)",
    "vat": "Mervärdesskatt (exkluderas)",
}

# --------------------------------------------------------------------------------------------
# Organisation numbers (Luhn check digit)
# --------------------------------------------------------------------------------------------

_ORG_RE = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_check_digit(first_nine: str) -> int:
    """Return the Luhn check digit (0-9) for the first nine digits of an organisationsnummer."""
    total = 0
    for i, ch in enumerate(first_nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def is_valid_org_number(value: str) -> bool:
    """Return True if `value` is NNNNNN-NNNN (or 10 digits) with a correct Luhn check digit."""
    m = _ORG_RE.match(value.strip())
    if not m:
        return False
    digits = m.group(1) + m.group(2)
    return luhn_check_digit(digits[:9]) == int(digits[9])


def _with_check(first_nine: str) -> str:
    digits = first_nine + str(luhn_check_digit(first_nine))
    return f"{digits[:6]}-{digits[6:]}"


# 212000-xxxx is the municipal series (real municipalities use 212000-0xxx..2xxx); 556 is an aktiebolag.
MUNICIPALITY_ORG_NUMBER = _with_check("212000399")
COMPANY_ORG_NUMBER = _with_check("556874321")

# --------------------------------------------------------------------------------------------
# The municipality: nämnder, förvaltningar, ansvar (cost centres), verksamheter
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forvaltning:
    """One committee (nämnd) and its administration (förvaltning); `number` prefixes its ansvar codes."""

    key: str
    number: int
    namnd: str
    name: str


FORVALTNINGAR: tuple[Forvaltning, ...] = (
    Forvaltning("KLF", 10, "Kommunstyrelsen", "Kommunledningsförvaltningen"),
    Forvaltning("BUF", 20, "Barn- och utbildningsnämnden", "Barn- och utbildningsförvaltningen"),
    Forvaltning("SOF", 30, "Socialnämnden", "Socialförvaltningen"),
    Forvaltning("VOF", 40, "Vård- och omsorgsnämnden", "Vård- och omsorgsförvaltningen"),
    Forvaltning("TF", 50, "Tekniska nämnden", "Tekniska förvaltningen"),
    Forvaltning("SBF", 60, "Samhällsbyggnadsnämnden", "Samhällsbyggnadsförvaltningen"),
    Forvaltning("KFF", 70, "Kultur- och fritidsnämnden", "Kultur- och fritidsförvaltningen"),
    Forvaltning("MBF", 80, "Miljö- och byggnadsnämnden", "Miljö- och byggförvaltningen"),
    Forvaltning("SEF", 90, "Servicenämnden", "Serviceförvaltningen"),
)
_FV = {f.key: f for f in FORVALTNINGAR}

# Verksamhet codes: the municipality's own activity codes, shaped like SCB's räkenskapssammandrag.
VERKSAMHETER: dict[str, str] = {
    "100": "Politisk verksamhet",
    "210": "Fysisk och teknisk planering",
    "220": "Näringslivsfrämjande åtgärder",
    "230": "Bostadsanpassning",
    "250": "Gator, vägar och parkering",
    "260": "Parker och naturvård",
    "270": "Miljö, hälsa och hållbar utveckling",
    "280": "Räddningstjänst och säkerhet",
    "320": "Bibliotek",
    "330": "Musik- och kulturskola",
    "340": "Idrotts- och fritidsanläggningar",
    "350": "Fritidsgårdar",
    "360": "Kulturverksamhet och föreningsstöd",
    "407": "Förskola",
    "410": "Pedagogisk omsorg",
    "435": "Grundskola och fritidshem",
    "436": "Anpassad grundskola",
    "440": "Gymnasieskola",
    "441": "Anpassad gymnasieskola",
    "450": "Vuxenutbildning och SFI",
    "460": "Elevhälsa och gemensamt utbildning",
    "510": "Äldreomsorg, särskilt boende",
    "511": "Äldreomsorg, hemtjänst",
    "520": "Insatser enligt LSS",
    "530": "Hälso- och sjukvård",
    "540": "Myndighetsutövning vård och omsorg",
    "550": "Individ- och familjeomsorg, barn och unga",
    "560": "Vuxna med missbruk och socialpsykiatri",
    "570": "Ekonomiskt bistånd",
    "580": "Flyktingmottagande",
    "610": "Arbetsmarknadsåtgärder",
    "720": "Vatten och avlopp",
    "730": "Avfallshantering",
    "810": "Gemensam administration",
    "820": "Fastighetsförvaltning",
    "830": "Måltidsverksamhet",
    "840": "Lokalvård",
    "850": "IT och digitalisering",
    "860": "Fordon och maskiner",
}


@dataclass(frozen=True)
class Ansvar:
    """One cost centre: code, name, förvaltning, verksamhet, tags (what it buys) and size in FTE."""

    code: str
    name: str
    fv: str
    verksamhet: str
    tags: tuple[str, ...]
    fte: float


def _a(code: str, name: str, verksamhet: str, tags: str, fte: float) -> Ansvar:
    return Ansvar(code, name, {"1": "KLF", "2": "BUF", "3": "SOF", "4": "VOF", "5": "TF", "6": "SBF", "7": "KFF",
                               "8": "MBF", "9": "SEF"}[code[0]], verksamhet, tuple(tags.split()), fte)


# tags: adm (administration), lead (förvaltningsledning), premises (uses premises: internal rent,
# cleaning), meals (internal meals), school, preschool, upper (gymnasium), care (elderly/LSS homes),
# homecare, ifo, kitchen, property, streets, parks, water, waste, culture, sport, vehicles, politics
ANSVAR: tuple[Ansvar, ...] = (
    _a("10000", "Kommunfullmäktige", "100", "politics", 1),
    _a("10100", "Kommunstyrelsen", "100", "politics", 2),
    _a("10200", "Revision", "100", "politics", 0.5),
    _a("11000", "Kommundirektör och stab", "810", "adm lead premises", 9),
    _a("11100", "Ekonomiavdelningen", "810", "adm premises", 26),
    _a("11200", "HR-avdelningen", "810", "adm premises", 22),
    _a("11300", "Kommunikationsavdelningen", "810", "adm premises", 10),
    _a("11400", "Näringsliv och turism", "220", "adm premises", 6),
    _a("11500", "IT-avdelningen", "850", "adm it premises", 31),
    _a("11600", "Kansli och arkiv", "810", "adm premises", 12),
    _a("11700", "Upphandlingsenheten", "810", "adm premises", 8),
    _a("11800", "Säkerhet och beredskap", "280", "adm premises", 4),
    _a("20000", "Förvaltningsledning BUF", "460", "adm lead premises", 26),
    _a("20100", "Centrala elevhälsan", "460", "adm premises", 31),
    _a("20200", "Skolskjuts och interkommunala ersättningar", "435", "adm", 1),
    _a("21010", "Förskoleområde Norr", "407", "preschool premises meals", 112),
    _a("21020", "Förskoleområde Söder", "407", "preschool premises meals", 104),
    _a("21030", "Förskoleområde Centrum", "407", "preschool premises meals", 121),
    _a("21040", "Förskoleområde Väster", "407", "preschool premises meals", 88),
    _a("21050", "Pedagogisk omsorg och öppen förskola", "410", "preschool premises", 14),
    _a("22010", "Älvängsskolan F-6", "435", "school premises meals", 71),
    _a("22020", "Norrbyskolan F-6", "435", "school premises meals", 62),
    _a("22030", "Södra skolan F-9", "435", "school premises meals", 96),
    _a("22040", "Kvarnbackaskolan 7-9", "435", "school premises meals", 79),
    _a("22050", "Tallbacksskolan F-6", "435", "school premises meals", 54),
    _a("22060", "Forsby skola F-6", "435", "school premises meals", 24),
    _a("22070", "Centralskolan 7-9", "435", "school premises meals", 86),
    _a("22090", "Anpassade grundskolan", "436", "school premises meals", 26),
    _a("23010", "Älvby gymnasium", "440", "upper school premises meals", 131),
    _a("23020", "Anpassade gymnasieskolan", "441", "upper school premises meals", 19),
    _a("23030", "Vuxenutbildning och SFI", "450", "upper school premises", 41),
    _a("30000", "Förvaltningsledning SOF", "550", "adm lead premises", 12),
    _a("31010", "Barn och familj, myndighet", "550", "ifo premises", 46),
    _a("31020", "Familjehem och placeringar", "550", "ifo premises", 9),
    _a("31030", "Öppenvård barn och unga", "550", "ifo premises", 24),
    _a("32010", "Vuxen och missbruk", "560", "ifo premises", 21),
    _a("32020", "Ekonomiskt bistånd", "570", "ifo premises", 26),
    _a("32030", "Arbetsmarknadsenheten", "610", "ifo premises vehicles", 41),
    _a("32040", "Integration och mottagande", "580", "ifo premises", 14),
    _a("33010", "Socialpsykiatri, boende", "560", "care premises meals", 36),
    _a("40000", "Förvaltningsledning VOF", "540", "adm lead premises", 21),
    _a("40100", "Biståndsenheten", "540", "adm premises", 18),
    _a("41010", "Solgårdens särskilda boende", "510", "care elderly premises meals", 96),
    _a("41020", "Älvhemmets särskilda boende", "510", "care elderly premises meals", 84),
    _a("41030", "Björkbackens demensboende", "510", "care elderly premises meals", 71),
    _a("41040", "Forsby vård- och omsorgsboende", "510", "care elderly premises meals", 44),
    _a("41050", "Korttidsboendet Lärkan", "510", "care elderly premises meals", 36),
    _a("42010", "Hemtjänst Centrum", "511", "homecare premises vehicles", 109),
    _a("42020", "Hemtjänst Norr", "511", "homecare premises vehicles", 81),
    _a("42030", "Hemtjänst Söder", "511", "homecare premises vehicles", 86),
    _a("42040", "Hemtjänst Landsbygd", "511", "homecare premises vehicles", 49),
    _a("42050", "Nattpatrull och trygghetslarm", "511", "homecare premises vehicles", 24),
    _a("43010", "Hemsjukvård och rehabilitering", "530", "homecare premises vehicles", 69),
    _a("44010", "LSS gruppbostäder", "520", "care premises meals", 141),
    _a("44020", "Daglig verksamhet LSS", "520", "care premises meals", 59),
    _a("44030", "Personlig assistans", "520", "homecare", 122),
    _a("50000", "Förvaltningsledning TF", "250", "adm lead premises", 8),
    _a("51010", "Gata och trafik", "250", "streets premises vehicles", 26),
    _a("51020", "Park och skog", "260", "parks premises vehicles", 22),
    _a("51030", "Vinterväghållning", "250", "streets winter vehicles", 3),
    _a("52010", "VA-verket, ledningsnät", "720", "water premises vehicles", 34),
    _a("52020", "Reningsverket Älvby", "720", "water plant premises", 15),
    _a("53010", "Avfall och återvinning", "730", "waste premises vehicles", 11),
    _a("60000", "Förvaltningsledning SBF", "210", "adm lead premises", 5),
    _a("61010", "Fysisk planering", "210", "plan premises", 16),
    _a("61020", "Mark och exploatering", "210", "plan premises", 8),
    _a("61030", "Lantmäteri och GIS", "210", "plan premises", 12),
    _a("61040", "Trafikplanering och kollektivtrafik", "250", "plan premises", 6),
    _a("61050", "Bostadsanpassning", "230", "plan", 3),
    _a("70000", "Förvaltningsledning KFF", "360", "adm lead premises", 5),
    _a("71010", "Stadsbiblioteket", "320", "culture library premises", 22),
    _a("71020", "Kulturskolan", "330", "culture premises", 26),
    _a("71030", "Kulturhuset Forum", "360", "culture premises", 10),
    _a("72010", "Centrumbadet", "340", "sport pool premises", 21),
    _a("72020", "Idrottsanläggningar", "340", "sport premises vehicles", 15),
    _a("72030", "Fritidsgårdar", "350", "culture youth premises", 14),
    _a("72040", "Föreningsstöd", "360", "grants", 2),
    _a("80000", "Förvaltningsledning MBF", "270", "adm lead premises", 3),
    _a("81010", "Miljö- och hälsoskydd", "270", "plan premises", 14),
    _a("81020", "Livsmedelskontroll", "270", "plan premises", 6),
    _a("82010", "Bygglov och tillsyn", "210", "plan premises", 12),
    _a("90000", "Förvaltningsledning SEF", "810", "adm lead premises", 6),
    _a("91010", "Lokalförsörjning och fastighetsförvaltning", "820", "property premises", 34),
    _a("91020", "Fastighetsdrift", "820", "property premises vehicles", 41),
    _a("91030", "Lokalvård", "840", "cleaning premises", 108),
    _a("92010", "Kost och måltid, ledning", "830", "kitchen adm premises", 5),
    _a("92020", "Skolköket Norr", "830", "kitchen premises", 18),
    _a("92030", "Skolköket Söder", "830", "kitchen premises", 16),
    _a("92040", "Centralköket Älvby", "830", "kitchen premises", 29),
    _a("92050", "Tillagningsköket Solgården", "830", "kitchen premises", 12),
    _a("92060", "Tillagningsköket Forsby", "830", "kitchen premises", 6),
    _a("93010", "Fordonsenheten", "860", "vehicles fleet premises", 8),
    _a("93020", "Kontaktcenter", "810", "adm premises", 15),
)
_ANSVAR_INDEX = {a.code: i for i, a in enumerate(ANSVAR)}


@dataclass(frozen=True)
class Project:
    """An investment project: code, name, ansvar, spend per year (MSEK) and the kind of contractor."""

    code: str
    name: str
    ansvar: str
    msek: dict[int, float]
    works: str            # building | civil | water | it | vehicles


PROJECTS: tuple[Project, ...] = (
    Project("91101", "Nybyggnad Älvängsskolan F-6", "91010", {2023: 38, 2024: 142, 2025: 96}, "building"),
    Project("91102", "Ombyggnad Centrumbadet", "91010", {2023: 41, 2024: 52, 2025: 6}, "building"),
    Project("91103", "Förskolan Norrbacka, nybyggnad", "91010", {2024: 14, 2025: 58}, "building"),
    Project("91104", "Energieffektivisering kommunala fastigheter", "91010", {2023: 9, 2024: 11, 2025: 13},
            "building"),
    Project("91105", "Tillagningskök Solgården, ombyggnad", "91010", {2023: 18, 2024: 4}, "building"),
    Project("92101", "GC-väg Älvstranden", "51010", {2023: 12, 2024: 9}, "civil"),
    Project("92102", "Beläggningsprogram gator", "51010", {2023: 21, 2024: 23, 2025: 25}, "civil"),
    Project("92103", "Ny bro över Kvarnforsen", "51010", {2024: 6, 2025: 44}, "civil"),
    Project("92104", "Reinvestering VA-ledningsnät", "52010", {2023: 34, 2024: 38, 2025: 41}, "water"),
    Project("92105", "Reningsverket Älvby, ny slambehandling", "52020", {2023: 6, 2024: 27, 2025: 33}, "water"),
    Project("93101", "IT-infrastruktur skolor", "11500", {2023: 7, 2024: 8, 2025: 8}, "it"),
    Project("93102", "Nytt verksamhetssystem vård och omsorg", "11500", {2024: 9, 2025: 5}, "it"),
    Project("94101", "Fordonsbyte, elbilar hemtjänst", "93010", {2023: 5, 2024: 6, 2025: 7}, "vehicles"),
    Project("95101", "Exploatering Södra Älvby etapp 2", "61020", {2023: 11, 2024: 17, 2025: 22}, "civil"),
)

# --------------------------------------------------------------------------------------------
# Chart of accounts: Kommun-Bas 13 (municipality) and BAS 2025 (company)
# --------------------------------------------------------------------------------------------

# Account number -> the name the municipality's finance system prints in "Kontobenämning".
# Four-digit accounts are Kommun-Bas 13 accounts; five-digit ones are the municipality's own
# sub-accounts (a Kommun-Bas account plus one digit).
KB13_ACCOUNTS: dict[str, str] = {
    # class 4: purchases of fixed assets and materials, grants, purchased main activity
    "4023": "Datorer",
    "4024": "Bilar och andra transportmedel",
    "4031": "Byggnader och tekniska anläggningar, entreprenader",
    "4101": "Byggnads- och anläggningsmaterial",
    "4102": "Järn-, stål- och metallvaror",
    "4105": "Färger, kemisk-tekniska produkter",
    "4511": "Ekonomiskt bistånd",
    "4513": "Bostadsanpassningsbidrag",
    "4521": "Föreningsbidrag",
    "4522": "Bidrag till studieförbund",
    "4611": "Köp av verksamhet, fristående förskola och skola",
    "4612": "Köp av verksamhet, gymnasieskola",
    "4613": "Köp av verksamhet, hemtjänst enligt LOV",
    "4614": "Köp av verksamhet, entreprenad särskilt boende",
    "4615": "Köp av verksamhet, personlig assistans",
    "4616": "Köp av verksamhet, räddningstjänst",
    "4617": "Köp av verksamhet, hälso- och sjukvård",
    "4621": "Placeringskostnad HVB barn och unga",
    "4622": "Placeringskostnad familjehem och öppenvård",
    "4623": "Placeringskostnad HVB vuxna",
    "4624": "Placeringskostnad LSS-boende",
    # class 5: personnel
    "5010": "Fasta årsarvoden",
    "5020": "Löner tillsvidareanställda",
    "5022": "Löner timanställda",
    "5611": "Arbetsgivaravgifter enligt lag och avtal",
    "5711": "Avgiftsbestämd ålderspension",
    "5721": "Pensionsutbetalningar",
    "5751": "Särskild löneskatt på pensionskostnader",
    # class 6
    "6011": "Lokalhyror",
    "6019": "Lokalhyror, interna",
    "6021": "Markhyror och arrenden",
    "6111": "Lokalvård",
    "6112": "Sophämtning och renhållning",
    "6113": "Fastighetsskötsel, sotning och snöröjning",
    "6119": "Lokalvård, interna",
    "6121": "Reparationer och underhåll av fastigheter",
    "6131": "Underhållsentreprenader gator och anläggningar",
    "6221": "Elenergi",
    "6222": "Elnätsavgifter",
    "6231": "Fjärrvärme",
    "6311": "Leasing av personbilar",
    "6319": "Fordonshyror, interna",
    "6321": "Hyra av maskiner",
    "6331": "Leasing av kopiatorer och skrivare",
    "6411": "Möbler och inventarier",
    "6421": "Datorer och IT-utrustning",
    "6431": "Läromedel och litteratur",
    "6441": "Förbrukningsmaterial",
    "6451": "Medicinskt förbrukningsmaterial",
    "6461": "Livsmedel",
    "6469": "Måltider, interna",
    "6471": "Arbetskläder och skyddsutrustning",
    "6511": "Kontorsmaterial",
    "6521": "Trycksaker",
    "6811": "Mobiltelefoni",
    "6821": "Datakommunikation",
    "6831": "Porto och budtjänster",
    "6911": "Drivmedel",
    "6921": "Service och reparation av fordon",
    # class 7
    "7011": "Skolskjuts",
    "7012": "Färdtjänst",
    "7031": "Resor och logi",
    "7111": "Extern representation",
    "7211": "Annonser",
    "7311": "Försäkringspremier",
    "7411": "Kurser och konferenser",
    "7421": "Konsulttjänster",
    "7431": "Juridiska tjänster och revision",
    "7441": "IT-tjänster och programvarulicenser",
    "7449": "IT-tjänster, interna",
    "7451": "Bevakning och larm",
    "7491": "Kultur- och evenemangstjänster",
    "7492": "Entreprenader drift och skötsel",
    "7511": "Inhyrd personal",
    "7921": "Avskrivningar byggnader och tekniska anläggningar",
    "7931": "Avskrivningar maskiner och inventarier",
    # class 8
    "8541": "Räntekostnader",
    "8591": "Dröjsmålsräntor",
}

# BAS 2025 accounts used by the company (numbers and names as in the BAS chart).
BAS_ACCOUNTS: dict[str, str] = {
    "1181": "Pågående ny-, till- och ombyggnad",
    "2641": "Debiterad ingående moms",
    "5130": "Värme",
    "5120": "El för belysning",
    "5140": "Vatten och avlopp",
    "5161": "Städning",
    "5162": "Sophämtning",
    "5164": "Snöröjning",
    "5165": "Trädgårdsskötsel",
    "5170": "Reparation och underhåll av fastighet",
    "5192": "Fastighetsförsäkringspremier",
    "5193": "Fastighetsskötsel och förvaltning",
    "5410": "Förbrukningsinventarier",
    "5420": "Programvaror",
    "5460": "Förbrukningsmaterial",
    "5611": "Drivmedel för personbilar",
    "5615": "Leasing av personbilar",
    "5910": "Annonsering",
    "6110": "Kontorsmateriel",
    "6212": "Mobiltelefon",
    "6230": "Datakommunikation",
    "6370": "Kostnader för bevakning och larm",
    "6421": "Revision",
    "6540": "IT-tjänster",
    "6550": "Konsultarvoden",
    "6553": "Tekniska konsulttjänster",
    "6570": "Bankkostnader",
    "7610": "Utbildning",
    "8410": "Räntekostnader för långfristiga skulder",
}

# --------------------------------------------------------------------------------------------
# Supplier register: fictional Swedish suppliers per industry, with SNI 2007 codes
# --------------------------------------------------------------------------------------------

# Legal forms and the first digits of their organisationsnummer (the third digit is >= 2 for
# legal persons, which tells them apart from personnummer).
_FORM_PREFIXES: dict[str, tuple[str, ...]] = {
    "AB": ("556", "559"),             # aktiebolag
    "HB": ("969", "916"),             # handelsbolag, kommanditbolag
    "EK": ("769", "716"),             # ekonomisk förening
    "IF": ("802",),                   # ideell förening
    "ST": ("802", "817"),             # stiftelse
    "KOM": ("212000",),               # kommun
    "REG": ("232100",),               # region
    "KF": ("222000",),                # kommunalförbund
}


@dataclass(frozen=True)
class Industry:
    """A supplier industry: SNI 2007 code and text, how many suppliers, their legal forms and names."""

    key: str
    sni: str
    sni_text: str
    count: int
    forms: str                     # e.g. "AB AB AB HB EF": drawn in turn for generated names
    names: tuple[str, ...]         # hand-written names first (the largest suppliers)
    patterns: tuple[str, ...] = ()  # patterns for further names: {P} place, {S} surname, {F} first name


# Names are invented; patterns fill up each industry to `count` suppliers.
INDUSTRIES: tuple[Industry, ...] = (
    Industry("building", "41200", "Byggande av bostadshus och andra byggnader", 14, "AB AB AB HB",
             ("Norrbygg Entreprenad AB", "Byggmästarna i Norrmark AB", "Älvby Byggservice AB",
              "Mittbygg Entreprenad AB", "Bergqvist & Söner Bygg AB", "Sjöstrands Byggnads AB"),
             ("{P} Bygg AB", "{S}s Bygg AB", "{S} Bygg & Montage AB", "Byggtjänst i {P} HB")),
    Industry("civil", "42110", "Anläggning av vägar och motorvägar", 8, "AB",
             ("Norrmarks Väg & Anläggning AB", "Asfaltsbolaget Mitt AB", "Älvby Schakt & Transport AB"),
             ("{P} Anläggning AB", "{S}s Maskin & Väg AB")),
    Industry("water_works", "42210", "Allmännyttiga anläggningsarbeten för vätska", 4, "AB",
             ("VA-Entreprenad Norr AB", "Rörläggarna i Norrmark AB"), ("Ledningsbyggen i {P} AB",)),
    Industry("groundworks", "43120", "Mark- och grundarbeten", 6, "AB AB HB",
             ("Markbyggarna Älvby AB", "Grundläggning Norr AB"), ("{S}s Schakt AB", "{P} Markarbeten HB")),
    Industry("electrical", "43210", "Elinstallationer", 10, "AB AB AB EF",
             ("Älvby Elektriska AB", "Kraftlinjen El AB", "Ljus & Kraft Elservice AB"),
             ("{P} El AB", "{S}s El AB", "{F} {S} Elservice")),
    Industry("plumbing", "43221", "Värme- och sanitetsarbeten", 8, "AB AB EF",
             ("Rörmokarn i Älvby AB", "VVS-Centralen Norr AB"), ("{S}s Rör AB", "{P} VVS AB", "{F}s Rör & Värme")),
    Industry("ventilation", "43222", "Ventilationsarbeten", 4, "AB",
             ("Ventilationsteknik Norrmark AB",), ("{P} Ventilation AB",)),
    Industry("refrigeration", "43223", "Kyl- och frysinstallationsarbeten", 2, "AB",
             ("Kyl & Frys Service Norr AB", "Storkökskyl i Sverige AB")),
    Industry("painting", "43341", "Måleriarbeten", 6, "AB AB EF HB",
             ("Färg & Fasad i Älvby AB",), ("{S}s Måleri AB", "Målerifirman {S}", "{P} Måleri HB")),
    Industry("roofing", "43910", "Takarbeten", 3, "AB", ("Takläggarna Norr AB",), ("{S}s Plåt & Tak AB",)),
    Industry("lifts", "43290", "Andra bygginstallationer", 2, "AB", ("Hisservice Norr AB", "Portautomatik Mitt AB")),
    Industry("glazing", "43342", "Glasmästeriarbeten", 2, "AB", ("Glasmästarn i Älvby AB",), ("{S}s Glas AB",)),
    Industry("architects", "71110", "Arkitektverksamhet", 4, "AB",
             ("Arkitektkontoret Älvstranden AB", "Norrmark Arkitekter AB"), ("{S} Arkitekter AB",)),
    Industry("engineering", "71121", "Teknisk konsultverksamhet inom bygg- och anläggningsteknik", 8, "AB AB AB EF",
             ("Konstruktionsgruppen Norr AB", "Geoteknik & Mark Konsult AB", "Byggkonsult Mitt AB"),
             ("{P} Byggkonsult AB", "{S} Projektledning AB", "{F} {S} Byggkonsult")),
    Industry("energy_consult", "71124", "Teknisk konsultverksamhet inom energi-, miljö- och VVS-teknik", 3, "AB",
             ("Energiråd Norr AB", "Miljö & Energikonsult Mitt AB"), ("{S} Energiteknik AB",)),
    Industry("testing", "71200", "Teknisk provning och analys", 2, "AB",
             ("Vattenlaboratoriet Norr AB", "Besiktningsbyrån Mitt AB")),
    Industry("management", "70220", "Konsultverksamhet avseende företags organisation", 8, "AB AB EF",
             ("Kommunkonsult Sverige AB", "Förändringsbyrån AB", "Ledarskapsakademin i Norr AB"),
             ("{S} Management AB", "{F} {S} Konsult", "{P} Verksamhetsutveckling AB")),
    Industry("audit", "69201", "Revision", 2, "AB", ("Revisionsbyrån Norr AB", "Kommunrevision Mitt AB")),
    Industry("legal", "69101", "Advokatbyråverksamhet", 3, "AB HB",
             ("Advokatfirman Lindqvist & Berg KB",), ("Advokatbyrån {S} AB",)),
    Industry("it_consult", "62020", "Datakonsultverksamhet", 8, "AB AB AB EF",
             ("Digitalbyrån Norr AB", "Systemkonsult Mitt AB", "Molnpartner i Sverige AB"),
             ("{S} IT-konsult AB", "{F} {S} Data", "{P} IT AB")),
    Industry("software_dev", "62010", "Dataprogrammering", 5, "AB",
             ("Skolsystem Norden AB", "Omsorgsdata AB", "Kommunsystem i Sverige AB"), ("{P} Systemutveckling AB",)),
    Industry("it_operations", "62030", "Datordriftstjänster", 2, "AB",
             ("Driftcentralen Norr AB", "Serverhallen Mitt AB")),
    Industry("software", "58290", "Utgivning av annan programvara", 6, "AB",
             ("Ekonomisystem Norden AB", "Ärendehantering i Sverige AB", "Pedagogisk Plattform AB",
              "Vårdjournalen AB", "GIS-Programvara Nord AB", "Lönesystem Sverige AB")),
    Industry("it_hardware", "46510", "Partihandel med datorer och kringutrustning samt programvara", 5, "AB",
             ("Dataleverantören Mitt AB", "Skrivare & Datorer i Norr AB", "Elevdatorer Sverige AB"),
             ("{P} Datautrustning AB",)),
    Industry("telecom_mobile", "61200", "Trådlös telekommunikation", 2, "AB",
             ("Mobiloperatören Norden AB", "Telefoni Mitt AB")),
    Industry("telecom_fixed", "61100", "Trådbunden telekommunikation", 2, "AB", ("Stadsnätet i Älvby AB", "Fibernät Norr AB")),
    Industry("food_wholesale", "46390", "Icke specialiserad partihandel med livsmedel, drycker och tobak", 4, "AB",
             ("Norrlands Livs Grossist AB", "Storköket Partihandel AB", "Matgrossisten Mitt AB",
              "Restauranggrossisten Sverige AB")),
    Industry("produce", "46310", "Partihandel med frukt och grönsaker", 3, "AB",
             ("Frukt & Grönt i Norrmark AB", "Grönsakshallen Mitt AB"), ("{S}s Frukt AB",)),
    Industry("meat", "46320", "Partihandel med kött och köttvaror", 2, "AB", ("Norrlandskött Partihandel AB",
                                                                           "Chark & Kött Mitt AB")),
    Industry("dairy", "46330", "Partihandel med mejeriprodukter, ägg, matolja och matfett", 2, "EK AB",
             ("Mejeriet Norrmark ek. för.", "Äggcentralen Mitt AB")),
    Industry("fish", "46381", "Partihandel med fisk, skal- och blötdjur", 1, "AB", ("Fiskhallen Norr AB",)),
    Industry("bakery", "10710", "Tillverkning av mjukt matbröd och färska bakverk", 3, "AB HB",
             ("Forsby Hembageri AB", "Bageriet i Älvby HB"), ("{S}s Bageri AB",)),
    Industry("electricity", "35140", "Handel med elektricitet", 2, "AB", ("Älvkraft Elhandel AB", "Norrenergi Elhandel AB")),
    Industry("grid", "35130", "Distribution av elektricitet", 1, "AB", ("Älvby Elnät AB",)),
    Industry("district_heat", "35300", "Försörjning av värme och kyla", 1, "AB", ("Älvby Fjärrvärme AB",)),
    Industry("fuel_wholesale", "46710", "Partihandel med fasta, flytande och gasformiga bränslen", 2, "AB",
             ("Nordbränsle AB", "Drivmedel Mitt AB")),
    Industry("fuel_station", "47300", "Detaljhandel med drivmedel", 3, "AB HB", ("Macken i Forsby AB",),
             ("{P} Bensin & Service HB", "{S}s Motor & Bensin AB")),
    Industry("waste", "38110", "Insamling av icke-farligt avfall", 3, "AB",
             ("Renhållning Norrmark AB", "Återvinningsbolaget Mitt AB"), ("{S}s Container AB",)),
    Industry("waste_treatment", "38210", "Behandling och bortskaffande av icke-farligt avfall", 2, "AB",
             ("Avfallsbehandling Norr AB", "Kompostverket Mitt AB")),
    Industry("cleaning", "81210", "Lokalvård", 5, "AB AB EF", ("Städbolaget Rent & Fint i Älvby AB", "Nordisk Lokalvård AB"),
             ("{S}s Städservice AB", "{F}s Städ & Fönsterputs")),
    Industry("facility", "81100", "Fastighetsrelaterade stödtjänster", 3, "AB",
             ("Fastighetsservice Norr AB", "Driftpartner Mitt AB"), ("{P} Fastighetsskötsel AB",)),
    Industry("landscaping", "81300", "Skötsel och underhåll av grönytor", 4, "AB AB EF",
             ("Gröna Gårdar Trädgårdsservice AB", "Parkskötsel Norr AB"),
             ("{F}s Trädgårdsservice", "{S}s Grönyteskötsel AB")),
    Industry("security", "80100", "Säkerhetsverksamhet", 2, "AB", ("Vaktbolaget Norr AB", "Trygghetsbevakning Mitt AB")),
    Industry("alarms", "80200", "Säkerhetssystemtjänster", 2, "AB", ("Larm & Säkerhet Norr AB", "Brandskydd Mitt AB")),
    Industry("bus", "49310", "Kollektivtrafik", 3, "AB", ("Norrmarks Buss AB", "Norrbuss Trafik AB", "Skolbussarna i Älvby AB")),
    Industry("taxi", "49320", "Taxitrafik", 4, "AB AB HB", ("Taxi Älvby AB", "Forsby Taxi & Skolskjuts AB",
                                                             "Sjukresor i Norr AB"), ("{S}s Taxi HB",)),
    Industry("haulage", "49410", "Vägtransport, godstrafik", 3, "AB", ("Åkeri Bergström AB",), ("{S}s Åkeri AB",)),
    Industry("car_repair", "45200", "Underhåll och reparation av motorfordon", 3, "AB HB",
             ("Bilverkstaden i Älvby AB",), ("{S}s Bil & Motor AB", "{P} Bilservice HB")),
    Industry("car_sales", "45110", "Handel med personbilar och lätta motorfordon", 2, "AB", ("Bilhallen Norr AB", "Elbil Mitt AB")),
    Industry("car_leasing", "77110", "Uthyrning och leasing av personbilar och lätta motorfordon", 2, "AB",
             ("Fordonsleasing Sverige AB", "Billeasing Mitt AB")),
    Industry("machine_rental", "77320", "Uthyrning och leasing av bygg- och anläggningsmaskiner", 2, "AB",
             ("Maskinuthyrning Norr AB", "Liftar & Maskiner Mitt AB")),
    Industry("hvb_children", "87901", "Hem för vård eller boende (HVB) för barn och ungdomar med sociala problem", 6,
             "AB AB AB ST", ("Omsorgshuset i Älvby AB", "Ungdomshemmet Tallgården AB", "Behandlingshemmet Fjällsikten AB",
                             "Stiftelsen Barnens Gård"), ("Behandlingshemmet {P} AB",)),
    Industry("hvb_adults", "87203", "Hem för vård eller boende (HVB) för vuxna med missbruksproblem", 3, "AB ST",
             ("Behandlingscentrum Norrsken AB", "Stiftelsen Nya Vägen"), ("Vårdhemmet {P} AB",)),
    Industry("lss_homes", "87201", "Boende med särskild service för personer med utvecklingsstörning eller autism",
             3, "AB", ("LSS-Boende Norden AB", "Gruppboendet Ängen AB", "Omsorgsbolaget Livskvalitet AB")),
    Industry("elderly_homes", "87301", "Vård och omsorg i särskilda boendeformer för äldre personer", 3, "AB",
             ("Trygg Omsorg i Norr AB", "Äldreboendet Sjögläntan AB", "Seniorvård Mitt AB")),
    Industry("home_care", "88101", "Öppna insatser för äldre personer", 4, "AB AB HB",
             ("Hemtjänst Omtanke i Älvby AB", "Vardagshjälpen Norr AB"), ("{S}s Hemtjänst HB", "{P} Hemomsorg AB")),
    Industry("assistance", "88102", "Öppna insatser för personer med funktionshinder", 4, "AB AB EK",
             ("Assistansbolaget Frihet AB", "Personlig Assistans Norr AB", "Assistanskooperativet Norrsken ek. för."),
             ("{S} Assistans AB",)),
    Industry("family_care", "88991", "Öppna insatser för barn och ungdomar med sociala problem", 3, "AB",
             ("Familjehemsresurs Norr AB", "Öppenvården Bryggan AB", "Konsulentstödd Familjevård Mitt AB")),
    Industry("preschools", "85100", "Förskoleutbildning", 6, "AB AB EK EK",
             ("Förskolan Nyckelpigan AB", "Föräldrakooperativet Trollet ek. för.", "Naturförskolan Mulle i Älvby AB"),
             ("Förskolan {T} AB", "Föräldrakooperativet {T} ek. för.")),
    Industry("schools", "85201", "Grundskoleutbildning och förskoleklass", 4, "AB AB EK",
             ("Friskolan Ekorren AB", "Montessoriskolan Älvby ek. för.", "Kunskapsskolan Norrmark AB",
              "Internationella Skolan Mitt AB")),
    Industry("upper_schools", "85311", "Studieförberedande gymnasial utbildning", 2, "AB",
             ("Norrmarks Gymnasieakademi AB", "Teknikgymnasiet Mitt AB")),
    Industry("vocational_schools", "85312", "Yrkesinriktad gymnasial utbildning", 2, "AB",
             ("Yrkesgymnasiet Norr AB", "Fordonsgymnasiet Mitt AB")),
    Industry("staffing", "78200", "Personaluthyrning", 5, "AB",
             ("Vårdbemanning Norr AB", "Läkarbemanning Sverige AB", "Skolvikarie Poolen AB",
              "Socionombemanning Mitt AB", "Sjuksköterskejouren i Norr AB")),
    Industry("training", "85594", "Personalutbildning", 4, "AB AB EF", ("Kompetenscentrum Norr AB",
                                                                         "Utbildningshuset Mitt AB"),
             ("{F} {S} Utbildning",)),
    Industry("office_supplies", "46660", "Partihandel med andra kontorsmaskiner och kontorsutrustning", 2, "AB",
             ("Kontorsvaruhuset Norr AB", "Papper & Pennor Mitt AB")),
    Industry("textbooks", "58110", "Bokutgivning", 4, "AB", ("Läromedelsförlaget Norden AB", "Skolböcker i Sverige AB",
                                                            "Pedagogförlaget Mitt AB", "Bibliotekstjänst Norr AB")),
    Industry("furniture", "46470", "Partihandel med möbler, mattor och belysningsartiklar", 3, "AB",
             ("Skolmöbler i Norr AB", "Kontorsinredning Mitt AB", "Vårdmöbler Sverige AB")),
    Industry("medical", "46460", "Partihandel med medicinsk utrustning och apoteksvaror", 3, "AB",
             ("Vårdmaterial i Sverige AB", "Inkontinensprodukter Norden AB", "Hjälpmedelsgrossisten Mitt AB")),
    Industry("chemicals", "46750", "Partihandel med kemiska produkter", 2, "AB",
             ("Städ & Hygien Grossisten AB", "Vattenkemi Norden AB")),
    Industry("workwear", "46420", "Partihandel med kläder och skor", 2, "AB", ("Arbetskläder Norr AB", "Profilkläder Mitt AB")),
    Industry("building_materials", "46731", "Partihandel med virke och andra byggmaterial", 3, "AB",
             ("Byggvaruhuset Älvby AB", "Trävaror Norr AB", "Betongvaror Mitt AB")),
    Industry("hardware", "46740", "Partihandel med järnhandelsvaror, VVS-varor och värmeutrustning", 3, "AB",
             ("Järn & Bygg i Älvby AB", "Beslag & Verktyg Norr AB", "VVS-Grossisten Mitt AB")),
    Industry("gravel", "08120", "Grus- och sandtäkt samt utvinning av lera och kaolin", 2, "AB",
             ("Grustaget i Forsby AB", "Krossmaterial Norr AB")),
    Industry("playgrounds", "32400", "Tillverkning av spel och leksaker", 1, "AB", ("Lekplatsbolaget Norr AB",)),
    Industry("printing", "18120", "Annan tryckning", 2, "AB", ("Tryckeriet i Älvby AB", "Grafiska Huset Mitt AB")),
    Industry("advertising", "73111", "Reklambyråverksamhet", 2, "AB EF", ("Kommunikationsbyrån Norr AB",), ("{F} {S} Design",)),
    Industry("newspaper", "58130", "Utgivning av dagstidningar", 1, "AB", ("Norrmarks Tidning AB",)),
    Industry("insurance", "65120", "Skadeförsäkring", 2, "AB", ("Försäkringsbolaget Trygghet Norr AB", "Kommunförsäkring Mitt AB")),
    Industry("hotels", "55101", "Hotellverksamhet med restaurangrörelse", 3, "AB",
             ("Hotell Älvstranden AB", "Forsby Konferens & Gästgiveri AB", "Fjällhotellet Norr AB")),
    Industry("restaurants", "56100", "Restaurangverksamhet", 3, "AB HB EF", ("Restaurang Kvarnen i Älvby AB",),
             ("{P} Café & Kök HB", "{F}s Catering")),
    Industry("travel", "79110", "Resebyråverksamhet", 1, "AB", ("Resebyrån Norr AB",)),
    Industry("courier", "53202", "Bud- och kurirverksamhet", 2, "AB", ("Norrpost Distribution AB", "Budbilen i Älvby AB")),
    Industry("laundry", "96010", "Tvätteriverksamhet", 1, "AB", ("Tvätteriet Norrmark AB",)),
    Industry("pest_control", "81291", "Skadedjursbekämpning", 1, "AB", ("Skadedjurskontroll Norr AB",)),
    Industry("chimney", "81220", "Annan rengöring av byggnader och industrirengöring", 2, "AB", ("Sotarmästaren i Norrmark AB",
                                                                                                    "Industrirengöring Mitt AB")),
    Industry("office_rental", "77330", "Uthyrning och leasing av kontorsmaskiner och kontorsutrustning (inklusive datorer)",
             2, "AB", ("Kopiatorleasing Norden AB", "Kontorsmaskiner Mitt AB")),
    Industry("landlords", "68203", "Uthyrning och förvaltning av egna eller arrenderade, andra lokaler", 5, "AB",
             ("Fastighets AB Älvbyhus", "Centrumfastigheter i Älvby AB", "Norrmarks Förvaltning AB",
              "Samhällsfastigheter Mitt AB", "Industrihuset Forsby AB")),
    Industry("lender", "64920", "Annan kreditgivning", 1, "AB", ("Kommunfinans Norden AB",)),
    Industry("bank", "64190", "Övrig monetär finansförmedling", 1, "AB", ("Sparbanken Norrmark AB",)),
    Industry("municipalities", "84111", "Stats- och kommunledning, lagstiftning och övergripande planering", 3, "KOM",
             ("Norrfors kommun", "Björkvika kommun", "Stenvika kommun")),
    Industry("region", "86101", "Sluten somatisk sjukhusvård", 1, "REG", ("Region Norrmark",)),
    Industry("fire_rescue", "84250", "Brand- och räddningsverksamhet", 1, "KF", ("Räddningstjänsten Norrmark",)),
    Industry("culture_performers", "90010", "Artistisk verksamhet", 3, "EK AB EF",
             ("Teatergruppen Nordljus ek. för.", "Musikproduktion Älvby AB"), ("{F} {S} Musik",)),
    Industry("sports_clubs", "93120", "Sportklubbars och idrottsföreningars verksamhet", 22, "IF",
             ("Älvby IF", "IK Norrbacka", "Forsby Skidklubb", "Älvby Simsällskap", "Älvby Fotbollsklubb",
              "Älvby Ridklubb", "Kvarnbacka Bandyklubb", "Älvby Innebandyförening", "Södra Älvby BK",
              "Älvby Brottarklubb", "Älvby Orienteringsklubb", "Forsby Skytteförening", "Älvby Tennisklubb",
              "Älvby Gymnastikförening", "Älvby Kanotklubb", "Norrby Bowlingklubb", "Älvby Golfklubb",
              "Älvby Friidrottsklubb", "Älvby Handbollsklubb", "Älvby Judoklubb", "Forsby Alpina Klubb",
              "Älvby Schacksällskap")),
    Industry("associations", "94990", "Verksamhet i andra intresseorganisationer", 14, "IF IF IF ST",
             ("Älvby Hembygdsförening", "Scoutkåren Älvbyspanarna", "Pensionärsföreningen Älvby",
              "Älvby Konstförening", "Föreningen Älvby Folkets Hus", "Stiftelsen Kvarnforsens Friluftsgård",
              "Älvby Musiksällskap", "Kvinnojouren i Älvby", "Brottsofferjouren Norrmark",
              "Föreningen Älvby Teaterstudio", "Älvby Körsällskap", "Stiftelsen Älvby Kulturminnen",
              "Naturskyddsföreningen i Älvby", "Älvby Filmstudio")),
    Industry("study_associations", "85593", "Studieförbundens och frivilligorganisationernas utbildning", 2, "IF",
             ("Studieförbundet Norrmark", "Folkbildningsförbundet Mitt")),
)

_PLACES = ("Norrby", "Söderås", "Västerby", "Östansjö", "Forsby", "Bergsjö", "Skogsby", "Moheden", "Åsen",
           "Dalby", "Strandby", "Kvarnbacka", "Björkdal", "Tallåsen", "Granby", "Lindås", "Ekbacka", "Hedby",
           "Myrbacken", "Bäckby", "Nyby", "Lillsjö", "Älvnäs", "Storforsen")
_NICKNAMES = ("Myran", "Humlan", "Ekorren", "Nyckelpigan", "Solrosen", "Blåbäret", "Lingonet", "Kotten",
              "Trollet", "Skogsmullen", "Regnbågen", "Stjärnan")
_SURNAMES = ("Lindqvist", "Berg", "Holm", "Nyström", "Sjöberg", "Lundgren", "Forsberg", "Hedlund", "Åberg",
             "Wikström", "Strand", "Boman", "Ståhl", "Nordin", "Lind", "Söderberg", "Öberg", "Backman", "Engström",
             "Hägglund", "Granberg", "Sandberg", "Viklund", "Marklund", "Lundström", "Nordqvist", "Eklund",
             "Häggström", "Sundberg", "Dahlberg")
_FIRST_NAMES = ("Anders", "Maria", "Erik", "Karin", "Lars", "Eva", "Johan", "Anna", "Per", "Sara", "Mikael",
                "Lena", "Jonas", "Elin", "Fredrik", "Kristina", "Magnus", "Linda", "Peter", "Helena")


@dataclass(frozen=True)
class Supplier:
    """One supplier in the register: organisationsnummer, name, SNI 2007 code and text, industry, legal form."""

    org_number: str
    name: str
    sni: str
    sni_text: str
    industry: str
    form: str


def _legal_form(name: str, industry_forms: list[str]) -> str:
    """The legal form a name implies; a name without a company suffix is a sole trader's trading name."""
    if name.endswith(" ek. för."):
        return "EK"
    if name.endswith((" HB", " KB")):
        return "HB"
    if name.startswith("Stiftelsen"):
        return "ST"
    for public in ("KOM", "REG", "KF"):
        if public in industry_forms:
            return public
    if name.endswith(" AB") or name.startswith("Fastighets AB"):
        return "AB"
    return "IF" if "IF" in industry_forms else "EF"


def _personnummer_like(rng: np.random.Generator) -> str:
    """A sole trader's number (a personnummer in form): birth date 1955-1995 and a Luhn check digit."""
    day = dt.date(1955, 1, 1) + dt.timedelta(days=int(rng.integers(0, 40 * 365)))
    serial = f"{int(rng.integers(0, 1000)):03d}"
    return _with_check(day.strftime("%y%m%d") + serial)


def _org_number_for(form: str, rng: np.random.Generator) -> str:
    if form == "EF":
        return _personnummer_like(rng)
    prefixes = _FORM_PREFIXES[form]
    prefix = prefixes[int(rng.integers(0, len(prefixes)))]
    rest = "".join(str(int(d)) for d in rng.integers(0, 10, size=9 - len(prefix)))
    if form in ("KOM", "REG", "KF"):
        rest = "3" + rest[1:]            # keep clear of the numbers real public bodies use
    return _with_check(prefix + rest)


_REGISTER_CACHE: list[tuple[Supplier, ...]] = []


def supplier_register() -> tuple[Supplier, ...]:
    """Return the fixed supplier register (same for every seed): about 300 suppliers in industry order."""
    if _REGISTER_CACHE:
        return _REGISTER_CACHE[0]
    rng = np.random.default_rng(REGISTER_SEED)
    taken_numbers = {MUNICIPALITY_ORG_NUMBER, COMPANY_ORG_NUMBER}
    taken_names: set[str] = set()
    suppliers: list[Supplier] = []
    for ind in INDUSTRIES:
        forms = ind.forms.split()
        names = list(ind.names)
        tries = 0
        if len(names) < ind.count and not ind.patterns:
            raise ValueError(f"industry {ind.key}: {ind.count} suppliers wanted, {len(names)} names and no patterns")
        while len(names) < ind.count:
            pattern = ind.patterns[tries % len(ind.patterns)]
            tries += 1
            name = pattern.format(P=_PLACES[int(rng.integers(0, len(_PLACES)))],
                                  S=_SURNAMES[int(rng.integers(0, len(_SURNAMES)))],
                                  F=_FIRST_NAMES[int(rng.integers(0, len(_FIRST_NAMES)))],
                                  T=_NICKNAMES[int(rng.integers(0, len(_NICKNAMES)))])
            if name not in taken_names and name not in names:
                names.append(name)
        for name in names:
            form = _legal_form(name, forms)
            number = _org_number_for(form, rng)
            while number in taken_numbers:
                number = _org_number_for(form, rng)
            taken_numbers.add(number)
            taken_names.add(name)
            suppliers.append(Supplier(number, name, ind.sni, ind.sni_text, ind.key, form))
    # The municipality's own company is a supplier of premises to the municipality, and the
    # municipality (water, waste) a supplier to the company.
    suppliers.append(Supplier(COMPANY_ORG_NUMBER, COMPANY_NAME, "68201",
                              "Uthyrning och förvaltning av egna eller arrenderade bostäder", "housing", "AB"))
    suppliers.append(Supplier(MUNICIPALITY_ORG_NUMBER, MUNICIPALITY_NAME, "84111",
                              "Stats- och kommunledning, lagstiftning och övergripande planering", "own_municipality",
                              "KOM"))
    _REGISTER_CACHE.append(tuple(suppliers))
    return _REGISTER_CACHE[0]

# --------------------------------------------------------------------------------------------
# Spend profile: what the municipality and the company buy, how much, from whom, when
# --------------------------------------------------------------------------------------------

# Relative number of lines per month (seasonality). Amount totals follow, because amounts are
# drawn per line and a month with more lines gets more spend.
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    "monthly": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    "school": (1.0, 1.05, 1.1, 1.0, 1.05, 0.75, 0.15, 0.8, 1.15, 1.1, 1.1, 0.9),
    "heating": (1.65, 1.5, 1.3, 0.95, 0.6, 0.35, 0.25, 0.35, 0.65, 1.0, 1.35, 1.6),
    "electricity": (1.35, 1.25, 1.1, 0.95, 0.85, 0.75, 0.7, 0.75, 0.85, 1.0, 1.15, 1.3),
    "construction": (0.55, 0.6, 0.8, 1.0, 1.2, 1.3, 0.7, 1.15, 1.3, 1.3, 1.25, 1.45),
    "yearend": (0.8, 0.95, 1.05, 1.0, 1.0, 0.95, 0.45, 0.9, 1.1, 1.15, 1.2, 1.45),
    "winter": (2.4, 2.2, 1.5, 0.35, 0.05, 0.02, 0.02, 0.02, 0.05, 0.4, 1.2, 2.1),
    "park": (0.1, 0.1, 0.3, 0.9, 1.9, 2.0, 1.6, 1.8, 1.5, 0.9, 0.3, 0.1),
    "schoolstart": (1.0, 0.8, 0.8, 0.8, 0.8, 0.9, 0.5, 2.2, 1.3, 0.9, 0.9, 1.1),
}


@dataclass(frozen=True)
class SpendItem:
    """One kind of purchase: account, kind, base-year amount (MSEK), lines, buyers, suppliers, texts.

    `units` selects the buying ansvar (or kostnadsställen): space-separated `tag:x`, `fv:X` or a
    code, each optionally `=weight`; within a selector, units weigh by size (FTE). `industries`
    lists supplier industries (optionally `=weight`); within an industry the first suppliers get
    most of the business. `growth` is the change 2023→2024 and 2024→2025 (applied per year
    before and after the base year). From `switch` on, the second supplier of each industry takes
    over the contract (a shifting purchase). Text templates use {month} {Month} {week} {unit} {q}
    {year} {period} {n}.
    """

    key: str
    kind: str
    account: str
    msek: float
    lines: float
    units: str
    industries: str
    texts: tuple[str, ...]
    season: str = "flat"
    growth: tuple[float, float] = (0.04, 0.03)
    sigma: float = 0.9
    split: float = 0.08
    switch: int | None = None
    whole_kronor: bool = False
    metered: bool = False          # monthly invoices whose amounts follow the season (energy)


def _i(key, kind, account, msek, lines, units, industries, texts, **kw) -> SpendItem:
    return SpendItem(key, kind, account, msek, lines, units, industries, tuple(texts), **kw)


MUNICIPAL_ITEMS: tuple[SpendItem, ...] = (
    # --- purchased main activity (köp av huvudverksamhet) -----------------------------------
    _i("school_vouchers", "purchased_care", "4611", 121, 520, "20200", "schools",
       ["Skolpeng {month} fristående grundskola", "Tilläggsbelopp {month}", "Skolpeng förskoleklass {month}"],
       season="monthly", sigma=0.35, growth=(0.05, 0.04), whole_kronor=True),
    _i("preschool_vouchers", "purchased_care", "4611", 84, 520, "20000", "preschools",
       ["Barnomsorgspeng {month}", "Förskolepeng {month} enskild förskola"],
       season="monthly", sigma=0.35, growth=(0.04, 0.03), whole_kronor=True),
    _i("upper_school_municipal", "purchased_care", "4612", 61, 300, "20200", "municipalities",
       ["Interkommunal ersättning gymnasieskola {period}", "IKE gymnasiet vt {year}", "IKE gymnasiet ht {year}"],
       season="monthly", sigma=0.5, growth=(0.04, 0.05), whole_kronor=True),
    _i("upper_school_private", "purchased_care", "4612", 38, 220, "20200", "upper_schools vocational_schools",
       ["Elevpeng fristående gymnasium {month}", "Programpeng {month}"], season="monthly", sigma=0.4),
    _i("hvb_children", "purchased_care", "4621", 57, 900, "31020", "hvb_children=3 family_care",
       ["Placering HVB {month}", "Vårdavgift {month}, placering enligt SoL", "Placering enligt LVU {month}"],
       season="monthly", sigma=0.55, growth=(0.09, 0.02)),
    _i("hvb_adults", "purchased_care", "4623", 24, 350, "32010", "hvb_adults",
       ["Behandlingshem {month}, missbruksvård", "Vårddygn {month} enligt LVM"], season="monthly", sigma=0.5),
    _i("family_homes", "purchased_care", "4622", 22, 350, "31020 31030", "family_care",
       ["Konsulentstött familjehem {month}", "Öppenvårdsinsats {month}"], season="monthly", sigma=0.5),
    _i("lss_placements", "purchased_care", "4624", 48, 300, "44010", "lss_homes",
       ["Köp av plats LSS-boende {month}", "Boende enligt LSS 9 § 9, {month}"], season="monthly", sigma=0.35),
    _i("home_care_lov", "purchased_care", "4613", 104, 620, "40100", "home_care",
       ["Hemtjänst enligt LOV {month}, utförda timmar", "Hemtjänst {month}, ersättning enligt LOV"],
       season="monthly", sigma=0.45, growth=(0.07, 0.05)),
    _i("elderly_home_contract", "purchased_care", "4614", 86, 120, "40100", "elderly_homes",
       ["Driftentreprenad särskilt boende {month}", "Ersättning vårdplatser {month}"],
       season="monthly", sigma=0.2, growth=(0.05, -0.38), split=0.0),
    _i("personal_assistance", "purchased_care", "4615", 38, 420, "44030", "assistance",
       ["Personlig assistans {month}", "Assistansersättning {month}, kommunens del"], season="monthly", sigma=0.45),
    _i("fire_rescue", "purchased_care", "4616", 64, 12, "11800", "fire_rescue",
       ["Medlemsavgift räddningstjänst {month}"], season="monthly", sigma=0.01, split=0.0, whole_kronor=True),
    _i("region_care", "purchased_care", "4617", 12, 60, "43010 40100", "region",
       ["Hjälpmedel {month}", "Köp av hälso- och sjukvård {period}"], season="monthly", sigma=0.5),
    # --- premises, property operation and maintenance ----------------------------------------
    _i("rent_external", "property", "6011", 134, 700, "91010=8 tag:premises=2", "landlords",
       ["Lokalhyra {month} {year}", "Hyra kv {q} {year}", "Lokalhyra {Month}, {unit}"],
       season="monthly", sigma=0.5, split=0.02, whole_kronor=True),
    _i("rent_company", "property", "6011", 34, 240, "44010=3 33010 21030 41050", "housing",
       ["Hyra gruppbostad {month}", "Lokalhyra {month} {year}"], season="monthly", sigma=0.3, split=0.0,
       whole_kronor=True),
    _i("ground_lease", "property", "6021", 3, 40, "51020 72020", "landlords", ["Arrende {year}", "Markhyra kv {q}"],
       season="monthly", sigma=0.6, whole_kronor=True),
    _i("facility_services", "property", "6113", 24, 900, "91020",
       "facility=3 landscaping chimney pest_control laundry",
       ["Fastighetsskötsel {month}", "Snöröjning tak {unit}", "Sotning och brandskyddskontroll",
        "Skadedjursbekämpning {unit}", "Tvätt av textilier {month}"], sigma=0.8),
    _i("cleaning", "property", "6111", 33, 700, "91030=3 tag:premises", "cleaning",
       ["Städning {month} {unit}", "Fönsterputs {unit}", "Storstädning {unit}"], season="school", sigma=0.7),
    _i("security", "property", "7451", 9, 300, "91020", "security alarms",
       ["Larmutryckning {month}", "Service brandlarm {unit}", "Bevakning {month}"], sigma=0.8),
    _i("maintenance_buildings", "property", "6121", 88, 2800, "91020",
       "building=3 electrical=2 plumbing=2 ventilation painting roofing lifts glazing refrigeration",
       ["Felavhjälpning {unit}", "Underhåll {unit}", "Reparation ventilation {unit}", "Byte av belysning {unit}",
        "Målning {unit}", "Takreparation {unit}", "Service hiss {unit}", "Reparation kylrum {unit}"],
       season="construction", sigma=1.2, growth=(0.06, 0.02)),
    _i("maintenance_streets", "property", "6131", 31, 900, "51010=3 51020 52010=2", "civil groundworks water_works",
       ["Potthålslagning {month}", "Reparation vattenläcka", "Lagning av gång- och cykelväg",
        "Spolning av dagvattenledningar {month}"], season="construction", sigma=1.1),
    _i("winter_roads", "property", "7492", 22, 400, "51030", "civil haulage",
       ["Vinterväghållning {month} entreprenad", "Plogning och sandning {month}", "Snöbortforsling {month}"],
       season="winter", sigma=0.8, growth=(-0.12, 0.15)),
    _i("park_maintenance", "property", "7492", 16, 300, "51020", "landscaping",
       ["Skötsel parker {month}", "Gräsklippning entreprenad {month}", "Trädbeskärning"], season="park", sigma=0.7),
    _i("machine_hire", "property", "6321", 7, 300, "51010 51020 52010 91020", "machine_rental",
       ["Hyra lift v.{week}", "Hyra minigrävare v.{week}", "Maskinhyra {month}"], season="construction", sigma=0.9),
    # --- food ----------------------------------------------------------------------------------
    _i("food_wholesale", "food", "6461", 62, 4200, "tag:kitchen=8 tag:preschool tag:elderly", "food_wholesale",
       ["Livsmedel v.{week} {unit}", "Livsmedelsbeställning v.{week}", "Torrvaror v.{week} {unit}"],
       season="school", sigma=0.7, growth=(0.09, 0.03), switch=2025, split=0.0),
    _i("food_produce", "food", "6461", 9, 1400, "tag:kitchen=8 tag:preschool tag:elderly", "produce",
       ["Frukt och grönt v.{week} {unit}"], season="school", sigma=0.6, growth=(0.08, 0.03), split=0.0),
    _i("food_meat", "food", "6461", 7, 500, "tag:kitchen", "meat",
       ["Köttvaror v.{week} {unit}", "Chark v.{week}"], season="school", sigma=0.6, growth=(0.1, 0.02), split=0.0),
    _i("food_dairy", "food", "6461", 8, 1200, "tag:kitchen=8 tag:preschool tag:elderly", "dairy",
       ["Mejerivaror v.{week} {unit}", "Mjölk v.{week}"], season="school", sigma=0.5, growth=(0.07, 0.02),
       split=0.0),
    _i("food_fish", "food", "6461", 2, 200, "tag:kitchen", "fish", ["Fisk v.{week} {unit}"], season="school",
       sigma=0.5, split=0.0),
    _i("food_bread", "food", "6461", 3, 700, "tag:kitchen tag:elderly", "bakery", ["Bröd v.{week} {unit}"],
       season="school", sigma=0.5, split=0.0),
    # --- energy --------------------------------------------------------------------------------
    _i("electricity", "energy", "6221", 36, 900, "tag:premises 52020=30 52010=15 51010=25", "electricity",
       ["Elförbrukning {month} {unit}", "El {period}, anläggning {unit}"], season="electricity", sigma=0.7,
       growth=(-0.22, 0.04), split=0.0, metered=True, switch=2024),
    _i("grid", "energy", "6222", 22, 900, "tag:premises 52020=30 52010=15 51010=25", "grid",
       ["Nätavgift {month} {unit}", "Elnät {period}"], season="electricity", sigma=0.6, growth=(0.06, 0.05),
       split=0.0, metered=True),
    _i("district_heating", "energy", "6231", 64, 1000, "tag:premises", "district_heat",
       ["Fjärrvärme {month} {unit}", "Värme {period}"], season="heating", sigma=0.7, growth=(0.01, 0.05), split=0.0, metered=True),
    _i("fuel", "energy", "6911", 17, 1200, "tag:vehicles", "fuel_wholesale fuel_station",
       ["Drivmedel {month}", "Diesel arbetsmaskiner", "Tankkort {month}", "HVO100 {month}"], sigma=0.8,
       growth=(-0.08, -0.04), split=0.0),
    # --- IT ------------------------------------------------------------------------------------
    _i("software_licences", "it", "7441", 48, 900, "11500=6 tag:lead 20000 40000", "software=3 software_dev it_operations",
       ["Licens och support kv {q}", "Årslicens verksamhetssystem {year}", "Drift och förvaltning {month}",
        "Molntjänst {month}"], sigma=1.1, growth=(0.08, 0.07)),
    _i("it_consulting", "it", "7441", 24, 500, "11500=5 tag:lead", "it_consult",
       ["Konsultstöd IT {month}", "Projektledning digitalisering", "Integration e-tjänster"], season="yearend",
       sigma=0.9, growth=(0.1, -0.05)),
    _i("computers", "it", "6421", 26, 1300, "tag:school=4 11500=4 tag:adm=2", "it_hardware",
       ["Elevdatorer {unit}", "Bärbara datorer", "Skärmar och dockningsstationer", "Surfplattor förskola"],
       season="schoolstart", sigma=1.0, growth=(0.03, 0.06)),
    _i("mobile", "it", "6811", 9, 800, "tag:adm tag:homecare tag:ifo tag:lead", "telecom_mobile",
       ["Mobiltelefoni {month}", "Mobilabonnemang {month} {unit}"], sigma=0.6, split=0.02),
    _i("data_comms", "it", "6821", 11, 300, "11500", "telecom_fixed",
       ["Stadsnät och fiberförbindelser {month}", "Datakommunikation {period}"], sigma=0.4, split=0.0),
    # --- transport -----------------------------------------------------------------------------
    _i("school_transport", "transport", "7011", 46, 700, "20200", "bus=2 taxi",
       ["Skolskjuts {month}", "Skolskjuts linje {n}, {month}", "Skolskjuts anpassad skola {month}"],
       season="school", sigma=0.7, growth=(0.05, 0.04), switch=2025, split=0.0),
    _i("mobility_service", "transport", "7012", 29, 500, "61040", "taxi",
       ["Färdtjänstresor {month}", "Riksfärdtjänst {month}"], sigma=0.6, growth=(0.06, 0.04), split=0.0),
    _i("travel", "transport", "7031", 7, 1200, "tag:adm tag:lead tag:school tag:ifo tag:politics", "hotels=2 travel",
       ["Hotell konferens {unit}", "Tågresor {month}", "Logi utbildning"], season="yearend", sigma=0.9),
    _i("car_leasing", "transport", "6311", 14, 600, "tag:vehicles 93010=5", "car_leasing",
       ["Leasing bilar {month}", "Leasingavgift {period}"], sigma=0.5, split=0.0),
    _i("vehicle_repair", "transport", "6921", 8, 700, "tag:vehicles 93010=5", "car_repair",
       ["Service och däckbyte", "Reparation fordon {unit}", "Besiktning och service"], sigma=0.9),
    # --- consultants and hired staff ----------------------------------------------------------
    _i("technical_consultants", "consultants", "7421", 22, 600, "51010 52010 91010 61010=2 61020",
       "engineering=3 energy_consult testing architects",
       ["Konsultarvode detaljplan Älvstranden", "Teknisk utredning {unit}", "Provtagning dricksvatten {month}",
        "Geoteknisk undersökning", "Energikartläggning {unit}"], season="yearend", sigma=1.0, growth=(-0.05, 0.08)),
    _i("management_consultants", "consultants", "7421", 12, 400, "tag:lead tag:adm", "management",
       ["Utredning organisation {unit}", "Processledning {unit}", "Konsultstöd budgetprocess"], season="yearend",
       sigma=1.0, growth=(0.05, -0.1)),
    _i("legal", "consultants", "7431", 4, 120, "11600 31010 61020", "legal",
       ["Juridiskt ombud mål {n}", "Juridisk rådgivning {month}"], sigma=1.0),
    _i("audit", "consultants", "7431", 3, 30, "10200", "audit",
       ["Revision {year}, delårsgranskning", "Granskning {year}"], season="yearend", sigma=0.5),
    _i("staffing", "consultants", "7511", 46, 1100, "tag:care tag:homecare 43010=40 31010=25 tag:school",
       "staffing",
       ["Bemanningssjuksköterska v.{week}", "Hyrsocionom {month}", "Vikarie {unit} v.{week}", "Hyrläkare {month}"],
       sigma=0.9, growth=(0.12, -0.12)),
    _i("training", "consultants", "7411", 9, 700, "tag:adm tag:care tag:school tag:lead", "training=3 hotels",
       ["Kurs {unit}", "Utbildning arbetsmiljö", "Konferensavgift", "Ledarskapsutbildning"], season="yearend",
       sigma=0.9),
    # --- goods ---------------------------------------------------------------------------------
    _i("consumables", "goods", "6441", 28, 5000, "tag:premises",
       "office_supplies chemicals=2 hardware medical workwear",
       ["Förbrukningsmaterial {unit}", "Städmaterial {unit}", "Hygienartiklar", "Material {unit}"],
       season="yearend", sigma=0.9),
    _i("furniture", "goods", "6411", 31, 1500, "tag:school=2 tag:preschool tag:care tag:adm", "furniture=3 playgrounds hardware",
       ["Möbler {unit}", "Lekutrustning {unit}", "Inventarier {unit}", "Skåp och hyllor"], season="yearend",
       sigma=1.1, growth=(0.02, -0.06)),
    _i("office_supplies", "goods", "6511", 7, 1500, "tag:adm=2 tag:school tag:lead tag:ifo", "office_supplies",
       ["Kontorsmaterial {unit}", "Kopieringspapper", "Kontorsmaterial {month}"], sigma=0.8),
    _i("printing", "goods", "6521", 3, 200, "tag:adm 11300=5", "printing", ["Trycksaker {unit}", "Broschyrer"],
       sigma=0.9),
    _i("teaching_materials", "goods", "6431", 27, 1800, "tag:school=3 tag:preschool 71010", "textbooks",
       ["Läromedel {unit}", "Litteratur {unit}", "Media till biblioteket", "Digitala läromedel ht {year}"],
       season="schoolstart", sigma=0.9),
    _i("medical_supplies", "goods", "6451", 15, 1100, "tag:care tag:homecare 43010=3", "medical",
       ["Inkontinensartiklar {month}", "Sjukvårdsmaterial {unit}", "Skyddshandskar och förkläden"], sigma=0.8),
    _i("workwear", "goods", "6471", 6, 500, "tag:care tag:homecare tag:kitchen 51010 51020 91020", "workwear",
       ["Arbetskläder {unit}", "Skyddsskor"], sigma=0.8),
    _i("construction_materials", "goods", "4101", 9, 450, "51010 52010 51020 91020", "building_materials gravel",
       ["Grus och makadam", "Byggmaterial {unit}", "Betongrör och brunnar"], season="construction", sigma=1.0),
    _i("pipes_hardware", "goods", "4102", 6, 350, "52010=2 51010 91020", "hardware",
       ["Rör och kopplingar", "Ventiler och brandposter", "Järnvaror {unit}"], season="construction", sigma=1.0),
    _i("water_chemicals", "goods", "4105", 3, 100, "52020", "chemicals",
       ["Fällningskemikalier {month}", "Kemikalier reningsverket {month}"], sigma=0.5, split=0.0),
    # --- other services ------------------------------------------------------------------------
    _i("waste", "services", "6112", 14, 700, "tag:premises 53010=20", "waste=2 waste_treatment",
       ["Avfallshämtning {month} {unit}", "Slamtömning", "Containerhyra {month}"], sigma=0.8),
    _i("insurance", "services", "7311", 16, 20, "11100", "insurance",
       ["Försäkringspremie {year} egendom", "Ansvarsförsäkring {year}", "Fordonsförsäkring {year}"], sigma=0.6,
       split=0.0, whole_kronor=True),
    _i("advertising", "services", "7211", 5, 300, "tag:adm 11300=5 82010 61010", "newspaper advertising",
       ["Platsannons", "Annons kungörelse detaljplan", "Annons evenemang"], sigma=0.8),
    _i("representation", "services", "7111", 2, 500, "tag:lead tag:politics", "restaurants=2 hotels",
       ["Lunch {unit}", "Fika möte", "Middag studiebesök"], sigma=0.8),
    _i("post", "services", "6831", 5, 400, "tag:adm 93020=5", "courier", ["Porto {month}", "Budtjänst"], sigma=0.7),
    _i("culture_events", "services", "7491", 4, 300, "71030=3 71010 72030 71020", "culture_performers",
       ["Konsert {Month}", "Föreställning {unit}", "Författarbesök"], season="school", sigma=0.8),
    _i("copier_leasing", "services", "6331", 4, 300, "tag:adm tag:school", "office_rental",
       ["Kopiatorleasing kv {q}", "Utskrifter {month}"], sigma=0.5),
)

# Investment projects: how each kind of works splits over accounts and supplier industries.
# (account, share of the project's spend, industries, text templates)
PROJECT_WORKS: dict[str, tuple[tuple[str, float, str, tuple[str, ...]], ...]] = {
    "building": (("4031", 0.80, "building=4 electrical plumbing ventilation",
                  ("Entreprenad {project}, del {n}", "ÄTA-arbeten {project}", "Installationer {project}")),
                 ("7421", 0.10, "architects engineering", ("Projektering {project}", "Byggledning {project}")),
                 ("4101", 0.10, "building_materials hardware", ("Material {project}",))),
    "civil": (("4031", 0.80, "civil=3 groundworks", ("Entreprenad {project}, del {n}", "Beläggning {project}")),
              ("7421", 0.08, "engineering", ("Projektering {project}",)),
              ("4101", 0.12, "gravel building_materials", ("Material {project}", "Krossmaterial {project}"))),
    "water": (("4031", 0.75, "water_works=3 groundworks", ("Ledningsarbeten {project}, del {n}",)),
              ("4102", 0.15, "hardware building_materials", ("Rör och ventiler {project}",)),
              ("7421", 0.10, "engineering testing", ("Projektering {project}", "Provtagning {project}"))),
    "it": (("4023", 0.60, "it_hardware", ("Nätverksutrustning {project}", "Utrustning {project}")),
           ("7441", 0.40, "it_consult software_dev", ("Implementering {project}", "Konsultstöd {project}"))),
    "vehicles": (("4024", 1.0, "car_sales", ("Inköp fordon {project}",)),),
}
PROJECT_LINES_PER_MSEK = 5.0
MAX_LINE_SEK = 25_000_000          # no single generated line exceeds this (keeps clear of "large amount" checks)

# --- the company (Älvbybostäder AB) -----------------------------------------------------------


@dataclass(frozen=True)
class Kostnadsstalle:
    """One of the company's cost centres (a housing area or a common function)."""

    code: str
    name: str
    tags: tuple[str, ...]
    size: float


COMPANY_UNITS: tuple[Kostnadsstalle, ...] = (
    Kostnadsstalle("1100", "Centrum", ("res",), 1450),
    Kostnadsstalle("1200", "Norrby", ("res",), 1100),
    Kostnadsstalle("1300", "Söderåsen", ("res",), 1250),
    Kostnadsstalle("1400", "Forsby", ("res",), 520),
    Kostnadsstalle("1500", "Älvnäs", ("res",), 880),
    Kostnadsstalle("1900", "Lokaler", ("res", "commercial"), 300),
    Kostnadsstalle("9000", "Gemensamt och administration", ("adm",), 400),
)

COMPANY_PROJECTS: tuple[Project, ...] = (
    Project("NB2201", "Nybyggnad kv. Lärkan, 48 lgh", "1200", {2023: 62, 2024: 88, 2025: 21}, "building"),
    Project("ROT2301", "Stambyte Norrbyvägen 2-24", "1200", {2023: 24, 2024: 31, 2025: 12}, "building"),
    Project("ROT2402", "Fönsterbyte Söderåsen", "1300", {2024: 9, 2025: 14}, "building"),
    Project("EN2501", "Solceller och bergvärme Forsby", "1400", {2025: 16}, "building"),
    Project("NB2502", "Nybyggnad trygghetsboende Älvnäs", "1500", {2025: 35}, "building"),
)
COMPANY_PROJECT_WORKS: tuple[tuple[str, float, str, tuple[str, ...]], ...] = (
    ("1181", 0.82, "building=4 electrical plumbing ventilation roofing",
     ("Entreprenad {project}, del {n}", "ÄTA {project}", "Installationer {project}")),
    ("1181", 0.10, "architects engineering", ("Projektering {project}", "Byggledning {project}")),
    ("1181", 0.08, "building_materials hardware", ("Material {project}",)),
)

COMPANY_ITEMS: tuple[SpendItem, ...] = (
    _i("c_heating", "energy", "5130", 42, 600, "tag:res", "district_heat", ["Fjärrvärme {month} {unit}"],
       season="heating", sigma=0.4, growth=(0.01, 0.05), split=0.0, metered=True),
    _i("c_electricity", "energy", "5120", 9, 600, "tag:res", "electricity grid",
       ["Fastighetsel {month} {unit}", "Nätavgift {month} {unit}"], season="electricity", sigma=0.5,
       growth=(-0.2, 0.04), split=0.0, metered=True),
    _i("c_water", "services", "5140", 18, 240, "tag:res", "own_municipality",
       ["VA-avgift {month} {unit}", "Vatten och avlopp {period}"], sigma=0.3, split=0.0),
    _i("c_waste_fee", "services", "5162", 6, 240, "tag:res", "own_municipality",
       ["Renhållningsavgift {month} {unit}"], sigma=0.3, split=0.0),
    _i("c_waste_other", "services", "5162", 3, 150, "tag:res", "waste", ["Grovsopor {unit}", "Containerhyra"],
       sigma=0.8),
    _i("c_cleaning", "property", "5161", 6, 300, "tag:res", "cleaning", ["Trappstädning {month} {unit}"],
       sigma=0.5),
    _i("c_snow", "property", "5164", 5, 250, "tag:res", "facility landscaping civil",
       ["Snöröjning {month} {unit}", "Sandning {month}"], season="winter", sigma=0.7, growth=(-0.12, 0.15)),
    _i("c_gardening", "property", "5165", 3, 200, "tag:res", "landscaping", ["Trädgårdsskötsel {month} {unit}"],
       season="park", sigma=0.6),
    _i("c_maintenance", "property", "5170", 72, 3000, "tag:res",
       "building=3 electrical=2 plumbing=2 painting=2 roofing lifts glazing ventilation",
       ["Reparation lgh {n}, {unit}", "Renovering kök {unit}", "Målning trapphus {unit}", "Felanmälan {unit}",
        "Byte av vitvaror {unit}", "Service hiss {unit}"], season="construction", sigma=1.1),
    _i("c_insurance", "services", "5192", 4, 4, "9000", "insurance", ["Fastighetsförsäkring {year}"], sigma=0.2,
       split=0.0, whole_kronor=True),
    _i("c_property_management", "property", "5193", 14, 400, "tag:res", "facility",
       ["Fastighetsskötsel {month} {unit}"], sigma=0.4),
    _i("c_equipment", "goods", "5410", 3, 300, "tag:res 9000", "furniture hardware", ["Inventarier {unit}", "Verktyg"],
       sigma=0.9),
    _i("c_consumables", "goods", "5460", 4, 800, "tag:res", "hardware building_materials chemicals",
       ["Förbrukningsmaterial {unit}", "Lampor och batterier", "Städkemikalier"], sigma=0.8),
    _i("c_software", "it", "5420", 3, 60, "9000", "software", ["Licens fastighetssystem {year}", "Support kv {q}"],
       sigma=0.7),
    _i("c_fuel", "energy", "5611", 1.2, 200, "9000", "fuel_station", ["Drivmedel {month}"], sigma=0.6, split=0.0),
    _i("c_car_leasing", "transport", "5615", 1.5, 60, "9000", "car_leasing", ["Leasing servicebilar {month}"],
       sigma=0.3, split=0.0),
    _i("c_advertising", "services", "5910", 0.6, 60, "9000", "newspaper advertising", ["Annons uthyrning"], sigma=0.7),
    _i("c_office", "goods", "6110", 0.5, 150, "9000", "office_supplies", ["Kontorsmaterial"], sigma=0.7),
    _i("c_mobile", "it", "6212", 0.7, 60, "9000", "telecom_mobile", ["Mobiltelefoni {month}"], sigma=0.3, split=0.0),
    _i("c_broadband", "it", "6230", 2.5, 60, "tag:res", "telecom_fixed", ["Bredband hyresgäster {month}"], sigma=0.3,
       split=0.0),
    _i("c_security", "property", "6370", 1.8, 150, "tag:res", "security alarms", ["Bevakning {month}", "Larm {unit}"],
       sigma=0.7),
    _i("c_audit", "consultants", "6421", 0.5, 6, "9000", "audit", ["Revision {year}"], sigma=0.3),
    _i("c_it_services", "it", "6540", 2.8, 120, "9000", "it_consult it_operations", ["IT-drift {month}",
                                                                                     "IT-stöd {month}"], sigma=0.6),
    _i("c_consultants", "consultants", "6550", 2.5, 100, "9000", "management legal",
       ["Konsultarvode {month}", "Juridisk rådgivning"], sigma=0.9),
    _i("c_technical", "consultants", "6553", 6, 200, "tag:res 9000", "engineering energy_consult",
       ["Energideklaration {unit}", "Besiktning {unit}", "OVK {unit}"], sigma=0.9),
    _i("c_training", "personnel", "7610", 0.8, 60, "9000", "training", ["Utbildning {month}", "Kurs"], sigma=0.7),
    _i("c_bank", "financial", "6570", 0.3, 12, "9000", "bank", ["Bankavgifter {month}"], sigma=0.2, split=0.0),
    _i("c_interest", "financial", "8410", 38, 12, "9000", "lender", ["Ränta lån {month}"], sigma=0.1, split=0.0,
       growth=(0.25, -0.08)),
    _i("c_vat", "vat", "2641", 2.4, 150, "1900", "building electrical facility", ["Ingående moms lokaler"],
       sigma=0.8, split=0.0),
)

# Structured (non-invoice) municipal lines.
MONTHLY_SALARY_SEK = {2024: 41_000.0}          # average monthly pay per FTE incl. supplements, base year
SALARY_GROWTH = (0.044, 0.036)                  # pay rise 2023→2024, 2024→2025 (applied from April)
EMPLOYER_CONTRIBUTIONS = 0.3142 + 0.006         # arbetsgivaravgifter + avtalsförsäkringar
PENSION_RATE = 0.062                            # avgiftsbestämd ålderspension, share of pay
SPECIAL_PAYROLL_TAX = 0.2426                    # särskild löneskatt on pension costs
PENSION_PAYMENTS_MSEK = 88.0                    # pensionsutbetalningar (förmånsbestämd), base year
HOURLY_TAGS = ("care", "homecare", "school", "preschool", "kitchen", "cleaning", "culture", "sport", "upper")

# (ansvar, account, MSEK in the base year): planned depreciation, booked monthly
DEPRECIATION: tuple[tuple[str, str, float], ...] = (
    ("91010", "7921", 118), ("91010", "7931", 9), ("51010", "7921", 34), ("52010", "7921", 29),
    ("52020", "7921", 11), ("11500", "7931", 14), ("72010", "7921", 6), ("93010", "7931", 5),
    ("20000", "7931", 5), ("40000", "7931", 3),
)
DEPRECIATION_GROWTH = (0.05, 0.06)

# Internal charges between the municipality's own units: (key, selling ansvar, account, MSEK,
# buyers, text). The motpart code is "1" + the seller's förvaltning number (e.g. 190).
INTERNAL: tuple[tuple[str, str, str, float, str, str], ...] = (
    ("rent", "91010", "6019", 408, "tag:premises", "Internhyra {month} {unit}"),
    ("meals", "92040", "6469", 115, "tag:meals", "Måltidsdebitering {month}"),
    ("it", "11500", "7449", 57, "tag:premises", "IT-debitering {month}"),
    ("cleaning", "91030", "6119", 52, "tag:premises", "Lokalvård {month}, intern debitering"),
    ("fleet", "93010", "6319", 19, "tag:vehicles", "Fordonshyra {month}"),
)

GRANT_MSEK = {"associations": 24.0, "study": 4.2, "welfare": 86.0, "housing_adaptation": 8.0}
WELFARE_TYPES = (("Försörjningsstöd utbetalning {date}", 0.78), ("Ekonomiskt bistånd, hyra {month}", 0.12),
                 ("Ekonomiskt bistånd, el och hemförsäkring {month}", 0.04), ("Nödbistånd {month}", 0.02),
                 ("Ekonomiskt bistånd, tandvård {month}", 0.04))
INTEREST_MSEK = {2023: 35.0, 2024: 46.0, 2025: 41.0}
CREDIT_NOTE_RATE = 0.015
CREDITABLE_KINDS = set(MAPPED_KINDS)

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")

# --------------------------------------------------------------------------------------------
# Generation engine
# --------------------------------------------------------------------------------------------

_COLUMNS = ("date", "series", "vkey", "account", "unit", "project", "motpart", "supplier", "invoice", "credit_of",
            "text", "amount", "kind", "item")


class _Units:
    """Column arrays of the buying units (municipal ansvar or company kostnadsställen)."""

    def __init__(self, codes: list[str], names: list[str], tags: list[tuple[str, ...]], sizes: list[float],
                 groups: list[str]):
        self.codes = codes
        self.names = np.array(names, dtype=object)
        self.tags = tags
        self.sizes = np.array(sizes, dtype=float)
        self.groups = groups
        self.index = {c: i for i, c in enumerate(codes)}

    def select(self, spec: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (unit indices, probabilities) for a selector such as 'tag:school=2 91010'."""
        weights = np.zeros(len(self.codes))
        for token in spec.split():
            sel, _, w = token.partition("=")
            weight = float(w) if w else 1.0
            if sel.startswith("tag:"):
                hit = np.array([sel[4:] in t for t in self.tags])
            elif sel.startswith("fv:"):
                hit = np.array([g == sel[3:] for g in self.groups])
            else:
                hit = np.zeros(len(self.codes), dtype=bool)
                hit[self.index[sel]] = True
            if not hit.any():
                raise ValueError(f"unit selector {sel!r} matches nothing")
            size = np.where(hit, np.maximum(self.sizes, 0.5), 0.0)
            weights += weight * size / size.sum()
        idx = np.flatnonzero(weights)
        return idx, weights[idx] / weights[idx].sum()


def _municipal_units() -> _Units:
    return _Units([a.code for a in ANSVAR], [a.name for a in ANSVAR], [a.tags for a in ANSVAR],
                  [a.fte for a in ANSVAR], [a.fv for a in ANSVAR])


def _company_units() -> _Units:
    return _Units([k.code for k in COMPANY_UNITS], [k.name for k in COMPANY_UNITS], [k.tags for k in COMPANY_UNITS],
                  [k.size for k in COMPANY_UNITS], ["company"] * len(COMPANY_UNITS))


def _industry_pools() -> dict[str, np.ndarray]:
    pools: dict[str, list[int]] = {}
    for i, s in enumerate(supplier_register()):
        pools.setdefault(s.industry, []).append(i)
    return {k: np.array(v) for k, v in pools.items()}


def _supplier_choice(spec: str, year: int, switch: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Return (register indices, probabilities) for an industry spec; the first suppliers dominate."""
    pools = _industry_pools()
    idx: list[np.ndarray] = []
    prob: list[np.ndarray] = []
    tokens = [t.partition("=") for t in spec.split()]
    total_weight = sum(float(w) if w else 1.0 for _, _, w in tokens)
    for key, _, w in tokens:
        pool = pools[key].copy()
        if switch is not None and year >= switch and len(pool) > 1:
            pool[[0, 1]] = pool[[1, 0]]
        rank_w = 1.0 / np.arange(1, len(pool) + 1) ** 1.3
        idx.append(pool)
        prob.append(rank_w / rank_w.sum() * (float(w) if w else 1.0) / total_weight)
    return np.concatenate(idx), np.concatenate(prob)


def _year_factor(year: int, growth: tuple[float, float]) -> float:
    """Price and volume development relative to the base year (growth before and after it)."""
    if year <= BASE_YEAR:
        return float((1 + growth[0]) ** (year - BASE_YEAR))
    return float((1 + growth[1]) ** (year - BASE_YEAR))


def _total_ore(msek: float, year: int, growth: tuple[float, float], rng: np.random.Generator,
               whole_kronor: bool = False, noise: float = 0.015) -> int:
    sek = msek * 1e6 * _year_factor(year, growth) * (1 + rng.normal(0, noise))
    return int(round(sek)) * 100 if whole_kronor else int(round(sek * 100))


def _allocate(rng: np.random.Generator, n: int, total_ore: int, sigma: float, *, whole_kronor: bool = False,
              cap_ore: int = MAX_LINE_SEK * 100, weight: np.ndarray | None = None) -> np.ndarray:
    """Split `total_ore` into `n` positive lognormal-shaped amounts (öre) that sum exactly to it.

    `weight` scales each line's expected size (e.g. the month's share of a year's heating).
    """
    unit = 100 if whole_kronor else 1
    draws = rng.lognormal(0.0, sigma, n)
    if weight is not None:
        draws = draws * weight
    x = draws / draws.sum() * total_ore
    for _ in range(50):                      # move the excess of capped lines to the others
        over = x > cap_ore
        if not over.any():
            break
        excess = float((x[over] - cap_ore).sum())
        x[over] = cap_ore
        free = x < cap_ore * 0.98
        x[free] += excess * x[free] / x[free].sum()
    q = (np.floor(x / unit) * unit).astype(np.int64)
    q = np.maximum(q, unit)
    q[int(np.argmax(q))] += total_ore - int(q.sum())
    return q


def _months(rng: np.random.Generator, n: int, season: str) -> np.ndarray:
    w = np.array(SEASONS[season], dtype=float)
    return rng.choice(12, size=n, p=w / w.sum()) + 1


def _month_starts(year: int) -> np.ndarray:
    return np.array([np.datetime64(f"{year}-{m:02d}-01") for m in range(1, 13)] + [np.datetime64(f"{year + 1}-01-01")])


def _dates(rng: np.random.Generator, year: int, months: np.ndarray, *, workdays: bool = True) -> np.ndarray:
    """Uniform posting dates within the given months; weekends move to the Friday before (or Monday after)."""
    starts = _month_starts(year)
    lengths = (starts[1:] - starts[:-1]).astype(int)
    offset = np.floor(rng.random(months.size) * lengths[months - 1]).astype(int)
    d = starts[months - 1] + offset.astype("timedelta64[D]")
    return _to_workday(d, year) if workdays else d


def _to_workday(d: np.ndarray, year: int) -> np.ndarray:
    wd = (d.astype("datetime64[D]").astype(np.int64) + 3) % 7          # Monday = 0
    back = np.where(wd == 5, 1, np.where(wd == 6, 2, 0)).astype("timedelta64[D]")
    out = d - back
    early = out < np.datetime64(f"{year}-01-02")          # New Year's Day is no working day either
    first_workday = np.datetime64(f"{year}-01-02")
    first_workday += {5: 2, 6: 1}.get(int((first_workday.astype(np.int64) + 3) % 7), 0)
    out[early] = first_workday
    return out


def _month_end_workday(year: int, months: np.ndarray) -> np.ndarray:
    starts = _month_starts(year)
    return _to_workday(starts[months] - np.timedelta64(1, "D"), year)


_TOKEN_RE = re.compile(r"\{(\w+)\}")


def _render(templates: tuple[str, ...] | list[str], choice: np.ndarray, tokens: dict[str, np.ndarray]) -> np.ndarray:
    """Fill text templates per row: `choice[i]` picks the template, `tokens[name][i]` the values."""
    out = np.empty(choice.size, dtype=object)
    for t, template in enumerate(templates):
        rows = np.flatnonzero(choice == t)
        if rows.size == 0:
            continue
        parts = _TOKEN_RE.split(template)        # literal, token, literal, token, ...
        acc = np.full(rows.size, parts[0], dtype=object)
        for j in range(1, len(parts), 2):
            acc = acc + tokens[parts[j]][rows] + parts[j + 1]
        out[rows] = acc
    return out


_WEEK_STR = np.array([str(i) for i in range(60)], dtype=object)
_YEAR_STR = np.array([str(2000 + i) for i in range(100)], dtype=object)
_MONTH_STR = np.array(MONTHS_SV, dtype=object)
_MONTH_CAP = np.array([m.capitalize() for m in MONTHS_SV], dtype=object)


def _date_tokens(dates: np.ndarray, units: _Units, unit_idx: np.ndarray, rng: np.random.Generator,
                 extra: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Per-row values for the text templates, derived from the posting dates and units."""
    days = dates.astype("datetime64[D]")
    month = (days.astype("datetime64[M]").astype(np.int64) % 12).astype(int)
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    # ISO week: the week's Thursday decides the ISO year; count weeks from that year's 1 January
    thursday = days - ((days.astype(np.int64) + 3) % 7).astype("timedelta64[D]") + np.timedelta64(3, "D")
    week = (thursday - thursday.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) // 7 + 1
    tokens = {
        "month": _MONTH_STR[month], "Month": _MONTH_CAP[month],
        "week": _WEEK_STR[week],
        "q": _WEEK_STR[month // 3 + 1],
        "year": _YEAR_STR[year - 2000],
        "period": np.array(np.datetime_as_string(dates.astype("datetime64[M]"), unit="M"), dtype=object),
        "date": np.array(np.datetime_as_string(dates, unit="D"), dtype=object),
        "unit": units.names[unit_idx],
        "n": _WEEK_STR[rng.integers(1, 41, size=dates.size)],
    }
    if extra:
        tokens.update(extra)
    return tokens


class _Rows:
    """Accumulates generated ledger lines as column chunks; `frame()` concatenates them."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []
        self.next_key = 0

    def keys(self, n: int) -> np.ndarray:
        """Reserve `n` fresh verification/invoice keys."""
        k = np.arange(self.next_key, self.next_key + n, dtype=np.int64)
        self.next_key += n
        return k

    def add(self, **cols) -> None:
        n = len(cols["amount"])
        chunk = {}
        for name in _COLUMNS:
            v = cols.get(name)
            if v is None:
                v = {"project": "", "motpart": "", "supplier": -1, "invoice": -1, "credit_of": -1}[name]
            if np.isscalar(v) or isinstance(v, str):
                arr = np.empty(n, dtype=object if isinstance(v, str) else np.int64)
                arr[:] = v
                v = arr
            chunk[name] = np.asarray(v)
        self.chunks.append(chunk)

    def frame(self) -> pd.DataFrame:
        data = {name: np.concatenate([c[name] for c in self.chunks]) for name in _COLUMNS}
        for name in ("series", "account", "project", "motpart", "text", "kind", "item"):
            data[name] = data[name].astype(object)
        return pd.DataFrame(data)


def _invoice_lines(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, item: SpendItem, n: int,
                   total_ore: int, *, unit_spec: str | None = None, project: str = "",
                   extra_tokens: dict[str, str] | None = None, series: str = "LF") -> None:
    """Generate `n` supplier invoices for one spend item (split over several lines now and then)."""
    if item.season == "monthly" or item.metered:      # invoiced every month: same count per month
        months = rng.permutation(np.arange(n) % 12 + 1)
    else:
        months = _months(rng, n, item.season)
    dates = _dates(rng, year, months)
    weight = np.array(SEASONS[item.season])[months - 1] if item.metered else None
    amounts = _allocate(rng, n, total_ore, item.sigma, whole_kronor=item.whole_kronor, weight=weight)
    uidx, up = units.select(unit_spec or item.units)
    unit = uidx[rng.choice(uidx.size, size=n, p=up)]
    sidx, sp = _supplier_choice(item.industries, year, item.switch)
    supplier = sidx[rng.choice(sidx.size, size=n, p=sp)]
    template = rng.integers(0, len(item.texts), size=n)
    # split a share of the invoices over 2-4 lines (other units, same supplier and invoice)
    k = np.ones(n, dtype=np.int64)
    split = rng.random(n) < item.split
    k[split] = rng.integers(2, 5, size=int(split.sum()))
    rep = np.repeat(np.arange(n), k)
    first = np.concatenate(([0], np.cumsum(k)[:-1]))
    step = 100 if item.whole_kronor else 1
    share = rng.uniform(0.2, 1.0, rep.size)
    share = share / np.bincount(rep, share)[rep]
    line_amount = (np.floor(amounts[rep] * share / step) * step).astype(np.int64)
    line_amount[first] += amounts - np.bincount(rep, line_amount, minlength=n).astype(np.int64)
    line_unit = unit[rep].copy()
    others = np.ones(rep.size, dtype=bool)
    others[first] = False
    line_unit[others] = uidx[rng.choice(uidx.size, size=int(others.sum()), p=up)]
    invoice = rows.keys(n)
    line_dates = dates[rep]
    extra = {k2: np.full(rep.size, v, dtype=object) for k2, v in (extra_tokens or {}).items()}
    tokens = _date_tokens(line_dates, units, line_unit, rng, extra)
    text = _render(item.texts, template[rep], tokens)
    rows.add(date=line_dates, series=series, vkey=invoice[rep], account=item.account, unit=line_unit,
             project=project, supplier=supplier[rep], invoice=invoice[rep], text=text, amount=line_amount,
             kind=item.kind, item=item.key)


def _project_lines(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, projects: tuple[Project, ...],
                   works: dict[str, tuple] | tuple, scale: float, lines_per_msek: float = PROJECT_LINES_PER_MSEK) -> None:
    """Generate invoices on investment projects (project code on every line)."""
    for p in projects:
        msek = p.msek.get(year)
        if not msek:
            continue
        parts = works[p.works] if isinstance(works, dict) else works
        for n_part, (account, share, industries, texts) in enumerate(parts):
            total = int(round(msek * share * 1e6 * (1 + rng.normal(0, 0.02)))) * 100
            n = max(1, int(round(msek * share * lines_per_msek * scale)),
                    int(np.ceil(total / (MAX_LINE_SEK * 100) * 1.3)))
            item = SpendItem(f"project_{p.code}_{n_part}", "construction", account, 0, 0, p.ansvar, industries,
                             texts, season="construction", sigma=1.0, split=0.0)
            _invoice_lines(rows, rng, year, units, item, n, total, project=p.code,
                           extra_tokens={"project": p.name})


def _credit_notes(df: pd.DataFrame, rng: np.random.Generator, year: int, rows: _Rows) -> pd.DataFrame:
    """Append credit notes: ~1.5 % of supplier invoices are credited (fully or partly) a few weeks later."""
    inv = df[(df["invoice"] >= 0) & df["kind"].isin(CREDITABLE_KINDS)]
    first_lines = inv.drop_duplicates("invoice")
    first_lines = first_lines[first_lines["date"] < np.datetime64(f"{year}-12-01")]
    chosen = rng.random(len(first_lines)) < CREDIT_NOTE_RATE * 1.04
    if not chosen.any() and len(first_lines):     # a small file still shows one credit note
        chosen[rng.integers(0, len(first_lines))] = True
    pick = first_lines[chosen]
    n = len(pick)
    if n == 0:
        return df
    full = rng.random(n) < 0.55
    frac = np.where(full, 1.0, rng.uniform(0.05, 0.5, n))
    amount = -np.round(pick["amount"].to_numpy() * frac).astype(np.int64)
    amount = np.minimum(amount, -1)
    delay = rng.integers(4, 45, size=n).astype("timedelta64[D]")
    dates = pick["date"].to_numpy().astype("datetime64[D]") + delay
    dates = np.minimum(dates, np.datetime64(f"{year}-12-31"))
    dates = _to_workday(dates, year)
    credit = pick.copy()
    keys = rows.keys(n)
    credit["date"] = dates
    credit["amount"] = amount
    credit["credit_of"] = pick["invoice"].to_numpy()
    credit["invoice"] = keys
    credit["vkey"] = keys
    return pd.concat([df, credit], ignore_index=True)


def _subsample(rng: np.random.Generator, n_grid: int, scale: float, minimum: int = 12,
               groups: np.ndarray | None = None) -> np.ndarray:
    """Indices of a structured grid kept at this scale (all of them at the default size).

    With `groups`, every group keeps at least one row, so no group's amount is lost.
    """
    if scale >= 1:
        return np.arange(n_grid)
    k = min(n_grid, max(minimum, int(round(n_grid * scale))))
    if groups is None:
        return np.sort(rng.choice(n_grid, size=k, replace=False))
    order = rng.permutation(n_grid)
    _, first = np.unique(groups[order], return_index=True)
    chosen = set(order[first].tolist())
    rest = [i for i in order.tolist() if i not in chosen][:max(0, k - len(chosen))]
    return np.sort(np.array(sorted(chosen) + rest, dtype=np.int64))


def _exact_ore(amount_sek: np.ndarray, groups: np.ndarray, keep: np.ndarray, *, whole_kronor: bool = False) -> np.ndarray:
    """Round kept amounts to öre so that each group keeps its full-grid total (subsampling moves none)."""
    unit = 100 if whole_kronor else 1
    ore = amount_sek * 100.0
    kept = np.zeros(amount_sek.size, dtype=bool)
    kept[keep] = True
    out = np.zeros(keep.size, dtype=np.int64)
    g_keep = groups[keep]
    for g in np.unique(groups):
        sel = np.flatnonzero(g_keep == g)
        total = int(round(ore[groups == g].sum() / unit)) * unit
        x = ore[keep][sel] * (total / ore[keep][sel].sum())
        q = (np.floor(x / unit) * unit).astype(np.int64)
        q[int(np.argmax(q))] += total - int(q.sum())
        out[sel] = q
    return out


def _personnel(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Monthly payroll lines per ansvar (class 5, no supplier): pay, hourly pay, fees, contributions, pensions."""
    n_u = len(units.codes)
    u = np.repeat(np.arange(n_u), 12)
    m = np.tile(np.arange(1, 13), n_u)
    fte = units.sizes[u]
    base = MONTHLY_SALARY_SEK[BASE_YEAR]
    level_now = base * _year_factor(year, SALARY_GROWTH)
    level_before = base * _year_factor(year - 1, SALARY_GROWTH)
    pay_level = np.where(m >= 4, level_now, level_before)             # lönerevision in April
    politics = np.array(["politics" in units.tags[i] for i in u])
    hourly = np.array([any(t in units.tags[i] for t in HOURLY_TAGS) for i in u])
    pay = np.where(politics, 0.0, fte * pay_level * (1 + rng.normal(0, 0.02, u.size)))
    summer = np.array([1, 1, 1, 1, 1.1, 1.8, 2.6, 1.6, 1, 1, 1, 1.2])[m - 1]
    hourly_pay = np.where(hourly, pay * 0.12 * summer * (1 + rng.normal(0, 0.05, u.size)), 0.0)
    fees = np.where(politics, fte * 300_000 * _year_factor(year, SALARY_GROWTH), 0.0)
    contrib = EMPLOYER_CONTRIBUTIONS * (pay + hourly_pay + fees)
    pension = PENSION_RATE * (pay + hourly_pay)
    parts = [("5020", "personnel", pay, "Löner {month} {year}"),
             ("5022", "personnel", hourly_pay, "Timlöner {month} {year}"),
             ("5010", "personnel", fees, "Arvoden förtroendevalda {month}"),
             ("5611", "personnel", contrib, "Arbetsgivaravgifter {month} {year}"),
             ("5711", "pension", pension, "Pensionskostnad avgiftsbestämd {month}")]
    vkeys = rows.keys(12)
    for account, kind, amount, text in parts:
        present = np.flatnonzero(amount > 0)
        keep = present[_subsample(rng, present.size, scale)]
        ore = _exact_ore(amount, np.zeros(amount.size, dtype=int), keep)
        dates = _month_end_workday(year, m[keep])
        tokens = _date_tokens(dates, units, u[keep], rng)
        rows.add(date=dates, series="LÖ", vkey=vkeys[m[keep] - 1], account=account, unit=u[keep],
                 text=_render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind=kind,
                 item=f"payroll_{account}")
    # central pension payments and the special payroll tax on all pension costs
    central = units.index["11100"]
    months = np.arange(1, 13)
    payments = PENSION_PAYMENTS_MSEK * 1e6 * _year_factor(year, (0.03, 0.03)) / 12 * (1 + rng.normal(0, 0.01, 12))
    monthly_pension = np.bincount(m - 1, pension, minlength=12)
    tax = SPECIAL_PAYROLL_TAX * (monthly_pension + payments)
    for account, amount, text in (("5721", payments, "Pensionsutbetalningar {month}"),
                                  ("5751", tax, "Särskild löneskatt {month} {year}")):
        keep = _subsample(rng, 12, scale, minimum=2)
        ore = _exact_ore(amount, np.zeros(12, dtype=int), keep)
        dates = _month_end_workday(year, months[keep])
        unit = np.full(keep.size, central)
        tokens = _date_tokens(dates, units, unit, rng)
        rows.add(date=dates, series="LÖ", vkey=vkeys[months[keep] - 1], account=account, unit=unit,
                 text=_render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind="pension",
                 item=f"payroll_{account}")


def _depreciation(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Planned depreciation per asset-owning ansvar, booked on the last day of every month."""
    n = len(DEPRECIATION)
    e = np.repeat(np.arange(n), 12)
    m = np.tile(np.arange(1, 13), n)
    annual = np.array([d[2] for d in DEPRECIATION]) * 1e6 * _year_factor(year, DEPRECIATION_GROWTH)
    amount = annual[e] / 12
    keep = _subsample(rng, e.size, scale, groups=e)
    ore = _exact_ore(amount, e, keep, whole_kronor=True)
    starts = _month_starts(year)
    dates = starts[m[keep]] - np.timedelta64(1, "D")
    unit = np.array([units.index[DEPRECIATION[i][0]] for i in e[keep]])
    account = np.array([DEPRECIATION[i][1] for i in e[keep]], dtype=object)
    vkeys = rows.keys(12)
    tokens = _date_tokens(dates, units, unit, rng)
    rows.add(date=dates, series="AV", vkey=vkeys[m[keep] - 1], account=account, unit=unit,
             text=_render(["Avskrivningar {month} {year}", "Planenliga avskrivningar {period}"],
                          (account == "7931").astype(int), tokens), amount=ore, kind="depreciation",
             item="depreciation")


def _internal(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Internal charges (rent, meals, IT, cleaning, vehicles) from the selling unit to the buying ones."""
    for key, seller, account, msek, spec, text in INTERNAL:
        idx, p = units.select(spec)
        mask = idx != units.index[seller]
        idx, p = idx[mask], p[mask] / p[mask].sum()
        b = np.repeat(np.arange(idx.size), 12)
        m = np.tile(np.arange(1, 13), idx.size)
        total = msek * 1e6 * _year_factor(year, (0.035, 0.03))
        amount = total * p[b] / 12 * (1 + rng.normal(0, 0.01, b.size))
        keep = _subsample(rng, b.size, scale)
        ore = _exact_ore(amount, np.zeros(b.size, dtype=int), keep, whole_kronor=True)
        dates = _month_end_workday(year, m[keep])
        unit = idx[b[keep]]
        motpart = "1" + str(_FV[units.groups[units.index[seller]]].number)
        vkeys = rows.keys(12)
        tokens = _date_tokens(dates, units, unit, rng)
        rows.add(date=dates, series="IN", vkey=vkeys[m[keep] - 1], account=account, unit=unit, motpart=motpart,
                 text=_render([text], np.zeros(keep.size, dtype=int), tokens), amount=ore, kind="internal",
                 item=f"internal_{key}")


def _grants(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Grants to associations and study associations, welfare payments and housing-adaptation grants."""
    pools = _industry_pools()
    # associations: a few payments a year each, no invoice
    recipients = np.concatenate([pools["sports_clubs"], pools["associations"]])
    k = rng.integers(2, 6, size=recipients.size)
    who = np.repeat(recipients, k)
    keep = _subsample(rng, who.size, scale, minimum=6)
    who = who[keep]
    months = _months(rng, who.size, "school")
    dates = _dates(rng, year, months)
    total = _total_ore(GRANT_MSEK["associations"], year, (0.02, 0.02), rng, whole_kronor=True)
    unit = np.full(who.size, units.index["72040"])
    texts = ("Aktivitetsstöd {year}", "Lokalbidrag kv {q} {year}", "Verksamhetsbidrag {year}", "Projektbidrag {year}")
    rows.add(date=dates, series="UT", vkey=rows.keys(who.size), account="4521", unit=unit, supplier=who,
             text=_render(texts, rng.integers(0, 4, who.size), _date_tokens(dates, units, unit, rng)),
             amount=_allocate(rng, who.size, total, 0.9, whole_kronor=True), kind="grants", item="grants_associations")
    # study associations: quarterly
    study = np.repeat(pools["study_associations"], 4)
    months = np.tile(np.array([1, 4, 7, 10]), pools["study_associations"].size)
    dates = _dates(rng, year, months)
    total = _total_ore(GRANT_MSEK["study"], year, (0.0, 0.0), rng, whole_kronor=True)
    unit = np.full(study.size, units.index["72040"])
    rows.add(date=dates, series="UT", vkey=rows.keys(study.size), account="4522", unit=unit, supplier=study,
             text=_render(["Bidrag studieförbund kv {q} {year}"], np.zeros(study.size, dtype=int),
                          _date_tokens(dates, units, unit, rng)),
             amount=_allocate(rng, study.size, total, 0.3, whole_kronor=True), kind="grants", item="grants_study")
    # welfare (ekonomiskt bistånd): two payment runs a month per type, paid to households (no supplier)
    n_types = len(WELFARE_TYPES)
    t = np.tile(np.arange(n_types), 24)
    run = np.repeat(np.arange(24), n_types)
    months = run // 2 + 1
    day = np.where(run % 2 == 0, 10, 25)
    starts = _month_starts(year)
    dates = _to_workday(starts[months - 1] + (day - 1).astype("timedelta64[D]"), year)
    shares = np.array([w for _, w in WELFARE_TYPES])
    seasonal = np.array([1.05, 1, 1, 0.97, 0.97, 1, 1.02, 1, 0.97, 0.98, 1, 1.1])[months - 1]
    amount = GRANT_MSEK["welfare"] * 1e6 * _year_factor(year, (0.08, 0.06)) * shares[t] / 24 * seasonal \
        * (1 + rng.normal(0, 0.04, t.size))
    keep = _subsample(rng, t.size, scale, minimum=n_types)
    unit = np.full(keep.size, units.index["32020"])
    vkeys = rows.keys(24)
    rows.add(date=dates[keep], series="UT", vkey=vkeys[run[keep]], account="4511", unit=unit,
             text=_render([w for w, _ in WELFARE_TYPES], t[keep], _date_tokens(dates[keep], units, unit, rng)),
             amount=_exact_ore(amount, np.zeros(t.size, dtype=int), keep), kind="grants", item="grants_welfare")
    # housing adaptation grants, paid straight to the contractor on the contractor's invoice
    item = SpendItem("grants_housing_adaptation", "grants", "4513", GRANT_MSEK["housing_adaptation"], 0, "61050",
                     "building plumbing electrical lifts", ("Bostadsanpassningsbidrag ärende {n}",), sigma=0.8,
                     split=0.0)
    _invoice_lines(rows, rng, year, units, item, max(2, int(round(80 * scale))),
                   _total_ore(item.msek, year, (0.03, 0.03), rng))


def _financial(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, scale: float) -> None:
    """Interest on borrowing (monthly notices from the lender) and small late-payment interest."""
    msek = INTEREST_MSEK.get(year, INTEREST_MSEK[BASE_YEAR])
    item = SpendItem("interest", "financial", "8541", msek, 12, "11100", "lender", ("Ränta lån {month} {year}",),
                     season="monthly", sigma=0.05, split=0.0, whole_kronor=True)
    _invoice_lines(rows, rng, year, units, item, 12, _total_ore(msek, year, (0, 0), rng, whole_kronor=True, noise=0))
    item = SpendItem("late_interest", "financial", "8591", 0.2, 30, "tag:adm",
                     "office_supplies building electrical food_wholesale it_consult cleaning",
                     ("Dröjsmålsränta", "Påminnelseavgift och dröjsmålsränta"), sigma=1.0, split=0.0)
    _invoice_lines(rows, rng, year, units, item, max(1, int(round(30 * scale))), _total_ore(0.2, year, (0, 0), rng))


def _spend_items(rows: _Rows, rng: np.random.Generator, year: int, units: _Units, items: tuple[SpendItem, ...],
                 budget: int) -> None:
    """Supplier invoices for every spend item; `budget` is the number of lines left for them."""
    w = np.array([it.lines for it in items], dtype=float)
    split = np.array([it.split for it in items])
    per_invoice = 1 + (w * split).sum() / w.sum() * 2 + CREDIT_NOTE_RATE
    n_invoices = max(budget, len(items)) / per_invoice
    for it, wi in zip(items, w):
        n = max(1, int(round(n_invoices * wi / w.sum())))
        total = _total_ore(it.msek, year, it.growth, rng, whole_kronor=it.whole_kronor)
        _invoice_lines(rows, rng, year, units, it, n, total)


def _municipal_frame(year: int, lines: int, seed: int) -> pd.DataFrame:
    """All ledger lines of the municipality for one year (internal columns, not yet formatted)."""
    rng = np.random.default_rng([seed, year, 1])
    units = _municipal_units()
    scale = lines / DEFAULT_LINES_PER_YEAR
    rows = _Rows()
    _personnel(rows, rng, year, units, scale)
    _depreciation(rows, rng, year, units, scale)
    _internal(rows, rng, year, units, scale)
    _grants(rows, rng, year, units, scale)
    _financial(rows, rng, year, units, scale)
    _project_lines(rows, rng, year, units, PROJECTS, PROJECT_WORKS, scale)
    used = sum(len(c["amount"]) for c in rows.chunks)
    _spend_items(rows, rng, year, units, MUNICIPAL_ITEMS, lines - used)
    df = _credit_notes(rows.frame(), rng, year, rows)
    return _finish(df, rng, year, salt=0)


def _company_frame(year: int, lines: int, seed: int) -> pd.DataFrame:
    """All posted supplier-invoice lines of the company for one year."""
    rng = np.random.default_rng([seed, year, 2])
    units = _company_units()
    scale = lines / (DEFAULT_LINES_PER_YEAR * COMPANY_LINE_SHARE)
    rows = _Rows()
    _project_lines(rows, rng, year, units, COMPANY_PROJECTS, COMPANY_PROJECT_WORKS, scale, lines_per_msek=3.0)
    used = sum(len(c["amount"]) for c in rows.chunks)
    _spend_items(rows, rng, year, units, COMPANY_ITEMS, lines - used)
    df = _credit_notes(rows.frame(), rng, year, rows)
    return _finish(df, rng, year, salt=500_000)


def _finish(df: pd.DataFrame, rng: np.random.Generator, year: int, salt: int) -> pd.DataFrame:
    """Sort by posting date and number the verifications and the suppliers' invoices."""
    df["date"] = df["date"].to_numpy().astype("datetime64[D]")
    df["seq"] = np.arange(len(df))
    df = df.sort_values(["date", "series", "vkey", "seq"], kind="stable").reset_index(drop=True)
    # verification numbers: one per (series, key), numbered per series in date order
    group = df.groupby(["series", "vkey"], sort=False).ngroup().to_numpy()
    firsts = pd.DataFrame({"series": df["series"].to_numpy(), "group": group}).drop_duplicates("group")
    firsts["n"] = firsts.groupby("series").cumcount().to_numpy() + 1
    number = np.empty(len(firsts), dtype=object)
    number[:] = (firsts["series"] + f"{year % 100:02d}" + firsts["n"].astype(str).str.zfill(6)).to_numpy()
    lookup = np.empty(group.max() + 1, dtype=object)
    lookup[firsts["group"].to_numpy()] = number
    df["verification"] = lookup[group]
    # invoice numbers: each supplier numbers its invoices in date order, with gaps for its other customers
    inv = df.loc[df["invoice"] >= 0, ["invoice", "supplier", "date"]].drop_duplicates("invoice")
    inv = inv.sort_values(["supplier", "date", "invoice"], kind="stable")
    sup = inv["supplier"].to_numpy()
    seq = pd.Series(rng.integers(1, 12, size=len(inv))).groupby(sup).cumsum().to_numpy()
    base = 100_000 + (sup * 7919) % 800_000 + (year - 2020) * 40_000 + salt
    style = sup % 4
    yy = f"{year % 100:02d}"
    plain = (base + seq).astype(str)
    dashed = np.char.add(f"F{year}-", np.char.zfill(seq.astype(str), 5))
    short = np.char.add(yy, np.char.zfill(seq.astype(str), 5))
    ocr = np.char.add("7", np.char.zfill(((base * 131 + seq * 7) % 10_000_000).astype(str), 7))
    numbers = np.where(style == 0, plain, np.where(style == 1, dashed, np.where(style == 2, short, ocr)))
    by_key = pd.Series(numbers.astype(object), index=inv["invoice"].to_numpy())
    df["invoice_number"] = df["invoice"].map(by_key).fillna("").astype(object)
    credit = df["credit_of"].to_numpy() >= 0
    if credit.any():
        orig = by_key.reindex(df.loc[credit, "credit_of"].to_numpy()).to_numpy()
        df.loc[credit, "text"] = ("Kreditering faktura " + pd.Series(orig, dtype=object) + ", "
                                  + df.loc[credit, "text"].reset_index(drop=True)).to_numpy()
    return df.drop(columns=["seq"])

# --------------------------------------------------------------------------------------------
# Deliberately bad rows (one municipal file) and the manifest
# --------------------------------------------------------------------------------------------


@dataclass
class BadRow:
    """A deliberately invalid row: where it is and the finding validation should report for it."""

    row: int                 # line number in the file as a spreadsheet shows it (the header is row 1)
    column: str              # header of the offending column
    field: str               # canonical field (klimatspend's name for the column)
    value: str               # the raw value written
    code: str                # stable error code
    message: str             # the message text validation is expected to give
    note: str = ""


@dataclass
class DemoFile:
    """One generated file: what it holds, how many rows, and its totals (SEK) overall and per kind."""

    name: str
    kind: str                # municipal_ledger | company_ledger | supplier_register
    organisation: str
    org_number: str
    year: int | None
    format: str              # csv | xlsx
    encoding: str
    rows: int                # data rows (header and title rows not counted)
    total_amount_sek: float  # sum of every amount that parses as a number
    loaded_rows: int         # rows expected to pass validation
    loaded_amount_sek: float
    rejected_rows: int
    rejected_amount_sek: float   # parseable amounts on the rejected rows
    sha256: str
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)


@dataclass
class DemoManifest:
    """What `generate` wrote: the organisations, the parameters and every file with its totals."""

    seed: int
    years: list[int]
    lines_per_year: int
    municipality: dict[str, object]
    company: dict[str, object]
    files: list[DemoFile]
    generator: str = "pipeline.demo.generator"
    manifest_version: int = 1

    def file(self, name: str) -> DemoFile:
        """Return the entry for the file called `name` (KeyError if there is none)."""
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)

    def ledgers(self, kind: str | None = None) -> list[DemoFile]:
        """Return the ledger files (optionally only `municipal_ledger` or `company_ledger`)."""
        return [f for f in self.files if f.kind != "supplier_register" and (kind is None or f.kind == kind)]

    def as_dict(self) -> dict:
        """Return the manifest as plain data (the content of manifest.json)."""
        return asdict(self)

    def to_json(self) -> str:
        """Return manifest.json's text (UTF-8, stable key order)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DemoManifest:
        """Read a manifest back from the text of manifest.json."""
        data = json.loads(text)
        files = [DemoFile(**{**f, "bad_rows": [BadRow(**b) for b in f["bad_rows"]]}) for f in data.pop("files")]
        return cls(files=files, **data)


# (column, field, code, message): one row each; the value is made by _bad_value
_BAD_ROW_SPECS: tuple[tuple[str, str, str], ...] = (
    ("Belopp", "amount", "type-error"),
    ("Konto", "account", "missing-cell"),
    ("Bokföringsdatum", "posting_date", "constraint-error"),
    ("Organisationsnummer", "supplier_org_number", "constraint-error"),
    ("Bokföringsdatum", "posting_date", "type-error"),
    ("Belopp", "amount", "missing-cell"),
    ("Konto", "account", "constraint-error"),
)


def _bad_value(column: str, code: str, row: dict[str, str], year: int) -> tuple[str, str, str]:
    """Return (value, expected message, note) for one deliberately bad cell."""
    if column == "Belopp" and code == "type-error":
        value = "12,5O"
        return value, f'value "{value}" is not a number', "letter O instead of zero"
    if code == "missing-cell":
        return "", "the cell is empty", ""
    if column == "Bokföringsdatum" and code == "constraint-error":
        value = f"{year - 1}-12-31"
        return (value, f'value "{value}" is outside the declared period {year}-01-01..{year}-12-31',
                "a date outside the fiscal year; rejected when the file is ingested with its year declared")
    if column == "Bokföringsdatum":
        value = f"{year}-02-30"
        return value, f'value "{value}" is not a date', "no such day"
    if column == "Organisationsnummer":
        digits = row["Organisationsnummer"].replace("-", "")
        wrong = digits[:9] + str((int(digits[9]) + 1) % 10)
        value = f"{wrong[:6]}-{wrong[6:]}"
        return value, f'value "{value}" is not a valid organisationsnummer (check digit)', "check digit off by one"
    if column == "Konto":
        value = row["Konto"][:2] + "I" + row["Konto"][3:]
        return value, f'value "{value}" is not an account number (expected 2-6 digits)', "letter I instead of one"
    raise ValueError(f"no bad value defined for {column} {code}")


def _inject_bad_rows(table: pd.DataFrame, rng: np.random.Generator, year: int,
                     kinds: pd.Series) -> tuple[pd.DataFrame, list[BadRow], pd.Series]:
    """Insert copies of supplier-invoice rows with one bad cell each; returns the table, the list, the kinds."""
    candidates = np.flatnonzero((table["Organisationsnummer"] != "").to_numpy()
                                & kinds.isin(list(MAPPED_KINDS)).to_numpy()
                                & ~table["Text"].str.startswith("Kreditering").to_numpy())
    n = len(_BAD_ROW_SPECS)
    sources = np.sort(rng.choice(candidates, size=n, replace=False))
    pieces, kind_pieces, bad = [], [], []
    start = 0
    for k, (src, (column, fld, code)) in enumerate(zip(sources, _BAD_ROW_SPECS)):
        pieces.append(table.iloc[start:src + 1])
        kind_pieces.append(kinds.iloc[start:src + 1])
        copy = table.iloc[[src]].copy()
        # another line of the same invoice (a different amount), so it is no duplicate of its source
        ore = int(_parse_amounts(copy["Belopp"])[0])
        copy["Belopp"] = format_amount(np.array([max(100, int(ore * rng.uniform(0.3, 0.9)))]))
        value, message, note = _bad_value(column, code, copy.iloc[0].to_dict(), year)
        copy[column] = value
        pieces.append(copy)
        kind_pieces.append(pd.Series(["invalid"]))
        # row number: rows before it (src + 1 originals + k earlier bad rows) plus the header row
        bad.append(BadRow(row=int(src) + 1 + k + 2, column=column, field=fld, value=value, code=code,
                          message=message, note=note))
        start = src + 1
    pieces.append(table.iloc[start:])
    kind_pieces.append(kinds.iloc[start:])
    return (pd.concat(pieces, ignore_index=True), bad,
            pd.concat(kind_pieces, ignore_index=True))

# --------------------------------------------------------------------------------------------
# Formatting and writers
# --------------------------------------------------------------------------------------------

_FORBIDDEN = re.compile(r'[;"\r\n]')


def format_amount(ore: np.ndarray) -> np.ndarray:
    """Format amounts in öre as Swedish decimal-comma strings without thousands separator: -12345,50."""
    ore = np.asarray(ore, dtype=np.int64)
    a = np.abs(ore)
    text = np.char.add(np.char.add((a // 100).astype(str), ","), np.char.zfill((a % 100).astype(str), 2))
    return np.where(ore < 0, np.char.add("-", text), text).astype(object)


def _register_columns() -> tuple[np.ndarray, np.ndarray]:
    reg = supplier_register()
    names = np.array([s.name for s in reg] + [""], dtype=object)       # index -1 -> ""
    numbers = np.array([s.org_number for s in reg] + [""], dtype=object)
    return names, numbers


def _municipal_table(df: pd.DataFrame) -> pd.DataFrame:
    """The municipal ledger as the finance system exports it: every cell a string, Swedish headers."""
    unit = df["unit"].to_numpy()
    namnd = np.array([_FV[a.fv].namnd for a in ANSVAR], dtype=object)[unit]
    forv = np.array([_FV[a.fv].name for a in ANSVAR], dtype=object)[unit]
    code = np.array([a.code for a in ANSVAR], dtype=object)[unit]
    verks = np.array([a.verksamhet for a in ANSVAR], dtype=object)[unit]
    names, numbers = _register_columns()
    sup = df["supplier"].to_numpy()
    return pd.DataFrame({
        "Bokföringsdatum": np.datetime_as_string(df["date"].to_numpy().astype("datetime64[D]"), unit="D").astype(object),
        "Verifikationsnummer": df["verification"].to_numpy(),
        "Konto": df["account"].to_numpy(),
        "Kontobenämning": df["account"].map(KB13_ACCOUNTS).to_numpy(),
        "Nämnd": namnd, "Förvaltning": forv, "Ansvar": code, "Verksamhet": verks,
        "Projekt": df["project"].to_numpy(), "Motpart": df["motpart"].to_numpy(),
        "Leverantör": names[sup], "Organisationsnummer": numbers[sup],
        "Fakturanummer": df["invoice_number"].to_numpy(), "Text": df["text"].to_numpy(),
        "Belopp": format_amount(df["amount"].to_numpy()),
    }, dtype=object)


def _csv_bytes(table: pd.DataFrame, encoding: str) -> bytes:
    """Join the cells with ';' and CRLF, as a Windows finance system writes them (no quoting needed)."""
    line = None
    for name in table.columns:
        col = table[name].to_numpy(dtype=object)
        hit = _FORBIDDEN.search("\x00".join(col.tolist()))
        if hit:
            raise ValueError(f"column {name!r}: a value contains {hit.group()!r} and would need quoting")
        line = col if line is None else line + ";" + col
    text = ";".join(table.columns) + "\r\n" + "\r\n".join(line.tolist()) + "\r\n"
    return text.encode(encoding)


_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2020-01-01T00:00:00Z"


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite an xlsx zip with fixed timestamps and stored (uncompressed) entries.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; deflate output may
    differ between zlib builds. Fixed times and stored entries make the bytes the same everywhere.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rb"\g<1>" + _FIXED_DOC_TIME.encode() + rb"\g<3>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_STORED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            dst.writestr(entry, data)
    return out.getvalue()


def _company_xlsx_bytes(df: pd.DataFrame, year: int) -> bytes:
    """The company's posted supplier invoices as an xlsx: two title rows, header on row 3."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(COMPANY_SHEET)
    for col, width in zip("ABCDEFGHIJ", (11, 7, 34, 13, 9, 36, 13, 13, 44, 14)):
        ws.column_dimensions[col].width = width
    ws.append([f"{COMPANY_NAME} – bokförda leverantörsfakturor {year}"])
    ws.append([])
    ws.append(COMPANY_HEADER)
    names, numbers = _register_columns()
    sup = df["supplier"].to_numpy()
    units = np.array([k.code for k in COMPANY_UNITS], dtype=object)[df["unit"].to_numpy()]
    dates = df["date"].to_numpy().astype("datetime64[D]").astype(object)      # datetime.date
    amounts = (df["amount"].to_numpy() / 100.0).round(2)
    columns = zip(dates, df["account"], df["account"].map(BAS_ACCOUNTS), units, df["project"], names[sup],
                  numbers[sup], df["invoice_number"], df["text"], amounts)
    # plain values: openpyxl gives date cells the format yyyy-mm-dd; amounts are numeric cells
    for date, account, account_name, unit, project, supplier, number, invoice, text, amount in columns:
        ws.append([date, int(account), account_name, unit, project or None, supplier, number, invoice, text,
                   float(amount)])
    wb.properties.creator = COMPANY_NAME
    wb.properties.title = f"Leverantörsreskontra {year}"
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def _register_bytes() -> bytes:
    reg = supplier_register()
    table = pd.DataFrame({"Organisationsnummer": [s.org_number for s in reg], "Namn": [s.name for s in reg],
                          "SNI 2007": [s.sni for s in reg], "SNI-text": [s.sni_text for s in reg]}, dtype=object)
    return _csv_bytes(table, "utf-8")


def _by_kind(kinds: pd.Series, amounts: np.ndarray) -> dict[str, dict[str, float]]:
    frame = pd.DataFrame({"kind": kinds.to_numpy(), "amount": amounts})
    out: dict[str, dict[str, float]] = {}
    for kind in (*MAPPED_KINDS, *EXCLUDED_KINDS):
        sel = frame["amount"][frame["kind"] == kind]
        if len(sel):
            out[kind] = {"rows": int(len(sel)), "amount_sek": round(int(sel.sum()) / 100, 2)}
    return out


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def municipal_file_name(year: int) -> str:
    """File name of the municipality's ledger for `year`."""
    return f"alvby_kommun_{year}.csv"


def company_file_name(year: int) -> str:
    """File name of the company's ledger for `year`."""
    return f"alvbybostader_{year}.xlsx"


REGISTER_FILE = "leverantorsregister.csv"
MANIFEST_FILE = "manifest.json"


def generate(out_dir: Path, *, years: tuple[int, ...] = DEFAULT_YEARS, lines_per_year: int = DEFAULT_LINES_PER_YEAR,
             seed: int = DEFAULT_SEED) -> DemoManifest:
    """Write the demo ledgers, the supplier register and manifest.json into `out_dir`; return the manifest.

    `lines_per_year` is the approximate number of municipal ledger lines per year (the company gets
    6 % of it); amounts (SEK) do not depend on it, only how finely they are split. The same
    arguments always give byte-identical files. The latest year's municipal file carries seven
    deliberately bad rows, listed in the manifest with the error each should produce.
    """
    years = tuple(sorted(int(y) for y in years))
    if not years:
        raise ValueError("years: give at least one fiscal year")
    if lines_per_year < 500:
        raise ValueError(f"lines_per_year={lines_per_year}: use at least 500 (every kind of spend needs lines)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    bad_year = years[-1]
    for year in years:
        df = _municipal_frame(year, lines_per_year, seed)
        table = _municipal_table(df)
        kinds = df["kind"].astype(object)
        amounts = df["amount"].to_numpy()
        bad: list[BadRow] = []
        if year == bad_year:
            rng = np.random.default_rng([seed, year, 3])
            table, bad, kinds = _inject_bad_rows(table, rng, year, kinds)
            amounts = _parse_amounts(table["Belopp"])
        data = _csv_bytes(table, "cp1252")
        name = municipal_file_name(year)
        (out / name).write_bytes(data)
        files.append(_describe(name, "municipal_ledger", MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER, year, "csv",
                               "cp1252", kinds, amounts, bad, data))
    for year in years:
        df = _company_frame(year, max(60, int(round(lines_per_year * COMPANY_LINE_SHARE))), seed)
        data = _company_xlsx_bytes(df, year)
        name = company_file_name(year)
        (out / name).write_bytes(data)
        files.append(_describe(name, "company_ledger", COMPANY_NAME, COMPANY_ORG_NUMBER, year, "xlsx", "",
                               df["kind"].astype(object), df["amount"].to_numpy(), [], data))
    data = _register_bytes()
    (out / REGISTER_FILE).write_bytes(data)
    files.append(DemoFile(REGISTER_FILE, "supplier_register", MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER, None, "csv",
                          "utf-8", len(supplier_register()), 0.0, len(supplier_register()), 0.0, 0, 0.0,
                          _sha256(data)))
    manifest = DemoManifest(
        seed=seed, years=list(years), lines_per_year=lines_per_year,
        municipality={"name": MUNICIPALITY_NAME, "org_number": MUNICIPALITY_ORG_NUMBER, "inhabitants": INHABITANTS,
                      "chart_of_accounts": "Kommun-Bas 13"},
        company={"name": COMPANY_NAME, "org_number": COMPANY_ORG_NUMBER, "chart_of_accounts": "BAS 2025",
                 "sheet": COMPANY_SHEET, "header_row": 3},
        files=files)
    (out / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8", newline="\n")
    return manifest


def _parse_amounts(column: pd.Series) -> np.ndarray:
    """Amounts in öre of a formatted Belopp column; unparseable cells count as 0 (they are rejected)."""
    text = column.astype(str).str.replace(",", ".", regex=False)
    value = pd.to_numeric(text, errors="coerce")
    return np.round(value.fillna(0).to_numpy() * 100).astype(np.int64)


def _describe(name: str, kind: str, organisation: str, org_number: str, year: int, fmt: str, encoding: str,
              kinds: pd.Series, amounts: np.ndarray, bad: list[BadRow], data: bytes) -> DemoFile:
    rejected = (kinds == "invalid").to_numpy()
    total = int(amounts.sum())
    rejected_sum = int(amounts[rejected].sum())
    return DemoFile(name=name, kind=kind, organisation=organisation, org_number=org_number, year=year, format=fmt,
                    encoding=encoding, rows=int(len(kinds)), total_amount_sek=round(total / 100, 2),
                    loaded_rows=int((~rejected).sum()), loaded_amount_sek=round((total - rejected_sum) / 100, 2),
                    rejected_rows=int(rejected.sum()), rejected_amount_sek=round(rejected_sum / 100, 2),
                    sha256=_sha256(data), by_kind=_by_kind(kinds[~rejected], amounts[~rejected]), bad_rows=bad)
