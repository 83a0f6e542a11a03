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
from bench.stack import DistributedStack, shared_stack

NAME = "kafka_pipeline"
TOPIC = "laa.results"
RESULTS_SQL = "select count(*) from rm_timeline where kind = 'result'"


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


def measure(stack: DistributedStack, n: int, tag: str = "P") -> Result:
    """Produce ``n`` results and time them into reporting's read model."""
    indicators = synth.indicator_count(n)
    with Stopwatch() as setup:
        stack.register_indicators(indicators)
    log(f"{NAME}: registered {indicators} indicators in {setup.seconds:.0f} s")
    before = stack.count("reporting", RESULTS_SQL)
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
    finished = stack.wait_count(
        "reporting", RESULTS_SQL, before + n, timeout=max(600.0, n / 20), poll=0.25
    )
    ours = finished - began
    accepted = stack.count(
        "returns",
        f"select count(*) from ret_laa_ids where result_id like 'BENCH-{tag}-%'",
    )
    raw = asyncio.run(raw_consume(stack.bootstrap, start, n))
    return Result(
        name=f"Kafka pipeline (N={n:,})",
        figure=n / ours,
        baseline=n / raw,
        units="results/s",
        baseline_name="raw aiokafka consume + json.loads",
        notes=f"{indicators} indicators; {accepted:,} accepted by returns; "
        f"producing took {produced:.1f} s, all in the read model after "
        f"{ours:.1f} s",
    )


def run(ctx: Context) -> list[Result]:
    """The Kafka pipeline benchmark (starts the distributed stack once per run)."""
    n = ctx.size(NAME, quick=2_000, full=200_000)
    log(f"{NAME}: {n:,} LAA results")
    return [measure(shared_stack(ctx), n)]
