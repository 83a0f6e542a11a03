"""Papers are rendered in a bounded pool and cached; the server keeps answering.

A real ``pmf run`` with the demo loaded, one renderer and room for one more
paper to wait: a crowd of requests for different papers gets 503 with
Retry-After beyond that, while ``/healthz`` and API reads keep answering.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.postgres import free_port
from tests.support.processes import Process

pytestmark = pytest.mark.e2e
ROUND = "2009-H2"
PAPERS = [
    (kind, fmt)
    for fmt in ("pdf", "docx", "xlsx", "html")
    for kind in ("executive", "board")
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    work = tmp_path_factory.mktemp("papers")
    data = work / "data"
    data.mkdir()
    port = free_port()
    env = {"PMF_REPORT_WORKERS": "1", "PMF_REPORT_QUEUE": "1"}
    args = ["run", "--port", str(port), "--data-dir", str(data), "--demo-if-empty"]
    proc = Process(args, env, work / "pmf-run.log")
    try:
        url = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{url}/healthz", timeout=120)
        yield url, data
    finally:
        proc.stop()


def renders(url: str) -> dict[tuple[str, str], float]:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return {
        (s.labels["format"], s.labels["outcome"]): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "pmf_report_renders_total"
    }


async def crowd(url: str) -> tuple[list[httpx.Response], list[int]]:
    """Every paper at once, while /healthz and a read are asked all along."""
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        papers = [
            asyncio.create_task(
                client.get(f"/api/v1/reports/{ROUND}/{kind}", params={"format": fmt})
            )
            for kind, fmt in PAPERS
        ]
        checks = []
        while not all(p.done() for p in papers):
            # a generous bound: the point is "answers", not "is fast"
            health = await client.get("/healthz", timeout=5)
            read = await client.get("/api/v1/rounds", timeout=5)
            checks += [health.status_code, read.status_code]
            await asyncio.sleep(0.5)
        return [p.result() for p in papers], checks


def test_a_crowd_of_papers_is_bounded_and_the_server_keeps_answering(
    server: tuple[str, Path],
) -> None:
    url, data = server
    answers, checks = asyncio.run(crowd(url))
    assert checks and set(checks) == {200}, checks
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 503}, statuses
    busy = [a for a in answers if a.status_code == 503]
    served = [a for a in answers if a.status_code == 200]
    # one rendering and one waiting: the rest are told to come back
    assert len(served) >= 2 and len(busy) >= 1, statuses
    for answer in busy:
        assert answer.headers["content-type"] == "application/problem+json"
        assert int(answer.headers["retry-after"]) > 0
        assert answer.json()["status"] == 503
    pdfs = [a for a in served if a.headers["content-type"] == "application/pdf"]
    assert all(a.content.startswith(b"%PDF") for a in pdfs)
    counted = renders(url)
    refused = sum(v for (_, outcome), v in counted.items() if outcome == "refused")
    assert refused == len(busy)
    assert list((data / "papers").iterdir()), "nothing was cached"


def test_the_same_paper_again_comes_from_the_cache(server: tuple[str, Path]) -> None:
    url, _ = server
    path = f"{url}/api/v1/reports/{ROUND}/board"
    first = httpx.get(path, params={"format": "pdf"}, timeout=300)
    assert first.status_code == 200, first.text
    before = renders(url)
    again = httpx.get(path, params={"format": "pdf"}, timeout=300)
    assert again.status_code == 200
    assert again.content == first.content
    after = renders(url)
    assert after[("pdf", "cached")] == before.get(("pdf", "cached"), 0) + 1
    assert after[("pdf", "rendered")] == before[("pdf", "rendered")]
