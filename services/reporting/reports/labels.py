"""The words, symbols and numbers a paper prints, the same in every format.

A status is never shown by colour alone: each has words (`STATUS_WORDS`) and a colour
pair whose contrast meets WCAG 2.1 AA for normal text (`STATUS_COLOURS`). A direction of
travel is an arrow followed by words; the arrow points up when performance improves,
whatever the indicator's polarity, so a falling rate of re-offending is an up arrow.

Small-number suppression lives here (`is_suppressed`, `figure_text`,
`mask_small_numbers`); the rule itself is written down in the package docstring.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

SUPPRESSED = "c"
DEFAULT_SMALL_NUMBER_THRESHOLD = 5
STATUSES = ("GREEN", "AMBER", "RED", "GREY")

STATUS_WORDS = {
    "GREEN": "On target",
    "AMBER": "Amber: close to target",
    "RED": "Off target",
    "GREY": "Not assessed",
}

# (background, text) as #rrggbb; every pair has a contrast ratio of at least 4.5:1.
STATUS_COLOURS = {
    "GREEN": ("#00703c", "#ffffff"),
    "AMBER": ("#ffbf47", "#0b0c0c"),
    "RED": ("#b10e1e", "#ffffff"),
    "GREY": ("#505a5f", "#ffffff"),
}

DIRECTIONS = {
    "improving": ("↑", "Improving"),
    "worsening": ("↓", "Worsening"),
    "no_change": ("→", "No change"),
    "none": ("", "No previous result"),
}

PREDICTION_WORDS = {"on_target": "On target", "off_target": "Off target"}

DECISION_WORDS = {
    "upheld": "Upheld: the computed status stands",
    "lead_view_accepted": "Lead's view accepted",
}

ACTION_STATUS_WORDS = {"open": "Open", "overdue": "Overdue", "completed": "Completed"}

# The order the assessment raises flags in; unknown codes follow, sorted.
FLAG_TITLES = {
    "PREDICTION_CONFLICT": "Prediction conflicts with the assessment",
    "NO_PREDICTION": "No prediction",
    "MISSING_RETURN": "Missing return",
    "NO_TARGET": "No target",
    "NO_LEAD": "No lead",
    "STALE_RESULT": "Stale result",
    "VOLATILE": "Volatile result",
}

# Informational comparison flags (services/reporting/comparison.py): never RAG.
COMPARISON_FLAG_TITLES = {
    "BELOW_ENGLAND_WIDENING": "Below England and widening",
    "BOTTOM_QUARTILE_NEIGHBOURS": "Bottom quartile among neighbours",
}

UNIT_WORDS = {
    "percent": "Percentage",
    "number": "Number of children",
    "rate_per_1000": "Rate per 1,000",
    "rate_per_10000": "Rate per 10,000",
    "rate_per_100000": "Rate per 100,000",
    "score": "Score",
    "percentage_points": "Percentage points",
    "average_score": "Average score",
}

POLARITY_WORDS = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "closer_is_better": "closer to target is better",
}

FREQUENCY_WORDS = {
    "annual": "annual",
    "half_yearly": "half-yearly",
    "quarterly": "quarterly",
    "termly": "termly",
    "monthly": "monthly",
}

SOURCE_WORDS = {"lead": "Lead's return", "laa": "LAA reporting feed"}

RAG_MODE_WORDS = {
    "red_green": "Red / green (on or off target)",
    "red_amber_green": "Red / amber / green",
}

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def status_words(code: str) -> str:
    """'On target', 'Off target', 'Amber: close to target' or 'Not assessed'."""
    return STATUS_WORDS.get(code, STATUS_WORDS["GREY"])


def status_code(code: str | None) -> str:
    """A known status code; anything else is GREY (not assessed)."""
    return code if code in STATUS_WORDS else "GREY"


def direction_parts(code: str) -> tuple[str, str]:
    """(arrow, words) for a direction of travel; unknown codes read as none."""
    return DIRECTIONS.get(code, DIRECTIONS["none"])


def flag_title(code: str) -> str:
    """A flag's heading: its title, or the code itself when it is unknown."""
    return FLAG_TITLES.get(code, code.replace("_", " ").capitalize())


def flag_order(code: str) -> tuple[int, str]:
    """Sort key: the assessment's order first, unknown codes after, by code."""
    codes = list(FLAG_TITLES)
    return (codes.index(code), "") if code in FLAG_TITLES else (len(codes), code)


