"""A small LAA system simulator: realistic quarterly results, some malformed.

Used for demos, tests and benchmarks of the ``laa.results`` stream. Pure
generation here; ``produce`` sends with kafka-python at a steady rate.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

QUARTER_ENDS = ((6, 30), (9, 30), (12, 31), (3, 31))
MALFORMED_KINDS = (
    "not_json",
    "missing_field",
    "non_numeric",
    "unknown_indicator",
    "bad_date",
)


@dataclass(frozen=True)
class SimulatedIndicator:
    """An LAA indicator and the level its results wander around."""

    code: str
    level: float
    drift: float = 0.0  # change per quarter


def quarters(first: date, count: int) -> list[date]:
    """``count`` consecutive quarter ends starting at the one on or after ``first``."""
    ends = []
    year = first.year
    for month, day in [(3, 31), (6, 30), (9, 30), (12, 31)] * (count + 8):
        candidate = date(year, month, day)
        if month == 12:
            year += 1
        if candidate >= first:
            ends.append(candidate)
        if len(ends) == count:
            break
    return ends


def messages(
    indicators: Sequence[SimulatedIndicator],
    count: int,
    bad_share: float = 0.0,
    seed: int = 2008,
    first_quarter: date = date(2008, 6, 30),
) -> Iterator[tuple[bytes, bytes]]:
    """``count`` (key, value) messages: quarters in turn, a share malformed."""
    rng = random.Random(seed)
    per_quarter = max(len(indicators), 1)
    periods = quarters(first_quarter, count // per_quarter + 1)
    for n in range(count):
        ind = indicators[n % per_quarter]
        q = n // per_quarter
        period = periods[q]
        value = round(
            ind.level + ind.drift * q + rng.gauss(0, abs(ind.level) * 0.01), 1
        )
        body = {
            "result_id": f"SIM-{ind.code}-{period.isoformat()}-{n}",
            "indicator_code": ind.code,
            "period_end": period.isoformat(),
            "value": value,
            "breakdowns": {
                "male": round(value * 0.97, 1),
                "female": round(value * 1.03, 1),
            },
            "submitted_at": f"{period.isoformat()}T00:00:00Z",
            "source": "LAA",
        }
        if bad_share and rng.random() < bad_share:
            yield ind.code.encode(), _malformed(body, rng.choice(MALFORMED_KINDS))
        else:
            yield ind.code.encode(), json.dumps(body).encode()


def _malformed(body: dict[str, object], kind: str) -> bytes:
    if kind == "not_json":
        return b'{"result_id": "' + str(body["result_id"]).encode() + b'", broken'
    broken = dict(body)
    if kind == "missing_field":
        broken.pop("period_end")
    elif kind == "non_numeric":
        broken["value"] = "about sixty"
    elif kind == "unknown_indicator":
        broken["indicator_code"] = "NI 000"
    else:
        broken["period_end"] = "2008-02-30"
    return json.dumps(broken).encode()


def produce(
    bootstrap: str,
    stream: Iterator[tuple[bytes, bytes]],
    rate: float | None = None,
    topic: str = "laa.results",
) -> int:
    """Send messages (at ``rate`` per second, or as fast as possible)."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    sent = 0
    started = time.monotonic()
    try:
        for key, value in stream:
            producer.send(topic, key=key, value=value)
            sent += 1
            if rate:
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    return sent
