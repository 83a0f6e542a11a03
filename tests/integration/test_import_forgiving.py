"""A council's own workbook imports through the CLI and the HTTP route; the template;
commands that need a store refuse to make one nobody named."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from services.cli import app
from services.embedded import EmbeddedSystem
from services.indicators.spreadsheet import COLUMNS
from services.indicators.template import MEDIA_TYPE, template_workbook
from tests.integration.conftest import Api

P = "/api/v1"

# A workbook as a council keeps it: a title block, its own words, UK dates and
# percentages formatted as such (Excel keeps 62.5% as 0.625).
TITLE = ["Northshire CYPP 2008-11: performance framework"]
HEADER = [
    "Code",
    "Title",
    "Polarity",
    "Unit",
    "Frequency",
    "LAA",
    "Measurable",
    "Baseline value",
    "Baseline period end",
    "Target value",
    "Target period end",
]
ROWS: list[list[Any]] = [
    ["NI 50", "Emotional health", "Higher", "percent", "Annual", "N", "Y",
     0.6, "31/03/2008", 0.7, "31/03/2011"],
    ["NI 112", "Under 18 conceptions", "Lower is better", "rate_per_1000",
     "Quarterly", "Y", "Y", 45, "31/03/2008", 35, "31/03/2011"],
    ["NI 117", "16-18 year olds not in education, employment or training",
     "down", "percent", "Half-yearly", "yes", "yes", 0.082, "2008-03-31", 0.065,
     "2011-03-31"],
]  # fmt: skip


def council_workbook(path: Path, percent_cells: bool = True) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(TITLE)
    sheet.append(["Owner: Performance and Information Team"])
    sheet.append([])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
        for column in ("H", "J"):
            cell = sheet[f"{column}{sheet.max_row}"]
            if percent_cells and row[3] == "percent":
                cell.number_format = "0.0%"
    book.save(path)
    return path


def pmf(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def framework(system: EmbeddedSystem) -> dict[str, Any]:
    return {i.code: i for i in system.indicators.all_indicators()}


# The command line -------------------------------------------------------------------


def test_a_council_workbook_imports_with_its_own_words(tmp_path: Path) -> None:
    data = tmp_path / "data"
    book = council_workbook(tmp_path / "framework.xlsx")
    code, out = pmf("import", book, "--dry-run", "--data-dir", data)
    assert code == 0, out
    assert "3 to register" in out and "dry run, nothing was changed" in out
    # The notes say, column by column, that percentages were read as shown.
    assert "note: baseline_value: 2 cells formatted as percentages" in out
    assert "note: target_value: 2 cells formatted as percentages" in out
    assert "rows 5, 7" in out  # the file's own row numbers, below the title
    code, out = pmf("import", book, "--data-dir", data)
    assert code == 0, out
    found = framework(system_at(data))
    ni50, ni112, ni117 = found["NI 50"], found["NI 112"], found["NI 117"]
    assert (ni50.polarity, ni50.frequency, ni50.laa) == (
        "higher_is_better",
        "annual",
        False,
    )
    assert (ni112.polarity, ni112.frequency, ni112.laa) == (
        "lower_is_better",
        "quarterly",
        True,
    )
    assert ni50.baseline == {"value": 60.0, "period_end": "2008-03-31"}
    assert ni50.target["value"] == 70.0
    assert ni117.baseline == {"value": 8.2, "period_end": "2008-03-31"}
    assert ni117.target["value"] == 6.5
    assert ni112.baseline["value"] == 45.0  # not a percentage: left alone


def system_at(data: Path) -> EmbeddedSystem:
    from shared.settings import Settings

    return EmbeddedSystem(Settings(data_dir=data))


def test_fractions_in_a_csv_are_read_as_percentages_and_said_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "fractions.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for row in ROWS:
            writer.writerow(row)
    code, out = pmf("import", path, "--dry-run", "--data-dir", tmp_path / "d")
    assert code == 0, out
    assert "note: baseline_value: every value of the percent indicators" in out
    assert "(0.6 as 60)" in out and "rows 2, 4" in out


def test_an_unknown_word_names_its_row_and_column_and_changes_nothing(
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(TITLE)
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append([*ROWS[1][:2], "sideways", *ROWS[1][3:]])
    book.save(tmp_path / "bad.xlsx")
    data = tmp_path / "data"
    code, out = pmf("import", tmp_path / "bad.xlsx", "--data-dir", data)
    assert code == 1
    assert "row 4, polarity: must be one of higher_is_better" in out
    assert "not 'sideways'" in out and "nothing was changed" in out
    assert framework(system_at(data)) == {}


COMMANDS_ON_A_STORE = [
    ["import", "framework.csv", "--dry-run"],
    ["import", "framework.csv"],
    ["export", "out.csv"],
    ["gaps"],
    ["replay"],
    ["demo"],
    ["token", "list"],
    ["token", "create", "--role", "viewer"],
    ["token", "revoke", "abc"],
    ["parked", "list"],
    ["parked", "retry"],
]


@pytest.mark.parametrize("args", COMMANDS_ON_A_STORE, ids=" ".join)
def test_without_a_store_here_a_command_stops_and_makes_nothing(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PMF_DATA_DIR", "PMF_DATABASE_URL", "PMF_MODE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "framework.csv").write_text("code,title,polarity\nNI 1,One,up\n")
    before = sorted(os.listdir(tmp_path))
    code, out = pmf(*args)
    assert code == 2, out
    assert "no pmf data here" in out and "--data-dir" in out
    assert "nothing was created" in out
    assert sorted(os.listdir(tmp_path)) == before


def test_a_store_in_this_folder_is_used_without_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PMF_DATA_DIR", raising=False)
    (tmp_path / "framework.csv").write_text("code,title,polarity\nNI 1,One,up\n")
    code, out = pmf("import", "framework.csv", "--data-dir", ".pmf-data")
    assert code == 0, out
    code, out = pmf("import", "framework.csv")
    assert code == 0, out
    assert "1 unchanged" in out
    code, out = pmf("gaps")
    assert code == 0 and "NI 1" in out


def test_pmf_template_writes_a_workbook_that_imports_once_filled(
    tmp_path: Path,
) -> None:
    code, out = pmf("template", tmp_path)
    path = tmp_path / "pmf-framework-template.xlsx"
    assert code == 0 and str(path) in out
    book = load_workbook(path)
    assert book.sheetnames == ["Indicators", "Instructions"]
    sheet = book["Indicators"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    offered = {
        str(dv.sqref).split(":")[0][0]: dv.formula1
        for dv in sheet.data_validations.dataValidation
    }
    assert offered["D"] == '"Higher is better,Lower is better,Closer is better"'
    assert offered["F"] == '"Annual,Half-yearly,Quarterly,Termly,Monthly"'
    assert offered["G"] == offered["H"] == offered["S"] == '"Yes,No"'
    instructions = [r[0] for r in book["Instructions"].iter_rows(values_only=True)]
    assert set(COLUMNS) <= set(instructions)
    # An officer fills in a row with the words the drop-downs offer.
    fill = {
        "code": "NI 50",
        "title": "Emotional health",
        "polarity": "Higher is better",
        "unit": "percent",
        "frequency": "Half-yearly",
        "laa": "No",
        "measurable": "Yes",
        "baseline_value": 60,
        "baseline_period_end": "31/03/2008",
        "retired": "No",
    }
    sheet.append([fill.get(c) for c in COLUMNS])
    book.save(path)
    data = tmp_path / "data"
    code, out = pmf("import", path, "--data-dir", data)
    assert code == 0, out
    ni50 = framework(system_at(data))["NI 50"]
    assert (ni50.polarity, ni50.frequency, ni50.measurable) == (
        "higher_is_better",
        "half_yearly",
        True,
    )


def test_pmf_template_refuses_another_kind_of_file(tmp_path: Path) -> None:
    code, out = pmf("template", tmp_path / "template.csv")
    assert code == 2 and "an .xlsx file" in out
    assert not (tmp_path / "template.csv").exists()


# The HTTP routes ------------------------------------------------------------------


def xlsx_bytes(path: Path) -> bytes:
    return council_workbook(path).read_bytes()


def upload(
    api: Api,
    body: bytes,
    media: str,
    expect: int = 200,
    role: str = "admin",
    **params: Any,
) -> Any:
    return api.call(
        "POST",
        f"{P}/framework/import",
        expect=expect,
        role=role,
        content=body,
        headers={"Content-Type": media},
        params=params,
    )


def test_the_template_is_served_to_readers(api: Api) -> None:
    response = api.client.get(
        f"{P}/framework/import-template.xlsx",
        headers={"Authorization": f"Bearer {api.token('viewer')}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPE
    assert "pmf-framework-template.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["Indicators"][1]] == list(COLUMNS)
    assert response.content[:2] == template_workbook()[:2] == b"PK"


def test_an_upload_previews_then_applies_all_rows(api: Api, tmp_path: Path) -> None:
    body = xlsx_bytes(tmp_path / "council.xlsx")
    preview = upload(api, body, MEDIA_TYPE, dry_run="true", filename="council.xlsx")
    assert preview["dry_run"] is True and preview["applied"] is False
    assert preview["counts"] == {"register": 3, "amend": 0, "unchanged": 0}
    assert [(c["row"], c["code"], c["kind"]) for c in preview["changes"]] == [
        (5, "NI 50", "register"),
        (6, "NI 112", "register"),
        (7, "NI 117", "register"),
    ]
    assert [(n["column"], n["rows"]) for n in preview["notes"]] == [
        ("baseline_value", [5, 7]),
        ("target_value", [5, 7]),
    ]
    api.get(f"{P}/indicators/NI%2050", expect=404)  # a preview changes nothing
    done = upload(api, body, MEDIA_TYPE, filename="council.xlsx")
    assert done["applied"] is True and done["file"] == "council.xlsx"
    ni50 = api.get(f"{P}/indicators/NI%2050")
    assert ni50["baseline"] == {"value": 60.0, "period_end": "2008-03-31"}
    history = api.get(f"{P}/indicators/NI%2050/history")
    assert "test admin" in str(history)  # the uploader is the events' actor


def test_an_upload_with_errors_is_a_problem_listing_them(api: Api) -> None:
    text = "code,title,polarity,laa\nNI 1,One,Higher,Y\nNI 2,Two,sideways,maybe\n"
    problem = upload(api, text.encode(), "text/csv", expect=422)
    assert problem["title"] == "The file has errors"
    assert (
        "2 errors" in problem["detail"] and "nothing was changed" in problem["detail"]
    )
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (3, "polarity"),
        (3, "laa"),
    ]
    api.get(f"{P}/indicators/NI%201", expect=404)


def test_only_an_admin_may_import_and_the_file_kind_must_be_known(api: Api) -> None:
    text = b"code,title,polarity\nNI 1,One,up\n"
    upload(api, text, "text/csv", expect=403, role="viewer")
    wrong = upload(api, text, "application/json", expect=422)
    assert "Send a CSV" in wrong["detail"]
    empty = upload(api, b"", "text/csv", expect=422)
    assert "request body" in empty["detail"]
    no_framework = upload(api, b"null", "text/csv", expect=422)
    assert "with a code column" in no_framework["detail"]
    named = upload(api, text, "application/octet-stream", filename="f.csv")
    assert named["applied"] is True
