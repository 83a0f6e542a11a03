"""The fault campaign at test size, against real Kafka, PostgreSQL and services.

Every fault of the full campaign happens once, shorter (``faults.schedule.FAST``;
``PMF_FAULTS_*`` variables change it). The goal is asserted as it stands:
nothing lost, doubled, wrongly or silently dead-lettered, and the distributed
read models equal to the embedded replay. When it is missed the failure shows
the table, the ids, the dead-letter reasons and the first differing paths,
and the full results stay in ``.run/faults-test.json``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faults.campaign import diagnostics, goal_met, run, table
from faults.schedule import FAST, from_env

pytestmark = pytest.mark.e2e
REPO_ROOT = Path(__file__).resolve().parents[2]


# A loaded machine restarts services slowly; on a timeout the signal lets the
# campaign stop the broker, the database and the services it started.
@pytest.mark.timeout(1800, method="signal")
def test_the_fault_campaign_loses_doubles_and_differs_in_nothing() -> None:
    schedule = from_env(FAST)
    out = REPO_ROOT / ".run" / "faults-test.json"
    result = run(schedule, out)
    report = f"{table(result)}\n{diagnostics(result)}"
    print(report)
    totals = result["totals"]
    assert [p["fault"] for p in result["phases"]] == list(schedule.faults)
    assert totals["sent"] > 0 and totals["applied"] > 0, report
    assert goal_met(result), f"fault campaign missed its goal ({out}):\n{report}"
