"""Freshness: time from an accepted LAA result to its status visible over HTTP,
embedded and on Kafka, under a steady offered load (1,000 results/s).

Results are sent in batches at the offered rate; the last of each batch is a
probe for a dedicated indicator, one day later than the previous probe, so
the framework's ``latest_result`` for that indicator names the newest probe
visible. A poller reads ``GET /api/v1/framework`` every 20 ms; a probe is
visible at the answer of the first poll asked after its acceptance that shows
it (or a later one).

* embedded: batches go to ``POST /api/v1/laa-results``; accepted = the POST
  answered. The followers catch up before it answers, so a probe is visible
  to the next read; what is measured is that read under the write load. The
  baseline is a hello-world round trip on the same server under the same
  load.
* Kafka: batches go to ``laa.results``; accepted = the broker acknowledged
  (acks=all). The baseline is a raw aiokafka consumer of a topic on the same
  broker, fed the same messages at the same rate (from send to arrival).

When the system cannot keep up with the offered rate the achieved rate is
reported and the latency includes the queue that builds up.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import synth
from bench.harness import Context, Result, log, percentile
from bench.procs import embedded_server
from bench.serve_embedded import HELLO

NAME = "freshness"
INDICATORS = 20
# The probe's own indicator, far past the ones any benchmark loads: on the
# shared Kafka stack the pipeline benchmark has already written later periods
# for the low-numbered indicators, which would hide every probe behind them.
PROBE_INDEX = 900_000
# Results per send (the last a probe): an embedded POST of 100 takes seconds,
# so embedded sends smaller batches to get enough probes in a short run.
EMBEDDED_BATCH = 10
POLL_PAUSE = 0.02  # between polls, so that polling does not starve the writer
KAFKA_BATCH = 100
FIRST_PROBE_DAY = date(2008, 4, 1)
RAW_TOPIC = "bench.raw-latency"
RAW_PARTITIONS = 2  # as pmf's own topics

Send = Callable[[list[dict[str, Any]]], Awaitable[None]]
Watch = Callable[["Probes", asyncio.Event], Awaitable[None]]


def probe_message(k: int, tag: str) -> dict[str, Any]:
    """Probe ``k``: a result one day later than probe ``k - 1``."""
    day = FIRST_PROBE_DAY + timedelta(days=k)
    return {
        "result_id": f"PROBE-{tag}-{k}",
        "indicator_code": synth.code_of(PROBE_INDEX),
        "period_end": day.isoformat(),
        "value": 40.0 + k % 7,
        "source": "LAA",
    }


def probe_number(result_id: str | None) -> int:
    """The probe number in a probe's result id (-1 for anything else)."""
    if not result_id or not result_id.startswith("PROBE-"):
        return -1
    return int(result_id.rsplit("-", 1)[1])


@dataclass
class Probes:
    """When each probe was sent and accepted, and what the watcher saw when.

    A probe counts as visible at the answer of the first poll that was asked
    after the probe was accepted and shows it (or a later probe): that is
    the time a reader who asks after the acceptance waits. A raw consumer
    records when each probe arrived instead.
    """

    sent: dict[int, float] = field(default_factory=dict)
    accepted: dict[int, float] = field(default_factory=dict)
    asked: list[float] = field(default_factory=list)
    polls: list[tuple[float, int]] = field(default_factory=list)  # answered, newest
    consumed: dict[int, float] = field(default_factory=dict)

    def polled(self, asked: float, answered: float, newest: int) -> None:
        """Record one poll: asked and answered at, newest probe it showed."""
        self.asked.append(asked)
        self.polls.append((answered, newest))

    def visible(self, k: int) -> float | None:
        """When probe ``k`` was first seen (None when not yet)."""
        if k in self.consumed:
            return self.consumed[k]
        accepted = self.accepted.get(k)
        if accepted is None:
            return None
        for answered, newest in self.polls[bisect.bisect_left(self.asked, accepted) :]:
            if newest >= k:
                return answered
        return None

    def done(self) -> bool:
        """Every accepted probe has been seen (the last one seen implies it)."""
        return not self.accepted or self.visible(max(self.accepted)) is not None

    def latencies_ms(self, cutoff: float, from_send: bool) -> tuple[list[float], int]:
        """Latencies from acceptance (or the send), counting probes never seen
        as seen at ``cutoff``; and how many were never seen."""
        out, missing = [], 0
        for k, accepted in self.accepted.items():
            seen = self.visible(k)
            if seen is None:
                missing += 1
                seen = cutoff
            start = self.sent[k] if from_send else accepted
            out.append(max(0.0, seen - start) * 1000)
        return out, missing


@dataclass
class Outcome:
    """One freshness run."""

    latencies_ms: list[float]
    missing: int
    sent: int
    load_seconds: float

    @property
    def rate(self) -> float:
        """Results per second actually sent (accepted)."""
        return self.sent / self.load_seconds if self.load_seconds else 0.0


