"""Swedish and English for the web app: translations (English text is the key) and number formatting."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"

# English -> Swedish. An English string missing here is shown in English (a test lists the missing ones).
SV: dict[str, str] = {
    # frame
    "Skip to content": "Hoppa till innehållet",
    "Climate impact of purchases": "Inköpens klimatpåverkan",
    "Main menu": "Huvudmeny",
    "Language": "Språk",
    "Overview": "Översikt",
    "Upload": "Ladda upp",
    "Ledger files": "Reskontrafiler",
    "Unmapped accounts": "Omappade konton",
    "Carbon budget": "Koldioxidbudget",
    "Investments": "Investeringar",
    "Reports": "Rapporter",
    "Administration": "Administration",
    "Users": "Användare",
    "Versions and runs": "Versioner och körningar",
    "Audit log": "Granskningslogg",
    "Log out": "Logga ut",
    "Logged in as": "Inloggad som",
    "role": "roll",
    "uploader": "uppladdare",
    "reviewer": "granskare",
    "admin": "administratör",
    # login
    "Log in": "Logga in",
    "User name": "Användarnamn",
    "Password": "Lösenord",
    "Wrong user name or password.": "Fel användarnamn eller lösenord.",
    "Too many failed attempts. Wait 15 minutes and try again.":
        "För många misslyckade försök. Vänta 15 minuter och försök igen.",
    "This account is disabled. Ask an administrator.": "Kontot är avstängt. Kontakta en administratör.",
    "You have been logged out.": "Du är utloggad.",
    "Your session has ended. Log in again.": "Din session har gått ut. Logga in igen.",
    # errors
    "Not allowed": "Inte tillåtet",
    "Your role does not allow this page or action.": "Din roll ger inte tillgång till den här sidan eller åtgärden.",
    "The form has expired or did not come from this site. Go back, reload the page and try again.":
        "Formuläret har gått ut eller kom inte från den här webbplatsen. Gå tillbaka, ladda om sidan och försök igen.",
    "Page not found": "Sidan finns inte",
    "Something went wrong": "Något gick fel",
    "The error has been logged. Try again, or ask an administrator.":
        "Felet har loggats. Försök igen eller kontakta en administratör.",
    "Cannot be done": "Kan inte utföras",
    "Back": "Tillbaka",
    "The file is too large": "Filen är för stor",
    "The largest file the server accepts is": "Största fil som servern tar emot är",
    "Save the ledger as CSV (smaller than xlsx) or split it by period, then upload again.":
        "Spara reskontran som CSV (mindre än xlsx) eller dela upp den per period och ladda upp igen.",
    "The database is busy with another change. Try again in a moment.":
        "Databasen är upptagen med en annan ändring. Försök igen om en stund.",
    # upload
    "Upload a ledger": "Ladda upp en reskontra",
    "Replace batch": "Ersätt batch",
    "Ledger file": "Reskontrafil",
    "CSV or text export (any delimiter), Excel xlsx or SIE 4, at most": "CSV- eller textexport (valfri avgränsare), Excel xlsx eller SIE 4, högst",
    "Drag the file here, or choose it": "Dra filen hit eller välj den",
    "Choose file": "Välj fil",
    "Organisation": "Organisation",
    "Fiscal year": "Räkenskapsår",
    "Optional: rows dated outside the year are quarantined; needed when the file has no date column.":
        "Valfritt: rader daterade utanför året läggs i karantän; krävs när filen saknar datumkolumn.",
    "Currency": "Valuta",
    "Currency of the amounts when the file has no currency column.": "Beloppens valuta när filen saknar valutakolumn.",
    "Sheet": "Blad",
    "xlsx only: sheet name (default: the first with data).": "Bara xlsx: bladets namn (standard: det första med data).",
    "Import profile": "Importprofil",
    "Detect automatically": "Känn igen automatiskt",
    "Import profiles that would find the columns": "Importprofiler som skulle hitta kolumnerna",
    "Accept non-numeric account codes (e.g. UK expense types)": "Godta icke-numeriska kontokoder (t.ex. brittiska utgiftstyper)",
    "Check the file": "Kontrollera filen",
    "Nothing is loaded yet: first you see what the file contains and what would be quarantined.":
        "Inget läses in ännu: först ser du vad filen innehåller och vad som skulle läggas i karantän.",
    "Choose a file to upload.": "Välj en fil att ladda upp.",
    "The file is empty.": "Filen är tom.",
    "Year must be a year such as 2024.": "Året ska vara ett år som 2024.",
    "Currency must be a three-letter code such as SEK.": "Valutan ska vara en kod med tre bokstäver, som SEK.",
    "Organisation must be 1-40 characters: a-z, digits and _.": "Organisationen ska vara 1–40 tecken: a–z, siffror och _.",
    "The file could not be accepted": "Filen kunde inte tas emot",
    "The selected file is larger than the upload limit.": "Den valda filen är större än gränsen för uppladdning.",
    # upload review
    "Checking the file": "Kontrollerar filen",
    "Check of": "Kontroll av",
    "Status": "Status",
    "Rows read": "Lästa rader",
    "Would be loaded": "Skulle läsas in",
    "Would be quarantined": "Skulle läggas i karantän",
    "Loaded": "Inlästa",
    "Quarantined": "I karantän",
    "Sum read": "Summa läst",
    "Sum loaded": "Summa inläst",
    "Sum quarantined": "Summa i karantän",
    "Reconciliation": "Avstämning",
    "rows read = loaded + quarantined": "lästa rader = inlästa + karantän",
    "sum read = sum loaded + sum quarantined": "läst summa = inläst summa + summa i karantän",
    "holds": "stämmer",
    "does not hold": "stämmer inte",
    "Errors": "Fel",
    "Warnings": "Varningar",
    "First errors": "Första felen",
    "First warnings": "Första varningarna",
    "Row": "Rad",
    "Column": "Kolumn",
    "Value": "Värde",
    "Problem": "Problem",
    "Code": "Kod",
    "Download all errors and warnings (CSV)": "Ladda ned alla fel och varningar (CSV)",
    "Detected columns": "Identifierade kolumner",
    "File format": "Filformat",
    "Encoding": "Teckenkodning",
    "Delimiter": "Avgränsare",
    "Header row": "Rubrikrad",
    "Header in the file": "Rubrik i filen",
    "Used as": "Används som",
    "First values": "Första värdena",
    "kept as extra": "sparas som extra",
    "Change the column mapping": "Ändra kolumnmappningen",
    "Field": "Fält",
    "(not in the file)": "(finns inte i filen)",
    "Check again with these columns": "Kontrollera igen med dessa kolumner",
    "Confirm and load": "Bekräfta och läs in",
    "Discard": "Kasta",
    "Loading stores the rows that passed; quarantined rows are kept with their reasons, never dropped.":
        "Inläsningen sparar raderna som klarade kontrollen; rader i karantän sparas med sina orsaker och tappas aldrig.",
    "The file cannot be loaded": "Filen kan inte läsas in",
    "Already loaded": "Redan inläst",
    "This file was loaded before as batch": "Den här filen lästes in tidigare som batch",
    "It is not counted again.": "Den räknas inte två gånger.",
    "Summary": "Sammanfattning",
    "Notes": "Anteckningar",
    "validating": "kontrolleras",
    "validated": "kontrollerad",
    "invalid": "ogiltig",
    "loading": "läses in",
    "loaded": "inläst",
    "discarded": "kastad",
    "failed": "misslyckades",
    "replaced": "ersatt",
    "deleted": "raderad",
    "The upload was discarded.": "Uppladdningen kastades.",
    "Replaces batch": "Ersätter batch",
    # jobs
    "Working": "Arbetar",
    "Queued": "I kö",
    "Running": "Pågår",
    "Done": "Klart",
    "Failed": "Misslyckades",
    "Elapsed": "Tid hittills",
    "seconds": "sekunder",
    "about": "ungefär",
    "left (estimated from the check of the same file)": "kvar (uppskattat från kontrollen av samma fil)",
    "left (estimated from the previous run)": "kvar (uppskattat från förra körningen)",
    "Other pages keep working while this runs; you can leave this page and come back.":
        "Andra sidor fungerar medan detta pågår; du kan lämna sidan och komma tillbaka.",
    "Continue": "Fortsätt",
    "reading and validating the file": "läser och kontrollerar filen",
    "loading the batch": "läser in batchen",
    "computing emissions": "beräknar utsläpp",
    "writing the reports": "skriver rapporterna",
    "waiting for the job before it": "väntar på jobbet före",
    "This page updates itself.": "Sidan uppdateras av sig själv.",
    "Background job": "Bakgrundsjobb",
    # batches
    "Batch": "Batch",
    "File": "Fil",
    "Year": "År",
    "Uploaded": "Uppladdad",
    "By": "Av",
    "Rows": "Rader",
    "Actions": "Åtgärder",
    "Replace": "Ersätt",
    "Delete": "Radera",
    "Delete batch": "Radera batch",
    "Its lines stop counting from the next run; the batch and its history are kept.":
        "Dess rader räknas inte från nästa körning; batchen och dess historik sparas.",
    "No ledger files are loaded yet.": "Inga reskontrafiler är inlästa ännu.",
    "Quarantined rows": "Rader i karantän",
    "Download quarantined rows (CSV)": "Ladda ned rader i karantän (CSV)",
    "Validation": "Validering",
    "Show only my batches": "Visa bara mina batchar",
    "Batch deleted.": "Batchen raderades.",
    "Batch loaded.": "Batchen lästes in.",
    "Compute the year now": "Beräkna året nu",
    "A reviewer or administrator computes the year to update the figures.":
        "En granskare eller administratör beräknar året för att uppdatera siffrorna.",
    "Open the overview": "Öppna översikten",
    "You can only change batches you uploaded.": "Du kan bara ändra batchar som du har laddat upp.",
    "Period": "Period",
    # dashboard
    "Emissions": "Utsläpp",
    "No computed year yet": "Inget beräknat år ännu",
    "Load a ledger and compute the year to see emissions here.":
        "Läs in en reskontra och beräkna året för att se utsläppen här.",
    "Show": "Visa",
    "All organisations": "Alla organisationer",
    "Run": "Körning",
    "published": "publicerad",
    "not published": "inte publicerad",
    "factors": "faktorer",
    "account map": "kontomappning",
    "computed": "beräknad",
    "Total emissions": "Totala utsläpp",
    "range": "intervall",
    "Spend in scope": "Utgifter som räknas",
    "Excluded spend": "Exkluderade utgifter",
    "Unmapped spend": "Omappade utgifter",
    "Intensity": "Intensitet",
    "Coverage": "Täckning",
    "of spend in scope is classified": "av utgifterna som räknas är klassificerade",
    "Emissions per department": "Utsläpp per förvaltning",
    "Organisations and the group": "Organisationer och koncernen",
    "Purchases within the group": "Köp inom koncernen",
    "The group row leaves out purchases between organisations of the same group, so it is less than the sum of its members.":
        "Koncernraden räknar inte köp mellan organisationer i samma koncern och är därför mindre än summan av delarna.",
    "Department": "Förvaltning",
    "Spend": "Utgifter",
    "Share": "Andel",
    "Total": "Totalt",
    "By category": "Per kategori",
    "Category": "Kategori",
    "Top suppliers": "Största leverantörer",
    "Supplier": "Leverantör",
    "Org. number": "Org.nr",
    "Spend by classification level": "Utgifter per klassificeringsnivå",
    "Level": "Nivå",
    "Lines": "Rader",
    "Excluded spend by reason": "Exkluderade utgifter per orsak",
    "Reason": "Orsak",
    "By month": "Per månad",
    "Month": "Månad",
    "(no department)": "(ingen förvaltning)",
    "(unknown supplier)": "(okänd leverantör)",
    "New ledger data was loaded after this run was computed; compute the year again to include it.":
        "Nya reskontradata lästes in efter att körningen beräknades; beräkna året igen för att ta med dem.",
    "Account mappings were changed after this run was computed; compute the year again to use them.":
        "Kontomappningar ändrades efter att körningen beräknades; beräkna året igen för att använda dem.",
    "Compute the year again": "Beräkna året igen",
    "Compute a year": "Beräkna ett år",
    "Compute": "Beräkna",
    "Years with loaded ledger data": "År med inlästa reskontradata",
    "Drill down": "Borra ned",
    "Chart: emissions per department in tonnes CO2e": "Diagram: utsläpp per förvaltning i ton CO2e",
    "kg CO2e per 1,000 SEK": "kg CO2e per 1 000 kr",
    "t CO2e": "ton CO2e",
    "SEK": "kr",
    "Download as CSV": "Ladda ned som CSV",
    # drill
    "Accounts": "Konton",
    "Account": "Konto",
    "Suppliers": "Leverantörer",
    "Ledger lines": "Reskontrarader",
    "Date": "Datum",
    "Description": "Beskrivning",
    "Invoice": "Faktura",
    "Amount": "Belopp",
    "Rule": "Regel",
    "Factor": "Faktor",
    "Quality": "Kvalitet",
    "Previous": "Föregående",
    "Next": "Nästa",
    "lines": "rader",
    "All": "Alla",
    "Categories": "Kategorier",
    # unmapped
    "Spend the engine could not classify, by account, largest first. Map an account to a category: it is saved as an organisation override with your name and today's date, and the figures change when the year is computed again.":
        "Utgifter som inte kunde klassificeras, per konto, störst först. Mappa ett konto till en kategori: det sparas som en organisationsöverstyrning med ditt namn och dagens datum, och siffrorna ändras när året beräknas igen.",
    "Energy bought by the kWh is computed from the quantity, not the amount paid: load the activity data (klimatspend activity load) and compute the year again. Map the account here only as a stopgap.":
        "Energi som köps per kWh beräknas från mängden, inte beloppet: läs in aktivitetsdata (klimatspend activity load) och beräkna året igen. Mappa kontot här bara som en tillfällig lösning.",
    "Nothing is unmapped in this run.": "Inget är omappat i den här körningen.",
    "Map": "Mappa",
    "Save mapping": "Spara mappning",
    "Emission factor": "Utsläppsfaktor",
    "Note": "Anteckning",
    "Mapping saved as an override. Compute the year again to update the figures.":
        "Mappningen sparades som överstyrning. Beräkna året igen för att uppdatera siffrorna.",
    "Saved overrides": "Sparade överstyrningar",
    "Account prefix": "Kontoprefix",
    "Author": "Författare",
    "Or exclude the account": "Eller exkludera kontot",
    "Exclusion reason": "Exkluderingsorsak",
    "(not excluded)": "(exkluderas inte)",
    "Your role can see this list but not change mappings.": "Din roll kan se listan men inte ändra mappningar.",
    "Choose a category and an emission factor, or an exclusion reason.":
        "Välj en kategori och en utsläppsfaktor, eller en exkluderingsorsak.",
    "Factors used for the category in the account map": "Faktorer som kontomappningen använder för kategorin",
    # budget & investments
    "No carbon budget is defined yet (see klimatspend budget import).":
        "Ingen koldioxidbudget är definierad ännu (se klimatspend budget import).",
    "Budget": "Budget",
    "Actual": "Utfall",
    "Deviation": "Avvikelse",
    "Remaining budget": "Återstående budget",
    "Runs out": "Tar slut",
    "Needed reduction per year": "Nödvändig minskning per år",
    "Verdict": "Bedömning",
    "Budget path": "Budgetbana",
    "Departments": "Förvaltningar",
    "Measures": "Åtgärder",
    "Perspectives": "Perspektiv",
    "Perspective": "Perspektiv",
    "Projection": "Prognos",
    "Trend": "Trend",
    "With measures": "Med åtgärder",
    "Gap": "Gap",
    "Cumulative actual": "Kumulativt utfall",
    "Cumulative budget": "Kumulativ budget",
    "on_track": "i fas",
    "behind": "efter",
    "ahead": "före",
    "perspective_organisation": "Organisationens konsumtion",
    "perspective_territorial": "Geografiskt",
    "perspective_residents": "Invånarnas konsumtion",
    "Measure": "Åtgärd",
    "Start year": "Startår",
    "Reduction t/yr": "Minskning t/år",
    "Total cost SEK": "Total kostnad kr",
    "Cost per tonne SEK": "Kostnad per ton kr",
    "Green share of investments": "Grön andel av investeringarna",
    "Planned": "Planerat",
    "Planned green": "Planerat grönt",
    "Green share (planned)": "Grön andel (planerat)",
    "Booked": "Bokfört",
    "Green share (booked)": "Grön andel (bokfört)",
    "Investment register": "Investeringsregister",
    "Project": "Projekt",
    "Green category": "Grön kategori",
    "not green": "inte grön",
    "unclassified": "oklassificerad",
    "Decided by": "Beslutat av",
    "Expected reduction t/yr": "Förväntad minskning t/år",
    "Capital-goods emissions": "Utsläpp från kapitalvaror",
    "booked": "bokförda",
    "estimated": "uppskattade",
    "Budget gap and the investment plan": "Budgetgapet och investeringsplanen",
    "Avoided by the plan": "Undviks av planen",
    "Remaining gap": "Återstående gap",
    "Green loans": "Gröna lån",
    "Green loan SEK": "Grönt lån kr",
    "Attributed reduction t/yr": "Tillskriven minskning t/år",
    "Internal carbon fee": "Intern klimatavgift",
    "Fee SEK": "Avgift kr",
    "price": "pris",
    "SEK per kg CO2e": "kr per kg CO2e",
    "No investment plan is stored yet (see klimatspend investments import).":
        "Ingen investeringsplan är lagrad ännu (se klimatspend investments import).",
    "The plan closes the gap from": "Planen sluter gapet från",
    "The plan does not close the gap before": "Planen sluter inte gapet före",
    # reports
    "Downloads for the run shown": "Nedladdningar för den visade körningen",
    "Tables as CSV": "Tabeller som CSV",
    "Emissions by department": "Utsläpp per förvaltning",
    "Emissions by category": "Utsläpp per kategori",
    "Emissions by supplier": "Utsläpp per leverantör",
    "Emissions by account": "Utsläpp per konto",
    "Emissions by month": "Utsläpp per månad",
    "Spend coverage": "Täckning av utgifterna",
    "Emissions by organisation": "Utsläpp per organisation",
    "Emissions by scope 3 category": "Utsläpp per scope 3-kategori",
    "Emissions by method (spend or activity data)": "Utsläpp per metod (utgifter eller aktivitetsdata)",
    "Run totals": "Körningens totaler",
    "Climate report": "Klimatrapport",
    "Create the reports": "Skapa rapporterna",
    "Excel workbook": "Excelarbetsbok",
    "HTML report": "HTML-rapport",
    "No report has been written for this run yet.": "Ingen rapport har skrivits för den här körningen ännu.",
    "An Excel workbook for finance and a self-contained HTML climate report (print it to PDF from the browser).":
        "En Excelarbetsbok för ekonomi och en fristående HTML-klimatrapport (skriv ut den som PDF från webbläsaren).",
    # admin
    "Add a user": "Lägg till en användare",
    "Full name": "Fullständigt namn",
    "Role": "Roll",
    "Active": "Aktiv",
    "Last login": "Senaste inloggning",
    "never": "aldrig",
    "yes": "ja",
    "no": "nej",
    "Change role": "Byt roll",
    "Disable": "Stäng av",
    "Enable": "Aktivera",
    "Set password": "Sätt lösenord",
    "New password": "Nytt lösenord",
    "At least 10 characters.": "Minst 10 tecken.",
    "Add": "Lägg till",
    "Saved.": "Sparat.",
    "Factor sets": "Faktoruppsättningar",
    "Account maps": "Kontomappningar",
    "Version": "Version",
    "Name": "Namn",
    "Publisher": "Utgivare",
    "Licence": "Licens",
    "Base year": "Basår",
    "Loaded at": "Inläst",
    "Runs": "Körningar",
    "Used by runs": "Används av körningar",
    "Publish": "Publicera",
    "Publish run": "Publicera körning",
    "Published runs are frozen: later runs never change them.": "Publicerade körningar är frysta: senare körningar ändrar dem aldrig.",
    "Run published.": "Körningen publicerades.",
    "When": "När",
    "Who": "Vem",
    "Action": "Händelse",
    "Object": "Objekt",
    "Details": "Detaljer",
    "Address": "Adress",
    "Filter": "Filtrera",
    "Download the log (CSV)": "Ladda ned loggen (CSV)",
    "all actions": "alla händelser",
    "Organisation overrides file": "Fil med organisationsöverstyrningar",
    "Prefixes": "Prefix",
    "Status of": "Status för",
    "Rows per page": "Rader per sida",
}


# Keys that are not English text (codes from the data) and their English.
EN: dict[str, str] = {
    "perspective_organisation": "The organisation's consumption",
    "perspective_territorial": "Territorial",
    "perspective_residents": "Residents' consumption",
}


def translate(text: str, lang: str) -> str:
    """Return `text` (English, or a code listed in EN) in `lang`; English text is returned as it is."""
    if lang == "sv":
        return SV.get(text, text)
    return EN.get(text, text)


def pick_language(value: str | None) -> str:
    """Return a supported language code for `value` (a cookie), else the default (Swedish)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def fmt_number(value, decimals: int = 0, lang: str = "sv") -> str:
    """Return a number with thousands separators: sv '1 234,5' (no-break space), en '1,234.5'; '–' for none."""
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "–"
    text = f"{abs(value):,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    negative = value < 0 and text.strip("0,.\u00a0") != ""
    return ("−" if negative else "") + text


def fmt_percent(value, decimals: int = 1, lang: str = "sv") -> str:
    """Return a share 0..1 as a percentage ('12,5 %' / '12.5 %'); '–' for none."""
    if value is None:
        return "–"
    return fmt_number(float(value) * 100, decimals, lang) + "\u00a0%"


def fmt_tonnes(kg, lang: str = "sv") -> str:
    """Return kilograms as tonnes with one decimal below 100 t and none above."""
    if kg is None:
        return "–"
    t = float(kg) / 1000
    return fmt_number(t, 1 if abs(t) < 100 else 0, lang)


def fmt_date(value, lang: str = "sv") -> str:
    """Return a date or timestamp as ISO 8601 (YYYY-MM-DD, with HH:MM for timestamps)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
