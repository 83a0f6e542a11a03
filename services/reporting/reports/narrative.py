"""The covering paper's words: purpose, a written summary and recommendations.

A Board paper is read by councillors and partners who will not study the tables,
so the summary says in sentences what the tables show: how many indicators are on
and off target, what moved since the last round and why, the areas of concern with
the corrective action agreed for each, the good news, the Executive's challenge
outcomes and the gaps in the data. An officer would otherwise draft this by hand
each round, from the same figures, in the same shape.

Everything here is a pure function of the report snapshot: templates and rules,
no clock and no randomness, so the same snapshot always reads the same and a
published paper regenerates word for word. Numbers below ten are written in
words, as a council's house style asks; a sentence never starts with a digit;
one/many, none and ties each get their own wording. No figure about children is
quoted (only counts of indicators), so small-number suppression has nothing to
hide here. Lists longer than :data:`LIST_LIMIT` name the first few and point to
the table that holds the rest.

The module lives beside the renderers (not in ``services/reporting``) because
the paper cache keys every rendering on this package's code: a change to a
sentence here gives every paper a new key instead of serving the old words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import labels
from .comparison_words import board_sentence

LIST_LIMIT = 5
NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
DEFAULT_PLAN_NAME = "Children and Young People's Plan"


@dataclass(frozen=True, slots=True)
class SummarySection:
    """A heading of the written summary and its paragraphs."""

    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoveringText:
    """What the officer's covering paper says, before any layout."""

    plan: str
    meeting: str
    purpose: str
    summary: tuple[SummarySection, ...]
    recommendations: tuple[str, ...]
    edited: tuple[str, ...]  # which parts an officer rewrote by hand


# -- words -----------------------------------------------------------------------


def number_words(n: int) -> str:
    """'no', 'one' ... 'nine', then digits: '10', '1,234'."""
    if 0 <= n < len(NUMBER_WORDS):
        return NUMBER_WORDS[n]
    return f"{n:,}"


def count_of(n: int, singular: str, plural: str | None = None) -> str:
    """'no indicator', 'one indicator', 'two indicators', '12 indicators'."""
    noun = singular if n in (0, 1) else (plural or singular + "s")
    return f"{number_words(n)} {noun}"


def verb(n: int, singular: str, plural: str) -> str:
    """The verb that agrees with a count: 'is' for one, 'are' for none or many."""
    return singular if n == 1 else plural


def sentence(text: str) -> str:
    """A sentence: first letter capital, one full stop at the end."""
    text = " ".join(text.split())
    if not text:
        return ""
    if text[0].isdigit():
        text = "In all, " + text  # house style: a sentence never opens on a digit
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c' (no serial comma, as British house styles)."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def listed(items: Sequence[str], where: str) -> str:
    """Up to :data:`LIST_LIMIT` items by name; beyond that the rest are counted
    and the reader is sent to the table (``where``) that lists them all."""
    if len(items) <= LIST_LIMIT:
        return join_words(items)
    rest = len(items) - (LIST_LIMIT - 1)
    shown = [*items[: LIST_LIMIT - 1], f"{number_words(rest)} others ({where})"]
    return join_words(shown)


def _name(indicator: Mapping[str, Any]) -> str:
    """'NI 50 (emotional health of children)' as a sentence names an indicator."""
    code = str(indicator.get("code") or "")
    title = str(indicator.get("title") or "").strip().rstrip(".")
    return f"{code} ({title})" if title else code


# -- the plan and the meeting ------------------------------------------------------


