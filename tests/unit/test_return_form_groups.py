"""The return form reads breakdown groups through the vocabulary, as the API does."""

from __future__ import annotations

from services.web.forms import parse_return

FIELDS = {"indicator_code": "NI 73", "period_end": "31/03/2009", "value": "72"}


def test_a_group_is_kept_under_its_canonical_name() -> None:
    body, errors = parse_return({**FIELDS, "breakdowns": "Boys = 69.5\nFSM = 52"})
    assert errors == {}
    assert body is not None and body["breakdowns"] == {"male": 69.5, "fsm": 52.0}


def test_an_unknown_group_is_named_next_to_the_field() -> None:
    body, errors = parse_return(
        {**FIELDS, "breakdowns": "Boys = 69.5\nleft-handed = 3"}
    )
    assert body is None
    assert "unknown breakdown group 'left-handed'" in errors["breakdowns"]
