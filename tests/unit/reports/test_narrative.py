"""The covering paper's written summary, over many generated snapshots.

Hypothesis draws frameworks of none, one or many indicators with every status,
previous statuses, highlights, challenges, actions and gaps, so the grammar's
edge cases (one/many, none, ties, long lists) are met by the generator rather
than by a hand-picked few.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.reports import narrative
from services.reporting.reports.narrative import covering_text, plan_title
from services.reporting.reports.paper import build_paper, cut_text, framework_order

from .snapshots import snapshot as full_snapshot

STATUSES = ("GREEN", "AMBER", "RED", "GREY")
OUTCOMES = ("Stay safe", "Be healthy", "Enjoy and achieve")


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 14))
    indicators = []
    for k in range(n):
        code = f"NI {draw(st.integers(1, 200))}{'ABCDEFGHIJKLMNOP'[k]}"
        status = draw(st.sampled_from(STATUSES))
        shown = draw(st.sampled_from((status, *STATUSES)))
        flags = draw(
            st.lists(
                st.sampled_from(("MISSING_RETURN", "NO_PREDICTION", "NO_LEAD")),
                max_size=2,
                unique=True,
            )
        )
        decision = draw(
            st.sampled_from((None, "upheld", "lead_view_accepted"))
            if flags
            else st.none()
        )
        entry: dict[str, Any] = {
            "code": code,
            "title": draw(st.sampled_from(("Obesity in Year 6", "School attendance"))),
            "outcome": draw(st.sampled_from(OUTCOMES)),
            "position": k,
            "unit": "percent",
            "measurable": draw(st.booleans()),
            "lead_organisation": draw(st.sampled_from((None, "Northshire PCT"))),
            "named_lead": draw(
                st.sampled_from((None, {"name": "Ann Lee", "email": "ann@x.gov.uk"}))
            ),
            "target": draw(
                st.sampled_from((None, {"value": 10, "period_end": "2011-03-31"}))
            ),
            "status": status,
            "shown_status": shown,
            "direction": draw(
                st.sampled_from(("improving", "worsening", "no_change", "none"))
            ),
            "flags": [{"code": f, "explanation": "x"} for f in flags],
            "decision": {"decision": decision, "decided_by": "executive:A"}
            if decision
            else None,
        }
        if draw(st.booleans()):
            entry["previous_status"] = draw(st.sampled_from(STATUSES))
        indicators.append(entry)
    codes = [i["code"] for i in indicators]
    actions = [
        {
            "id": f"A{j}",
            "indicator_code": draw(st.sampled_from(codes)),
            "description": "Visit every school. ",
            "owner": "Head of Inclusion",
            "due": "2010-06-30",
            "status": draw(st.sampled_from(("open", "overdue", "completed"))),
        }
        for j in range(draw(st.integers(0, 4)) if codes else 0)
    ]
    return {
        "kind": "board",
        "round": {
            "id": "2009-H2",
            "period_end": "2010-03-31",
            "deadline": "2010-04-30",
            "status": draw(st.sampled_from(("open", "closed"))),
        },
        "as_of": "2010-05-01T00:00:00Z",
        "previous_round": draw(st.sampled_from((None, "2009-H1"))),
        "settings": {},
        "indicators": indicators,
        "highlights": {
            "areas_of_concern": [
                i["code"] for i in indicators if i["shown_status"] == "RED"
            ],
            "very_good_performance": draw(st.lists(st.sampled_from(codes), unique=True))
            if codes
            else [],
            "significantly_improved": draw(
                st.lists(st.sampled_from(codes), unique=True)
            )
            if codes
            else [],
        },
        "challenges": [
            {
                "indicator_code": i["code"],
                "flags": i["flags"],
                "computed_status": i["status"],
                "shown_status": i["shown_status"],
                "decision": i["decision"],
            }
            for i in indicators
            if i["flags"]
        ],
        "actions": actions,
    }


BAD_GRAMMAR = [
    re.compile(r"\b(one|1) (indicators|returns|statuses|actions|others)\b"),
    re.compile(r"\b(no|none) (indicators|returns)\b"),
    re.compile(
        r"\b([02-9]|two|three|four|five|six|seven|eight|nine|\d{2,}) "
        r"(indicator|return|measurable indicator)\b(?! is| has)"
    ),
    re.compile(r"\bno (is|are|has|have)\b"),
    re.compile(r"\b(one|One) (indicator|return) (are|have|were)\b"),
    re.compile(r"\s[,.;:]"),
    re.compile(r"\.\."),
    re.compile(r"\s{2,}"),
    re.compile(r"\b(None|null|\[\]|\{\})\b"),
    re.compile(r"\band and\b|, and\b"),
]


def sentences_of(snapshot: dict[str, Any]) -> list[str]:
    return list(narrative.all_text(covering_text(snapshot)))


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_every_sentence_is_well_formed(snapshot: dict[str, Any]) -> None:
    for text in sentences_of(snapshot):
        assert text, "an empty paragraph"
        assert text[0].isupper() or text[0] in "\"'", text
        assert not text[0].isdigit(), text
        for pattern in BAD_GRAMMAR:
            assert not pattern.search(text), (pattern.pattern, text)


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_the_counts_in_words_match_the_figures(snapshot: dict[str, Any]) -> None:
    covering = covering_text(snapshot)
    overview = covering.summary[0].paragraphs[0]
    shown = [i["shown_status"] for i in snapshot["indicators"]]
    total = len(shown)
    if total == 0:
        assert "no indicator" in overview
        return
    if total > 1:
        assert f"Of the {narrative.count_of(total, 'indicator')}" in overview
        for code, words in (("GREEN", "on target to"), ("RED", "off target")):
            n = shown.count(code)
            said = (
                "none is"
                if n == 0
                else narrative.number_words(n) + (" is" if n == 1 else " are")
            )
            assert f"{said} {words}" in overview, (overview, n)


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_every_area_of_concern_is_named_or_counted(snapshot: dict[str, Any]) -> None:
    concerns = snapshot["highlights"]["areas_of_concern"]
    text = " ".join(sentences_of(snapshot))
    named = [c for c in concerns if c in text]
    if len(concerns) <= narrative.LIST_LIMIT:
        assert named == concerns or set(named) == set(concerns)
    else:
        rest = len(concerns) - (narrative.LIST_LIMIT - 1)
        assert f"{narrative.number_words(rest)} others (see section 4)" in text


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_the_round_still_open_never_says_closed(snapshot: dict[str, Any]) -> None:
    text = " ".join(sentences_of(snapshot))
    missing = any(
        f["code"] == "MISSING_RETURN"
        for i in snapshot["indicators"]
        for f in i["flags"]
    )
    if snapshot["round"]["status"] == "open":
        assert "has closed" not in text
        if missing:
            assert "the deadline of 30 April 2010 has passed" in text
    elif missing:
        assert "the round has closed without" in text


@settings(max_examples=100, deadline=None)
@given(snapshots())
def test_the_same_snapshot_reads_the_same(snapshot: dict[str, Any]) -> None:
    assert covering_text(snapshot) == covering_text(snapshot)


@settings(max_examples=100, deadline=None)
@given(snapshots())
def test_no_email_address_reaches_a_board_paper(snapshot: dict[str, Any]) -> None:
    for i in snapshot["indicators"]:
        i["latest_result"] = {
            "value": 1,
            "period_end": "2010-03-31",
            "commentary": "Ask me: ann.lee@northshire.gov.uk",
        }
    paper = build_paper(snapshot)
    for i in paper.indicators:
        assert "@" not in i.named_lead
        assert "@" not in i.commentary
        assert "Ann Lee" not in i.named_lead


def test_the_figures_change_the_words() -> None:
    """Two rounds with different figures read differently (not a fixed text)."""
    one = full_snapshot()
    one["kind"] = "board"
    other = {**one, "indicators": [dict(i) for i in one["indicators"]]}
    for i in other["indicators"]:
        i["shown_status"] = "GREEN"
    other["highlights"] = {**one["highlights"], "areas_of_concern": []}
    first, second = covering_text(one), covering_text(other)
    assert first.summary != second.summary
    assert "No indicator is off target after the Executive's challenge." in " ".join(
        narrative.all_text(second)
    )


def test_the_plan_comes_from_the_settings_or_the_targets() -> None:
    snapshot = full_snapshot()
    assert plan_title(snapshot) == "Children and Young People's Plan 2008-2011"
    snapshot["settings"] = {
        **snapshot["settings"],
        "plan_name": "Children and Young People's Plan",
        "plan_start_year": 2011,
        "plan_end_year": 2014,
    }
    assert plan_title(snapshot) == "Children and Young People's Plan 2011-2014"
    assert "2014 targets" in covering_text(snapshot).purpose


def test_an_officers_edits_replace_the_drafted_parts() -> None:
    snapshot = full_snapshot()
    snapshot["edits"] = {
        "purpose": "To report performance.",
        "recommendations": "- Note the report\n- Thank the leads",
    }
    covering = covering_text(snapshot)
    assert covering.purpose == "To report performance."
    assert covering.recommendations == ("Note the report", "Thank the leads")
    assert covering.edited == ("purpose", "recommendations")
    assert len(covering.summary) > 1  # the summary was not edited: still drafted


def test_long_commentary_is_cut_at_a_word_with_a_pointer() -> None:
    text = "word " * 100
    cut = cut_text(text.strip(), 50)
    assert cut.endswith("… (continued in the indicator detail)")
    assert len(cut.split("…")[0]) <= 50
    assert cut_text("short") == "short"


def test_the_appendix_follows_the_frameworks_order_not_the_alphabet() -> None:
    raw = [
        {"code": "NI 1", "outcome": "Stay safe", "position": 3},
        {"code": "NI 9", "outcome": "Be healthy", "position": 1},
        {"code": "NI 110", "outcome": "Stay safe", "position": 0},
        {"code": "NI 2", "outcome": "Be healthy", "position": 2},
    ]
    assert [i["code"] for i in framework_order(raw)] == [
        "NI 110",
        "NI 1",
        "NI 9",
        "NI 2",
    ]


def test_a_missing_return_in_an_open_round_says_the_deadline_passed() -> None:
    said = "No result for the period ending 31 March 2010 although round 2009-H2 has closed"
    for status, expected in (
        (
            "open",
            "although the deadline of round 2009-H2 has passed (the round is "
            "still open)",
        ),
        ("closed", "although round 2009-H2 has closed"),
    ):
        snapshot = full_snapshot()
        snapshot["round"] = {**snapshot["round"], "status": status}
        first = snapshot["indicators"][0]
        first["flags"] = [{"code": "MISSING_RETURN", "explanation": said}]
        snapshot["challenges"] = [
            {"indicator_code": first["code"], "flags": first["flags"]}
        ]
        paper = build_paper(snapshot)
        [view] = [i for i in paper.indicators if i.code == first["code"]]
        assert view.flags[0].explanation.endswith(expected)
        assert paper.challenges[0].flags[0].explanation.endswith(expected)
