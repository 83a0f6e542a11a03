"""The same scenario through both modes gives the same framework."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Distributed
from tests.contract import scenario
from tests.support.postgres import free_port
from tests.support.processes import Process, role_tokens, without_timestamps

pytestmark = [pytest.mark.contract, pytest.mark.e2e]


@pytest.fixture
def embedded_url(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    proc = Process(
        ["run", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        {},
        tmp_path / "pmf.log",
    )
    try:
        proc.wait_http(f"http://127.0.0.1:{port}/healthz")
        tokens = role_tokens(None, "--data-dir", str(tmp_path / "data"))
        yield f"http://127.0.0.1:{port}", tokens
    finally:
        proc.stop()


def test_embedded_and_distributed_answer_the_same(
    embedded_url: tuple[str, dict[str, str]], distributed: Distributed
) -> None:
    url, tokens = embedded_url
    embedded = scenario.Endpoints.single(url)
    spread = scenario.Endpoints(
        indicators=distributed.url("indicators"),
        returns=distributed.url("returns"),
        assessment=distributed.url("assessment"),
        reporting=distributed.url("reporting"),
    )
    assert scenario.run(embedded, tokens) == scenario.run(spread, distributed.tokens)
    one = scenario.settled_framework(embedded, timeout=5)
    other = scenario.settled_framework(spread, timeout=120)
    assert without_timestamps(other) == without_timestamps(one)
    # the groups and gaps are read from the same results in both modes
    gaps = [scenario.equalities(ep) for ep in (embedded, spread)]
    assert gaps[0] == gaps[1]
    assert gaps[0]["indicators_with_breakdowns"] == 2
    assert [(g["code"], g["group"]) for g in gaps[0]["gaps"]] == [
        ("NI 112", "looked_after"),
        ("NI 50", "male"),
    ]
