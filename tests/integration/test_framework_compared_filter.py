"""The framework page filters on the comparison flags ("bottom quartile among
neighbours", "below England and widening"): exactly the indicators the API's
``comparison.flags`` name, and an unknown filter value narrows nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from services.web.labels import COMPARISON_FLAG_TITLES
from shared.settings import Settings
from tests.integration.conftest import Api


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedSystem:
    system = EmbeddedSystem(
        Settings(
            data_dir=tmp_path_factory.mktemp("compared") / "d", anonymous_reads=True
        )
    )
    load_demo_into(system)
    return system


def listed(page: str) -> set[str]:
    """The indicator codes the page's table links to."""
    return {m for m in re.findall(r'href="/indicators/([^"?#]+)"', page)}


def test_each_comparison_flag_filters_to_the_flagged_indicators(
    demo: EmbeddedSystem,
) -> None:
    from urllib.parse import unquote

    with TestClient(demo.app()) as client:
        api = Api(client, demo)
        framework = api.get("/api/v1/framework")["indicators"]
        everyone = {i["code"] for i in framework if not i.get("retired")}
        flagged_any = False
        for code in COMPARISON_FLAG_TITLES:
            wanted = {
                i["code"]
                for i in framework
                if not i.get("retired")
                and code
                in {f["code"] for f in (i.get("comparison") or {}).get("flags") or ()}
            }
            flagged_any = flagged_any or bool(wanted)
            page = client.get("/", params={"compared": code})
            assert page.status_code == 200
            assert {unquote(c) for c in listed(page.text)} == wanted, code
            assert f'value="{code}" selected' in page.text
        assert flagged_any, "the demo's comparator figures flag no indicator"
        page = client.get("/", params={"compared": "<script>"})
        assert page.status_code == 200
        assert {unquote(c) for c in listed(page.text)} == everyone
