"""Memory: peak RSS of ``pmf run`` with the demo, and of the assessment service
holding many indicators.

* ``pmf run --demo-if-empty`` on an empty folder loads the demo and serves;
  after a few typical reads its peak RSS (VmHWM) is compared with a bare
  FastAPI hello-world on uvicorn in the same interpreter.
* The assessment service's work (see :mod:`bench.memory_child`) is run in a
  fresh process on a store holding K indicators (100,000 in full mode), and
  compared with the same on 1,000 indicators: a ratio near 1 means memory
  does not grow with the framework.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import synth
from bench.harness import Context, Result, Stopwatch, log, peak_rss_mib
from bench.procs import bench_child, create_token, embedded_server, free_port, pmf
from services.assessment.facts import FrameworkSettings
from services.assessment.policy import assessment_policy
from services.assessment.state import dumps, fact_key, moment_of
from services.assessment.tables import answers, definitions, indicator_facts
from services.assessment.timeline import CURRENT, answer
from services.returns.handlers import returns_stream
from shared.events.definitions import INDICATOR_EVENT_TYPES, apply_definition_event
from shared.eventstore import tracking
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore

NAME = "memory"
TARGET = "< 250 MiB, and flat while the stream passes"
STREAM_BATCH = 500
READS = (
    "/api/v1/framework",
    "/api/v1/framework?as_of=2009-06-30",
    "/api/v1/indicators?include_retired=true",
    "/api/v1/indicators/NI%2050/history",
    "/api/v1/assessments",
    "/api/v1/rounds",
    "/metrics",
)


def _exercise(base: str, paths: tuple[str, ...], times: int = 3) -> int:
    ok = 0
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(times):
            for path in paths:
                ok += client.get(path).status_code == 200
    return ok


def rss_mib(pid: int) -> float:
    """Resident set size (VmRSS) of a process now, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def stream_results(base: str, token: str, n: int, pid: int) -> tuple[int, list[float]]:
    """Post ``n`` LAA results for the demo's LAA indicators in batches; returns
    how many were accepted and the RSS after each tenth of the stream."""
    headers = {"Authorization": f"Bearer {token}"}
    samples: list[float] = []
    accepted = 0
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        laa = client.get("/api/v1/indicators", params={"laa": "true"}).json()
        codes = [i["code"] for i in laa if i["measurable"]] or ["NI 50"]
        tenth = max(1, n // 10)
        for start in range(0, n, STREAM_BATCH):
            batch = []
            for k in range(start, min(n, start + STREAM_BATCH)):
                message = synth.laa_message(k, len(codes), "M")
                message["indicator_code"] = codes[k % len(codes)]
                batch.append(message)
            answer = client.post("/api/v1/laa-results", json=batch)
            answer.raise_for_status()
            accepted += answer.json()["accepted"]
            if (start + len(batch)) // tenth > len(samples):
                samples.append(rss_mib(pid))
    return accepted, samples


def pmf_run_peak(workdir: Path, stream: int = 0) -> tuple[float, int, int, list[float]]:
    """Peak RSS (MiB) of ``pmf run --demo-if-empty`` after typical reads and
    ``stream`` LAA results; also the reads that answered 200, the results
    accepted and the RSS after each tenth of the stream."""
    port = free_port()
    data = workdir / "pmf-run-data"
    proc = pmf(
        ["run", "--demo-if-empty", "--data-dir", str(data), "--port", str(port)],
        workdir / "pmf-run.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{base}/healthz", timeout=300)
        ok = _exercise(base, READS)
        accepted, samples = 0, []
        if stream:
            token = create_token("system", {}, "--data-dir", str(data))
            accepted, samples = stream_results(base, token, stream, proc.pid)
            ok += _exercise(base, READS, times=1)
        return peak_rss_mib(proc.pid), ok, accepted, samples
    finally:
        proc.stop()


def hello_peak(workdir: Path) -> float:
    """Peak RSS (MiB) of a bare FastAPI hello-world on uvicorn."""
    with embedded_server(None, workdir / "hello.log") as (base, proc):
        _exercise(base, ("/bench/hello",))
        return peak_rss_mib(proc.pid)


def prepare_assessment(data_dir: Path, indicators: int, tail: int) -> None:
    """A store whose assessment already holds ``indicators``, then ``tail`` results.

    The assessment's rows are written directly, with the product's own pure
    ``answer`` (what catching up on the registrations would have stored);
    the tail is left for the child process to apply for real.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{data_dir / 'pmf.sqlite3'}")
    try:
        EventStore(engine).create_schema()
        assessment_policy().create_schema(engine)
        writer = synth.LogWriter(engine)
        synth.write_framework(writer, indicators, synth.PLAN_START)
        writer.flush()
        settings = FrameworkSettings()
        store = EventStore(engine)
        indicator_rows, definition_rows, answer_rows = [], [], []
        now: dict[str, Any] = {}
        last: dict[str, str] = {}
        position = 0
        while page := store.read_all(position, 10_000):
            position = page[-1].position or position
            for e in page:
                if e.type not in INDICATOR_EVENT_TYPES:
                    continue
                code = e.data["code"]
                now[code] = apply_definition_event(now.get(code), e.type, e.data)
                definition_rows.append(
                    {"code": code, "key": fact_key(e), "definition": dumps(now[code])}
                )
                last[code] = moment_of(e)
        for code, definition in now.items():
            data = answer(definition, [], settings, None, False, None)
            at = last[code]
            indicator_rows.append(
                {
                    "code": code,
                    "definition": dumps(definition),
                    "assessment": dumps({**data, "facts_at": at}),
                }
            )
            answer_rows.append(
                {"code": code, "series": CURRENT, "at": at, "data": dumps(data)}
            )
        with engine.begin() as conn:
            conn.execute(indicator_facts.insert(), indicator_rows)
            conn.execute(definitions.insert(), definition_rows)
            conn.execute(answers.insert(), answer_rows)
            tracking.set_position(conn, "assessment", writer.written)
        start = synth.PLAN_START + timedelta(days=100)
        for code, at, event in synth.result_events(
            tail, indicators, timedelta(minutes=1), start
        ):
            writer.add(returns_stream(code), event, at)
        writer.flush()
    finally:
        engine.dispose()


def assessment_peaks(workdir: Path, indicators: int, tail: int) -> dict[str, Any]:
    """Run :mod:`bench.memory_child` on a prepared store; its report."""
    data = workdir / f"assessment-{indicators}"
    with Stopwatch() as sw:
        prepare_assessment(data, indicators, tail)
    log(f"{NAME}: prepared {indicators:,} indicators in {sw.seconds:.0f} s")
    child = bench_child(
        "memory_child", ["--data-dir", str(data)], workdir / f"child-{indicators}.log"
    )
    try:
        code = child.proc.wait(timeout=1800)
    finally:
        child.stop()
    if code != 0:
        raise RuntimeError(f"memory_child failed ({code}):\n{child.tail()}")
    report: dict[str, Any] = json.loads(child.log.read_text().strip().splitlines()[-1])
    if report["listed"] != indicators:
        raise AssertionError(f"listed {report['listed']} of {indicators}")
    return report


def measure(
    workdir: Path, indicators: int, small: int, tail: int, stream: int = 0
) -> list[Result]:
    """Both memory figures."""
    ours, reads, accepted, samples = pmf_run_peak(workdir, stream)
    hello = hello_peak(workdir)
    big = assessment_peaks(workdir, indicators, tail)
    base = assessment_peaks(workdir, small, tail)
    flat = len(samples) < 2 or samples[-1] <= samples[0] * 1.10
    trend = (
        "; RSS after each tenth of the stream: "
        + ", ".join(f"{v:.0f}" for v in samples)
        + " MiB"
        if samples
        else ""
    )
    run_result = Result(
        name=f"peak RSS, pmf run with the demo and {stream:,} streamed results",
        figure=ours,
        baseline=hello,
        units="MiB",
        baseline_name="FastAPI hello-world on uvicorn",
        higher_is_better=False,
        notes=f"loads the demo, {reads} GETs of {len(READS)} routes, "
        f"{accepted:,} of {stream:,} LAA results accepted in batches of "
        f"{STREAM_BATCH}{trend}",
    ).against(TARGET, ours < 250 and flat and accepted == stream)
    return [
        run_result,
        Result(
            name=f"peak RSS, assessment holding {indicators:,} indicators",
            figure=big["peaks"]["listed"],
            baseline=base["peaks"]["listed"],
            units="MiB",
            baseline_name=f"same, {small:,} indicators",
            higher_is_better=False,
            notes=f"catch up on {tail:,} results then GET /api/v1/assessments; "
            f"peak after catch-up alone {big['peaks']['caught_up']:.0f} vs "
            f"{base['peaks']['caught_up']:.0f} MiB; imports "
            f"{big['peaks']['imported']:.0f} MiB",
        ),
    ]


def run(ctx: Context) -> list[Result]:
    """The memory benchmark at the run's sizes."""
    indicators = ctx.size("memory_indicators", quick=5_000, full=100_000)
    small = ctx.size("memory_indicators_baseline", quick=500, full=1_000)
    tail = ctx.size("memory_tail", quick=200, full=1_000)
    stream = ctx.size("memory_stream", quick=2_000, full=200_000)
    log(
        f"{NAME}: pmf run with the demo and {stream:,} streamed results; "
        f"assessment with {indicators:,} indicators"
    )
    return measure(ctx.scratch(NAME), indicators, small, tail, stream)