async def drive(
    send: Send,
    watch: Watch,
    rate: int,
    seconds: float,
    drain: float,
    tag: str,
    batch: int,
    ready: asyncio.Event | None = None,
    from_send: bool = False,
) -> Outcome:
    """Offer ``rate`` results/s for ``seconds`` in batches of ``batch`` (the
    last of each a probe); then wait up to ``drain`` s for unseen probes."""
    probes = Probes()
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch(probes, stop))
    try:
        if ready is not None:
            await _until(ready, watcher)
        tick = batch / rate
        sent = k = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            messages = [
                synth.laa_message(sent + j, INDICATORS, tag) for j in range(batch - 1)
            ]
            messages.append(probe_message(k, tag))
            probes.sent[k] = time.perf_counter()
            await send(messages)
            probes.accepted[k] = time.perf_counter()
            sent += len(messages)
            k += 1
            ahead = started + k * tick - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
        load_seconds = time.perf_counter() - started
        deadline = time.perf_counter() + drain
        while not probes.done() and time.perf_counter() < deadline:
            if watcher.done():
                break  # it failed: its exception is raised below
            await asyncio.sleep(0.05)
        cutoff = time.perf_counter()
    finally:
        stop.set()
    await watcher
    latencies, missing = probes.latencies_ms(cutoff, from_send)
    return Outcome(latencies, missing, sent, load_seconds)


async def _until(ready: asyncio.Event, watcher: asyncio.Task[None]) -> None:
    """Wait for ``ready``, or for the watcher to fail, for at most a minute."""
    waiting = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait(
        {waiting, watcher}, timeout=60, return_when=asyncio.FIRST_COMPLETED
    )
    waiting.cancel()
    if watcher in done:
        watcher.result()
        raise RuntimeError("the watcher stopped before it was ready")
    if not done:
        raise TimeoutError("the watcher was not ready in 60 s")


