"""The industry crosswalks of the spend factor sets: one table of NACE Rev. 2 / SNI 2007 / UK SIC 2007 codes
(what industry produced what was bought) with the factor code each set gives it.

    python -m pipeline.factors.build crosswalks OUT_DIR     writes OUT_DIR/nace2_useeio/1.1.0/, nace2_exiobase/1.0.0/
                                                             and nace2_defra/1.0.0/ (crosswalk.csv + crosswalk.meta.json)

The three crosswalks share their industry codes, names and categories, so that any industry code resolves in
every shipped spend set (a test checks it). Codes are written without dots (NACE 56.29 -> 5629); the longest
code that is a prefix of an industry code wins. Every NACE division is present; groups and classes where a set
distinguishes products. Wholesale and retail (45-47) map to the goods sold, not to the trade margin, because
what an organisation buys from a wholesaler is the product.

EXIOBASE product codes follow the official concordance (EXIOBASE/00-concordances-public, cpasut64_exiobase3p)
and the NACE -> EXIOBASE product list (nace2_to_exiobase_products); where a NACE class maps to several
products the choice and its reason are in `notes`. Defra codes are the SIC groups of the Defra/Leeds spend
multipliers (some groups span classes: 20A, 23OTHER ...).

`is_supplier_rule` false means a supplier of that industry does not decide the factor (public administration:
what a municipality buys from a public body is better known from the account), but an account-map row or a
keyword rule that names the industry is priced by the row.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

# code, name, category, useeio NAICS-6 ('' = USEEIO has none), EXIOBASE product, Defra SIC group, supplier rule, note
INDUSTRIES: list[tuple[str, str, str, str, str, str, bool, str]] = [
    ("01", "Crop and animal production, hunting", "food", "111998", "p01.h", "1", True,
     "EXIOBASE: crops nec as a middle value (vegetables 0.19, cattle 9 kg/EUR in SE); animal products are far higher"),
    ("02", "Forestry and logging", "goods", "113310", "p02", "2", True, ""),
    ("03", "Fishing and aquaculture", "food", "114111", "p05", "3", True, ""),
    ("05", "Mining of coal and lignite", "goods", "212111", "p10.c", "5", True, ""),
    ("06", "Extraction of crude petroleum and natural gas", "energy", "211120", "p11.a", "6", True, ""),
    ("07", "Mining of metal ores", "goods", "212299", "p13.1", "8", True,
     "Defra: metal ores (SIC 7) is effectively 0 kg/GBP (no UK output); other mining (SIC 8) is used"),
    ("08", "Other mining and quarrying", "construction_property", "212321", "p14.2", "8", True, "Sand, gravel, stone"),
    ("09", "Mining support service activities", "services", "213112", "p14.3", "9", True, ""),
    ("10", "Manufacture of food products", "food", "311999", "p15.i", "10.8", True, ""),
    ("101", "Processing and preserving of meat and production of meat products", "food", "311611", "p15.d", "10.1",
     True, ""),
    ("1012", "Processing and preserving of poultry meat", "food", "311615", "p15.c", "10.1", True, ""),
    ("102", "Processing and preserving of fish, crustaceans and molluscs", "food", "311710", "p15.k", "10.2-3", True, ""),
    ("103", "Processing and preserving of fruit and vegetables", "food", "311999", "p15.i", "10.2-3", True, ""),
    ("104", "Manufacture of vegetable and animal oils and fats", "food", "311224", "p15.e", "10.4", True, ""),
    ("105", "Manufacture of dairy products", "food", "311511", "p15.f", "10.5", True, ""),
    ("106", "Manufacture of grain mill products, starches and starch products", "food", "311211", "p15.i", "10.6",
     True, ""),
    ("107", "Manufacture of bakery and farinaceous products", "food", "311812", "p15.i", "10.7", True, ""),
    ("109", "Manufacture of prepared animal feeds", "goods", "311119", "p15.i", "10.9", True, ""),
    ("11", "Manufacture of beverages", "food", "312111", "p15.j", "11.01-6", True, ""),
    ("1107", "Manufacture of soft drinks and mineral waters", "food", "312111", "p15.j", "11.07", True, ""),
    ("12", "Manufacture of tobacco products", "goods", "312230", "p16", "12", True, ""),
    ("13", "Manufacture of textiles", "goods", "314999", "p17", "13", True, ""),
    ("14", "Manufacture of wearing apparel", "goods", "315990", "p18", "14", True, ""),
    ("15", "Manufacture of leather and related products", "goods", "316998", "p19", "15", True, ""),
    ("16", "Manufacture of wood and wood products", "construction_property", "321999", "p20", "16", True, ""),
    ("17", "Manufacture of paper and paper products", "goods", "322299", "p21.2", "17", True, ""),
    ("18", "Printing and reproduction of recorded media", "goods", "323111", "p22", "18", True, ""),
    ("19", "Manufacture of coke and refined petroleum products", "transport", "324110", "p23.20.f", "19", True,
     "Fuels: extraction and refining only; combustion by the buyer is scope 1 and not included. EXIOBASE: gas/diesel "
     "oil stands for the motor and heating fuels bought (motor gasoline is within 2 % of it in SE)"),
    ("20", "Manufacture of chemicals and chemical products", "goods", "325998", "p24.d", "20.5", True, ""),
    ("2011", "Manufacture of industrial gases", "goods", "325120", "p24.d", "20A", True, ""),
    ("2012", "Manufacture of dyes and pigments", "goods", "325130", "p24.d", "20C", True, ""),
    ("2013", "Manufacture of other inorganic basic chemicals", "goods", "325180", "p24.d", "20A", True,
     "Water-treatment chemicals"),
    ("2014", "Manufacture of other organic basic chemicals", "goods", "325199", "p24.d", "20B", True, ""),
    ("2015", "Manufacture of fertilisers and nitrogen compounds", "goods", "325311", "p24.b", "20A", True, ""),
    ("2016", "Manufacture of plastics in primary forms", "goods", "325211", "p24.a", "20B", True, ""),
    ("2020", "Manufacture of pesticides and other agrochemical products", "goods", "325320", "p24.d", "20C", True, ""),
    ("203", "Manufacture of paints, varnishes and similar coatings", "construction_property", "325510", "p24.d", "20.3",
     True, ""),
    ("204", "Manufacture of soap and detergents, cleaning and polishing preparations", "goods", "325611", "p24.d",
     "20.4", True, ""),
    ("21", "Manufacture of basic pharmaceutical products", "goods", "325412", "p24.d", "21", True, ""),
    ("22", "Manufacture of rubber and plastic products", "goods", "326199", "p25", "22", True, ""),
    ("23", "Manufacture of other non-metallic mineral products", "construction_property", "327390", "p26.e",
     "23OTHER", True, ""),
    ("231", "Manufacture of glass and glass products", "construction_property", "327211", "p26.a", "23OTHER", True, ""),
    ("233", "Manufacture of clay building materials", "construction_property", "327120", "p26.c", "23OTHER", True, ""),
    ("235", "Manufacture of cement, lime and plaster", "construction_property", "327310", "p26.d", "23.5-6", True, ""),
    ("236", "Manufacture of articles of concrete, cement and plaster", "construction_property", "327320", "p26.e",
     "23.5-6", True, "Ready-mixed concrete and concrete products"),
    ("24", "Manufacture of basic metals", "goods", "331110", "p27.a", "24.1-3", True, ""),
    ("244", "Manufacture of basic precious and other non-ferrous metals", "goods", "331313", "p27.42", "24.4-5", True,
     "EXIOBASE: aluminium stands for the non-ferrous metals"),
    ("245", "Casting of metals", "goods", "331511", "p27.5", "24.4-5", True, ""),
    ("25", "Manufacture of fabricated metal products", "goods", "332999", "p28", "25OTHER", True, ""),
    ("254", "Manufacture of weapons and ammunition", "goods", "332992", "p28", "25.4", True, ""),
    ("26", "Manufacture of computer, electronic and optical products", "it_telecom", "334111", "p30", "26", True, ""),
    ("27", "Manufacture of electrical equipment", "goods", "335999", "p31", "27", True, ""),
    ("28", "Manufacture of machinery and equipment n.e.c.", "goods", "333318", "p29", "28", True, ""),
    ("29", "Manufacture of motor vehicles, trailers and semi-trailers", "transport", "336111", "p34", "29", True, ""),
    ("30", "Manufacture of other transport equipment", "transport", "336999", "p35", "30OTHER", True, ""),
    ("301", "Building of ships and boats", "transport", "336611", "p35", "30.1", True, ""),
    ("303", "Manufacture of air and spacecraft and related machinery", "transport", "336411", "p35", "30.3", True, ""),
    ("31", "Manufacture of furniture", "goods", "337127", "p36", "31", True, ""),
    ("32", "Other manufacturing", "goods", "339999", "p36", "32", True, ""),
    ("33", "Repair and installation of machinery and equipment", "goods", "811310", "p29", "33OTHER", True, ""),
    ("3315", "Repair and maintenance of ships and boats", "transport", "811310", "p35", "33.15", True, ""),
    ("3316", "Repair and maintenance of aircraft and spacecraft", "transport", "811310", "p35", "33.16", True, ""),
    ("35", "Electricity, gas, steam and air conditioning supply", "energy", "221330", "p40.3", "35.2-3", True,
     "Division fallback = steam/district heating; electricity (35.1) has its own row"),
    ("351", "Electric power generation, transmission and distribution", "energy", "", "p40.11.d", "35.1", True,
     "USEEIO publishes no electricity factor (scope 2): no spend estimate under it. EXIOBASE has one product per "
     "generation technology and no mix: Swedish electricity came mainly from hydro and nuclear power in 2011, whose "
     "SE multipliers are close (0.159 and 0.162 kg/EUR); hydro stands for the mix. A screening estimate: load kWh"),
    ("352", "Manufacture of gas; distribution of gaseous fuels through mains", "energy", "221210", "p40.2.1", "35.2-3",
     True, "Natural gas distribution; combustion by the buyer is scope 1 and not included"),
    ("353", "Steam and air conditioning supply", "energy", "221330", "p40.3", "35.2-3", True,
     "District heating; replace with the supplier's own factor (miljövärde) or load kWh"),
    ("36", "Water collection, treatment and supply", "energy", "221310", "p41", "36", True, ""),
    ("37", "Sewerage", "energy", "221320", "p90.4.b", "37", True, ""),
    ("38", "Waste collection, treatment and disposal; materials recovery", "services", "562111", "p90.1.a", "38", True,
     "EXIOBASE: mixed municipal waste is mostly incinerated with energy recovery in Sweden; the region's "
     "incineration products lie within 10 % of each other. USEEIO's waste collection and landfill (0.988) includes "
     "US landfill methane"),
    ("383", "Materials recovery", "services", "562920", "p37", "38", True, ""),
    ("39", "Remediation activities and other waste management services", "services", "562910", "p90.5.d", "39", True,
     ""),
    ("41", "Construction of buildings", "construction_property", "236220", "p45", "41.2", True, ""),
    ("42", "Civil engineering", "construction_property", "237310", "p45", "42.1-2", True,
     "Roads and bridges; 42.21 pipelines and utility networks use 237110 under USEEIO"),
    ("4221", "Construction of utility projects for fluids", "construction_property", "237110", "p45", "42.1-2", True,
     ""),
    ("43", "Specialised construction activities", "construction_property", "238990", "p45", "42.99", True,
     "Defra labels specialised construction works 42.99"),
    ("4321", "Electrical installation", "construction_property", "238210", "p45", "42.99", True, ""),
    ("4322", "Plumbing, heat and air-conditioning installation", "construction_property", "238220", "p45", "42.99",
     True, ""),
    ("45", "Wholesale and retail trade and repair of motor vehicles", "transport", "811111", "p50.a", "45", True,
     "Division fallback = repair; vehicle sales (45.1) map to the vehicle itself"),
    ("451", "Sale of motor vehicles", "transport", "336111", "p34", "29", True,
     "A car bought from a dealer is the car: manufacturing factor"),
    ("46", "Wholesale trade, except of motor vehicles", "goods", "339940", "p36", "32", True,
     "The product bought from a wholesaler is unknown at division level; mid-range goods factor. Groups refine. "
     "Defra's wholesale group (SIC 46, 4.5-9 kg/GBP) is not used: it is flagged as an outlier"),
    ("463", "Wholesale of food, beverages and tobacco", "food", "311999", "p15.i", "10.8", True,
     "Food wholesalers: the product is food"),
    ("464", "Wholesale of household goods", "goods", "339940", "p36", "32", True, ""),
    ("465", "Wholesale of information and communication equipment", "it_telecom", "334111", "p30", "26", True, ""),
    ("466", "Wholesale of other machinery, equipment and supplies", "goods", "333318", "p29", "28", True, ""),
    ("4671", "Wholesale of solid, liquid and gaseous fuels", "transport", "324110", "p23.20.f", "19", True,
     "Fuels: combustion by the buyer not included"),
    ("4673", "Wholesale of wood, construction materials and sanitary equipment", "construction_property", "327390",
     "p26.e", "23OTHER", True, ""),
    ("47", "Retail trade, except of motor vehicles", "goods", "339940", "p36", "32", True,
     "Mid-range goods factor; groups refine"),
    ("471", "Retail sale in non-specialised stores", "food", "311999", "p15.i", "10.8", True,
     "Supermarkets: mostly food"),
    ("473", "Retail sale of automotive fuel in specialised stores", "transport", "324110", "p23.20.a", "19", True,
     "Fuel at filling stations: combustion by the buyer not included"),
    ("49", "Land transport and transport via pipelines", "transport", "484110", "p60.2", "49.3-5", True, ""),
    ("491", "Passenger rail transport, interurban", "transport", "482111", "p60.1", "49.1-2", True, ""),
    ("492", "Freight rail transport", "transport", "482111", "p60.1", "49.1-2", True, ""),
    ("493", "Other passenger land transport", "transport", "485510", "p60.2", "49.3-5", True,
     "Buses; taxis 49.32 use 485310 under USEEIO (same sector)"),
    ("494", "Freight transport by road and removal services", "transport", "484110", "p60.2", "49.3-5", True, ""),
    ("50", "Water transport", "transport", "483111", "p61.1", "50", True, ""),
    ("51", "Air transport", "transport", "481111", "p62", "51", True, ""),
    ("52", "Warehousing and support activities for transportation", "transport", "493110", "p63", "52", True, ""),
    ("53", "Postal and courier activities", "it_telecom", "491110", "p64", "53", True, ""),
    ("532", "Other postal and courier activities", "transport", "492110", "p64", "53", True, ""),
    ("55", "Accommodation", "transport", "721110", "p55", "55", True, "Hotels, booked mostly as business travel"),
    ("56", "Food and beverage service activities", "food", "722511", "p55", "56", True, ""),
    ("562", "Event catering and other food service activities", "food", "722310", "p55", "56", True,
     "Contract catering (school and care meals bought in)"),
    ("58", "Publishing activities", "goods", "511130", "p22", "58", True, ""),
    ("582", "Software publishing", "it_telecom", "511210", "p72", "58", True, ""),
    ("59", "Motion picture, video and television, sound recording", "services", "512110", "p92", "59", True, ""),
    ("60", "Programming and broadcasting activities", "services", "515120", "p92", "60", True, ""),
    ("61", "Telecommunications", "it_telecom", "517311", "p64", "61", True, ""),
    ("62", "Computer programming, consultancy and related activities", "it_telecom", "541512", "p72", "62", True, ""),
    ("63", "Information service activities", "it_telecom", "518210", "p72", "63", True, ""),
    ("64", "Financial service activities, except insurance and pension funding", "services", "522110", "p65", "64",
     True, ""),
    ("65", "Insurance, reinsurance and pension funding", "services", "524126", "p66", "65.1-2", True,
     "Defra's pension funding (65.3, about 0.001 kg/GBP) is not used"),
    ("66", "Activities auxiliary to financial services and insurance", "services", "523930", "p67", "66", True, ""),
    ("68", "Real estate activities", "construction_property", "531120", "p70", "68.12", True, ""),
    ("683", "Real estate activities on a fee or contract basis", "construction_property", "531311", "p70", "68.3",
     True, ""),
    ("69", "Legal and accounting activities", "services", "541211", "p74", "69.2", True, ""),
    ("691", "Legal activities", "services", "541110", "p74", "69.1", True, ""),
    ("70", "Activities of head offices; management consultancy", "services", "541611", "p74", "70", True, ""),
    ("71", "Architectural and engineering activities; technical testing", "services", "541330", "p74", "71", True, ""),
    ("72", "Scientific research and development", "services", "541715", "p73", "72", True, ""),
    ("73", "Advertising and market research", "services", "541810", "p74", "73", True, ""),
    ("74", "Other professional, scientific and technical activities", "services", "541990", "p74", "74", True, ""),
    ("75", "Veterinary activities", "services", "541940", "p85", "75", True, ""),
    ("77", "Rental and leasing activities", "goods", "532490", "p71", "77", True, ""),
    ("771", "Renting and leasing of motor vehicles", "transport", "532111", "p71", "77", True, ""),
    ("78", "Employment activities", "services", "561320", "p74", "78", True, "Staffing agencies"),
    ("79", "Travel agency, tour operator and reservation service", "transport", "561510", "p63", "79", True,
     "The agency's own service; the trips themselves are far higher"),
    ("80", "Security and investigation activities", "services", "561612", "p74", "80", True, ""),
    ("81", "Services to buildings and landscape activities", "construction_property", "561720", "p74", "81", True, ""),
    ("811", "Combined facilities support activities", "construction_property", "561210", "p74", "81", True, ""),
    ("813", "Landscape service activities", "construction_property", "561730", "p74", "81", True, ""),
    ("82", "Office administrative, office support and other business support", "services", "561990", "p74", "82",
     True, ""),
    ("84", "Public administration and defence; compulsory social security", "services", "561110", "p75", "84", False,
     "Not a supplier rule: what is bought from a public body is better known from the account. USEEIO has no "
     "government factor; office administrative services stand in when an account row names this industry"),
    ("85", "Education", "care_education", "611110", "p80", "85", True, ""),
    ("854", "Higher education", "care_education", "611310", "p80", "85", True, ""),
    ("855", "Other education", "care_education", "611699", "p80", "85", True, ""),
    ("856", "Educational support activities", "care_education", "611710", "p74", "85", True, ""),
    ("86", "Human health activities", "care_education", "621111", "p85", "86", True, ""),
    ("861", "Hospital activities", "care_education", "622110", "p85", "86", True, ""),
    ("87", "Residential care activities", "care_education", "623990", "p85", "87", True, ""),
    ("871", "Residential nursing care activities", "care_education", "623110", "p85", "87", True, ""),
    ("872", "Residential care for mental retardation, mental health and substance abuse", "care_education", "623220",
     "p85", "87", True, "HVB and LSS homes"),
    ("873", "Residential care activities for the elderly and disabled", "care_education", "623312", "p85", "87", True,
     ""),
    ("88", "Social work activities without accommodation", "care_education", "624190", "p85", "88", True, ""),
    ("881", "Social work without accommodation for the elderly and disabled", "care_education", "624120", "p85", "88",
     True, "Home care (hemtjänst), personal assistance"),
    ("8891", "Child day-care activities", "care_education", "624410", "p85", "88", True, "Pre-schools run by others"),
    ("90", "Creative, arts and entertainment activities", "services", "711510", "p92", "90", True, ""),
    ("91", "Libraries, archives, museums and other cultural activities", "services", "712110", "p92", "91", True, ""),
    ("92", "Gambling and betting activities", "services", "713290", "p92", "92", True, ""),
    ("93", "Sports activities and amusement and recreation activities", "services", "713940", "p92", "93", True, ""),
    ("94", "Activities of membership organisations", "services", "813910", "p91", "94", True, ""),
    ("95", "Repair of computers and personal and household goods", "goods", "811490", "p52", "95", True, ""),
    ("951", "Repair of computers and communication equipment", "it_telecom", "811212", "p52", "95", True, ""),
    ("96", "Other personal service activities", "services", "812990", "p93", "96", True, ""),
    ("9601", "Washing and (dry-)cleaning of textile and fur products", "services", "812320", "p93", "96", True, ""),
    ("97", "Activities of households as employers of domestic personnel", "services", "812990", "p95", "97", True,
     "USEEIO has no household-employer code: other personal services"),
    ("98", "Undifferentiated goods- and services-producing activities of private households for own use",
     "services", "812990", "p95", "97", True, ""),
    ("99", "Activities of extraterritorial organisations and bodies", "services", "561110", "p75", "84", False,
     "EXIOBASE's extra-territorial product has no output; public administration stands in"),
]

SETS = {
    # crosswalk id, version, factor set id, column index in INDUSTRIES, code pattern, meta
    "useeio": ("nace2_useeio", "1.1.0", 3, "^[0-9]{6}$"),
    "exiobase": ("nace2_exiobase", "1.0.0", 4, "^p[0-9][0-9a-z.]*$"),
    "defra_sic": ("nace2_defra", "1.0.0", 5, "^[0-9]{1,2}[0-9A-Z.-]*$"),
}

NAMES = {
    "useeio": "SNI 2007 / NACE Rev. 2 -> USEEIO NAICS-6 factor code",
    "exiobase": "SNI 2007 / NACE Rev. 2 -> EXIOBASE 3 product code",
    "defra_sic": "SNI 2007 / NACE Rev. 2 / UK SIC 2007 -> Defra/Leeds SIC group",
}

METHODS = {
    "useeio": "Hand-made by klimatspend (1.0.0 extended): every NACE division gets the NAICS-6 code of the product "
              "such a supplier typically sells, groups and classes where the factor differs. 1.1.0 adds divisions "
              "92, 97-99, food, chemical, mineral and metal groups, and a stand-in for 84 so that every industry code "
              "a map may use resolves; 35.1 electricity stays without a factor (USEEIO publishes none).",
    "exiobase": "Derived by klimatspend from the NACE -> EXIOBASE product list (nace2_to_exiobase_products, CC BY-SA "
                "4.0) and the official CPA concordance: one product per code; where NACE maps to several products "
                "(waste treatments, electricity technologies, fuels, agriculture) the choice is written in notes, "
                "secondary-material products (.w) are never chosen.",
    "defra_sic": "Hand-made by klimatspend: UK SIC 2007 equals NACE Rev. 2 down to the class, so each code maps to "
                 "the Defra/Leeds group that contains it (20A = 20.11/13/15, 20B = 20.14/16/17/60, 20C = 20.12/20, "
                 "23OTHER, 25OTHER, 30OTHER, 33OTHER ...). The outlier groups 46 (wholesale) and 7 (metal ores) and "
                 "65.3 (pension funding) are not used.",
}


def crosswalk_rows(set_id: str) -> list[dict]:
    """Return the crosswalk rows (dicts of the crosswalk.csv columns) of factor set `set_id`."""
    _cw, _version, column, _pattern = SETS[set_id]
    rows = []
    for item in INDUSTRIES:
        code, name, category, supplier_rule, note = item[0], item[1], item[2], item[6], item[7]
        factor_code = item[column]
        rows.append({"industry_code": code, "industry_name": name, "category_id": category,
                     "factor_set_id": set_id if factor_code else "", "factor_code": factor_code,
                     "is_supplier_rule": "true" if supplier_rule else "false", "notes": note})
    return rows


def crosswalk_meta(set_id: str) -> dict:
    """Return the crosswalk.meta.json content of factor set `set_id`'s crosswalk."""
    cw_id, version, _column, pattern = SETS[set_id]
    gaps = {item[0]: item[7] for item in INDUSTRIES if not item[SETS[set_id][2]]}
    return {
        "crosswalk_id": cw_id, "version": version, "status": "released", "table": "industry_crosswalk",
        "name": NAMES[set_id], "factor_set_id": set_id,
        "licence": "MIT (part of klimatspend). NACE Rev. 2 is Eurostat's classification; SNI 2007 (SCB) and UK SIC "
                   "2007 (ONS) are identical to it down to 4 digits."
                   + (" The EXIOBASE product choices derive from nace2_to_exiobase_products (CC BY-SA 4.0): "
                      "share alike." if set_id == "exiobase" else ""),
        "method": METHODS[set_id],
        "matching": "Longest industry_code that is a prefix of the industry code (dots removed) wins, for supplier "
                    "industries (SNI from the supplier register) and for the industry_code of account-map rows, "
                    "keyword rules and expense types. A row with an empty factor_code gives no factor; a row with "
                    "is_supplier_rule false is not used for suppliers (the account decides).",
        "no_factor": gaps,
        "built_by": "python -m pipeline.factors.build crosswalks emission_factors/crosswalks",
        "files": {"crosswalk.csv": {"columns": {
            "industry_code": {"type": "string", "required": True, "pattern": "^[0-9]{2,5}$"},
            "industry_name": {"type": "string", "required": True},
            "category_id": {"type": "string", "required": True, "references": "categories.csv:category_id"},
            "factor_set_id": {"type": "string", "required": False, "enum": [set_id]},
            "factor_code": {"type": "string", "required": False, "pattern": pattern},
            "is_supplier_rule": {"type": "boolean", "required": True},
            "notes": {"type": "string", "required": False}},
            "unique": ["industry_code"]}},
    }


