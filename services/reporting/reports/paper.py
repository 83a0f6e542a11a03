"""What a paper says, before any format lays it out.

HTML (and so PDF), DOCX and XLSX all read the same :class:`Paper`, built once from the
snapshot: the words, the order of every list and the small-number suppression are
decided here and nowhere else, so the formats cannot disagree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.breakdowns import DIMENSION_LABELS, describe
from shared.events.actors import actor_without_token
from shared.text import xml_safe_deep

from . import labels
from .comparison_words import ComparisonView, comparison_view
from .group_gaps import withheld
from .narrative import CoveringText, covering_text
from .privacy import private_data_removed

KIND_HEADINGS = {"executive": "Executive report", "board": "CYP Board report"}
# Commentary longer than this is cut in the tables, and printed in full in the
# indicator's detail (Executive) or in Appendix B (Board): one long return must not
# push a table row over a page.
COMMENTARY_LIMIT = 300
# Where a paper prints the whole of a commentary it cuts in its tables.
CONTINUED_IN = {
    "executive": "the indicator detail",
    "board": "Appendix B",
}


@dataclass(frozen=True, slots=True)
class Figure:
    """A number as the paper shows it: `text` for people, `cell` for spreadsheets."""

    text: str
    cell: float | str | None


@dataclass(frozen=True, slots=True)
class StatusView:
    code: str
    words: str

    @property
    def css(self) -> str:
        return self.code.lower()


@dataclass(frozen=True, slots=True)
class DirectionView:
    code: str
    arrow: str
    words: str

    @property
    def text(self) -> str:
        return f"{self.arrow} {self.words}".strip()


@dataclass(frozen=True, slots=True)
class FlagView:
    code: str
    title: str
    explanation: str


@dataclass(frozen=True, slots=True)
class BreakdownView:
    group: str
    value: Figure
    gap: Figure
    gap_words: str


@dataclass(frozen=True, slots=True)
class DecisionView:
    code: str
    words: str
    note: str
    decided_by: str
    decided_at: str


@dataclass(frozen=True, slots=True)
class ChartData:
    """What a trend chart draws; suppressed values are left out, never drawn."""

    code: str
    results: tuple[tuple[date, float], ...]
    target: tuple[date, float] | None
    trajectory: tuple[tuple[date, float], ...]
    description: str


@dataclass(frozen=True, slots=True)
class IndicatorView:
    code: str
    anchor: str
    title: str
    outcome: str
    unit: str
    about: str
    laa: bool
    lead_organisation: str
    named_lead: str
    baseline: Figure
    baseline_period: str
    baseline_on: date | None
    target: Figure
    target_period: str
    target_on: date | None
    latest: Figure
    latest_period: str
    latest_on: date | None
    projection: Figure
    status: StatusView
    shown_status: StatusView
    explanation: str
    direction: DirectionView
    significantly_improved: bool
    very_good_performance: bool
    flags: tuple[FlagView, ...]
    prediction: str
    commentary: str
    # The table's version: the commentary, or its first words and "…" when cut;
    # then where the whole of it is ("" when nothing was cut).
    commentary_head: str
    commentary_continued: str
    data_quality: str
    source: str
    breakdowns: tuple[BreakdownView, ...]
    decision: DecisionView | None
    history: tuple[tuple[str, Figure, date | None], ...]
    chart: ChartData
    comparison: ComparisonView | None = None

    @property
    def status_changed(self) -> bool:
        return self.status.code != self.shown_status.code

    @property
    def commentary_short(self) -> str:
        """The commentary as a table prints it, with the pointer when cut."""
        if not self.commentary_continued:
            return self.commentary_head
        return f"{self.commentary_head} (continued in {self.commentary_continued})"


@dataclass(frozen=True, slots=True)
class OutcomeGroup:
    outcome: str
    indicators: tuple[IndicatorView, ...]


@dataclass(frozen=True, slots=True)
class ChallengeView:
    code: str
    anchor: str
    title: str
    flags: tuple[FlagView, ...]
    computed: StatusView
    prediction: str
    decision: DecisionView | None
    shown: StatusView


@dataclass(frozen=True, slots=True)
class FlagGroup:
    code: str
    title: str
    items: tuple[tuple[ChallengeView, FlagView], ...]


@dataclass(frozen=True, slots=True)
class ActionView:
    id: str
    code: str
    anchor: str
    indicator_title: str
    round_id: str
    description: str
    owner: str
    due: str
    status_code: str
    status: str
    completed_at: str
    outcome: str
    due_iso: str
    completed_iso: str


@dataclass(frozen=True, slots=True)
class GapView:
    """A group behind all children, as the Executive paper's equalities table
    shows it."""

    code: str
    anchor: str
    title: str
    group: str
    dimension: str
    period: str
    value: str
    overall: str
    gap: str
    direction: str
    flags: str


GAP_DIRECTIONS = {
    "closing": "Closing",
    "widening": "Widening",
    "unchanged": "Unchanged",
}


def gap_views(
    equalities: Mapping[str, Any] | None, threshold: float
) -> tuple[GapView, ...]:
    """The groups behind all children in the snapshot, flagged and widest first."""
    views = []
    for g in (equalities or {}).get("gaps") or []:
        unit = str(g.get("unit") or "")
        gap = _number(g.get("gap_to_all"))
        views.append(
            GapView(
                code=str(g.get("code")),
                anchor=labels.anchor(str(g.get("code"))),
                title=str(g.get("title") or ""),
                group=str(g.get("label") or g.get("group")),
                dimension=DIMENSION_LABELS.get(str(g.get("dimension")), "Other groups"),
                period=labels.short_date_text(g.get("period_end")),
                value=labels.figure_text(_number(g.get("value")), unit, threshold, "c"),
                overall=labels.figure_text(
                    _number(g.get("overall")), unit, threshold, "c"
                ),
                gap=labels.signed_text(gap) if gap is not None else "No gap",
                direction=GAP_DIRECTIONS.get(
                    str(g.get("direction")), "No earlier breakdown"
                ),
                flags=" ".join(str(f.get("explanation")) for f in g.get("flags") or []),
            )
        )
    return tuple(views)


@dataclass(frozen=True, slots=True)
class Paper:
    kind: str
    heading: str
    title: str
    council: str
    round_id: str
    facts: tuple[tuple[str, str], ...]
    as_of: datetime
    as_of_text: str
    counts: tuple[tuple[StatusView, int], ...]
    indicators: tuple[IndicatorView, ...]
    outcomes: tuple[OutcomeGroup, ...]
    concerns: tuple[IndicatorView, ...]
    very_good: tuple[IndicatorView, ...]
    improved: tuple[IndicatorView, ...]
    flag_groups: tuple[FlagGroup, ...]
    challenges: tuple[ChallengeView, ...]
    actions_due: tuple[ActionView, ...]
    actions_completed: tuple[ActionView, ...]
    suppression_note: str
    covering: CoveringText
    running_header: str
    publication: str
    equalities: tuple[GapView, ...] = ()
    # How many indicators' latest results came with a breakdown by group.
    equalities_covered: int = 0
    # The indicators whose commentary the tables cut, in the framework's order.
    long_commentary: tuple[IndicatorView, ...] = ()
    # The Board paper's tables name the period of the latest results and of the
    # targets once, in the column heading, and a row's own period only where it
    # differs ("" where the paper names every row's period).
    usual_latest_period: str = ""
    usual_target_period: str = ""

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def build_paper(snapshot: Mapping[str, Any]) -> Paper:
    """The paper a snapshot describes, every list in its fixed order.

    Every string is first made safe for XML (:func:`shared.text.xml_safe`):
    the API refuses control characters, but events written before it did may
    still hold them, and one of them would stop a Word or Excel paper being
    written at all.
    """
    snapshot = private_data_removed(xml_safe_deep(dict(snapshot)))
    settings = dict(snapshot.get("settings") or {})
    threshold = labels.small_number_threshold(settings)
    rnd = snapshot.get("round") or {}
    kind = str(snapshot.get("kind", "executive"))
    ordered = framework_order(snapshot.get("indicators") or [])
    indicators = tuple(
        indicator_view(
            i,
            threshold,
            str(rnd.get("status") or ""),
            CONTINUED_IN.get(kind, CONTINUED_IN["executive"]),
        )
        for i in ordered
    )
    by_code = {i.code: i for i in indicators}
    highlights = snapshot.get("highlights") or {}
    challenges = challenge_views(
        snapshot.get("challenges") or [],
        by_code,
        threshold,
        str(rnd.get("status") or ""),
    )
    actions = tuple(action_view(a, by_code) for a in snapshot.get("actions") or [])
    as_of = labels.as_of_datetime(str(snapshot["as_of"]))
    covering = covering_text({**snapshot, "indicators": ordered})
    council = str(snapshot.get("council") or "")
    return Paper(
        kind=kind,
        heading=KIND_HEADINGS.get(kind, kind.capitalize()),
        title=str(snapshot.get("title") or KIND_HEADINGS.get(kind, "Report")),
        council=str(snapshot.get("council") or ""),
        round_id=str((snapshot.get("round") or {}).get("id", "")),
        facts=paper_facts(snapshot, settings, as_of),
        as_of=as_of,
        as_of_text=labels.date_text(as_of.date().isoformat()),
        counts=status_counts(snapshot.get("counts") or {}, settings),
        indicators=indicators,
        outcomes=outcome_groups(indicators),
        concerns=_pick(by_code, highlights.get("areas_of_concern")),
        very_good=_in_framework_order(
            indicators, highlights.get("very_good_performance")
        ),
        improved=_in_framework_order(
            indicators, highlights.get("significantly_improved")
        ),
        flag_groups=flag_groups(challenges),
        challenges=challenges,
        actions_due=tuple(
            sorted(
                (a for a in actions if a.status_code != "completed"),
                key=lambda a: (a.status_code != "overdue", a.due_iso, a.id),
            )
        ),
        actions_completed=tuple(
            sorted(
                (a for a in actions if a.status_code == "completed"),
                key=lambda a: (a.completed_iso, a.id),
            )
        ),
        suppression_note=(
            f"Counts of children below {labels.number_text(threshold)} are shown as "
            f'"{labels.SUPPRESSED}" so that no child can be identified.'
        ),
        covering=covering,
        publication=publication_text(snapshot.get("publication")),
        equalities=gap_views(snapshot.get("equalities"), threshold),
        equalities_covered=int(
            (snapshot.get("equalities") or {}).get("indicators_with_breakdowns") or 0
        ),
        long_commentary=tuple(i for i in indicators if i.commentary_continued),
        usual_latest_period=(
            usual_period(i.latest_period for i in indicators) if kind == "board" else ""
        ),
        usual_target_period=(
            usual_period(i.target_period for i in indicators) if kind == "board" else ""
        ),
        running_header=" | ".join(
            p
            for p in (
                council,
                f"{covering.plan}: {KIND_HEADINGS.get(kind, kind)}",
                str(rnd.get("id") or ""),
            )
            if p
        ),
    )


def usual_period(periods: Iterable[str]) -> str:
    """The period most rows share (the earliest written of equals), or "" when
    no period is shared by more than one row: only then is naming it once in the
    heading shorter than naming it in each row."""
    counts = Counter(p for p in periods if p)
    if not counts:
        return ""
    period, n = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return period if n > 1 else ""


def publication_text(raw: Any) -> str:
    """'Published on 12 May 2010 by the performance team' or 'Draft'."""
    if not isinstance(raw, Mapping) or raw.get("status") != "published":
        return "Draft, not yet published: the figures may still change"
    when = labels.date_text(raw.get("published_at"))
    who = str(raw.get("published_by") or "")
    return " ".join(p for p in ("Published", f"on {when}" if when else "", who) if p)


def framework_order(raw: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Indicators in the framework's own order, not the alphabet's.

    Outcomes come in the order the framework first lists them (the position of
    their first indicator: the order they were registered or imported), and
    indicators within an outcome in their own position. A snapshot without
    positions falls back to outcome name, then code in natural order.
    """
    items = list(raw)
    first: dict[str, float] = {}
    for i in items:
        outcome = str(i.get("outcome") or "")
        first[outcome] = min(first.get(outcome, float("inf")), _position(i))

    def key(i: Mapping[str, Any]) -> tuple[Any, ...]:
        outcome = str(i.get("outcome") or "")
        return (first[outcome], outcome, _position(i), _indicator_order(i))

    return sorted(items, key=key)