def plan_of(
    settings: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> dict[str, str | None]:
    """The plan's name and years for the paper's title and sentences.

    From the framework settings when they name them (``plan_name``,
    ``plan_start_year``, ``plan_end_year``); otherwise the end year is the year
    most targets fall due (targets default to the plan's end; a tie goes to the
    later year) and the plan runs the three years before it, as a CYPP does.
    """
    years = Counter(
        str((i.get("target") or {}).get("period_end") or "")[:4]
        for i in indicators
        if (i.get("target") or {}).get("period_end")
    )
    end = settings.get("plan_end_year") or (
        max(years.items(), key=lambda kv: (kv[1], kv[0]))[0] if years else None
    )
    start = settings.get("plan_start_year")
    if not start and end and str(end).isdigit():
        start = int(end) - 3
    return {
        "name": str(settings.get("plan_name") or DEFAULT_PLAN_NAME),
        "start_year": str(start) if start else None,
        "end_year": str(end) if end else None,
    }


def _plan(snapshot: Mapping[str, Any]) -> Mapping[str, Any]:
    found = snapshot.get("plan")
    if isinstance(found, Mapping):
        return found
    return plan_of(snapshot.get("settings") or {}, snapshot.get("indicators") or [])


def plan_title(snapshot: Mapping[str, Any]) -> str:
    """'Children and Young People's Plan 2008-2011', from the framework settings."""
    plan = _plan(snapshot)
    name = str(plan.get("name") or DEFAULT_PLAN_NAME)
    start, end = plan.get("start_year"), plan.get("end_year")
    if start and end:
        return f"{name} {start}-{end}"
    return f"{name} {end}" if end else name


def target_year(snapshot: Mapping[str, Any]) -> str:
    """'the 2011 target' or 'the end-of-plan target' when the plan's end is unknown."""
    end = _plan(snapshot).get("end_year")
    return f"{end} targets" if end else "end-of-plan targets"


def meeting_text(snapshot: Mapping[str, Any]) -> str:
    """The Board meeting the paper goes to: two months after the period ends
    (November for a half-year to September, May for a year to March)."""
    period_end = labels.parse_date((snapshot.get("round") or {}).get("period_end"))
    if period_end is None:
        return "Children and Young People's Board"
    month = period_end.month + 2
    year = period_end.year + (1 if month > 12 else 0)
    month = (month - 1) % 12 + 1
    words = labels.date_text(date(year, month, 1).isoformat())
    return f"Children and Young People's Board, {words.split(' ', 1)[1]}"


# -- the parts -----------------------------------------------------------------------


def covering_text(snapshot: Mapping[str, Any]) -> CoveringText:
    """The purpose, written summary and recommendations for ``snapshot``; an
    officer's edits (``snapshot["edits"]``) replace the drafted part they name."""
    indicators = list(snapshot.get("indicators") or [])
    plan = plan_title(snapshot)
    drafted = CoveringText(
        plan=plan,
        meeting=meeting_text(snapshot),
        purpose=purpose_text(snapshot, plan),
        summary=tuple(
            s
            for s in (
                overview_section(snapshot, indicators),
                changes_section(snapshot, indicators),
                concerns_section(snapshot, indicators),
                good_news_section(snapshot, indicators),
                comparison_section(indicators),
                challenge_section(snapshot),
                gaps_section(snapshot, indicators),
                equalities_section(snapshot),
            )
            if s.paragraphs
        ),
        recommendations=recommendations(snapshot, indicators),
        edited=(),
    )
    return with_edits(drafted, snapshot.get("edits") or {})


def with_edits(drafted: CoveringText, edits: Mapping[str, Any]) -> CoveringText:
    """The drafted text with the officer's own words where they gave any."""
    purpose = _text(edits.get("purpose"))
    summary = _paragraphs(edits.get("summary"))
    recommended = _lines(edits.get("recommendations"))
    edited = tuple(
        part
        for part, given in (
            ("purpose", purpose),
            ("summary", summary),
            ("recommendations", recommended),
        )
        if given
    )
    return CoveringText(
        plan=drafted.plan,
        meeting=drafted.meeting,
        purpose=purpose or drafted.purpose,
        summary=(SummarySection("Summary", summary),) if summary else drafted.summary,
        recommendations=recommended or drafted.recommendations,
        edited=edited,
    )


def purpose_text(snapshot: Mapping[str, Any], plan: str) -> str:
    rnd = snapshot.get("round") or {}
    period = labels.date_text(rnd.get("period_end"), "the latest period")
    return sentence(
        f"This paper reports the position of the {plan} performance framework "
        f"for the period ending {period} (collection round {rnd.get('id', '')}). "
        "It sets out which indicators are on course to meet their "
        f"{target_year(snapshot)}, the areas of concern and the corrective action "
        "agreed for them, very good and significantly improved performance and "
        "the outcome of the Executive's challenge of the leads' predictions, so that "
        "the Board can direct further action where it is needed"
    )


def overview_section(
    snapshot: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> SummarySection:
    shown = [labels.status_code(i.get("shown_status")) for i in indicators]
    total = len(shown)
    if total == 0:
        return SummarySection(
            "Overall position",
            (sentence("The framework holds no indicator at this round"),),
        )
    green, red = shown.count("GREEN"), shown.count("RED")
    amber, grey = shown.count("AMBER"), shown.count("GREY")
    parts = [_are(green, "on target to meet the " + target_year(snapshot))]
    if amber:
        parts.append(_are(amber, "amber (close to target)"))
    parts.append(_are(red, "off target"))
    if grey:
        parts.append(
            _are(grey, "not yet assessed (no target, baseline or result to judge by)")
        )
    first = (
        f"Of the {count_of(total, 'indicator')} in the framework at this round, "
        f"{join_words(parts)}"
        if total > 1
        else f"The framework holds one indicator at this round: it "
        f"{_single_status(shown[0])}"
    )
    paragraphs = [sentence(first)]
    assessed = green + amber + red
    if total > 1 and assessed:
        if green > red:
            balance = "more indicators are on target than off target"
        elif green < red:
            balance = "more indicators are off target than on target"
        else:
            balance = (
                "as many indicators are on target as off target"
                if green
                else "no assessed indicator is yet on target"
            )
        share = round(100 * green / assessed)
        paragraphs.append(
            sentence(
                f"Of those that can be assessed, {balance}: {share}% of "
                f"{count_of(assessed, 'assessed indicator')} are on target"
                if assessed > 1
                else f"Of those that can be assessed, {balance}"
            )
        )
    return SummarySection("Overall position", tuple(paragraphs))


def comparison_section(indicators: Sequence[Mapping[str, Any]]) -> SummarySection:
    """How the council compares with England and its statistical neighbours
    (no paragraph without comparator figures)."""
    text = board_sentence(indicators)
    return SummarySection(
        "Compared with England and similar councils", (text,) if text else ()
    )


def _are(n: int, what: str) -> str:
    """'none is on target', 'one is on target', 'three are on target'."""
    if n == 0:
        return f"none is {what}"
    return f"{number_words(n)} {verb(n, 'is', 'are')} {what}"


def _single_status(code: str) -> str:
    return {
        "GREEN": "is on target",
        "AMBER": "is close to target",
        "RED": "is off target",
    }.get(code, "cannot yet be assessed")


def changes_section(
    snapshot: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> SummarySection:
    """What moved since the previous round, and the reason the figures give."""
    previous = snapshot.get("previous_round")
    heading = "Changes since the last round"
    if not previous:
        return SummarySection(
            heading,
            (
                sentence(
                    "This is the first round reported, so there is no earlier "
                    "position to compare with"
                ),
            ),
        )
    compared = [i for i in indicators if "previous_status" in i]
    moved = [
        i
        for i in compared
        if labels.status_code(i.get("previous_status"))
        != labels.status_code(i.get("shown_status"))
    ]
    if not moved:
        return SummarySection(
            heading,
            (
                sentence(
                    f"No indicator changed its status since round {previous}"
                    if compared
                    else f"No indicator can be compared with round {previous}"
                ),
            ),
        )
    better = [
        i for i in moved if _rank(i, "shown_status") > _rank(i, "previous_status")
    ]
    worse = [i for i in moved if _rank(i, "shown_status") < _rank(i, "previous_status")]
    other = [i for i in moved if i not in better and i not in worse]
    opening = (
        f"Since round {previous}, {count_of(len(moved), 'indicator')} "
        f"{verb(len(moved), 'has', 'have')} changed status"
    )
    detail = []
    if better:
        detail.append(f"{number_words(len(better))} for the better")
    if worse:
        detail.append(f"{number_words(len(worse))} for the worse")
    if len(detail) == 2 and len(better) == len(worse):
        each = number_words(len(better))
        detail = [f"as many for the better as for the worse ({each} each)"]
    if other and detail:
        detail.append(
            f"{number_words(len(other))} "
            f"{verb(len(other), 'is', 'are')} now assessed differently"
        )
    paragraphs = [sentence(opening + (": " + join_words(detail) if detail else ""))]
    ordered = sorted(moved, key=lambda i: labels.code_order(str(i.get("code") or "")))
    limit = LIST_LIMIT * 2
    paragraphs.extend(sentence(_change_reason(i)) for i in ordered[:limit])
    if len(ordered) > limit:
        rest = len(ordered) - limit
        paragraphs.append(
            sentence(
                f"The status of the other {count_of(rest, 'indicator')} that "
                f"{verb(rest, 'has', 'have')} changed is in Appendix A"
            )
        )
    return SummarySection(heading, tuple(paragraphs))


_RANK = {"RED": 0, "AMBER": 1, "GREEN": 2}


def _rank(i: Mapping[str, Any], key: str) -> int:
    return _RANK.get(labels.status_code(i.get(key)), -1)


def _change_reason(i: Mapping[str, Any]) -> str:
    before = labels.status_words(labels.status_code(i.get("previous_status")))
    now = labels.status_words(labels.status_code(i.get("shown_status")))
    moved = f"{_name(i)} moved from {before.lower()} to {now.lower()}"
    decision = i.get("decision") or {}
    shown, computed = i.get("shown_status"), i.get("status")
    if decision.get("decision") == "lead_view_accepted" and shown != computed:
        why = "the Executive accepted the lead's view of the prediction"
    elif labels.status_code(i.get("previous_status")) == "GREY":
        why = "it can now be assessed against its target"
    elif labels.status_code(shown) == "GREY":
        why = "it can no longer be assessed (its target or results are missing)"
    elif i.get("direction") == "improving":
        why = "its latest result improved on the previous one"
    elif i.get("direction") == "worsening":
        why = "its latest result was worse than the previous one"
    else:
        why = "the projection to the end of the plan moved with the latest result"
    return f"{moved}: {why}"


def concerns_section(
    snapshot: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> SummarySection:
    by_code = {str(i.get("code")): i for i in indicators}
    codes = [
        c
        for c in (snapshot.get("highlights") or {}).get("areas_of_concern") or []
        if c in by_code
    ]
    heading = "Areas of concern"
    if not codes:
        return SummarySection(
            heading,
            (sentence("No indicator is off target after the Executive's challenge"),),
        )
    open_actions = _open_actions(snapshot)
    paragraphs = [
        sentence(
            f"{count_of(len(codes), 'indicator')} {verb(len(codes), 'is', 'are')} "
            "off target after the Executive's challenge, the furthest from target "
            f"first: {listed([_name(by_code[c]) for c in codes], 'see section 4')}"
        )
    ]
    without = [c for c in codes if not open_actions.get(c)]
    for code in codes[:LIST_LIMIT]:
        found = open_actions.get(code) or []
        if found:
            paragraphs.append(
                sentence(
                    f"For {code}, "
                    + join_words([_action_words(a) for a in found[:3]])
                    + (
                        f", with {number_words(len(found) - 3)} more in section 8"
                        if len(found) > 3
                        else ""
                    )
                )
            )
    if without:
        if len(without) == len(codes) and len(codes) > 1:
            text = "No corrective action is yet agreed for any of them"
        else:
            text = "No corrective action is yet agreed for " + listed(
                without, "see section 4"
            )
        paragraphs.append(sentence(text))
    return SummarySection(heading, tuple(paragraphs))


def _open_actions(snapshot: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Open and overdue actions by indicator, overdue first, then by due date."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    ordered = sorted(
        (a for a in snapshot.get("actions") or [] if a.get("status") != "completed"),
        key=lambda a: (
            a.get("status") != "overdue",
            str(a.get("due") or ""),
            str(a.get("id") or ""),
        ),
    )
    for a in ordered:
        found.setdefault(str(a.get("indicator_code") or ""), []).append(a)
    return found


def _action_words(a: Mapping[str, Any]) -> str:
    """'action A3, to ... (owner: X), is due by 31 March 2010' or 'was due'."""
    description = " ".join(str(a.get("description") or "").split()).rstrip(".")
    owner = str(a.get("owner") or "no named owner")
    due = labels.date_text(a.get("due"), "no due date")
    lateness = "was due by" if a.get("status") == "overdue" else "is due by"
    overdue = " and is overdue" if a.get("status") == "overdue" else ""
    return (
        f'action {a.get("id", "")} ("{description}") rests with {owner} and '
        f"{lateness} {due}{overdue}"
    )


def good_news_section(
    snapshot: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> SummarySection:
    by_code = {str(i.get("code")): i for i in indicators}
    order = {str(i.get("code")): n for n, i in enumerate(indicators)}
    highlights = snapshot.get("highlights") or {}

    def pick(key: str) -> list[str]:
        codes = [c for c in highlights.get(key) or [] if c in by_code]
        return sorted(set(codes), key=lambda c: order[c])

    very_good, improved = pick("very_good_performance"), pick("significantly_improved")
    both = [c for c in very_good if c in improved]
    paragraphs = []
    if very_good:
        paragraphs.append(
            sentence(
                f"{count_of(len(very_good), 'indicator')} already "
                f"{verb(len(very_good), 'meets or beats its', 'meet or beat their')} "
                f"final target: "
                f"{listed([_name(by_code[c]) for c in very_good], 'see section 5')}"
            )
        )
    else:
        paragraphs.append(sentence("No indicator has yet met its final target"))
    if improved:
        paragraphs.append(
            sentence(
                f"{count_of(len(improved), 'indicator')} improved significantly "
                f"since {verb(len(improved), 'its', 'their')} previous result: "
                f"{listed([_name(by_code[c]) for c in improved], 'see section 6')}"
            )
        )
    else:
        paragraphs.append(
            sentence("No indicator improved significantly since its previous result")
        )
    if both:
        paragraphs.append(
            sentence(
                f"{join_words(both)} {verb(len(both), 'appears', 'appear')} in both"
                if len(both) <= LIST_LIMIT
                else f"{count_of(len(both), 'indicator')} appear in both"
            )
        )
    return SummarySection(
        "Very good and significantly improved performance", tuple(paragraphs)
    )


def challenge_section(snapshot: Mapping[str, Any]) -> SummarySection:
    challenges = list(snapshot.get("challenges") or [])
    heading = "The Executive's challenge"
    if not challenges:
        return SummarySection(
            heading,
            (sentence("No lead's prediction was flagged for challenge in this round"),),
        )
    decided = [c for c in challenges if (c.get("decision") or {}).get("decision")]
    upheld = [
        c for c in decided if (c.get("decision") or {}).get("decision") == "upheld"
    ]
    accepted = [
        c
        for c in decided
        if (c.get("decision") or {}).get("decision") == "lead_view_accepted"
    ]
    waiting = len(challenges) - len(decided)
    paragraphs = [
        sentence(
            f"{count_of(len(challenges), 'indicator')} "
            f"{verb(len(challenges), 'was', 'were')} flagged for challenge"
            + (
                " and the Executive decided on "
                + _all_or(len(decided), len(challenges))
                if decided
                else "; the Executive has not yet recorded a decision on "
                + ("it" if len(challenges) == 1 else "any of them")
            )
        )
    ]
    if decided:
        outcomes = []
        if upheld:
            outcomes.append(
                f"upheld the computed status for {_codes(upheld, 'see section 7')}"
            )
        if accepted:
            outcomes.append(
                f"accepted the lead's view for {_codes(accepted, 'see section 7')}"
            )
        if outcomes:
            paragraphs.append(sentence("It " + join_words(outcomes)))
        changed = [
            c for c in accepted if c.get("shown_status") != c.get("computed_status")
        ]
        if changed:
            paragraphs.append(
                sentence(
                    f"{count_of(len(changed), 'status', 'statuses')} shown in this "
                    f"paper therefore {verb(len(changed), 'differs', 'differ')} from "
                    "the computed one; both are given in the tables"
                )
            )
    if waiting and decided:
        paragraphs.append(
            sentence(
                f"{count_of(waiting, 'flagged indicator')} "
                f"{verb(waiting, 'awaits', 'await')} a decision"
            )
        )
    return SummarySection(heading, tuple(paragraphs))


def _all_or(part: int, whole: int) -> str:
    if part == whole:
        return "it" if whole == 1 else ("both" if whole == 2 else f"all {whole}")
    return number_words(part)


def _codes(challenges: Sequence[Mapping[str, Any]], where: str) -> str:
    return listed([str(c.get("indicator_code") or "") for c in challenges], where)


def gaps_section(
    snapshot: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> SummarySection:
    """Missing returns, indicators without leads or without targets."""
    missing = [i for i in indicators if _has_flag(i, "MISSING_RETURN")]
    no_lead = [
        i
        for i in indicators
        if not i.get("lead_organisation") or not i.get("named_lead")
    ]
    no_target = [
        i for i in indicators if i.get("measurable", True) and not i.get("target")
    ]
    later = [i for i in indicators if i.get("measurable") is False]
    paragraphs = []
    rnd = snapshot.get("round") or {}
    closed = rnd.get("status") == "closed"
    deadline = labels.date_text(rnd.get("deadline"), "the deadline")
    if missing:
        codes = listed([str(i.get("code")) for i in missing], "see Appendix A")
        paragraphs.append(
            sentence(
                f"{count_of(len(missing), 'return')} for the period "
                f"{verb(len(missing), 'is', 'are')} missing: {codes}"
                + (
                    "; the round has closed without "
                    + ("it" if len(missing) == 1 else "them")
                    if closed
                    else f"; the deadline of {deadline} has passed and the round "
                    "is still open, so "
                    + ("it" if len(missing) == 1 else "they")
                    + " may yet arrive"
                )
            )
        )
    else:
        paragraphs.append(
            sentence(
                "Every return asked for in this round has arrived"
                if closed
                else "No return is yet missing past its deadline"
            )
        )
    if no_lead:
        paragraphs.append(
            sentence(
                f"{count_of(len(no_lead), 'indicator')} "
                f"{verb(len(no_lead), 'has', 'have')} no lead organisation or named "
                "lead: "
                + listed([str(i.get("code")) for i in no_lead], "see Appendix A")
            )
        )
    if no_target:
        paragraphs.append(
            sentence(
                f"{count_of(len(no_target), 'measurable indicator')} "
                f"{verb(len(no_target), 'has', 'have')} no target yet: "
                f"{listed([str(i.get('code')) for i in no_target], 'see Appendix A')}"
            )
        )
    if later:
        paragraphs.append(
            sentence(
                f"{count_of(len(later), 'indicator')} "
                f"{verb(len(later), 'is', 'are')} not yet measurable and will get "
                f"{verb(len(later), 'a target', 'targets')} when "
                f"{verb(len(later), 'it becomes', 'they become')} measurable"
            )
        )
    if not (no_lead or no_target):
        paragraphs.append(
            sentence(
                "Every indicator has a lead organisation, a named lead and a target"
            )
            if not later
            else sentence(
                "Every other indicator has a lead organisation, a named lead "
                "and a target"
            )
        )
    return SummarySection("Gaps in the data", tuple(paragraphs))


FLAG_WORDS = {
    "gap_widening": "widened two periods in a row",
    "gap_wide": "wide",
}


def equalities_section(snapshot: Mapping[str, Any]) -> SummarySection:
    """Groups of children behind all children, from the round's breakdowns.

    Words and counts only: which groups, in which indicators, and whether the
    gap is widening; the figures are in the tables, withheld where small."""
    found = snapshot.get("equalities") or {}
    covered = int(found.get("indicators_with_breakdowns") or 0)
    if not covered:
        return SummarySection("Equalities", ())
    gaps = list(found.get("gaps") or [])
    widening = sum(1 for g in gaps if g.get("direction") == "widening")
    first = (
        f"Results for {count_of(covered, 'indicator')} came with a breakdown by "
        "group of children"
    )
    if gaps:
        first += (
            f"; in the latest breakdowns {count_of(len(gaps), 'group')} "
            f"{verb(len(gaps), 'is', 'are')} behind all children, and the gap "
            + (
                f"widened since the period before for {number_words(widening)} of them"
                if widening
                else "widened for none of them since the period before"
            )
        )
    else:
        first += "; no group is behind all children in the latest breakdowns"
    paragraphs = [sentence(first)]
    flagged = [g for g in gaps if g.get("flags")]
    if flagged:
        named = [
            f"{g.get('label') or g.get('group')} in {g.get('code')} ("
            + join_words([FLAG_WORDS.get(str(f.get("code")), "") for f in g["flags"]])
            + ")"
            for g in flagged
        ]
        paragraphs.append(
            sentence(
                f"{count_of(len(flagged), 'gap')} {verb(len(flagged), 'is', 'are')} "
                "drawn to the Board's attention: "
                + listed(named, "see the equalities table in Appendix B")
                + ". These flags inform the Board and do not change any status"
            )
        )
    return SummarySection("Equalities", tuple(paragraphs))


def _has_flag(i: Mapping[str, Any], code: str) -> bool:
    return any(f.get("code") == code for f in i.get("flags") or [])


def recommendations(
    snapshot: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> tuple[str, ...]:
    """What the Board is asked to do, each a sentence that follows from the figures."""
    plan_years = target_year(snapshot)
    out = [
        sentence(
            f"Note the position of the framework against the {plan_years} "
            "set out in this paper and its appendix"
        )
    ]
    concerns = [
        c
        for c in (snapshot.get("highlights") or {}).get("areas_of_concern") or []
        if any(str(i.get("code")) == c for i in indicators)
    ]
    if concerns:
        open_actions = _open_actions(snapshot)
        without = [c for c in concerns if not open_actions.get(c)]
        overdue = sorted(
            {
                str(a.get("id"))
                for found in open_actions.values()
                for a in found
                if a.get("status") == "overdue"
            },
            key=labels.code_order,
        )
        if without:
            out.append(
                sentence(
                    "Direct corrective action, with an owner and a due date, for "
                    + listed(without, "see section 4")
                )
            )
        if len(without) < len(concerns):
            out.append(
                sentence(
                    "Note the corrective action already agreed for the other "
                    + ("area" if len(concerns) - len(without) == 1 else "areas")
                    + " of concern"
                    if without
                    else "Note the corrective action agreed for the areas of concern"
                )
            )
        if overdue:
            out.append(
                sentence(
                    f"Ask the owners of the overdue "
                    f"{verb(len(overdue), 'action', 'actions')} "
                    f"({listed(overdue, 'see section 8')}) to report progress to "
                    "the next meeting"
                )
            )
    if (snapshot.get("highlights") or {}).get("very_good_performance") or (
        snapshot.get("highlights") or {}
    ).get("significantly_improved"):
        out.append(
            sentence(
                "Recognise the very good and significantly improved performance "
                "reported in sections 5 and 6"
            )
        )
    if snapshot.get("challenges"):
        out.append(sentence("Note the outcome of the Executive's challenge"))
    missing = [i for i in indicators if _has_flag(i, "MISSING_RETURN")]
    no_lead = [
        i
        for i in indicators
        if not i.get("lead_organisation") or not i.get("named_lead")
    ]
    no_target = [
        i for i in indicators if i.get("measurable", True) and not i.get("target")
    ]
    asks = []
    if missing:
        asks.append("send the missing returns")
    if no_lead:
        asks.append("agree a lead for every indicator without one")
    if no_target:
        asks.append("agree the targets still needed")
    if asks:
        out.append(sentence("Ask the lead organisations to " + join_words(asks)))
    return tuple(out)


# -- officer's edits -------------------------------------------------------------------


def same_words(part: str, given: Any, drafted: Any) -> bool:
    """Whether ``given`` says what ``drafted`` says for ``part`` of the covering
    text (or is empty), read the way :func:`with_edits` reads an edit: spacing
    and line breaks inside a paragraph, and list bullets, do not count."""
    read = {"purpose": _text, "summary": _paragraphs, "recommendations": _lines}[part]
    found = read(given)
    return not found or found == read(drafted)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str) else ""


def _paragraphs(value: Any) -> tuple[str, ...]:
    """Paragraphs are separated by a blank line."""
    if not isinstance(value, str):
        return ()
    blocks = [" ".join(b.split()) for b in value.replace("\r\n", "\n").split("\n\n")]
    return tuple(b for b in blocks if b)


def _lines(value: Any) -> tuple[str, ...]:
    """One recommendation a line; a leading bullet or letter is the layout's job."""
    if not isinstance(value, str):
        return ()
    found = []
    for line in value.splitlines():
        text = " ".join(line.split()).lstrip("-*• ").strip()
        if text:
            found.append(text)
    return tuple(found)


def all_text(covering: CoveringText) -> Iterable[str]:
    """Every sentence of the covering text, for checks."""
    yield covering.purpose
    for section in covering.summary:
        yield section.heading
        yield from section.paragraphs
    yield from covering.recommendations
