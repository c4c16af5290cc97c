"""Everything a person reads, in Chinese and English: the catalogue and `text(key, lang)`.

One catalogue per language, `assessment/catalogue/<lang>.yaml`: flat dotted keys,
namespaced by who reads them (`ui.`, `staff.`, `advisor.`, `peers.`, `report.`,
`reference.`, `programs.`, `roadmap.`) plus labels shared by all (`rating.`, `yesno.`,
`size.`, `variant.`, `level.`). A value is a text with `{placeholders}`, or, where English
needs a plural, a mapping of CLDR plural categories (`one`, `other`) chosen by the `count`
param through Babel's plural rules. Questionnaire and program texts are data and stay in
questionnaires/*.yaml; coded error messages stay in assessment/errors.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import yaml
from babel import Locale

from assessment import formatting
from assessment.errors import PLACEHOLDER
from assessment.errors import in_language as _in_language
from assessment.questionnaire import Text

log = logging.getLogger(__name__)

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
# Babel's locale for each language: numbers, dates and plural rules.
LOCALES: Mapping[str, str] = formatting.LOCALES
CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
COUNT = "count"  # the param that picks a plural form
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")

Entry = str | Mapping[str, str]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_catalogue(folder: Path = CATALOGUE_DIR) -> dict[str, dict[str, Entry]]:
    """Read `<lang>.yaml` for every language into {lang: {key: text or plural forms}}."""
    out: dict[str, dict[str, Entry]] = {}
    for lang in LANGS:
        with open(folder / f"{lang}.yaml", encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_Loader) or {}  # a safe loader (C if available)
        out[lang] = {
            str(key): (
                MappingProxyType({str(f): str(v) for f, v in value.items()})
                if isinstance(value, dict)
                else str(value)
            )
            for key, value in data.items()
        }
    return out


@functools.cache
def catalogue() -> Mapping[str, Mapping[str, Entry]]:
    """The catalogue, read once per process."""
    return MappingProxyType({lang: MappingProxyType(t) for lang, t in load_catalogue().items()})


@functools.cache
def _plural_rule(lang: str) -> Callable[[float], str]:
    return Locale.parse(LOCALES.get(lang, LOCALES[DEFAULT_LANG])).plural_form


def _form(forms: Mapping[str, str], lang: str, count: object) -> str:
    if isinstance(count, int | float) and not isinstance(count, bool):
        chosen = forms.get(_plural_rule(lang)(count))
        if chosen is not None:
            return chosen
    return forms.get("other") or next(iter(forms.values()))


def text(key: str, lang: str, /, **params: object) -> str:
    """The text `key` in `lang` with its placeholders filled (zh, then the key, if missing)."""
    table = catalogue()
    raw = table.get(lang, table[DEFAULT_LANG]).get(key)
    if raw is None:
        # A missing key is a bug the catalogue contract test catches; show the key, not a crash.
        raw = table[DEFAULT_LANG].get(key, key)
    if not isinstance(raw, str):
        count = params.get(COUNT)
        raw = _form(raw, lang, count)
        if isinstance(count, int | float) and not isinstance(count, bool):
            params[COUNT] = formatting.number(count, lang, grouping=True)
    if "{" not in raw:
        return raw
    try:
        return raw.format_map(_Filled(key, lang, params))
    except (IndexError, ValueError):  # a positional or malformed field: show the text as it is
        return raw


class _Filled(dict[str, object]):
    """Placeholders in one language; a missing one renders as the errors' placeholder word."""

    def __init__(self, key: str, lang: str, params: Mapping[str, object]):
        super().__init__((name, _in_language(value, lang)) for name, value in params.items())
        self.key = key
        self.lang = lang

    def __missing__(self, name: str) -> str:
        log.warning("text %r rendered without its parameter %r", self.key, name)
        return PLACEHOLDER.get(self.lang)


def bilingual(key: str, /, **params: object) -> Text:
    """The text `key` in both languages, for the library's bilingual results."""
    return Text(text(key, "zh", **params), text(key, "en", **params))