def _position(raw: Mapping[str, Any]) -> float:
    value = raw.get("position")
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return float("inf")


def cut_text(
    text: str, limit: int = COMMENTARY_LIMIT, where: str = CONTINUED_IN["executive"]
) -> str:
    """``text`` cut at a word boundary before ``limit`` characters, with a
    pointer to the full text; short text is returned as it is."""
    head = cut_head(text, limit)
    return head if head == text else f"{head} (continued in {where})"


def cut_head(text: str, limit: int = COMMENTARY_LIMIT) -> str:
    """``text`` cut at a word boundary before ``limit`` characters and ended
    with "…"; short text is returned as it is."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return f"{cut}…"


def paper_facts(
    snapshot: Mapping[str, Any], settings: Mapping[str, Any], as_of: datetime
) -> tuple[tuple[str, str], ...]:
    """The front-page facts: round, dates, framework version, settings."""
    rnd = snapshot.get("round") or {}
    version = snapshot.get("framework_version") or {}
    facts = [
        ("Council", str(snapshot.get("council") or "")),
        ("Collection round", str(rnd.get("id", ""))),
        ("Period ending", labels.date_text(rnd.get("period_end"), "Not given")),
        ("Returns requested", labels.date_text(rnd.get("requested"), "Not given")),
        ("Deadline for returns", labels.date_text(rnd.get("deadline"), "Not given")),
        ("Round status", str(rnd.get("status") or "Not given").capitalize()),
        ("Figures as at", labels.date_text(as_of.date().isoformat())),
        (
            "Framework version",
            str(version.get("label") or version.get("number") or "Not published"),
        ),
        (
            "Rating",
            labels.words_for(
                labels.RAG_MODE_WORDS, settings.get("rag_mode"), "Red / green"
            ),
        ),
    ]
    return tuple(facts)


def status_counts(
    counts: Mapping[str, Any], settings: Mapping[str, Any]
) -> tuple[tuple[StatusView, int], ...]:
    """Counts by status, AMBER only where the framework rates amber (or has some)."""
    amber = settings.get("rag_mode") == "red_amber_green" or counts.get("AMBER")
    return tuple(
        (_status(code), int(counts.get(code) or 0))
        for code in labels.STATUSES
        if code != "AMBER" or amber
    )


def indicator_view(
    raw: Mapping[str, Any],
    threshold: float,
    round_status: str = "",
    continued_in: str = CONTINUED_IN["executive"],
) -> IndicatorView:
    """One indicator, every figure formatted and suppressed for its unit;
    ``continued_in`` names where the paper prints a cut commentary whole."""
    unit = str(raw.get("unit") or "")
    code = str(raw["code"])
    latest = raw.get("latest_result") or {}
    baseline = raw.get("baseline") or {}
    target = raw.get("target") or {}

    def fig(value: Any, missing: str) -> Figure:
        number = _number(value)
        return Figure(
            labels.figure_text(number, unit, threshold, missing),
            labels.figure_cell(number, unit, threshold),
        )

    mask = _masker(unit, threshold)
    lead = raw.get("named_lead") or {}
    commentary = str(latest.get("commentary") or "")
    head = cut_head(commentary)
    return IndicatorView(
        code=code,
        anchor=labels.anchor(code),
        title=str(raw.get("title") or ""),
        outcome=str(raw.get("outcome") or "No outcome"),
        unit=unit,
        about=_about(raw),
        laa=bool(raw.get("laa")),
        lead_organisation=str(raw.get("lead_organisation") or "No lead organisation"),
        named_lead=_named_lead(lead),
        baseline=fig(baseline.get("value"), "No baseline"),
        baseline_period=labels.short_date_text(baseline.get("period_end")),
        baseline_on=labels.parse_date(baseline.get("period_end")),
        target=fig(target.get("value"), "No target"),
        target_period=labels.short_date_text(target.get("period_end")),
        target_on=labels.parse_date(target.get("period_end")),
        latest=fig(latest.get("value"), "No result"),
        latest_period=labels.short_date_text(latest.get("period_end")),
        latest_on=labels.parse_date(latest.get("period_end")),
        projection=fig(raw.get("projection"), "Not projected"),
        status=_status(raw.get("status")),
        shown_status=_status(raw.get("shown_status") or raw.get("status")),
        explanation=mask(str(raw.get("status_explanation") or "")),
        direction=_direction(raw.get("direction")),
        significantly_improved=bool(raw.get("significantly_improved")),
        very_good_performance=bool(raw.get("very_good_performance")),
        flags=_flags(raw.get("flags") or [], mask, round_status),
        prediction=_prediction(latest.get("prediction") if latest else None),
        commentary=commentary,
        commentary_head=head,
        commentary_continued=continued_in if head != commentary else "",
        data_quality=str(latest.get("data_quality") or ""),
        source=labels.words_for(labels.SOURCE_WORDS, latest.get("source"), ""),
        breakdowns=breakdown_views(latest.get("breakdowns"), latest, unit, threshold),
        decision=decision_view(raw.get("decision")),
        history=tuple(
            (
                labels.short_date_text(r.get("period_end")),
                fig(r.get("value"), ""),
                labels.parse_date(r.get("period_end")),
            )
            for r in _by_period(raw.get("results") or [])
        ),
        chart=chart_data(raw, unit, threshold),
        comparison=comparison_view(raw.get("comparison"), unit, threshold),
    )


def breakdown_views(
    breakdowns: Mapping[str, Any] | None,
    latest: Mapping[str, Any],
    unit: str,
    threshold: float,
) -> tuple[BreakdownView, ...]:
    """Each group's value and its gap to the overall figure, groups in name order.

    A gap is suppressed when either side of it is: with the overall figure printed,
    a gap would give the suppressed group value away (and the other way round).
    """
    if not breakdowns:
        return ()
    overall = _number(latest.get("value"))
    counts = latest.get("breakdown_counts") or {}
    views = []
    for group in sorted(breakdowns):
        value = _number(breakdowns[group])
        small = withheld(value, counts.get(group), unit, threshold)
        text = (
            labels.SUPPRESSED
            if small and value is not None
            else labels.figure_text(value, unit, threshold, "No figure")
        )
        cell = (
            labels.SUPPRESSED
            if small and value is not None
            else labels.figure_cell(value, unit, threshold)
        )
        hidden = small or labels.is_suppressed(overall, unit, threshold)
        if value is None or overall is None:
            gap, words = Figure("No gap", None), "No gap"
        elif hidden:
            gap = Figure(labels.SUPPRESSED, labels.SUPPRESSED)
            words = "Not shown (small numbers)"
        else:
            difference = round(value - overall, 9)
            gap = Figure(labels.signed_text(difference), difference)
            words = labels.gap_words(difference, unit)
        views.append(
            BreakdownView(describe(str(group)).label, Figure(text, cell), gap, words)
        )
    return tuple(views)


def chart_data(raw: Mapping[str, Any], unit: str, threshold: float) -> ChartData:
    """The points a trend chart may draw, and the sentence that describes it."""

    def shown(points: Iterable[Mapping[str, Any]]) -> tuple[tuple[date, float], ...]:
        out = []
        for p in _by_period(points):
            day, value = labels.parse_date(p.get("period_end")), _number(p.get("value"))
            hidden = labels.is_suppressed(value, unit, threshold)
            if day and value is not None and not hidden:
                out.append((day, value))
        return tuple(out)

    results = shown(raw.get("results") or [])
    trajectory = shown(raw.get("trajectory") or [])
    target_points = shown([raw["target"]] if raw.get("target") else [])
    target = target_points[0] if target_points else None
    withheld = len(raw.get("results") or []) - len(results)
    return ChartData(
        code=str(raw["code"]),
        results=results,
        target=target,
        trajectory=trajectory,
        description=chart_description(raw, results, target, trajectory, withheld),
    )


def chart_description(
    raw: Mapping[str, Any],
    results: Sequence[tuple[date, float]],
    target: tuple[date, float] | None,
    trajectory: Sequence[tuple[date, float]],
    withheld: int,
) -> str:
    """The text alternative of a trend chart: what a sighted reader would take away."""
    unit = str(raw.get("unit") or "")
    parts = [f"Trend chart for {raw['code']} {raw.get('title') or ''}".rstrip()]

    def point(p: tuple[date, float]) -> str:
        value = labels.figure_text(p[1], unit, float("-inf"), "")
        return f"{value} ({labels.short_date_text(p[0].isoformat())})"

    if not results:
        parts.append("no results to plot")
    elif len(results) == 1:
        parts.append(f"one result, {point(results[0])}")
    else:
        parts.append(
            f"{len(results)} results, from {point(results[0])} to {point(results[-1])}"
        )
    if target:
        parts.append(f"target {point(target)}")
    if len(trajectory) > 1:
        parts.append("dashed line: the expected trajectory from baseline to target")
    if withheld:
        noun = "number" if withheld == 1 else "numbers"
        parts.append(f"{withheld} small {noun} not plotted ({labels.SUPPRESSED})")
    return "; ".join(parts) + "."


def decision_view(raw: Mapping[str, Any] | None) -> DecisionView | None:
    if not raw:
        return None
    code = str(raw.get("decision") or "")
    return DecisionView(
        code=code,
        words=labels.words_for(labels.DECISION_WORDS, code, "No decision"),
        note=str(raw.get("note") or ""),
        decided_by=actor_without_token(str(raw.get("decided_by") or "")),
        decided_at=labels.date_text(raw.get("decided_at")),
    )


def challenge_views(
    raw: Iterable[Mapping[str, Any]],
    by_code: Mapping[str, IndicatorView],
    threshold: float,
    round_status: str = "",
) -> tuple[ChallengeView, ...]:
    """Flagged indicators in framework order (outcome, then code)."""
    order = {code: n for n, code in enumerate(by_code)}
    views = []
    for c in raw:
        code = str(c["indicator_code"])
        indicator = by_code.get(code)
        unit = indicator.unit if indicator else ""
        views.append(
            ChallengeView(
                code=code,
                anchor=labels.anchor(code),
                title=indicator.title if indicator else "",
                flags=_flags(
                    c.get("flags") or [], _masker(unit, threshold), round_status
                ),
                computed=_status(c.get("computed_status")),
                prediction=_prediction(c.get("prediction")),
                decision=decision_view(c.get("decision")),
                shown=_status(c.get("shown_status") or c.get("computed_status")),
            )
        )
    return tuple(sorted(views, key=lambda v: (order.get(v.code, len(order)), v.code)))


def flag_groups(challenges: Sequence[ChallengeView]) -> tuple[FlagGroup, ...]:
    """The flagged predictions grouped by flag, in the assessment's flag order."""
    codes = sorted({f.code for c in challenges for f in c.flags}, key=labels.flag_order)
    return tuple(
        FlagGroup(
            code=code,
            title=labels.flag_title(code),
            items=tuple((c, f) for c in challenges for f in c.flags if f.code == code),
        )
        for code in codes
    )


