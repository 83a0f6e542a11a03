"""The scenario through ``pmf run`` (embedded mode) as a user would start it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract import scenario
from tests.support.postgres import free_port
from tests.support.processes import Process, role_tokens

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    work = tmp_path_factory.mktemp("embedded")
    port = free_port()
    proc = Process(
        ["run", "--port", str(port), "--data-dir", str(work / "data")],
        {},
        work / "pmf.log",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_http(f"{url}/healthz")
        tokens = role_tokens(None, "--data-dir", str(work / "data"))
        yield url, proc, work, tokens
    finally:
        proc.stop()


def test_the_scenario_gives_the_expected_framework(embedded: Any) -> None:
    url, _proc, _work, tokens = embedded
    ep = scenario.Endpoints.single(url)
    outcome = scenario.run(ep, tokens)
    assert (
        outcome["accepted"] == 3
        and outcome["duplicate"] == 1
        and outcome["rejected"] == 2
    )
    fw = scenario.settled_framework(ep, timeout=5)
    by_code = {i["code"]: i for i in fw["indicators"]}
    assert by_code["NI 50"]["latest_result"]["commentary"] is None
    assert by_code["NI 112"]["flags"] == [] or all(
        f["code"] != "NO_PREDICTION" for f in by_code["NI 112"]["flags"]
    )
    assert "no target" in by_code["LOCAL 01"]["status_explanation"].lower()


def test_restarting_the_process_keeps_everything(embedded: Any, tmp_path: Path) -> None:
    url, proc, work, _tokens = embedded
    before = scenario.framework(scenario.Endpoints.single(url))
    proc.stop()
    port = int(url.rsplit(":", 1)[1])
    again = Process(
        ["run", "--port", str(port), "--data-dir", str(work / "data")],
        {},
        tmp_path / "again.log",
    )
    try:
        again.wait_http(f"{url}/healthz")
        assert scenario.framework(scenario.Endpoints.single(url)) == before
        assert httpx.get(f"{url}/readyz").status_code == 200
    finally:
        again.stop()
