"""The groups of children a result may be broken down by, and their names.

Councils, leads and the LAA system each spell a group their own way ("Boys",
"male", "M"; "FSM", "eligible for free school meals"). A gap between groups can
only be followed over time, and across indicators, if one group always has one
name, so every breakdown is read through this vocabulary: each *dimension*
(sex, ethnicity, ...) has canonical group keys, and each key a list of the
synonyms it answers to. Keys are unique across dimensions, so a breakdown stays
the flat ``{group: value}`` object PRODUCT.md 3 and 7.3 describe.

Input (the returns API, the return form, the LAA stream) is checked strictly:
an unknown group is refused with a message naming it. Reading is forgiving:
results recorded before the vocabulary existed may carry free-form names, and
the log is never rewritten, so a name the vocabulary does not know is read as a
group of the dimension ``other`` under its own name (``docs/equalities.md``).

Localities are the council's own, so they are an open dimension: any
``locality:<name>`` is accepted and keyed by its slug.

A group's figure may come with counts (``n`` children, or a ``numerator`` and
``denominator``) so that small numbers can be withheld by the papers' rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

VOCABULARY_VERSION = 1
OTHER = "other"
LOCALITY = "locality"
MAX_GROUPS = 50
COUNT_FIELDS = ("n", "numerator", "denominator")


@dataclass(frozen=True)
class Dimension:
    """A way of dividing children into groups, with its groups in display order."""

    key: str
    label: str
    groups: tuple[tuple[str, str, tuple[str, ...]], ...]  # key, label, synonyms


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "sex",
        "Sex",
        (
            ("male", "Boys", ("boys", "boy", "m", "males", "young men")),
            ("female", "Girls", ("girls", "girl", "f", "females", "young women")),
        ),
    ),
    Dimension(
        "ethnicity",
        "Ethnicity",
        (
            ("white_british", "White British", ("wbri", "white uk")),
            ("white_other", "Other White", ("other white", "white non british")),
            ("mixed", "Mixed", ("mixed ethnicity", "mixed heritage", "dual heritage")),
            ("asian", "Asian or Asian British", ("asian british",)),
            ("black", "Black or Black British", ("black british",)),
            ("chinese", "Chinese", ()),
            ("other_ethnic_group", "Any other ethnic group", ("other ethnic",)),
            (
                "minority_ethnic",
                "Black and minority ethnic",
                ("bme", "bame", "black and minority ethnic", "all minority ethnic"),
            ),
            ("ethnicity_unknown", "Not known", ("unclassified", "not obtained")),
        ),
    ),
    Dimension(
        "sen",
        "Special educational needs",
        (
            ("sen", "With SEN", ("with sen", "send", "any sen", "sen pupils")),
            ("no_sen", "No SEN", ("no identified sen", "without sen", "non sen")),
            ("sen_support", "SEN support", ("school action", "school action plus")),
            ("ehcp", "EHC plan or statement", ("statement", "ehc plan", "statemented")),
        ),
    ),
    Dimension(
        "disadvantage",
        "Free school meals and disadvantage",
        (
            (
                "fsm",
                "Eligible for free school meals",
                ("fsm eligible", "free school meals", "eligible for fsm"),
            ),
            (
                "not_fsm",
                "Not eligible for free school meals",
                ("non fsm", "not eligible for fsm", "fsm not eligible"),
            ),
            ("disadvantaged", "Disadvantaged", ("pupil premium",)),
            (
                "not_disadvantaged",
                "Not disadvantaged",
                ("other pupils", "non disadvantaged"),
            ),
        ),
    ),
    Dimension(
        "disability",
        "Disability",
        (
            ("disabled", "Disabled", ("with a disability",)),
            ("not_disabled", "Not disabled", ("no disability", "without a disability")),
        ),
    ),
    Dimension(
        "looked_after",
        "Looked-after children",
        (
            (
                "looked_after",
                "Looked after",
                ("lac", "cla", "children in care", "in care", "looked after children"),
            ),
            (
                "not_looked_after",
                "Not looked after",
                ("non lac", "non cla", "not in care"),
            ),
            ("care_leaver", "Care leavers", ("care leavers",)),
        ),
    ),
    Dimension(
        "age",
        "Age band",
        (
            ("age_under_1", "Under 1", ("under 1", "aged under 1")),
            ("age_1_4", "Aged 1 to 4", ("1 4", "aged 1 4", "1 to 4")),
            ("age_5_9", "Aged 5 to 9", ("5 9", "aged 5 9", "5 to 9")),
            ("age_10_15", "Aged 10 to 15", ("10 15", "aged 10 15", "10 to 15")),
            ("age_16_plus", "Aged 16 and over", ("16 plus", "16 and over", "16+")),
            ("age_16_18", "Aged 16 to 18", ("16 18", "aged 16 18", "16 to 18")),
            ("age_19_plus", "Aged 19 and over", ("19 plus", "19 and over", "19+")),
        ),
    ),
)

DIMENSION_LABELS: dict[str, str] = {d.key: d.label for d in DIMENSIONS} | {
    LOCALITY: "Locality",
    OTHER: "Other groups",
}


def _folded(name: str) -> str:
    """A name as synonyms are compared: lower case, words joined by one space."""
    return " ".join(re.sub(r"[^0-9a-z+]+", " ", name.lower()).split())


@dataclass(frozen=True)
class GroupInfo:
    key: str
    label: str
    dimension: str
    order: int


_GROUPS: dict[str, GroupInfo] = {}
_SYNONYMS: dict[str, str] = {}
for _dim in DIMENSIONS:
    for _i, (_key, _label, _words) in enumerate(_dim.groups):
        _GROUPS[_key] = GroupInfo(_key, _label, _dim.key, _i)
        for _word in (_key, _label, *_words):
            if _SYNONYMS.setdefault(_folded(_word), _key) != _key:
                raise AssertionError(f"{_word!r} names two groups")


class BreakdownError(ValueError):
    """A breakdown the vocabulary cannot accept; the message says which group."""


@lru_cache(maxsize=4096)
def canonical(name: str) -> str | None:
    """The canonical key of ``name``, or None when the vocabulary does not know it.

    Cached: a national release names the same few groups on every result,
    and folding a name costs more than the rest of checking its figure.
    """
    prefix, sep, rest = name.partition(":")
    if sep and _folded(prefix) == LOCALITY:
        slug = _folded(rest).replace(" ", "-")
        return f"{LOCALITY}:{slug}" if slug else None
    return _SYNONYMS.get(_folded(name))


def describe(key: str) -> GroupInfo:
    """Dimension, label and order of a group key; unknown names are ``other``."""
    known = _GROUPS.get(key)
    if known is not None:
        return known
    if key.startswith(f"{LOCALITY}:"):
        name = key.partition(":")[2].replace("-", " ")
        return GroupInfo(key, name.title(), LOCALITY, 0)
    found = canonical(key)  # an old free-form name the vocabulary now knows
    if found is not None:
        return describe(found)
    return GroupInfo(key, key, OTHER, 0)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _counts(group: str, raw: Mapping[str, Any]) -> dict[str, int]:
    unknown = sorted(set(raw) - {"value", *COUNT_FIELDS})
    if unknown:
        raise BreakdownError(
            f"breakdown {group!r} has unknown field(s) {', '.join(unknown)}: "
            "give value and optionally n, or numerator and denominator"
        )
    counts: dict[str, int] = {}
    for name in COUNT_FIELDS:
        if raw.get(name) is None:
            continue
        count = raw[name]
        whole = isinstance(count, int) or (
            isinstance(count, float) and count.is_integer()
        )
        if isinstance(count, bool) or not whole or count < 0:
            raise BreakdownError(
                f"breakdown {group!r}: {name} must be a whole number of children"
            )
        counts[name] = int(count)
    if ("numerator" in counts) != ("denominator" in counts):
        raise BreakdownError(
            f"breakdown {group!r}: give numerator and denominator together"
        )
    if counts.get("numerator", 0) > counts.get("denominator", 0):
        raise BreakdownError(
            f"breakdown {group!r}: numerator is larger than denominator"
        )
    return counts


def normalise(
    raw: Mapping[str, Any],
) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    """Canonical values and counts of a breakdown as given, or a BreakdownError.

    Each group's figure is a number, or an object ``{"value", "n"?,
    "numerator"?, "denominator"?}``.
    """
    if len(raw) > MAX_GROUPS:
        raise BreakdownError(f"breakdowns must have at most {MAX_GROUPS} groups")
    values: dict[str, float] = {}
    counts: dict[str, dict[str, int]] = {}
    given: dict[str, str] = {}
    for name, figure in raw.items():
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
            raise BreakdownError("breakdown groups must be names of 1-100 characters")
        key = canonical(name)
        if key is None:
            raise BreakdownError(
                f"unknown breakdown group {name!r}: use a group of the "
                f"vocabulary (version {VOCABULARY_VERSION}, docs/equalities.md), "
                "e.g. male, female, fsm, not_fsm, sen, no_sen, looked_after, "
                "or locality:<name>"
            )
        if key in given:
            raise BreakdownError(
                f"breakdown groups {given[key]!r} and {name!r} "
                f"are the same group ({key})"
            )
        given[key] = name
        if isinstance(figure, Mapping):
            value = _finite(figure.get("value"))
            group_counts = _counts(name, figure)
            if group_counts:
                counts[key] = group_counts
        else:
            value = _finite(figure)
        if value is None:
            raise BreakdownError(f"breakdown {name!r} is not a finite number")
        values[key] = value
    return values, counts
