"""The benchmark harness still runs: the cheapest benchmarks at a tiny size.

These check that each produces a result with positive figures; they assert
nothing about speed (performance is measured by ``python -m bench``, never
asserted in a test).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import as_of, embedded_returns, http, load, memory, replay, sampling
from bench.__main__ import BENCHES, parse
from bench.freshness import Probes, probe_message, probe_number
from bench.harness import Result, append_results, machine, percentile, render


def _positive(result: Result) -> None:
    assert result.figure > 0, result
    assert result.baseline > 0, result
    assert math.isfinite(result.ratio) and result.ratio > 0, result


def test_embedded_returns_measures_a_tiny_batch(tmp_path: Path) -> None:
    _positive(embedded_returns.measure(40, tmp_path))


def test_replay_measures_a_tiny_log(tmp_path: Path) -> None:
    result = replay.measure(600, tmp_path, indicators=20)
    _positive(result)
    assert "events/s" in result.units
    assert result.target is not None and result.met is not None
    text = replay.profile(300, tmp_path / "profile", indicators=20)
    assert "replay_read_models" in text and "services/replay.py" in text


def test_py_spy_samples_are_summed_into_top_functions() -> None:
    raw = (
        "<module> (/x/services/__main__.py:3);apply (/x/shared/messaging/consumers.py:9);"
        "execute (/v/lib/python3.11/site-packages/sqlalchemy/engine/base.py:1) 30\n"
        "<module> (/x/services/__main__.py:3);poll (/v/site-packages/kafka/c.py:2) 10\n"
        "garbage line\n"
    )
    text = sampling.summarise(raw)
    assert text.splitlines()[0] == "40 samples"
    assert " 75.0%  execute (sqlalchemy/engine/base.py)" in text
    assert "100.0%  <module> (services/__main__.py)" in text
    assert " 75.0%  apply (shared/messaging/consumers.py)" in text
    assert sampling.summarise("") == "no samples"


def test_as_of_stand_in_matches_the_projection_and_measures(tmp_path: Path) -> None:
    results = as_of.measure(small=400, large=1_200, workdir=tmp_path, repeat=1)
    assert len(results) == len(as_of.MOMENTS)
    for result in results:
        _positive(result)


def test_the_assessment_memory_child_reports_its_peaks(tmp_path: Path) -> None:
    report = memory.assessment_peaks(tmp_path, indicators=30, tail=20)
    assert report["listed"] == 30
    assert report["applied"] >= 20  # the tail, and the assessments it emitted
    assert all(v > 0 for v in report["peaks"].values())


def test_wrk_output_is_read() -> None:
    output = """Running 2s test @ http://127.0.0.1:1/
  1 threads and 32 connections
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.00ms
     99%    1.05s
  1234 requests in 2.00s, 1.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:    617.00
"""
    requests, seconds, p50, p99, errors = load.parse_wrk(output)
    assert (requests, seconds, errors) == (1234, 2.0, 6)
    assert p50 == pytest.approx(0.812)
    assert p99 == pytest.approx(1050.0)


def test_the_http_benchmark_fails_loudly_without_wrk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no wrk on it
    with pytest.raises(load.WrkMissing, match="needs wrk"):
        http.measure(tmp_path, tmp_path, seconds=1)
    with pytest.raises(load.WrkMissing):
        load.run("http://127.0.0.1:1/", 1, 1)


def test_probes_are_visible_from_the_first_poll_asked_after_acceptance() -> None:
    probes = Probes()
    probes.sent[0], probes.accepted[0] = 0.0, 1.0
    probes.polled(0.5, 1.5, 0)  # asked before acceptance: does not count
    probes.polled(2.0, 2.5, 0)
    assert probes.visible(0) == 2.5
    assert probes.done()
    latencies, missing = probes.latencies_ms(cutoff=9.0, from_send=False)
    assert latencies == [1500.0] and missing == 0
    assert probe_number(probe_message(7, "T")["result_id"]) == 7
    assert probe_number("BENCH-T-7") == -1


def test_a_run_section_has_the_machine_the_mode_and_the_table(tmp_path: Path) -> None:
    result = Result("x", 2.0, 4.0, "ops/s", "raw")
    section = render([result], "quick", datetime(2026, 1, 2, tzinfo=UTC), 60, machine())
    assert "2026-01-02" in section and "quick" in section
    assert "| x | 2 ops/s | 4 ops/s (raw) | 0.5 (2x worse) |  |" in section
    met = Result("y", 2.0, 4.0, "ops/s", "raw").against(">= 1 ops/s", True)
    profiled = render(
        [met],
        "quick",
        datetime(2026, 1, 2, tzinfo=UTC),
        60,
        machine(),
        (),
        {"replay": "top"},
    )
    assert "| >= 1 ops/s: met |" in profiled
    assert "Profile, replay" in profiled and "```\ntop\n```" in profiled
    out = tmp_path / "RESULTS.md"
    append_results(out, section)
    append_results(out, section)
    assert out.read_text().count("## 2026-01-02") == 2
    assert percentile([1, 2, 3, 4], 50) == 2.5


def test_the_command_line_knows_every_benchmark() -> None:
    args = parse(["--quick", "--only", "replay", "--size", "replay=1_000"])
    assert args.quick and args.only == ["replay"]
    assert dict(args.size) == {"replay": 1000}
    assert set(BENCHES) == {
        "embedded_returns",
        "embedded_laa",
        "replay",
        "as_of",
        "http",
        "memory",
        "kafka_pipeline",
        "freshness",
        "board_paper",
    }
