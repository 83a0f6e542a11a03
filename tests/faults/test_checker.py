"""The campaign's checker on hand-made runs: each finding counted where it happened."""

from __future__ import annotations

import json

import pytest

from faults.checker import (
    DeadLetter,
    PhaseCounts,
    Seen,
    Sent,
    Window,
    compare_views,
    count_stream,
    new_since,
    phase_at,
)
from faults.inputs import Message, Stream, result_body
from faults.schedule import FAST, Schedule, from_args, from_env

WINDOWS = [
    Window("kill-returns", "2026-01-01T10:00:00.000000Z"),
    Window("postgres", "2026-01-01T10:05:00.000000Z"),
]
IN_KILL = "2026-01-01T10:01:00.000000Z"
IN_PG = "2026-01-01T10:06:00.000000Z"


def valid(n: int, kind: str = "valid") -> Message:
    rid = f"FC-{n}"
    return Message(
        n, kind, rid, "FC 00", json.dumps(result_body(rid, "FC 00", "2008-06-30", 1.0))
    )


def malformed(n: int) -> Message:
    return Message(
        n, "malformed", f"FC-BAD-{n}", "FC 00", f'{{"result_id": "FC-BAD-{n}", broken'
    )


def test_a_clean_run_counts_everything_applied() -> None:
    one, two = valid(1), valid(2, "correction")
    bad = malformed(3)
    sent = [
        Sent("kill-returns", one),
        Sent(
            "kill-returns", Message(4, "duplicate", one.result_id, one.key, one.payload)
        ),
        Sent("postgres", two),
        Sent("postgres", bad),
    ]
    seen = [Seen("FC-1", IN_KILL), Seen("FC-2", IN_PG)]
    dead = [DeadLetter("laa.results", "not valid JSON", bad.payload, IN_PG)]
    counts = count_stream(sent, seen, seen, dead, WINDOWS)
    kill, pg = counts["kill-returns"], counts["postgres"]
    assert (kill.sent, kill.valid, kill.duplicates, kill.applied) == (2, 1, 1, 1)
    assert (pg.sent, pg.valid, pg.malformed, pg.applied) == (2, 1, 1, 1)
    assert all(c.failures() == 0 for c in counts.values())


def test_lost_doubled_and_wrongly_dead_lettered_are_found_where_they_happened() -> None:
    one, two, three = valid(1), valid(2), valid(3)
    sent = [Sent("kill-returns", m) for m in (one, two, three)]
    recorded = [Seen("FC-1", IN_KILL), Seen("FC-1", IN_PG)]  # recorded again later
    shown = [Seen("FC-1", IN_KILL)]
    dead = [
        DeadLetter("laa.results", "database unavailable", two.payload, IN_PG),
        DeadLetter("pmf.indicators", "could not apply", "{}", IN_KILL),
    ]
    counts = count_stream(sent, recorded, shown, dead, WINDOWS)
    kill, pg = counts["kill-returns"], counts["postgres"]
    assert kill.lost == 2 and kill.lost_ids == ["FC-2", "FC-3"]
    assert pg.doubled == 1 and pg.doubled_ids == ["FC-1 (returns)"]
    assert pg.wrongly_dead_lettered == 1 and "FC-2" in pg.wrong_dead_letters[0]
    assert (
        kill.wrongly_dead_lettered == 1
    )  # the services' own events never belong there
    assert kill.doubled == 0


def test_a_malformed_message_neither_recorded_nor_dead_lettered_was_dropped() -> None:
    bad = malformed(1)
    counts = count_stream([Sent("postgres", bad)], [], [], [], WINDOWS)
    assert counts["postgres"].not_dead_lettered == 1
    assert counts["postgres"].silent_drops == ["FC-BAD-1"]


def test_a_malformed_message_dead_lettered_is_not_wrong() -> None:
    bad = malformed(1)
    dead = [DeadLetter("laa.results", "not valid JSON", bad.payload, IN_PG)]
    counts = count_stream([Sent("postgres", bad)], [], [], dead, WINDOWS)
    assert counts["postgres"] == PhaseCounts(sent=1, malformed=1)


