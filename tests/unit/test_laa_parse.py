"""The LAA message parser never raises: any input is a result or a reasoned rejection."""

from __future__ import annotations

import json

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from services.returns import laa

json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=20), children, max_size=6)
    ),
    max_leaves=30,
)

GOOD = {
    "result_id": "r1",
    "indicator_code": "NI 110",
    "period_end": "2008-06-30",
    "value": 63.2,
}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_accepted_or_rejected_with_a_reason(raw: bytes) -> None:
    out = laa.parse(raw)
    assert isinstance(out, laa.LaaResult) or out.reason


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_is_accepted_or_rejected_with_a_reason(value: object) -> None:
    out = laa.parse(json.dumps(value, allow_nan=True).encode())
    assert isinstance(out, laa.LaaResult) or out.reason


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(GOOD)), json_values)
def test_a_good_message_with_one_field_spoiled(field: str, spoiled: object) -> None:
    out = laa.parse({**GOOD, field: spoiled})
    if isinstance(out, laa.LaaResult):
        assert out.result_id and out.indicator_code
    else:
        assert out.reason and len(out.payload) <= laa.MAX_MESSAGE_BYTES


def test_dates_outside_the_plan_are_rejected_like_returns() -> None:
    for day in ("9999-12-31", "0001-01-01", "1989-12-31", "2101-01-01"):
        out = laa.parse({**GOOD, "period_end": day})
        assert isinstance(out, laa.Rejection) and "period_end" in out.reason
    for day in ("1990-01-01", "2100-12-31"):
        assert isinstance(laa.parse({**GOOD, "period_end": day}), laa.LaaResult)


def test_submitted_at_is_a_bounded_timestamp() -> None:
    good = laa.parse({**GOOD, "submitted_at": "2008-07-20T09:00:00+01:00"})
    assert isinstance(good, laa.LaaResult)
    assert good.submitted_at == "2008-07-20T09:00:00+01:00"
    for bad in ("x" * 41, "yesterday", "9999-12-31T00:00:00", 5, ["2008-07-20"]):
        out = laa.parse({**GOOD, "submitted_at": bad})
        assert isinstance(out, laa.Rejection) and "submitted_at" in out.reason
        assert out.result_id == "r1"


def test_text_that_cannot_be_stored_is_rejected_with_a_storable_reason() -> None:
    for field in ("result_id", "indicator_code", "source"):
        out = laa.parse(json.dumps({**GOOD, field: "a\ud800"}).encode())
        assert isinstance(out, laa.Rejection), field
        assert laa.storable(out.reason) and laa.storable(out.payload)
        assert out.result_id is None or laa.storable(out.result_id)
    nul = laa.parse({**GOOD, "breakdowns": {"a\x00": 1}})
    assert isinstance(nul, laa.Rejection)


def test_control_and_bidi_characters_in_short_texts_are_rejected() -> None:
    for bad in ("male\x0b", "a\x1b[31m", "\u202eevil", "bell\x07", "two\nlines"):
        grouped = laa.parse({**GOOD, "breakdowns": {bad: 1.0}})
        assert isinstance(grouped, laa.Rejection), repr(bad)
        for field in ("result_id", "source"):
            out = laa.parse({**GOOD, field: bad})
            assert isinstance(out, laa.Rejection), (field, repr(bad))
    assert isinstance(laa.parse({**GOOD, "breakdowns": {"male": 1.0}}), laa.LaaResult)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_the_quick_size_check_never_passes_a_message_over_the_limit(
    message: dict[str, object],
) -> None:
    """Three times the compact UTF-8 JSON bounds the ASCII JSON the limit is
    stated in, whatever the characters (escapes, pairs, separators)."""
    try:
        compact = len(orjson.dumps(message))
    except TypeError:
        return  # checked the slow way
    assert len(json.dumps(message, default=str)) <= 3 * compact
