"""An old log still reads the same: the golden log replays to the golden framework.

``golden/log_v1.jsonl`` holds every event type the services read, as version 1
of the product wrote them. If this fails, a change broke the reading of events
already in councils' logs: add an upcaster instead of changing a type.
"""

from __future__ import annotations

import json
from pathlib import Path

from services.embedded import EmbeddedSystem
from services.replay import replay_read_models
from shared.events.catalogue import CURRENT_VERSIONS
from shared.events.envelope import EventEnvelope
from shared.events.upcasting import upcast
from shared.eventstore.schema import events
from shared.settings import Settings

GOLDEN = Path(__file__).parent / "golden"


def golden_log() -> list[dict[str, object]]:
    lines = (GOLDEN / "log_v1.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_every_golden_event_reads_at_its_current_version() -> None:
    for record in golden_log():
        event = upcast(EventEnvelope.model_validate(record))
        assert event.schema_version == CURRENT_VERSIONS[event.type], event.type


def test_the_golden_log_covers_the_types_the_services_read() -> None:
    seen = {r["type"] for r in golden_log()}
    unread = {"ReportPublished"} | {t for t in CURRENT_VERSIONS if t.startswith("Mail")}
    unread |= {"RequestSent", "ReminderSent", "OverdueNoticeSent", "CentralSummarySent"}
    unread |= {"ChallengeWithdrawn", "ReportDraftEdited"}  # newer than the v1 log
    unread |= {"ComparatorFiguresLoaded"}
    assert set(CURRENT_VERSIONS) - unread <= seen


def test_the_golden_log_replays_to_the_golden_framework(tmp_path: Path) -> None:
    system = EmbeddedSystem(Settings(data_dir=tmp_path / "d"))
    rows = []
    for r in golden_log():
        rows.append({**r, "data": json.dumps(r["data"], sort_keys=True)})
    with system.engine.begin() as conn:
        conn.execute(events.insert(), rows)
    replay_read_models(system.store, system.engine)
    expected = json.loads((GOLDEN / "log_v1_framework.json").read_text())
    assert system.framework.current() == expected
