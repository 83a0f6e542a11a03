"""An indicator's comparison with England and neighbours, in a paper's words.

Pure. Takes the ``comparison`` a snapshot holds (``comparator_queries``) and
gives the figures and sentences the Executive pack and the Board paper print.
The comparison is information for the reader: it never changes a status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import labels

ORDINALS = {1: "st", 2: "nd", 3: "rd"}


@dataclass(frozen=True, slots=True)
class ComparisonView:
    period: str
    council: str
    england: str
    region: str
    neighbours: str
    rank: str
    gap: str
    flags: tuple[tuple[str, str], ...]  # (title, explanation)
    # For a spreadsheet: period end, council, England, region, neighbours'
    # average (numbers, "c" when suppressed), rank, areas ranked, quartile,
    # gap to England and its direction.
    cells: tuple[Any, ...] = ()

    @property
    def summary(self) -> str:
        """One line for a table cell or a fact list."""
        parts = [f"England {self.england}", f"region {self.region}"]
        parts.append(f"statistical neighbours {self.neighbours}")
        text = f"{self.period}: " + ", ".join(parts) + "."
        if self.rank:
            text += f" {self.rank}."
        if self.gap:
            text += f" {self.gap}."
        return text


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else ORDINALS.get(n % 10, "th")
    return f"{n}{suffix}"


def _gap_size(gap: float, unit: str) -> str:
    size = labels.number_text(round(abs(gap), 2))
    return f"{size} percentage points" if unit == "percent" else size


def gap_sentence(c: Mapping[str, Any], unit: str) -> str:
    """'6 percentage points worse than England, and the gap widened since
    Mar 2008' (empty without both figures)."""
    gap = c.get("gap_to_england")
    if gap is None:
        return ""
    if abs(gap) <= 1e-9:
        text = "The same as England"
    else:
        side = "better" if gap > 0 else "worse"
        text = f"{_gap_size(gap, unit)} {side} than England"
    direction = c.get("gap_direction")
    since = labels.short_date_text(c.get("previous_period_end"))
    if direction in ("closing", "widening") and since and gap > 1e-9:
        # Ahead of England a growing distance is good news: say it as a lead.
        verb = "shrank" if direction == "closing" else "grew"
        text += f", and the lead {verb} since {since}"
    elif direction in ("closing", "widening") and since:
        verb = "narrowed" if direction == "closing" else "widened"
        text += f", and the gap {verb} since {since}"
    elif direction == "unchanged" and since:
        text += f", as at {since}"
    return text


def comparison_view(
    c: Mapping[str, Any] | None, unit: str, threshold: float
) -> ComparisonView | None:
    """The comparison's figures and words, or None without one."""
    if not c:
        return None

    def fig(value: Any) -> str:
        number = None if value is None else float(value)
        return labels.figure_text(number, unit, threshold, "no figure")

    def cell(value: Any) -> Any:
        number = None if value is None else float(value)
        return labels.figure_cell(number, unit, threshold)

    average = c.get("neighbour_average")
    neighbours = (
        f"{fig(round(average, 2))} on average" if average is not None else "no figures"
    )
    rank = ""
    if c.get("rank") and c.get("ranked", 0) > 1:
        rank = f"{ordinal(c['rank'])} of {c['ranked']} with its statistical neighbours"
        if c.get("quartile"):
            rank += f" (quartile {c['quartile']}, 1 is best)"
    if c.get("rank_all") and c.get("ranked_all", 0) > 1:
        among = f"{ordinal(c['rank_all'])} of {c['ranked_all']} councils"
        if c.get("quartile_all"):
            among += f" (quartile {c['quartile_all']})"
        rank = f"{rank}; {among}" if rank else among
    return ComparisonView(
        period=labels.short_date_text(c.get("period_end")),
        council=fig(c.get("council")),
        england=fig(c.get("england")),
        region=fig(c.get("region")),
        neighbours=neighbours,
        rank=rank[:1].upper() + rank[1:],
        gap=gap_sentence(c, unit),
        flags=tuple(
            (
                labels.COMPARISON_FLAG_TITLES.get(f["code"], f["code"]),
                str(f.get("explanation", "")),
            )
            for f in c.get("flags") or []
        ),
        cells=(
            labels.parse_date(c.get("period_end")),
            cell(c.get("council")),
            cell(c.get("england")),
            cell(c.get("region")),
            cell(None if average is None else round(average, 2)),
            c.get("rank"),
            c.get("ranked") or None,
            c.get("quartile"),
            None if c.get("gap_to_england") is None else round(c["gap_to_england"], 6),
            c.get("gap_direction"),
        ),
    )


def board_sentence(indicators: Sequence[Mapping[str, Any]]) -> str:
    """One sentence for the Board paper's summary on how the council compares
    (empty when no indicator has comparator figures)."""
    compared = [i for i in indicators if i.get("comparison")]
    with_gap = [
        i for i in compared if i["comparison"].get("gap_to_england") is not None
    ]
    if not with_gap:
        return ""
    better = [i for i in with_gap if i["comparison"]["gap_to_england"] > 1e-9]
    widening = sorted(
        i["code"]
        for i in with_gap
        if any(
            f["code"] == "BELOW_ENGLAND_WIDENING"
            for f in i["comparison"].get("flags") or []
        )
    )
    bottom = sorted(
        i["code"]
        for i in compared
        if any(
            f["code"] == "BOTTOM_QUARTILE_NEIGHBOURS"
            for f in i["comparison"].get("flags") or []
        )
    )
    n = len(with_gap)
    text = (
        f"Of the {n} indicator{'s' * (n != 1)} with published figures for "
        f"England, the council does better than England on {len(better)}"
    )
    if widening:
        text += f"; the gap to England is widening on {_listed(widening)}"
    if bottom:
        text += (
            f"; {_listed(bottom)} "
            f"{'is' if len(bottom) == 1 else 'are'} in the bottom quartile of "
            "its statistical neighbours"
        )
    return text + " (for information: comparisons do not change any status)."


def _listed(codes: Sequence[str]) -> str:
    if len(codes) == 1:
        return codes[0]
    return ", ".join(codes[:-1]) + " and " + codes[-1]