def write_crosswalks(out_dir: Path) -> list[Path]:
    """Write the three industry crosswalks under `out_dir` (<crosswalk>/<version>/); return the folders written."""
    written = []
    for set_id, (cw_id, version, _column, _pattern) in SETS.items():
        folder = Path(out_dir) / cw_id / version
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "crosswalk.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["industry_code", "industry_name", "category_id",
                                                        "factor_set_id", "factor_code", "is_supplier_rule", "notes"],
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(crosswalk_rows(set_id))
        (folder / "crosswalk.meta.json").write_text(json.dumps(crosswalk_meta(set_id), indent=2, ensure_ascii=False)
                                                    + "\n", encoding="utf-8")
        written.append(folder)
    written.append(write_bridge(out_dir))
    return written


# Bridge: USEEIO NAICS code prefix -> NACE industry, so that a rule naming only a USEEIO code (the account maps
# kommunbas13@1.0.0 and bas2025@1.0.0, the UK expense types, organisation overrides with useeio:CODE) is priced
# by another set through the industry. Longest prefix wins; every NAICS sector has a row.
BRIDGE: list[tuple[str, str, str]] = [
    ("11", "01", ""), ("113", "02", ""), ("114", "03", ""),
    ("21", "08", ""), ("211", "06", ""), ("2121", "05", ""), ("2122", "07", ""), ("213", "09", ""),
    ("22", "35", ""), ("2211", "351", "electricity"), ("2212", "352", ""), ("221310", "36", ""),
    ("221320", "37", ""), ("221330", "353", "steam and air-conditioning supply: district heating"),
    ("23", "41", ""), ("237", "42", ""), ("2371", "4221", ""), ("238", "43", ""), ("23821", "4321", ""),
    ("23822", "4322", ""),
    ("31", "10", ""), ("32", "20", "NAICS 32 (wood to minerals) when no subsector matches"),
    ("33", "28", "NAICS 33 (metals, machinery, equipment) when no subsector matches"), ("3111", "109", ""), ("3112", "106", ""), ("3114", "103", ""), ("3115", "105", ""),
    ("3116", "101", ""), ("311615", "1012", ""), ("3117", "102", ""), ("3118", "107", ""), ("312", "11", ""),
    ("3122", "12", ""), ("313", "13", ""), ("314", "13", ""), ("315", "14", ""), ("316", "15", ""),
    ("321", "16", ""), ("322", "17", ""), ("323", "18", ""), ("324", "19", ""), ("325", "20", ""),
    ("3251", "2014", ""), ("32512", "2011", ""), ("32513", "2012", ""), ("32518", "2013", ""), ("3252", "2016", ""),
    ("3253", "2015", ""), ("32532", "2020", ""), ("3254", "21", ""), ("3255", "203", ""), ("3256", "204", ""),
    ("326", "22", ""), ("327", "23", ""), ("3271", "233", ""), ("3272", "231", ""), ("3273", "236", ""),
    ("32731", "235", ""), ("3274", "235", ""), ("331", "24", ""), ("3313", "244", ""), ("3314", "244", ""),
    ("3315", "245", ""), ("332", "25", ""), ("33299", "254", "small arms and ammunition"), ("332999", "25", ""),
    ("333", "28", ""), ("334", "26", ""), ("335", "27", ""), ("336", "29", ""), ("3364", "303", ""),
    ("3365", "30", ""), ("3366", "301", ""), ("3369", "30", ""), ("337", "31", ""), ("339", "32", ""),
    ("42", "46", ""), ("44", "47", ""), ("45", "47", ""), ("447", "473", ""),
    ("48", "49", ""), ("481", "51", ""), ("482", "491", ""), ("483", "50", ""), ("484", "494", ""),
    ("485", "493", ""), ("488", "52", ""), ("49", "53", ""), ("492", "532", ""), ("493", "52", ""),
    ("51", "58", ""), ("5112", "582", ""), ("512", "59", ""), ("515", "60", ""), ("517", "61", ""),
    ("518", "63", ""), ("519", "63", ""),
    ("52", "64", ""), ("523", "66", ""), ("524", "65", ""), ("525", "65", ""),
    ("53", "68", ""), ("5313", "683", ""), ("532", "77", ""), ("5321", "771", ""), ("533", "77", ""),
    ("54", "74", ""), ("5411", "691", ""), ("5412", "69", ""), ("5413", "71", ""), ("5415", "62", ""),
    ("5416", "70", ""), ("5417", "72", ""), ("5418", "73", ""), ("54194", "75", ""),
    ("55", "70", ""), ("56", "82", ""), ("5612", "811", ""), ("5613", "78", ""), ("5615", "79", ""),
    ("5616", "80", ""), ("5617", "81", ""), ("56173", "813", ""), ("562", "38", ""), ("5629", "39", ""),
    ("56292", "383", ""),
    ("61", "85", ""), ("6113", "854", ""), ("6114", "855", ""), ("6116", "855", ""), ("6117", "856", ""),
    ("62", "86", ""), ("622", "861", ""), ("623", "87", ""), ("6231", "871", ""), ("6232", "872", ""),
    ("6233", "873", ""), ("624", "88", ""), ("62412", "881", ""), ("6244", "8891", ""),
    ("71", "93", ""), ("711", "90", ""), ("712", "91", ""), ("7132", "92", ""),
    ("72", "56", ""), ("721", "55", ""), ("7223", "562", ""),
    ("81", "96", ""), ("811", "33", ""), ("8111", "45", ""), ("8112", "951", ""), ("8114", "95", ""),
    ("8123", "9601", ""), ("813", "94", ""), ("814", "97", ""), ("92", "84", ""),
]


