"""The words a council's own spreadsheet uses for polarity, frequency and yes/no.

Pure. A framework kept in Excel for years says "Higher", "Quarterly" or "Y"
where pmf says ``higher_is_better``, ``quarterly`` or ``true``; an import
reads those words as the values they plainly mean. A word that is not in
these lists is still an error naming its row and column: guessing a
polarity wrong would turn a GREEN indicator RED without anyone noticing.

Words are compared after :func:`normalised`: case, spaces, hyphens,
underscores and a trailing full stop do not matter ("Half-yearly",
"half yearly" and "HALF_YEARLY" are one word).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

POLARITY_WORDS: Mapping[str, tuple[str, ...]] = {
    "higher_is_better": (
        "higher is better",
        "high is better",
        "higher",
        "high",
        "up",
        "increase",
        "increasing",
        "more is better",
        "bigger is better",
        "maximise",
        "maximize",
    ),
    "lower_is_better": (
        "lower is better",
        "low is better",
        "lower",
        "low",
        "down",
        "decrease",
        "decreasing",
        "less is better",
        "fewer is better",
        "smaller is better",
        "minimise",
        "minimize",
    ),
    "closer_is_better": (
        "closer is better",
        "closer",
        "closer to target",
        "nearer is better",
        "nearer",
        "near target",
        "context",
    ),
}

FREQUENCY_WORDS: Mapping[str, tuple[str, ...]] = {
    "annual": ("annual", "annually", "yearly", "year", "every year", "once a year"),
    "half_yearly": (
        "half yearly",
        "half year",
        "six monthly",
        "6 monthly",
        "twice yearly",
        "twice a year",
        "biannual",
        "biannually",
        "bi annual",
        "bi annually",
        "semi annual",
        "semi annually",
    ),
    "quarterly": (
        "quarterly",
        "quarter",
        "every quarter",
        "three monthly",
        "3 monthly",
    ),
    "termly": ("termly", "term", "each term", "every term", "per term"),
    "monthly": ("monthly", "month", "every month"),
}

YES_WORDS = ("true", "yes", "y", "t", "1")
NO_WORDS = ("false", "no", "n", "f", "0")

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalised(text: str) -> str:
    """``text`` in lower case, runs of spaces, hyphens and underscores as one
    space, without a trailing full stop."""
    return _SEPARATORS.sub(" ", text.strip().lower().rstrip(".")).strip()


def _index(words: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    found = {normalised(value): value for value in words}
    for value, synonyms in words.items():
        found.update({normalised(w): value for w in synonyms})
    return found


def reader(words: Mapping[str, tuple[str, ...]], allowed: tuple[str, ...]) -> Reader:
    """A reader of the ``allowed`` values of ``words``."""
    return Reader({k: v for k, v in _index(words).items() if v in allowed}, allowed)


class Reader:
    """Reads one kind of word; ``None`` for a word it does not know."""

    def __init__(self, index: dict[str, str], allowed: tuple[str, ...]) -> None:
        self._index = index
        self.allowed = allowed

    def __call__(self, text: str) -> str | None:
        return self._index.get(normalised(text))


def yes_no(text: str) -> bool | None:
    """True for yes, false for no, ``None`` for anything else."""
    word = normalised(text)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None
