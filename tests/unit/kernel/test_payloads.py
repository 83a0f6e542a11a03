"""Every event type has a payload model, and the store refuses what a consumer
could not apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.events.catalogue import CURRENT_VERSIONS
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.events.payloads import InvalidEvent, missing_models, validate_payload
from shared.events.upcasting import upcast
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def test_every_catalogued_type_and_version_has_a_model() -> None:
    assert missing_models() == set()


def test_every_event_of_the_golden_logs_fits_its_model() -> None:
    lines = (GOLDEN / "log_v1.jsonl").read_text().splitlines()
    mail = json.loads((GOLDEN / "mail_events_v1.json").read_text())
    records = [json.loads(line) for line in lines] + mail
    seen = set()
    for record in records:
        event = upcast(EventEnvelope.model_validate(record))
        validate_payload(event.type, event.schema_version, event.data)
        seen.add(event.type)
    assert len(seen) >= 20


@pytest.mark.parametrize(
    "field", ["title", "polarity", "frequency", "laa", "measurable"]
)
def test_an_amendment_setting_a_required_field_to_null_is_refused(field: str) -> None:
    with pytest.raises(InvalidEvent, match=field):
        validate_payload(
            "IndicatorAmended", 1, {"code": "NI 50", "changes": {field: None}}
        )


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        (
            "BaselineRecorded",
            {"code": "NI 50", "value": True, "period_end": "2009-03-31"},
        ),
        ("BaselineRecorded", {"code": "NI 50", "value": 1, "period_end": "2009-02-30"}),
        ("TargetSet", {"code": "NI 50", "value": "70", "period_end": "2011-03-31"}),
        ("RoundClosed", {}),
        ("LaaResultReceived", {"indicator_code": "NI 50", "period_end": "2009-06-30"}),
        ("Unheard", {}),
    ],
)
def test_malformed_payloads_are_refused(
    event_type: str, data: dict[str, object]
) -> None:
    with pytest.raises(InvalidEvent):
        validate_payload(event_type, CURRENT_VERSIONS.get(event_type, 1), data)


def test_an_old_schema_version_cannot_be_written() -> None:
    data = {"code": "NI 50", "title": "t", "polarity": "higher_is_better"}
    with pytest.raises(InvalidEvent, match="schema version"):
        validate_payload("IndicatorRegistered", 1, data)


def test_the_store_writes_nothing_of_a_batch_with_one_bad_event(tmp_path: Path) -> None:
    store = EventStore(make_engine(f"sqlite:///{tmp_path / 'log.db'}"))
    store.create_schema()
    good = NewEvent(type="RoundClosed", data={"id": "2009-H1"})
    bad = NewEvent(type="RoundClosed", data={"id": None})
    with pytest.raises(InvalidEvent):
        store.append("round:2009-H1", None, [good, bad], Metadata(actor="t"))
    assert store.head() == 0
