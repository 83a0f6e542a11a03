"""The LAA message parser never raises: any input is a result or a reasoned rejection."""

from __future__ import annotations

import json

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