def test_phases_are_found_by_time() -> None:
    assert phase_at(IN_KILL, WINDOWS) == "kill-returns"
    assert phase_at(IN_PG, WINDOWS) == "postgres"
    assert phase_at("2025-01-01T00:00:00.000000Z", WINDOWS) == "kill-returns"


def test_equal_views_have_no_differences_but_recorded_at_is_ignored() -> None:
    doc = {"indicators": [{"code": "A", "status": "GREEN", "recorded_at": "x"}]}
    other = {"indicators": [{"code": "A", "status": "GREEN", "recorded_at": "y"}]}
    assert compare_views({"framework": doc}, {"framework": other}) == []


def test_a_different_status_is_named_by_indicator_and_field() -> None:
    d = {
        "indicators": [{"code": "A", "status": "GREEN"}, {"code": "B", "status": "RED"}]
    }
    e = {
        "indicators": [{"code": "B", "status": "RED"}, {"code": "A", "status": "GREY"}]
    }
    [diff] = compare_views({"framework": d}, {"framework": e})
    assert (diff.view, diff.path, diff.distributed, diff.embedded) == (
        "framework",
        "indicators.A.status",
        "GREEN",
        "GREY",
    )


def test_history_in_another_order_is_one_difference() -> None:
    a, b, c = (
        {"kind": "result", "v": 1},
        {"kind": "assessment", "v": 2},
        {"kind": "result", "v": 3},
    )
    [diff] = compare_views(
        {"history X": {"history": [a, b, c]}}, {"history X": {"history": [b, a, c]}}
    )
    assert diff.path == "history same entries in another order, from [0]"


def test_entries_on_one_side_only_are_reported_with_a_sample() -> None:
    a, b, c = (
        {"kind": "result", "v": 1},
        {"kind": "assessment", "v": 2},
        {"kind": "result", "v": 3},
    )
    diffs = compare_views({"h": {"history": [a, b, c, c]}}, {"h": {"history": [a, b]}})
    assert [d.path for d in diffs] == ["history 2 entries only in distributed, first"]
    assert diffs[0].distributed == c


def test_a_view_missing_on_one_side_is_a_difference() -> None:
    [diff] = compare_views({"framework?version=2": {}}, {})
    assert (diff.distributed, diff.embedded) == (True, False)


def test_new_differences_are_those_since_the_last_checkpoint() -> None:
    first = compare_views({"f": {"x": 1}}, {"f": {"x": 2}})
    later = compare_views({"f": {"x": 1, "y": 1}}, {"f": {"x": 2, "y": 2}})
    assert [d.path for d in new_since(first, later)] == ["y"]


def test_the_stream_labels_corrections_duplicates_and_malformed_messages() -> None:
    stream = Stream(
        ["FC 00", "FC 01"], duplicate_share=0.2, malformed_share=0.2, seed=1
    )
    messages = [stream.next() for _ in range(400)]
    kinds = {m.kind for m in messages}
    assert kinds == {"valid", "correction", "duplicate", "malformed"}
    valid_ids = [m.result_id for m in messages if m.valid]
    assert len(valid_ids) == len(set(valid_ids))
    for m in messages:
        if m.kind == "duplicate":
            assert m.result_id in valid_ids
        if m.kind == "malformed":
            assert m.result_id.startswith("FC-BAD-")


def test_the_schedule_comes_from_env_and_options() -> None:
    s = from_env(
        FAST, {"PMF_FAULTS_FAULTS": "broker,race", "PMF_FAULTS_BROKER_OUTAGE_S": "5"}
    )
    assert s.faults == ("broker", "race") and s.broker_outage_s == 5.0
    s, args = from_args(
        ["--fast", "--kills", "1", "--faults", "kill-returns", "--out", "x.json"]
    )
    assert (s.kills, s.faults, args.out) == (1, ("kill-returns",), "x.json")
    assert Schedule().postgres_outage_s == 60.0 and Schedule().broker_outage_s == 30.0


def test_an_unknown_fault_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        from_env(FAST, {"PMF_FAULTS_FAULTS": "meteor"})
