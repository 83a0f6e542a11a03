"""The render entry point, and the JSON format."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.reporting.reports import FORMATS, MEDIA_TYPES, file_name, render

from .conftest import Rendered
from .reading import json_data
from .snapshots import snapshot


def test_every_format_has_a_media_type() -> None:
    assert set(MEDIA_TYPES) == set(FORMATS)
    assert MEDIA_TYPES["pdf"] == "application/pdf"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report format 'odt'"):
        render(snapshot("board"), "odt")


def test_a_download_name_says_kind_and_round() -> None:
    assert file_name(snapshot("board"), "pdf") == "board-2009-H2.pdf"


@pytest.mark.parametrize("fmt", ["json", "html", "docx", "xlsx"])
def test_rendering_leaves_the_snapshot_as_it_was(fmt: str) -> None:
    given = snapshot("board")
    before = copy.deepcopy(given)
    render(given, fmt)
    assert given == before


def indicator(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["code"] == code)


def test_json_is_the_snapshot_with_small_counts_suppressed(rendered: Rendered) -> None:
    data = json_data(rendered("board", "json"))
    excluded = indicator(data, "LOCAL 02")
    assert excluded["latest_result"]["value"] == "c"
    assert excluded["latest_result"]["breakdowns"] == {"Boys": "c", "Girls": "c"}
    assert [r["value"] for r in excluded["results"]] == [8.0, 7.0, "c"]
    assert excluded["target"]["value"] == "c"
    assert excluded["projection"] == "c"
    assert excluded["status_explanation"].startswith("Projected c at March 2011")
    assert (
        "latest result c differs from the previous 7"
        in (excluded["flags"][0]["explanation"])
    )
    casualties = indicator(data, "NI 48")["latest_result"]["breakdowns"]
    assert casualties == {"Car passengers": 9, "Cyclists": "c", "Pedestrians": 14}
    assert indicator(data, "NI 55")["latest_result"]["value"] == 10.1
    assert data["suppression"]["threshold"] == 5


def test_json_keeps_the_snapshot_otherwise(rendered: Rendered) -> None:
    data = json_data(rendered("board", "json"))
    original = snapshot("board")
    assert data["highlights"] == original["highlights"]
    assert data["actions"] == original["actions"]
    assert (
        data["challenges"][0]["indicator_code"]
        == original["challenges"][0]["indicator_code"]
    )
    text = rendered("board", "json").decode()
    assert text.index('"actions"') < text.index('"as_of"') < text.index('"challenges"')


def test_an_empty_round_renders_in_every_format() -> None:
    """No indicators, flags, highlights or actions yet: every paper still says so."""
    empty = {
        **snapshot("board"),
        "framework_version": None,
        "settings": {"rag_mode": "red_green"},
        "counts": {"GREEN": 0, "AMBER": 0, "RED": 0, "GREY": 0},
        "indicators": [],
        "highlights": {
            "areas_of_concern": [],
            "very_good_performance": [],
            "significantly_improved": [],
        },
        "challenges": [],
        "actions": [],
    }
    for kind in ("executive", "board"):
        for fmt in FORMATS:
            assert render({**empty, "kind": kind}, fmt)
    html = render(empty, "html").decode()
    assert "No indicator is off target." in html
    assert "No corrective action is open." in html
    assert "Amber" not in html
