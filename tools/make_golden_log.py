"""Write the golden event log that ``tests/unit/test_golden_log.py`` replays.

Run only when an event type is added on purpose; never to make a failing
golden test pass (that failure means old logs would no longer read the same).

    python tools/make_golden_log.py
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from services.embedded import EmbeddedSystem
from shared.settings import Settings

OUT = Path(__file__).resolve().parent.parent / "tests" / "unit" / "golden"
P = "/api/v1"


def scenario(client: TestClient, token: dict[str, str]) -> None:
    """Commands that between them cause every event type the services read."""

    def call(method: str, path: str, body: object = None, role: str = "admin") -> None:
        headers = {"Authorization": f"Bearer {token[role]}"}
        if role == "admin":  # only an admin may backdate
            headers["Occurred-At"] = "2009-01-05T10:00:00Z"
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, response.text

    ind = {
        "code": "NI 50",
        "title": "Emotional health of children",
        "outcome": "Be healthy",
        "polarity": "higher_is_better",
        "unit": "percent",
        "frequency": "annual",
        "laa": True,
        "measurable": True,
    }
    call("POST", f"{P}/indicators", ind)
    call("POST", f"{P}/indicators", {**ind, "code": "NI 99", "title": "Withdrawn"})
    call(
        "PATCH",
        f"{P}/indicators/NI%2050",
        {"title": "Emotional health", "reason": "shorter"},
    )
    call(
        "PUT",
        f"{P}/indicators/NI%2050/lead",
        {
            "lead_organisation": "PCT",
            "named_lead": {"name": "Dana", "email": "dana@example.org"},
        },
    )
    call(
        "PUT",
        f"{P}/indicators/NI%2050/baseline",
        {"value": 60, "period_end": "2008-03-31"},
    )
    call(
        "PUT",
        f"{P}/indicators/NI%2050/target",
        {"value": 70, "period_end": "2011-03-31", "reason": "agreed"},
    )
    call(
        "PUT",
        f"{P}/indicators/NI%2050/milestones",
        {"milestones": [{"value": 64, "period_end": "2009-03-31"}]},
    )
    call("POST", f"{P}/indicators/NI%2099/retire", {"reason": "withdrawn nationally"})
    call("PUT", f"{P}/framework/settings", {"rag_mode": "red_amber_green"})
    call("POST", f"{P}/framework/versions", {"label": "v1", "note": "golden"})
    call(
        "POST",
        f"{P}/rounds",
        {
            "id": "2008-H1",
            "period_end": "2008-09-30",
            "requested": "2008-09-30",
            "deadline": "2008-10-31",
            "scope": ["NI 50"],
        },
    )
    call(
        "POST",
        f"{P}/rounds",
        {
            "id": "2008-H2",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2009-04-30",
        },
    )
    call(
        "POST",
        f"{P}/rounds",
        {
            "id": "2009-H1",
            "period_end": "2009-09-30",
            "requested": "2009-09-30",
            "deadline": "2009-10-31",
        },
    )
    call(
        "POST",
        f"{P}/returns",
        {
            "indicator_code": "NI 50",
            "period_end": "2009-03-31",
            "value": 61,
            "prediction": "on_target",
            "breakdowns": {"male": 60, "female": 62},
        },
    )
    call(
        "POST",
        f"{P}/returns",
        {
            "indicator_code": "NI 50",
            "period_end": "2009-03-31",
            "value": 62,
            "prediction": "on_target",
            "commentary": "corrected",
        },
    )
    call(
        "POST",
        f"{P}/laa-results",
        [
            {
                "result_id": "g1",
                "indicator_code": "NI 50",
                "period_end": "2009-06-30",
                "value": 62.5,
            },
            {
                "result_id": "g2",
                "indicator_code": "NI 50",
                "period_end": "2009-06-30",
                "value": "x",
            },
        ],
        role="system",
    )
    call("POST", f"{P}/rounds/2008-H2/close")
    call(
        "POST",
        f"{P}/challenges/NI%2050/2008-H2/decision",
        {"decision": "upheld", "note": "n"},
        role="executive",
    )
    call(
        "POST",
        f"{P}/actions",
        {
            "indicator_code": "NI 50",
            "round_id": "2008-H2",
            "description": "d",
            "owner": "o",
            "due": "2009-06-30",
        },
    )
    call("POST", f"{P}/actions/A1/complete", {"note": "done"})


def main() -> None:
    system = EmbeddedSystem(Settings(data_dir=Path(tempfile.mkdtemp()) / "d"))
    roles = ("admin", "system", "executive")
    token = {r: system.tokens.create(r, f"golden {r}") for r in roles}  # type: ignore[arg-type]
    with TestClient(system.app()) as client:
        scenario(client, token)
    events = [e.to_record() for e in system.store.read_all(0, 10_000)]
    (OUT / "log_v1.jsonl").write_text(
        "".join(json.dumps(e, sort_keys=True) + "\n" for e in events)
    )
    framework = system.framework.current()
    (OUT / "log_v1_framework.json").write_text(
        json.dumps(framework, indent=1, sort_keys=True) + "\n"
    )
    print(f"{len(events)} events, types: {sorted({e['type'] for e in events})}")


if __name__ == "__main__":
    main()
