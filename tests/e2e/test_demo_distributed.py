"""``pmf demo --url service=address ...`` loads the demo into the four distributed
services on real Kafka and PostgreSQL: each request goes to the service that serves
its route, and the command returns only once every service has caught up, so the
framework the reporting service shows right then is the one the embedded mode
gives for the same demo."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.demo.plan import demo_plan
from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from shared.settings import Settings
from tests.conftest import SERVICES, Distributed
from tests.support.processes import PMF, REPO_ROOT

pytestmark = pytest.mark.e2e


def demo_view(get: Any, codes: set[str]) -> dict[str, Any]:
    """What a reader sees of the demo: each indicator's status and latest value,
    and the rounds with what is outstanding in each."""
    framework = get("/api/v1/framework")
    rows = sorted(
        (
            i["code"],
            i["status"],
            (i.get("latest_result") or {}).get("value"),
        )
        for i in framework["indicators"]
        if i["code"] in codes
    )
    return {"indicators": rows, "count": len(rows)}


def _canonical(row: Any) -> str:
    return json.dumps(row, sort_keys=True)


def outstanding_view(answer: dict[str, Any]) -> dict[str, Any]:
    """What a round's outstanding list says about consistency: its scope, what was
    received, and which indicators are still missing (in a fixed order; the
    stores' orders may differ). Deadline bookkeeping is left out: the returns
    service's deadline job runs on its own clock in each process."""
    return {
        "scope": sorted(answer["round"]["scope"]),
        "closed": answer["round"]["closed"],
        "in_scope": answer["in_scope"],
        "received": answer["received"],
        "outstanding": sorted(row["code"] for row in answer["outstanding"]),
        "awaiting_laa": sorted(map(_canonical, answer["awaiting_laa"])),
    }


@pytest.mark.timeout(1500)  # 223 requests and a few waits, on a busy machine too
def test_pmf_demo_url_loads_the_distributed_services_and_waits_for_them(
    fresh_distributed: Distributed, tmp_path: Path
) -> None:
    distributed = fresh_distributed
    codes = {s.body["code"] for s in demo_plan() if s.path == "/api/v1/indicators"}
    urls = [f"--url={name}={distributed.url(name)}" for name in SERVICES]
    started = time.monotonic()
    done = subprocess.run(
        [*PMF, "demo", *urls],
        cwd=REPO_ROOT,
        env={**os.environ, "PMF_TOKEN": distributed.tokens["admin"]},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Loaded the demo: {len(demo_plan())} requests." in done.stdout
    assert "waiting for returns to catch up" in done.stdout
    print(f"pmf demo --url (distributed): {time.monotonic() - started:.0f}s")

    # read at once: the command has waited for eventual consistency
    reporting = distributed.url("reporting")
    spread = demo_view(
        lambda path: httpx.get(f"{reporting}{path}", timeout=30).json(), codes
    )
    returns = distributed.url("returns")
    rounds = {
        r["id"]: outstanding_view(
            httpx.get(f"{returns}/api/v1/rounds/{r['id']}/outstanding").json()
        )
        for r in httpx.get(f"{returns}/api/v1/rounds").json()
    }

    system = EmbeddedSystem(Settings(data_dir=tmp_path / "embedded"))
    load_demo_into(system)
    with TestClient(system.app()) as client:
        embedded = demo_view(lambda path: client.get(path).json(), codes)
        local_rounds = {
            rid: outstanding_view(
                client.get(f"/api/v1/rounds/{rid}/outstanding").json()
            )
            for rid in rounds
        }

    assert spread["count"] == len(codes) == 43
    assert spread == embedded
    assert len(rounds) == 4
    for rid, answer in rounds.items():
        assert answer == local_rounds[rid], rid
