"""Comparator figures: a file imported, then England, region and neighbours in
the indicator's comparison and the framework view."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from services.cli import app
from services.embedded import EmbeddedSystem
from services.replay import replay_read_models
from services.reporting.comparator_queries import current_figures
from shared.settings import Settings
from tests.integration.conftest import Api, at, indicator

NEIGHBOURS = ["E10000001", "E10000002", "E10000003", "E10000004"]

LAIT_CSV = """Illustrative comparator figures (not real data)
Downloaded from LAIT,,,,
Area code,LA name,Comparator type,Time period,Data value
E92000001,England,England,2007/08,60.0
E92000001,England,England,2008/09,61.0
E12000001,North East,Region,2008/09,59.5
E10000001,Neighbour One,Statistical neighbour,2008/09,70%
E10000002,Neighbour Two,Statistical neighbour,2008/09,65
E10000003,Neighbour Three,Statistical neighbour,2008/09,x
E10000004,Neighbour Four,Statistical neighbour,2008/09,50
E10000009,Some Other Council,,2008/09,40
"""


def _setup(api: Api) -> None:
    api.post("/api/v1/indicators", indicator("NI 50"), headers=at("2008-06-01"))
    api.put(
        "/api/v1/framework/settings",
        {
            "area_code": "E10000099",
            "region_code": "E12000001",
            "statistical_neighbours": NEIGHBOURS,
        },
    )
    for period, value in (("2008-03-31", 58.0), ("2009-03-31", 55.0)):
        api.post(
            "/api/v1/returns",
            {"indicator_code": "NI 50", "period_end": period, "value": value},
        )


def _import(api: Api, body: bytes, expect: int = 201, **params: str) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.call(
        "POST",
        f"/api/v1/comparators/import?filename=lait.csv&indicator=NI%2050&{query}",
        expect=expect,
        content=body,
        headers={"Content-Type": "text/csv"},
    )


def test_an_imported_file_gives_the_comparison_and_the_framework_shows_it(
    api: Api,
) -> None:
    _setup(api)
    dry = _import(api, LAIT_CSV.encode(), expect=200, dry_run="true")
    assert dry["applied"] is False and dry["counts"]["figures"] == 7
    assert any("suppressed" in n for n in dry["notes"])
    assert api.get("/api/v1/indicators/NI%2050/comparators")["figures"] == []

    loaded = _import(api, LAIT_CSV.encode(), source="LAIT", published="2009-12-01")
    assert loaded["applied"] is True

    answer = api.get("/api/v1/indicators/NI%2050/comparators")
    c = answer["comparison"]
    assert c["period_end"] == "2009-03-31"
    assert (c["council"], c["england"], c["region"]) == (55.0, 61.0, 59.5)
    assert c["neighbour_average"] == (70 + 65 + 50) / 3
    assert (c["rank"], c["ranked"], c["quartile"]) == (3, 4, 3)
    # the file also holds a council beyond the neighbours: ranked among all
    assert (c["rank_all"], c["ranked_all"], c["quartile_all"]) == (3, 5, 3)
    assert c["gap_to_england"] == -6.0
    assert c["previous_period_end"] == "2008-03-31"
    assert c["gap_direction"] == "widening"  # 2 points behind, now 6
    assert [f["code"] for f in c["flags"]] == ["BELOW_ENGLAND_WIDENING"]

    framework = api.get("/api/v1/framework")
    entry = framework["indicators"][0]
    assert entry["comparison"]["england"] == 61.0
    assert entry["status"] != "GREY" or entry["flags"] is not None  # RAG untouched
    assert all(f["code"] != "BELOW_ENGLAND_WIDENING" for f in entry["flags"])

    page = api.client.get("/indicators/NI%2050").text
    assert "Compared with England and neighbours" in page
    assert "Rank among all councils" in page
    assert "worse than England by 6" in page
    assert "the gap is widening since 31 Mar 2008" in page
    assert "Below England and widening" in page
    assert 'class="chart__comparator chart__comparator--england"' in page
    assert "England: 60% at 31 Mar 2008; 61% at 31 Mar 2009." in page
    table = api.client.get("/").text
    assert '<th scope="col" class="numeric">Neighbours</th>' in table
    assert "rank 3 of 4" in table


def test_a_later_file_supersedes_and_as_of_shows_the_figure_then(api: Api) -> None:
    _setup(api)
    api.post(
        "/api/v1/comparators",
        {
            "source": "DfE first release",
            "rows": [
                {
                    "area_code": "E92000001",
                    "area_type": "england",
                    "indicator_code": "NI 50",
                    "period_end": "2009-03-31",
                    "value": 61.0,
                }
            ],
        },
        headers=at("2009-10-01"),
    )
    revised = api.post(
        "/api/v1/comparators",
        {
            "source": "DfE revised",
            "rows": [
                {
                    "area_code": "E92000001",
                    "area_type": "england",
                    "indicator_code": "NI 50",
                    "period_end": "2009-03-31",
                    "value": 62.5,
                }
            ],
        },
        headers=at("2010-01-15"),
    )
    assert revised["counts"]["superseding"] == 1
    now = api.get("/api/v1/indicators/NI%2050/comparators")
    assert now["comparison"]["england"] == 62.5
    then = api.get("/api/v1/indicators/NI%2050/comparators?as_of=2009-12-31")
    assert then["comparison"]["england"] == 61.0
    old = api.get("/api/v1/framework?as_of=2009-12-31")["indicators"][0]
    assert old["comparison"]["england"] == 61.0


def test_an_xlsx_wide_sheet_is_read_one_column_a_year(api: Api) -> None:
    _setup(api)
    book = Workbook()
    sheet = book.active
    sheet.append(["Illustrative LAIT-style sheet"])
    sheet.append(["LA code", "LA name", "2007-08", "2008-09"])
    sheet.append(["E92000001", "England", 60, 61])
    sheet.append(["E10000001", "Neighbour One", 66, 67])
    out = io.BytesIO()
    book.save(out)
    loaded = api.call(
        "POST",
        "/api/v1/comparators/import?filename=lait.xlsx&indicator=NI%2050",
        content=out.getvalue(),
        headers={
            "Content-Type": (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        },
    )
    assert loaded["counts"]["figures"] == 4
    c = api.get("/api/v1/indicators/NI%2050/comparators")["comparison"]
    assert (c["england"], c["rank"], c["ranked"]) == (61.0, 2, 2)


def test_a_file_with_bad_rows_is_refused_with_row_numbers_and_loads_nothing(
    api: Api,
) -> None:
    _setup(api)
    bad = LAIT_CSV.replace("2008/09,65", "2008/09,sixty").replace(
        "E12000001,North East,Region", "E12000001,North East,Planet"
    )
    problem = _import(api, bad.encode(), expect=422)
    assert problem["status"] == 422
    rows = {(e["row"], e["column"]) for e in problem["errors"]}
    assert rows == {(6, "area_type"), (8, "value")}
    assert "nothing was loaded" in problem["detail"]
    assert api.get("/api/v1/indicators/NI%2050/comparators")["figures"] == []
    assert api.call(
        "POST",
        "/api/v1/comparators/import",
        expect=422,
        content=b"x",
        headers={"Content-Type": "application/pdf"},
    )["detail"].startswith("Send a CSV")
    api.call("GET", "/api/v1/indicators/NOPE/comparators", expect=404)


def test_only_admins_load_figures(api: Api) -> None:
    _setup(api)
    api.call(
        "POST",
        "/api/v1/comparators/import?filename=a.csv&indicator=NI%2050",
        expect=403,
        role="viewer",
        content=LAIT_CSV.encode(),
        headers={"Content-Type": "text/csv"},
    )


def pmf(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_pmf_comparators_import_checks_then_loads_and_replay_keeps_them(
    tmp_path: Path,
) -> None:
    data = tmp_path / "cli"
    file = tmp_path / "lait.csv"
    file.write_text(LAIT_CSV)
    args = ("comparators", "import", file, "--indicator", "NI 50", "--data-dir", data)
    code, out = pmf(*args, "--dry-run")
    assert code == 0, out
    assert "7 figures for 1 indicator and 6 areas" in out
    assert "dry run, nothing was loaded" in out
    code, out = pmf(*args, "--published", "01/12/2009")
    assert code == 0, out
    assert "(loaded)" in out
    code, out = pmf(*args)
    assert "7 superseding earlier figures" in out

    bad = tmp_path / "bad.csv"
    bad.write_text(LAIT_CSV.replace("2008/09,65", "2008/09,sixty"))
    code, out = pmf(
        "comparators", "import", bad, "--indicator", "NI 50", "--data-dir", data
    )
    assert code == 1
    assert "row 8, value: 'sixty' is not a number" in out

    system = EmbeddedSystem(Settings(data_dir=data))
    with system.engine.connect() as conn:
        before = current_figures(conn)
    assert len(before["NI 50"]) == 7
    replay_read_models(system.store, system.engine)
    with system.engine.connect() as conn:
        assert current_figures(conn) == before


def test_the_papers_compare_with_england_and_neighbours(api: Api) -> None:
    _setup(api)
    _import(api, LAIT_CSV.encode(), source="LAIT")
    api.post(
        "/api/v1/rounds",
        {
            "id": "2008-H2",
            "period_end": "2009-03-31",
            "requested": "2009-04-01",
            "deadline": "2009-04-30",
        },
    )
    api.post("/api/v1/rounds/2008-H2/close")
    executive = api.client.get(
        "/api/v1/reports/2008-H2/executive?format=html",
        headers={"Authorization": f"Bearer {api.token('admin')}"},
    ).text
    assert "Compared with England and neighbours" in executive
    assert "6 percentage points worse than England, and the gap widened" in executive
    assert "3rd of 4 with its statistical neighbours (quartile 3" in executive
    board = api.get("/api/v1/reports/2008-H2/board")
    xlsx = api.client.get(
        "/api/v1/reports/2008-H2/executive?format=xlsx",
        headers={"Authorization": f"Bearer {api.token('admin')}"},
    )
    sheet = load_workbook(io.BytesIO(xlsx.content))["Comparators"]
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    found = dict(zip(header, row, strict=True))
    assert (found["Code"], found["Council"], found["England"]) == ("NI 50", 55, 61)
    assert (found["Rank among neighbours"], found["Quartile (1 best)"]) == (3, 3)
    assert found["For information"] == "Below England and widening"
    compared = board["indicators"][0]["comparison"]
    assert (compared["period_end"], compared["england"]) == ("2009-03-31", 61.0)
    board_html = api.client.get(
        "/api/v1/reports/2008-H2/board?format=html",
        headers={"Authorization": f"Bearer {api.token('admin')}"},
    ).text
    assert "Compared with England and similar councils" in board_html
    assert "the gap to England is widening on NI 50" in board_html