def bridge_meta() -> dict:
    """Return the crosswalk.meta.json content of the USEEIO -> NACE bridge."""
    return {
        "crosswalk_id": "useeio_nace2", "version": "1.0.0", "status": "released", "table": "factor_industry",
        "name": "USEEIO NAICS-6 factor code -> NACE Rev. 2 industry (bridge to the other spend sets)",
        "licence": "MIT (part of klimatspend)",
        "method": "Hand-made by klimatspend: every NAICS sector (2 digits) and the subsectors, industry groups and "
                  "codes used by the shipped maps and crosswalks, mapped to the NACE division, group or class that "
                  "makes the same product. Longest factor_code_prefix wins.",
        "use": "A rule (account-map row, keyword rule, expense type, supplier rule) that names a factor of another set "
               "than the run's and no industry_code is priced through this bridge: its code -> industry -> the run's "
               "crosswalk -> the run's factor. Precedence: docs/method.md, 'Which factor a rule gets'.",
        "built_by": "python -m pipeline.factors.build crosswalks emission_factors/crosswalks",
        "files": {"crosswalk.csv": {"columns": {
            "factor_set_id": {"type": "string", "required": True, "enum": ["useeio"]},
            "factor_code_prefix": {"type": "string", "required": True, "pattern": "^[0-9]{2,6}$"},
            "industry_code": {"type": "string", "required": True, "pattern": "^[0-9]{2,4}$"},
            "notes": {"type": "string", "required": False}},
            "unique": ["factor_set_id", "factor_code_prefix"]}},
    }


