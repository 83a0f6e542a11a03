"""The assessment service's work in a process of its own, for its peak RSS:
``python -m bench.memory_child --data-dir D``.

The data folder (made by :func:`bench.memory.prepare_assessment`) holds a log
with many registered indicators and the assessment's own tables already
holding them, then a tail of results not yet assessed. This process does what
the assessment service does with that: catches up on the tail (reassessing
the indicators it touches, emitting ``AssessmentChanged``) and answers
``GET /api/v1/assessments``. It prints its peak RSS after each step as JSON.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

from bench.harness import peak_rss_mib


def main() -> None:
    """Catch up, answer the list route, print peaks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    from services.assessment.api import build_router
    from services.assessment.challenges import ChallengeService
    from services.assessment.policy import assessment_policy
    from services.assessment.queries import AssessmentQueries
    from shared.eventstore.engine import make_engine
    from shared.eventstore.store import EventStore
    from shared.http.app_factory import create_app
    from shared.messaging.consumers import LogFollower
    from shared.observability.metrics import Metrics

    peaks = {"imported": peak_rss_mib()}
    engine = make_engine(f"sqlite:///{args.data_dir / 'pmf.sqlite3'}")
    store = EventStore(engine)
    follower = LogFollower(assessment_policy(), store, engine, sink=store)
    applied = follower.catch_up()
    peaks["caught_up"] = peak_rss_mib()
    app = create_app(
        "pmf assessment",
        [build_router(AssessmentQueries(engine), ChallengeService(store))],
        metrics=Metrics(),
        tokens=None,
    )
    with TestClient(app) as client:
        response = client.get("/api/v1/assessments")
        response.raise_for_status()
        listed = len(response.json())
    peaks["listed"] = peak_rss_mib()
    print(json.dumps({"applied": applied, "listed": listed, "peaks": peaks}))


if __name__ == "__main__":
    main()