def outcome_groups(indicators: Sequence[IndicatorView]) -> tuple[OutcomeGroup, ...]:
    """Indicators grouped by outcome, outcomes in the order they first appear."""
    outcomes = list(dict.fromkeys(i.outcome for i in indicators))
    return tuple(
        OutcomeGroup(o, tuple(i for i in indicators if i.outcome == o))
        for o in outcomes
    )


def action_view(
    raw: Mapping[str, Any], by_code: Mapping[str, IndicatorView]
) -> ActionView:
    code = str(raw.get("indicator_code") or "")
    indicator = by_code.get(code)
    status = str(raw.get("status") or "open")
    return ActionView(
        id=str(raw.get("id") or ""),
        code=code,
        anchor=labels.anchor(code),
        indicator_title=indicator.title if indicator else "",
        round_id=str(raw.get("round_id") or ""),
        description=str(raw.get("description") or ""),
        owner=str(raw.get("owner") or "No owner"),
        due=labels.date_text(raw.get("due"), "No due date"),
        status_code=status,
        status=labels.words_for(labels.ACTION_STATUS_WORDS, status, "Open"),
        completed_at=labels.date_text(raw.get("completed_at")),
        outcome=str(raw.get("outcome") or ""),
        due_iso=str(raw.get("due") or "9999-12-31"),
        completed_iso=str(raw.get("completed_at") or ""),
    )