def words_for(table: dict[str, str], code: str | None, missing: str) -> str:
    """A code's words from `table`; `missing` when there is no code."""
    if not code:
        return missing
    return table.get(code, code.replace("_", " "))


def number_text(value: float) -> str:
    """At most two decimals, no trailing zeros, thousands separated: '1,234.5'."""
    rounded = round(float(value), 2)
    if rounded == 0 and value != 0:
        return f"{value:.2g}"
    text = f"{rounded:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def small_number_threshold(settings: dict[str, object]) -> float:
    """The framework's threshold below which a count of children is suppressed."""
    value = settings.get("small_number_threshold")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return float(DEFAULT_SMALL_NUMBER_THRESHOLD)


def is_suppressed(value: float | None, unit: str, threshold: float) -> bool:
    """A count of children below the threshold must not be published."""
    return unit == "number" and value is not None and value < threshold


def figure_text(value: float | None, unit: str, threshold: float, missing: str) -> str:
    """A value as a paper prints it: 'c' when suppressed, '66.3%' for a percentage."""
    if value is None:
        return missing
    if is_suppressed(value, unit, threshold):
        return SUPPRESSED
    return f"{number_text(value)}%" if unit == "percent" else number_text(value)


def figure_cell(value: float | None, unit: str, threshold: float) -> float | str | None:
    """A value as a spreadsheet cell holds it: the number, 'c' or empty."""
    if value is None:
        return None
    return SUPPRESSED if is_suppressed(value, unit, threshold) else float(value)


def gap_words(gap: float, unit: str) -> str:
    """'2.1 percentage points above overall', 'same as overall'."""
    if round(gap, 2) == 0:
        return "Same as overall"
    size = number_text(abs(gap))
    if unit == "percent":
        size += " percentage points"
    return f"{size} {'above' if gap > 0 else 'below'} overall"


def signed_text(gap: float) -> str:
    """'+2.1', '-3', '0': a difference with its sign."""
    text = number_text(gap)
    return text if text.startswith("-") or text == "0" else f"+{text}"


_MONTH_NAMES = "|".join(_MONTHS)
# A standalone number, not part of a word, a code or a date such as '1 April 2010'.
_NUMBER = re.compile(
    rf"(?<![\w.,/-])(\d+(?:\.\d+)?)(?![\w/-]|\.\d|,\d|\s+(?:{_MONTH_NAMES})\b)"
)


def mask_small_numbers(text: str, unit: str, threshold: float) -> str:
    """The assessment's sentence with every count below the threshold shown as 'c'.

    Explanations such as 'Projected 3.2 at March 2011 against a target of 2' quote
    the very numbers that suppression hides; days of the month are left alone.
    """
    if unit != "number":
        return text

    def replace(match: re.Match[str]) -> str:
        return SUPPRESSED if float(match.group(1)) < threshold else match.group(0)

    return _NUMBER.sub(replace, text)


def parse_date(value: str | None) -> date | None:
    """'2010-03-31' (or a timestamp) as a date; None stays None."""
    if not value:
        return None
    return date.fromisoformat(value[:10])


def date_text(value: str | None, missing: str = "") -> str:
    """'31 March 2010': locale-free, the same on every machine."""
    day = parse_date(value)
    if day is None:
        return missing
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_date_text(value: str | None, missing: str = "") -> str:
    """'31 Mar 2010' for table cells."""
    day = parse_date(value)
    if day is None:
        return missing
    return f"{day.day} {_MONTHS[day.month - 1][:3]} {day.year}"


def as_of_datetime(value: str) -> datetime:
    """The snapshot's fixed time, as an aware UTC datetime (microseconds dropped).

    Every date stamped into a file's metadata comes from here, so the same snapshot
    always gives the same bytes.
    """
    text = value.strip().replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def code_order(code: str) -> tuple[tuple[str, int], ...]:
    """Sort key for indicator codes in natural order: 'NI 48' before 'NI 110'."""
    return tuple(
        (text.lower(), int(digits or -1))
        for text, digits in re.findall(r"(\D*)(\d*)", code)
        if text or digits
    )


def anchor(code: str) -> str:
    """'NI 50' -> 'ni-50': an id for links within a paper."""
    return re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-") or "indicator"


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
