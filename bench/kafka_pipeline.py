"""Kafka mode: N LAA results produced onto ``laa.results`` and timed through
returns, assessment and reporting until reporting's read model holds them all,
against a raw aiokafka consumer reading and JSON-decoding the same messages.

Runs on the distributed system (real Kafka broker, PostgreSQL, the four
services as ``pmf serve`` processes). The clock starts at the first send and
stops when ``rm_timeline`` in the reporting database holds every result.
"""

from __future__ import annotations

import asyncio
import json
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench import synth
from bench.harness import Context, Result, Stopwatch, log
from bench.sampling import sampled, summarise
from bench.stack import DistributedStack, shared_stack

NAME = "kafka_pipeline"
TARGET = ">= 3,000 results/s and >= 5% of raw aiokafka"
SAMPLED = ("returns", "assessment", "reporting")
TOPIC = "laa.results"


def end_offsets(bootstrap: str) -> dict[int, int]:
    """The end offset of each partition of :data:`TOPIC` now."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)]
        return {tp.partition: off for tp, off in consumer.end_offsets(parts).items()}
    finally:
        consumer.close()


async def raw_consume(bootstrap: str, start: dict[int, int], n: int) -> float:
    """Seconds for a raw aiokafka consumer to read and decode ``n`` messages
    from offsets ``start`` (connecting included)."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka import TopicPartition as Part

    with Stopwatch() as sw:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False
        )
        await consumer.start()
        try:
            parts = [Part(TOPIC, p) for p in start]
            consumer.assign(parts)
            for tp in parts:
                consumer.seek(tp, start[tp.partition])
            got = 0
            while got < n:
                batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
                for messages in batches.values():
                    for m in messages:
                        json.loads(m.value)
                        got += 1
        finally:
            await consumer.stop()
    return sw.seconds


def measure(stack: DistributedStack, n: int, indicators: int, tag: str = "P") -> Result:
    """Produce ``n`` results and time them into reporting's read model."""
    with Stopwatch() as setup:
        stack.register_indicators(indicators)
    log(f"{NAME}: registered {indicators} indicators in {setup.seconds:.0f} s")
    mark = stack.timeline_mark()
    start = end_offsets(stack.bootstrap)
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", linger_ms=5)
    began = time.perf_counter()
    try:
        for k in range(n):
            m = synth.laa_message(k, indicators, tag)
            producer.send(
                TOPIC, key=m["indicator_code"].encode(), value=json.dumps(m).encode()
            )
        producer.flush(timeout=120)
    finally:
        producer.close(timeout=10)
    produced = time.perf_counter() - began
    finished = stack.wait_new_results(mark, n, timeout=max(600.0, n / 20), poll=0.1)
    ours = finished - began
    accepted = stack.count(
        "returns",
        f"select count(*) from ret_laa_ids where result_id like 'BENCH-{tag}-%'",
    )
    raw = asyncio.run(raw_consume(stack.bootstrap, start, n))
    result = Result(
        name=f"Kafka pipeline (N={n:,})",
        figure=n / ours,
        baseline=n / raw,
        units="results/s",
        baseline_name="raw aiokafka consume + json.loads",
        notes=f"{indicators:,} indicators; {accepted:,} accepted by returns; "
        f"producing took {produced:.1f} s, all in the read model after "
        f"{ours:.1f} s",
    )
    return result.against(TARGET, result.figure >= 3_000 and result.ratio >= 0.05)


def produce(stack: DistributedStack, n: int, indicators: int, tag: str) -> None:
    """Send ``n`` results and wait until reporting holds them (untimed)."""
    mark = stack.timeline_mark()
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", linger_ms=5)
    try:
        for k in range(n):
            m = synth.laa_message(k, indicators, tag)
            producer.send(
                TOPIC, key=m["indicator_code"].encode(), value=json.dumps(m).encode()
            )
        producer.flush(timeout=120)
    finally:
        producer.close(timeout=10)
    stack.wait_new_results(mark, n, timeout=max(600.0, n / 20), poll=0.5)


def profile(stack: DistributedStack, n: int, indicators: int, ctx: Context) -> str:
    """Sample the three consuming services while ``n`` more results pass."""
    pids = {name: stack.procs[name].pid for name in SAMPLED}
    with sampled(pids, ctx.scratch(NAME + "-profile")) as files, Stopwatch() as sw:
        produce(stack, n, indicators, "Q")
    parts = [
        f"{n:,} results through laa.results -> returns -> assessment -> reporting "
        f"in {sw.seconds:,.1f} s, each service sampled by py-spy (all threads)"
    ]
    for name, path in files.items():
        text = path.read_text() if path.exists() else ""
        parts += [f"== {name}", summarise(text)]
    return "\n".join(parts)


def run(ctx: Context) -> list[Result]:
    """The Kafka pipeline benchmark (starts the distributed stack once per run)."""
    n = ctx.size(NAME, quick=2_000, full=200_000)
    indicators = ctx.size("indicators", quick=200, full=2_000)
    log(f"{NAME}: {n:,} LAA results over {indicators:,} indicators")
    stack = shared_stack(ctx)
    result = measure(stack, n, indicators)
    size = ctx.size("profile_events", quick=1_000, full=20_000)
    log(f"{NAME}: profiling {size:,} more results")
    ctx.profiles["Kafka pipeline"] = profile(stack, size, indicators, ctx)
    return [result]