def _indicator_order(raw: Mapping[str, Any]) -> tuple[str, tuple[tuple[str, int], ...]]:
    """Outcome, then code in natural order: NI 48 before NI 110."""
    return (
        str(raw.get("outcome") or ""),
        labels.code_order(str(raw.get("code") or "")),
    )


def _pick(
    by_code: Mapping[str, IndicatorView], codes: Iterable[str] | None
) -> tuple[IndicatorView, ...]:
    """The indicators named by `codes`, in that order (areas of concern: worst
    first), unknown codes skipped."""
    return tuple(by_code[c] for c in codes or [] if c in by_code)


def _in_framework_order(
    indicators: Sequence[IndicatorView], codes: Iterable[str] | None
) -> tuple[IndicatorView, ...]:
    """The indicators named by `codes`, in the framework's order (outcome, code)."""
    wanted = set(codes or [])
    return tuple(i for i in indicators if i.code in wanted)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _about(raw: Mapping[str, Any]) -> str:
    """'Percentage; higher is better; annual; LAA indicator'."""
    parts = [
        labels.words_for(labels.UNIT_WORDS, raw.get("unit"), "No unit"),
        labels.words_for(labels.POLARITY_WORDS, raw.get("polarity"), ""),
        labels.words_for(labels.FREQUENCY_WORDS, raw.get("frequency"), ""),
        "LAA indicator" if raw.get("laa") else "",
    ]
    return "; ".join(p for p in parts if p)


