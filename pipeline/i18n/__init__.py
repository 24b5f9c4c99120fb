"""Swedish and English: the one text catalogue of klimatspend (reports, web pages, CLI) and its lookup.

The catalogue is `pipeline/i18n/catalogue/<lang>.json`, one flat message id -> text map per language
(both files have the same ids; tests/test_report_i18n.py checks it). Two kinds of message id live
side by side: symbolic keys (`report_title`, `status_behind`; reports and codes) and, gettext style,
the English text itself (`"Upload"`; web pages write English in their templates). One lookup:

    lab = labels("sv")
    lab["report_title"]               # strict: a missing id is a KeyError (a bug in the caller)
    lab.t("report_title", year=2024)  # strict, with {placeholders} filled
    lab.text("Upload")                # lenient: the text in this language, or the id itself when none

Numbers are written by pipeline.numbers.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..errors import UsageError
from ..numbers import fmt_number

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


def check_language(lang: str | None) -> str:
    """Return `lang` if it is a supported language code (default sv); UsageError otherwise."""
    lang = (lang or DEFAULT_LANGUAGE).lower()
    if lang not in LANGUAGES:
        raise UsageError(f"--lang {lang}: unknown language; use one of {', '.join(LANGUAGES)}")
    return lang


def pick_language(value: str | None) -> str:
    """Return `value` when it is a supported language code, else the default (for untrusted input: a cookie)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=None)