def framework_watcher(base: str) -> Watch:
    """A watch that polls ``GET /api/v1/framework`` for the probe indicator."""
    code = synth.code_of(PROBE_INDEX)

    async def watch(probes: Probes, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while not stop.is_set():
                asked = time.perf_counter()
                response = await client.get("/api/v1/framework")
                answered = time.perf_counter()
                newest = -1
                for entry in response.json()["indicators"]:
                    if entry["code"] == code and entry["latest_result"]:
                        newest = probe_number(entry["latest_result"].get("result_id"))
                probes.polled(asked, answered, newest)
                await asyncio.sleep(POLL_PAUSE)

    return watch


def _results(
    mode: str, ours: Outcome, base: list[float], base_name: str, rate: int, note: str
) -> list[Result]:
    seen = len(ours.latencies_ms) - ours.missing
    notes = (
        f"offered {rate:,}/s, achieved {ours.rate:,.0f}/s for "
        f"{ours.load_seconds:.0f} s; {seen} of {len(ours.latencies_ms)} probes "
        f"seen{f' ({ours.missing} counted at the timeout)' if ours.missing else ''}"
        f"; {note}"
    )
    found = [
        Result(
            name=f"freshness {mode} {q}",
            figure=percentile(ours.latencies_ms, p),
            baseline=percentile(base, p),
            units="ms",
            baseline_name=base_name,
            higher_is_better=False,
            notes=notes,
        )
        for q, p in (("p50", 50), ("p99", 99))
    ]
    p99 = found[1]
    p99.against(f"< 2,000 ms at {rate:,}/s offered", p99.figure < 2_000)
    return found


# Embedded ---------------------------------------------------------------------


def prepare_embedded(data_dir: Path) -> str:
    """A data folder with the load and probe indicators; returns a system token."""
    from services.embedded import EmbeddedSystem
    from shared.settings import Settings

    system = EmbeddedSystem(Settings(data_dir=data_dir))
    try:
        writer = synth.LogWriter(system.engine)
        synth.write_framework(writer, INDICATORS, synth.PLAN_START)
        synth.write_indicator(writer, PROBE_INDEX, synth.PLAN_START)
        writer.flush()
        system.catch_up()
        return system.tokens.create("system", "bench freshness")
    finally:
        system.engine.dispose()


async def _embedded(
    base: str, token: str, rate: int, seconds: float, drain: float
) -> tuple[Outcome, list[float]]:
    headers = {"Authorization": f"Bearer {token}"}
    hello: list[float] = []
    stop_hello = asyncio.Event()
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def send(batch: list[dict[str, Any]]) -> None:
            response = await client.post(
                "/api/v1/laa-results", json=batch, headers=headers
            )
            response.raise_for_status()
            if response.json()["accepted"] != len(batch):
                raise AssertionError(f"not all accepted: {response.text[:500]}")

        async def ping() -> None:
            async with httpx.AsyncClient(base_url=base, timeout=60) as own:
                while not stop_hello.is_set():
                    sent = time.perf_counter()
                    await own.get(HELLO)
                    hello.append((time.perf_counter() - sent) * 1000)
                    await asyncio.sleep(0.05)

        pinger = asyncio.create_task(ping())
        try:
            ours = await drive(
                send,
                framework_watcher(base),
                rate,
                seconds,
                drain,
                tag="E",
                batch=EMBEDDED_BATCH,
            )
        finally:
            stop_hello.set()
            await pinger
    return ours, hello


def measure_embedded(
    workdir: Path, rate: int, seconds: float, drain: float
) -> list[Result]:
    """Freshness in embedded mode, on a server of its own."""
    token = prepare_embedded(workdir / "data")
    with embedded_server(workdir / "data", workdir / "server.log") as (base, _p):
        ours, hello = asyncio.run(_embedded(base, token, rate, seconds, drain))
    return _results(
        "embedded",
        ours,
        hello,
        f"GET {HELLO} round trip, same server, same load",
        rate,
        "batches of 10 by POST /api/v1/laa-results; the followers catch up "
        "before the POST answers, so this is a read under write load",
    )


# Kafka --------------------------------------------------------------------------


async def _kafka_send_factory(
    bootstrap: str, topic: str
) -> tuple[Send, Callable[[], Awaitable[None]]]:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()

    async def send(batch: list[dict[str, Any]]) -> None:
        futures = [
            await producer.send(
                topic, json.dumps(m).encode(), key=m["indicator_code"].encode()
            )
            for m in batch
        ]
        await asyncio.gather(*futures)

    return send, producer.stop


def raw_watcher(bootstrap: str, ready: asyncio.Event) -> Watch:
    """A watch that is a raw aiokafka consumer of :data:`RAW_TOPIC`."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def watch(probes: Probes, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False
        )
        await consumer.start()
        try:
            parts = [TopicPartition(RAW_TOPIC, p) for p in range(RAW_PARTITIONS)]
            consumer.assign(parts)
            await consumer.seek_to_end(*parts)
            for tp in parts:
                await consumer.position(tp)
            ready.set()
            while not stop.is_set():
                found = await consumer.getmany(timeout_ms=50)
                now = time.perf_counter()
                for messages in found.values():
                    for m in messages:
                        k = probe_number(json.loads(m.value).get("result_id"))
                        if k >= 0:
                            probes.consumed.setdefault(k, now)
        finally:
            await consumer.stop()

    return watch


def _create_raw_topic(bootstrap: str) -> None:
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench")
    try:
        admin.create_topics(
            [NewTopic(RAW_TOPIC, num_partitions=RAW_PARTITIONS, replication_factor=1)],
            wait_for_metadata=True,
        )
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()


async def _kafka(
    bootstrap: str, reporting: str, rate: int, seconds: float, drain: float
) -> tuple[Outcome, Outcome]:
    send, close = await _kafka_send_factory(bootstrap, "laa.results")
    try:
        ours = await drive(
            send,
            framework_watcher(reporting),
            rate,
            seconds,
            drain,
            tag="K",
            batch=KAFKA_BATCH,
        )
    finally:
        await close()
    ready = asyncio.Event()
    send_raw, close_raw = await _kafka_send_factory(bootstrap, RAW_TOPIC)
    try:
        raw = await drive(
            send_raw,
            raw_watcher(bootstrap, ready),
            rate,
            seconds,
            drain=60,
            tag="R",
            batch=KAFKA_BATCH,
            ready=ready,
            from_send=True,
        )
    finally:
        await close_raw()
    return ours, raw


def measure_kafka(
    ctx: Context, rate: int, seconds: float, drain: float
) -> list[Result]:
    """Freshness on the distributed system (Kafka, PostgreSQL, four services)."""
    from bench.stack import shared_stack

    stack = shared_stack(ctx)
    stack.register_indicators(INDICATORS)
    stack.register_indicator(PROBE_INDEX)
    _create_raw_topic(stack.bootstrap)
    ours, raw = asyncio.run(
        _kafka(stack.bootstrap, stack.url("reporting"), rate, seconds, drain)
    )
    return _results(
        "Kafka",
        ours,
        raw.latencies_ms,
        "raw aiokafka consumer, from send to arrival, same broker and rate",
        rate,
        "laa.results -> returns -> assessment -> reporting, GET /api/v1/framework",
    )


def run(ctx: Context) -> list[Result]:
    """Freshness in both modes (Kafka unless --no-kafka)."""
    rate = ctx.size("freshness_rate", quick=1_000, full=1_000)
    seconds = ctx.size("freshness_seconds", quick=3, full=20)
    drain = ctx.size("freshness_drain", quick=120, full=900)
    log(f"{NAME}: {rate:,} results/s offered for {seconds} s")
    results = measure_embedded(ctx.scratch(NAME), rate, seconds, drain)
    if ctx.kafka:
        results += measure_kafka(ctx, rate, seconds, drain)
    return results