def _named_lead(lead: Mapping[str, Any]) -> str:
    """The name (Executive paper), the role or just the fact of a named lead
    (Board paper); never an e-mail address (see ``privacy``)."""
    name = str(lead.get("name") or "")
    role = str(lead.get("role") or "")
    if name:
        return f"{name}, {role}" if role else name
    if role:
        return f"Named lead: {role}"
    return "Named lead in post" if lead else "No named lead"


def _status(code: Any) -> StatusView:
    known = labels.status_code(code if isinstance(code, str) else None)
    return StatusView(known, labels.status_words(known))


def _direction(code: Any) -> DirectionView:
    known = code if isinstance(code, str) and code in labels.DIRECTIONS else "none"
    arrow, words = labels.direction_parts(known)
    return DirectionView(known, arrow, words)


def _flags(
    raw: Iterable[Mapping[str, Any]],
    mask: Callable[[str], str],
    round_status: str = "",
) -> tuple[FlagView, ...]:
    flags = [
        FlagView(
            code=str(f.get("code") or ""),
            title=labels.flag_title(str(f.get("code") or "")),
            explanation=mask(
                _round_words(
                    str(f.get("code") or ""),
                    str(f.get("explanation") or ""),
                    round_status,
                )
            ),
        )
        for f in raw
    ]
    return tuple(sorted(flags, key=lambda f: labels.flag_order(f.code)))


def _round_words(code: str, explanation: str, round_status: str) -> str:
    """A missing return says the round "has closed" only when it has.

    The assessment raises MISSING_RETURN once a round closes *or* its deadline
    passes, and words it as closed either way; a paper for a round still open
    says the deadline has passed instead.
    """
    if code == "MISSING_RETURN" and round_status == "open":
        return re.sub(
            r"although round (.+) has closed$",
            r"although the deadline of round \1 has passed (the round is still open)",
            explanation,
        )
    return explanation


def _masker(unit: str, threshold: float) -> Callable[[str], str]:
    def mask(text: str) -> str:
        return labels.mask_small_numbers(text, unit, threshold)

    return mask


def _prediction(code: Any) -> str:
    return labels.words_for(
        labels.PREDICTION_WORDS,
        code if isinstance(code, str) else None,
        "No prediction",
    )


def _by_period(points: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(points, key=lambda p: str(p.get("period_end") or ""))