def _load(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8"))


# labels that name the money unit: each has a `<key>_currency` text with a {currency} placeholder
MONEY_UNIT_KEYS = ("unit_sek", "unit_msek", "unit_tsek", "unit_kg_per_ksek", "spend_sek")


class Labels:
    """The catalogue texts of one language: `labels["key"]`, `labels.t("key", year=2024)`, `labels.text("Upload")`."""

    def __init__(self, lang: str):
        self.lang = check_language(lang)
        self._texts = _load(self.lang)

    def __getitem__(self, key: str) -> str:
        try:
            return self._texts[key]
        except KeyError:
            raise KeyError(f"pipeline/i18n/catalogue/{self.lang}.json has no text {key!r}") from None

    def t(self, key: str, **values) -> str:
        """Return text `key` with `{name}` placeholders filled from `values`; KeyError when the id is missing."""
        return self[key].format(**values)

    def text(self, msgid: str) -> str:
        """Return the text of `msgid` in this language, or `msgid` itself when the catalogue has none (gettext style)."""
        return self._texts.get(msgid, msgid)

    def keys(self) -> set[str]:
        """Return every message id of this language."""
        return set(self._texts)

    def for_currency(self, currency: str | None) -> "Labels":
        """Return these labels with the money units in `currency` (GBP for a UK council); SEK keeps kr/SEK."""
        if not currency or currency.upper() == "SEK":
            return self
        other = Labels(self.lang)
        other._texts = dict(self._texts)
        for key in MONEY_UNIT_KEYS:
            other._texts[key] = self._texts[f"{key}_currency"].format(currency=currency.upper())
        return other

    def rule_level(self, level: str | None) -> str:
        """Return the readable name of a classification level (rule_level), or the code itself."""
        return self._texts.get(f"level_{level}", level or "")

    def reason(self, reason: str | None) -> str:
        """Return the readable name of an exclusion reason, or the code itself."""
        return self._texts.get(f"reason_{reason}", reason or "")

    def note(self, text: str) -> str:
        """Return an ingest note (written in English where it is made) in this language: a known note through
        its catalogue key (note_<name>, placeholders from the English text), any other note unchanged."""
        for name, pattern in NOTE_PATTERNS:
            match = pattern.match(text)
            if match:
                values = match.groupdict()
                if values.get("n"):                                  # a count as ingest writes it: 4,120
                    values["n"] = self._count(values["n"])
                if values.get("batches"):
                    values["batches"] = OVERLAP_BATCH.sub(self._overlap_batch, values["batches"])
                return self.t(f"note_{name}", **values)
        return text

    def _overlap_batch(self, match: re.Match) -> str:
        """One loaded batch as an overlap describes it (overlap.BatchOverlap.describe), in this language."""
        return self.t("note_overlap_batch", batch_id=match["batch_id"], source=match["source"],
                      **{k: self._count(match[k]) for k in ("new", "same", "changed", "gone")})

    def _count(self, text: str) -> str:
        """A count as ingest writes it in English ("4,120") in this language's plain style ("4 120" in Swedish)."""
        return fmt_number(int(text.replace(",", "")), 0, "plain_sv" if self.lang == "sv" else "plain")

    def status(self, status: str | None) -> str | None:
        """Return the readable name of a budget status (status_<code>), the code itself when unknown, None for None."""
        if status is None:
            return None
        return self._texts.get(f"status_{status}", status)


# One loaded batch in an overlap note, as pipeline/ingest/overlap.py BatchOverlap.describe writes it
OVERLAP_BATCH = re.compile(r"batch (?P<batch_id>\d+) \((?P<source>[^()]*(?:\([^()]*\)[^()]*)*)\): (?P<new>[\d,]+) new, "
                           r"(?P<same>[\d,]+) same, (?P<changed>[\d,]+) changed, (?P<gone>[\d,]+) gone")

# The ingest notes people read most on the check page, as ingest writes them (pipeline/ingest/__init__.py):
# each is shown through the catalogue key note_<name> in the reader's language.
NOTE_PATTERNS = [(name, re.compile(pattern)) for name, pattern in (
    ("no_amount", r"^(?P<n>[\d,]+) row\(s\) have no readable amount \(or one out of range\): they are quarantined "
                  r"and count as 0 in the sums$"),
    ("empty_rows", r"^(?P<n>[\d,]+) empty row\(s\) skipped: no cell holds anything, so they are not ledger lines "
                   r"and not counted as read$"),
    ("includes_vat", r'^the amount column "(?P<column>[^"]*)" includes VAT: the batch is marked amounts_include_vat, '
                     r"and VAT is taken off when emissions are computed$"),
    ("loaded_again", r"^(?P<n>[\d,]+) row\(s\) are already loaded in another batch and are loaded again, as asked: "
                     r"(?P<batches>.*)$"),
    ("replaces_cumulative", r"^replaces (?P<ids>batch [\d, batch]+) \(a cumulative export: every line of the batch "
                            r"is in this file, unchanged\): (?P<batches>.*)$"),
    ("replaces", r"^replaces (?P<ids>batch [\d, batch]+) \(as asked\): (?P<batches>.*)$"),
    ("new_rows", r"^only the new rows are loaded: (?P<n>[\d,]+) row\(s\) already loaded in another batch are "
                 r"quarantined \(already-loaded\): (?P<batches>.*)$"),
    ("departments_from_sie", r"^(?P<n>\d+) department name\(s\) from the file's #OBJEKT added to the department "
                             r"register$"),
    ("country_from_currency", r"^organisation (?P<organisation>\S+) is now in country (?P<country>[A-Z]{2}) \(its ledger "
                              r"is in (?P<currency>[A-Z]{3})\): its runs use the factor set (?P<factors>\S+) unless "
                              r"`klimatspend org set (?P=organisation) --country CC` or `--factors SET` says otherwise$"),
    ("country_from_profile", r"^organisation (?P<organisation>\S+) is now in country (?P<country>[A-Z]{2}) \(from profile "
                             r"(?P<profile>\S+)\): its runs use the factor set (?P<factors>\S+) unless "
                             r"`klimatspend org set (?P=organisation) --country CC` or `--factors SET` says otherwise$"),
    ("history_loaded", r"^(?P<loaded>\d+) of (?P<read>\d+) rows loaded, (?P<rejected>\d+) quarantined$"),
    ("history_replaced_by", r"^replaced by batch (?P<batch_id>\d+) \((?P<file>.*)\)$"),
    ("organisation_registered", r"^organisation (?P<organisation>\S+) was registered with this first ledger; give it a "
                                r"name with `klimatspend org set (?P=organisation) --name NAME`$"),
)]


@lru_cache(maxsize=None)
def labels(lang: str | None = None) -> Labels:
    """Return the Labels of `lang` (sv or en; default sv); one shared instance per language (pages look up often)."""
    return Labels(check_language(lang))


# The glossary linked from the dashboard and the report: catalogue keys glossary_<term>_title / _text.
GLOSSARY_TERMS = ("spend_based", "scope3", "data_quality", "excluded", "tail", "factor_set", "convention", "hotspots")


def glossary(lang: str | None = None) -> list[dict]:
    """Return the glossary in `lang`: [{anchor ("glossary-excluded"), title, text}] in reading order."""
    lab = labels(lang)
    return [{"anchor": "glossary-" + term.replace("_", "-"), "title": lab[f"glossary_{term}_title"],
             "text": lab[f"glossary_{term}_text"]} for term in GLOSSARY_TERMS]


def localised(d, key: str, lang: str):
    """Return the `lang` variant of a text carried in data: d[f"{key}_{lang}"] (e.g. verdict_sv), else d[key].

    With key "" `d` is a {sv, en} pair: d[lang], else d["en"]. A value that is not a dict is returned as it
    is; None when nothing is found (callers that need text write `localised(...) or ""`).
    """
    if not isinstance(d, dict):
        return d
    if key == "":
        return d.get(lang) or d.get("en")
    return d.get(f"{key}_{lang}") or d.get(key)