def write_bridge(out_dir: Path) -> Path:
    """Write the USEEIO -> NACE bridge under `out_dir` (useeio_nace2/1.0.0/); return the folder."""
    folder = Path(out_dir) / "useeio_nace2" / "1.0.0"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "crosswalk.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["factor_set_id", "factor_code_prefix", "industry_code", "notes"])
        for prefix, industry, note in BRIDGE:
            writer.writerow(["useeio", prefix, industry, note])
    (folder / "crosswalk.meta.json").write_text(json.dumps(bridge_meta(), indent=2, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
    return folder


# Account-map rows that name no factor but whose industry is known (electricity has no USEEIO code).
NO_CODE_INDUSTRIES = {"El för belysning": "351", "El för drift": "351", "Elenergi": "351"}


def bridge_industry(factor_code: str) -> str:
    """Return the NACE industry of a USEEIO NAICS code through the bridge (longest prefix), or '' when none."""
    best = max((b for b in BRIDGE if factor_code.startswith(b[0])), key=lambda b: len(b[0]), default=None)
    return best[1] if best else ""


def add_industry_codes(map_dir: Path, out_dir: Path, version: str) -> int:
    """Copy an account-map release with an industry_code on every purchase row (from its USEEIO code through the
    bridge; electricity rows by name); write it as `version` under `out_dir`; return the rows given a code."""
    map_dir, out_dir = Path(map_dir), Path(out_dir)
    with (map_dir / "account_map.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if "industry_code" not in fields:
        fields.insert(fields.index("factor_code") + 1, "industry_code")
    given = 0
    for row in rows:
        code = ""
        if row["is_excluded"] != "true":
            code = bridge_industry(row["factor_code"]) if row["factor_code"] else NO_CODE_INDUSTRIES.get(
                row["account_name"], "")
        row["industry_code"] = code
        given += bool(code)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "account_map.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    meta = json.loads((map_dir / "account_map.meta.json").read_text(encoding="utf-8"))
    meta["mapping_version"] = version
    columns = meta["files"]["account_map.csv"]["columns"]
    new_columns = {}
    for name, spec in columns.items():
        new_columns[name] = spec
        if name == "factor_code":
            new_columns["industry_code"] = {
                "type": "string", "required": False, "pattern": "^[0-9]{2,4}$",
                "description": "NACE Rev. 2 / SNI 2007 industry that produces what is bought; each factor set's "
                               "crosswalk turns it into that set's factor code (longest prefix wins)"}
    meta["files"]["account_map.csv"]["columns"] = new_columns
    meta["industry_codes"] = ("Every purchase row has an industry_code (NACE Rev. 2): from its USEEIO code through the "
                              "bridge useeio_nace2 (python -m pipeline.factors.build industry-codes), electricity rows "
                              "351. The USEEIO factor_code stays: under USEEIO an explicit code of the run's own set "
                              "wins; under EXIOBASE or Defra the industry code is priced through the set's crosswalk.")
    (out_dir / "account_map.meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    return given
