"""Free text people type or paste: what is normalised, refused and stripped.

Text reaches the log from forms, JSON bodies and spreadsheets, and leaves it in
Word, Excel, CSV, HTML and PDF papers. XML 1.0 (inside .docx and .xlsx) cannot
hold most control characters, so one stray character would stop a paper being
written. The rules live here, once, for every way in and out:

- at the input, ``normalise`` turns what word processors paste for a line
  break (vertical tab, form feed, CR LF, a lone CR) into a newline, and
  ``forbidden`` names the first character that is refused: C0 and C1 control
  characters other than tab and newline, DEL, lone surrogates, U+FFFE and
  U+FFFF (none of which XML can hold or a person means to type), and the bidi
  embedding, override and isolate controls U+202A-U+202E and U+2066-U+2069,
  which can make a paper show text in a different order from the one stored;
- at every writer, ``xml_safe`` (and ``xml_safe_deep`` for a whole snapshot)
  applies the same normalisation and drops what XML cannot hold, so events
  already in a log can never break a paper.

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# An indicator code: letters and digits in groups joined by one space, dot,
# underscore or hyphen ("NI 50", "LOCAL 01", "NI 7.1"), at most 32 characters.
# Nothing that could be read as a path (".", "..", "/etc/passwd") or hide in a
# URL, a file name or a spreadsheet formula.
CODE_PATTERN = r"^[A-Za-z0-9]+(?:[ ._-][A-Za-z0-9]+)*$"
CODE_RULE = (
    "code must be at most 32 letters and digits, in groups joined by one space, "
    ". _ or - (e.g. 'NI 50', 'LOCAL 01')"
)

_LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
# What XML 1.0 cannot hold (C0 controls but tab, LF and CR; surrogates;
# U+FFFE and U+FFFF): dropped by every writer.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalise(text: str) -> str:
    """``text`` with every kind of line break as a plain newline."""
    return _LINE_BREAKS.sub("\n", text)


def forbidden(text: str) -> str | None:
    """A description of the first refused character in ``text``, or None."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    try:
        name = unicodedata.name(char)
    except ValueError:
        name = _KIND.get(unicodedata.category(char), "a character")
    else:
        name = name.lower()
    return f"{code} ({name}) at position {found.start() + 1}"


_KIND = {
    "Cc": "a control character",
    "Cs": "a lone surrogate",
    "Cn": "a noncharacter",
}


def xml_safe(text: str) -> str:
    """``text`` normalised, without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", normalise(text))


def xml_safe_deep(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with every string, keys
    included, passed through :func:`xml_safe`."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {xml_safe_deep(k): xml_safe_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(xml_safe_deep(v) for v in value)
    return value
