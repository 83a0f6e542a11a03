"""`pmf import` and `pmf export` on an embedded system in a temporary data dir."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from services.cli import app
from services.embedded import EmbeddedSystem
from services.indicators import domain
from services.indicators.spreadsheet import COLUMNS
from services.transfer import export_framework, import_file, read_table
from shared.errors import Invalid
from shared.events.envelope import Metadata

HEADER = list(COLUMNS)
FOUR = [
    {
        "code": "NI 50",
        "title": "Emotional health of children",
        "outcome": "Be healthy",
        "polarity": "higher_is_better",
        "unit": "percent",
        "laa": "yes",
        "lead_organisation": "Primary Care Trust",
        "named_lead_name": "Dana Wright",
        "named_lead_email": "dana@example.org",
        "tolerance": "2.5",
        "baseline_value": "60",
        "baseline_period_end": "2008-03-31",
        "target_value": "70",
        "target_reason": "Agreed by the Board, July 2008",
        "milestones": "2009-03-31=62.5; 2010-03-31=65",
    },
    {
        "code": "NI 112",
        "title": 'Under-18 conceptions, "rate" \u2013 per 1,000',
        "outcome": "Be healthy",
        "polarity": "lower_is_better",
        "unit": "rate_per_1000",
        "frequency": "quarterly",
        "named_lead_name": "Sam Reed",
        "baseline_value": "45.1",
        "baseline_period_end": "2008-03-31",
        "target_value": "0.1",
        "target_period_end": "2010-03-31",
    },
    {
        "code": "NI 199",
        "title": "=Children's satisfaction with parks and play areas",
        "outcome": "Enjoy and achieve",
        "polarity": "higher_is_better",
        "unit": "score",
        "measurable": "no",
        "retired": "true",
    },
    {
        "code": "LOCAL 01",
        "title": "Homeless 16 and 17 year olds\nand care leavers",
        "polarity": "closer_is_better",
        "frequency": "half_yearly",
    },
]


def write_csv(
    path: Path, rows: list[dict[str, str]], header: list[str] = HEADER
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot(system: EmbeddedSystem) -> list[dict[str, object]]:
    return [i.to_dict() for i in system.indicators.all_indicators()]


@pytest.fixture
def four(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "indicators.csv", FOUR)


@pytest.fixture
def loaded(system: EmbeddedSystem, four: Path) -> EmbeddedSystem:
    assert import_file(system, four).applied
    return system


def test_importing_a_csv_registers_its_indicators(loaded: EmbeddedSystem) -> None:
    ni50 = loaded.indicators.get("NI 50")
    assert ni50.laa is True
    assert ni50.named_lead == {"name": "Dana Wright", "email": "dana@example.org"}
    assert ni50.target == {
        "value": 70.0,
        "period_end": "2011-03-31",
        "reason": "Agreed by the Board, July 2008",
    }
    assert [m["value"] for m in ni50.milestones] == [62.5, 65.0]
    assert loaded.indicators.get("NI 199").retired is True
    assert loaded.indicators.get("LOCAL 01").unit == "number"
    codes = [i["code"] for i in loaded.framework.current()["indicators"]]
    assert codes == ["LOCAL 01", "NI 112", "NI 199", "NI 50"]


def test_imported_events_name_the_file_as_their_actor(loaded: EmbeddedSystem) -> None:
    events = loaded.store.read_stream(domain.stream_of("NI 50"))
    assert {e.actor for e in events} == {"admin:import indicators.csv"}
    assert len({e.correlation_id for e in events}) == 1


def test_importing_the_same_file_again_changes_nothing(
    loaded: EmbeddedSystem, four: Path
) -> None:
    head = loaded.store.head()
    report = import_file(loaded, four)
    assert report.ok and not report.applied
    assert [c.kind for c in report.changes] == ["unchanged"] * 4
    assert loaded.store.head() == head


@pytest.mark.parametrize("name", ["framework.csv", "framework.xlsx"])
def test_an_export_imports_back_without_a_change(
    loaded: EmbeddedSystem, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    assert export_framework(loaded, path) == 4
    head = loaded.store.head()
    report = import_file(loaded, path)
    assert report.errors == []
    assert report.to_apply == []
    assert loaded.store.head() == head


@pytest.mark.parametrize("name", ["framework.csv", "framework.xlsx"])
def test_an_export_rebuilds_the_same_framework_elsewhere(
    loaded: EmbeddedSystem, tmp_path: Path, name: str
) -> None:
    export_framework(loaded, tmp_path / name)
    elsewhere = EmbeddedSystem(
        loaded.settings.model_copy(update={"data_dir": tmp_path / "b"})
    )
    assert import_file(elsewhere, tmp_path / name).applied
    stripped = [{**i, "version": 0} for i in snapshot(elsewhere)]
    assert stripped == [{**i, "version": 0} for i in snapshot(loaded)]


def test_the_export_lists_every_indicator_by_code(
    loaded: EmbeddedSystem, tmp_path: Path
) -> None:
    export_framework(loaded, tmp_path / "out.csv")
    rows = read_table(tmp_path / "out.csv")
    assert [r["code"] for r in rows] == ["LOCAL 01", "NI 112", "NI 199", "NI 50"]
    assert rows[3]["milestones"] == "2009-03-31=62.5; 2010-03-31=65"
    assert rows[2]["retired"] == "true"


def test_an_amending_import_changes_only_what_differs(
    loaded: EmbeddedSystem, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "amend.csv",
        [{"code": "NI 50", "title": "Emotional health", "unit": "percent"}],
        ["code", "title", "unit"],
    )
    report = import_file(loaded, path)
    assert report.applied
    (change,) = report.changes
    assert change.diff == (
        ("title", "Emotional health of children", "Emotional health"),
    )
    assert loaded.indicators.get("NI 50").title == "Emotional health"


def test_one_bad_row_among_good_ones_applies_nothing(
    system: EmbeddedSystem, tmp_path: Path
) -> None:
    rows = [*FOUR[:2], {**FOUR[3], "polarity": "upwards"}, FOUR[2]]
    report = import_file(system, write_csv(tmp_path / "bad.csv", rows))
    assert [str(e) for e in report.errors] == [
        "row 4, polarity: must be one of higher_is_better, lower_is_better, "
        "closer_is_better (or a word for one, such as Higher, Lower or Closer), "
        "not 'upwards'"
    ]
    assert not report.applied
    assert system.store.head() == 0


def test_every_bad_row_is_reported_with_its_number(
    system: EmbeddedSystem, tmp_path: Path
) -> None:
    rows = [
        {**FOUR[0], "baseline_period_end": "31/13/2008"},
        FOUR[1],
        {**FOUR[2], "code": "NI 112"},
        {**FOUR[3], "title": ""},
    ]
    report = import_file(system, write_csv(tmp_path / "bad.csv", rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "baseline_period_end"),
        (4, "code"),
        (5, "title"),
    ]
    assert system.store.head() == 0


def test_a_dry_run_applies_nothing(system: EmbeddedSystem, four: Path) -> None:
    report = import_file(system, four, dry_run=True)
    assert report.ok and not report.applied
    assert [c.kind for c in report.changes] == ["register"] * 4
    assert system.store.head() == 0


def test_a_change_made_meanwhile_rolls_the_whole_import_back(
    loaded: EmbeddedSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = loaded.indicators.all_indicators()
    loaded.indicators.execute(
        "NI 112",
        lambda s: domain.decide_amend(s, "NI 112", {"unit": "percent"}, None),
        Metadata(actor="admin:someone"),
    )
    monkeypatch.setattr(loaded.indicators, "all_indicators", lambda: stale)
    head = loaded.store.head()
    rows = [{"code": "NI 60", "title": "New", "polarity": "lower_is_better"}]
    rows += [{"code": "NI 112", "title": "Renamed"}]
    report = import_file(loaded, write_csv(tmp_path / "late.csv", rows))
    (error,) = report.errors
    assert error.row == 3
    assert "nothing was applied" in error.message
    assert not report.applied
    assert loaded.store.head() == head
    assert "NI 60" not in {i["code"] for i in loaded.framework.current()["indicators"]}


def test_progress_follows_the_rows_applied(system: EmbeddedSystem, four: Path) -> None:
    seen: list[tuple[str, int, int | None]] = []
    import_file(system, four, progress=lambda *step: seen.append(step))
    applying = [(d, t) for stage, d, t in seen if stage == "Applying rows"]
    assert applying == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert seen[-1][0] == "Updating the framework views"


def test_a_workbook_typed_by_a_person_imports(
    system: EmbeddedSystem, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Title", "Polarity", "LAA", "Baseline_Value"])
    sheet["F1"] = "baseline_period_end"
    sheet.append(["NI 50", "Emotional health", "higher_is_better", True, 60.0])
    sheet["F2"] = datetime(2008, 3, 31)
    sheet.append([])
    sheet.append([112, "Conceptions", "lower_is_better", 0, 45.25])
    sheet["F4"] = datetime(2008, 3, 31)
    book.save(tmp_path / "typed.xlsx")
    report = import_file(system, tmp_path / "typed.xlsx")
    assert report.errors == []
    assert [c.row for c in report.changes] == [2, 4]
    assert system.indicators.get("NI 50").baseline == {
        "value": 60.0,
        "period_end": "2008-03-31",
    }
    assert system.indicators.get("112").laa is False


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("framework.txt", b"code\n", "must end in .csv or .xlsx"),
        ("twice.csv", b"code,title,Title\n", "appears twice"),
        ("latin.csv", "code,title\nNI 1,Caf\xe9\n".encode("latin-1"), "UTF-8"),
        ("broken.xlsx", b"not a workbook", "Cannot read"),
        ("headless.csv", b",,\nNI 1,Title,\n", "Row 1 must name the columns"),
    ],
)
def test_an_unreadable_file_is_refused(
    tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(Invalid, match=words):
        read_table(tmp_path / name)


# The command line --------------------------------------------------------------------


def pmf(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_pmf_import_prints_the_changes_and_exits_0(tmp_path: Path, four: Path) -> None:
    data = tmp_path / "cli"
    code, out = pmf("import", four, "--data-dir", data)
    assert code == 0, out
    assert "NI 112" in out
    assert "indicators.csv: 4 to register, 0 to amend, 0 unchanged (applied)." in out
    code, out = pmf("import", four, "--data-dir", data)
    assert code == 0
    assert "0 to register, 0 to amend, 4 unchanged (nothing to change)." in out


def test_pmf_import_dry_run_changes_nothing(tmp_path: Path, four: Path) -> None:
    data = tmp_path / "cli"
    code, out = pmf("import", four, "--dry-run", "--data-dir", data)
    assert code == 0
    assert "4 to register" in out and "dry run, nothing was changed" in out
    code, out = pmf("import", four, "--dry-run", "--data-dir", data)
    assert "4 to register" in out


def test_pmf_import_reports_every_row_error_and_exits_1(tmp_path: Path) -> None:
    rows = [FOUR[0], {**FOUR[1], "laa": "perhaps"}, {**FOUR[2], "tolerance": "x"}]
    path = write_csv(tmp_path / "bad.csv", rows)
    code, out = pmf("import", path, "--data-dir", tmp_path / "cli")
    assert code == 1
    assert "row 3, laa: must be yes or no" in out
    assert "row 4, tolerance: must be a number" in out
    assert "2 errors, nothing was changed" in out
    code, out = pmf("export", tmp_path / "after.csv", "--data-dir", tmp_path / "cli")
    assert "Exported 0 indicators" in out


def test_pmf_import_of_a_missing_file_exits_1(tmp_path: Path) -> None:
    code, out = pmf("import", tmp_path / "nope.csv", "--data-dir", tmp_path / "cli")
    assert code == 1
    assert "No such file" in out


def test_pmf_export_then_import_changes_nothing(
    tmp_path: Path, four: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "cli"
    pmf("import", four, "--data-dir", data)
    monkeypatch.chdir(tmp_path)
    code, out = pmf("export", "--data-dir", data)
    assert code == 0
    assert "Exported 4 indicators to framework.csv." in out
    code, out = pmf("export", "--format", "xlsx", "--data-dir", data)
    assert "to framework.xlsx" in out
    code, out = pmf("export", "--out", tmp_path / "named", "--data-dir", data)
    assert "named.csv" in out
    for name in ("framework.csv", "framework.xlsx", "named.csv"):
        code, out = pmf("import", tmp_path / name, "--data-dir", data)
        assert code == 0
        assert "4 unchanged (nothing to change)" in out


def test_pmf_export_refuses_a_format_its_file_does_not_have(tmp_path: Path) -> None:
    data = tmp_path / "cli"
    code, out = pmf(
        "export", tmp_path / "f.csv", "--format", "xlsx", "--data-dir", data
    )
    assert code == 1
    assert "not a .xlsx file" in out
    code, out = pmf("export", "--format", "pdf", "--data-dir", data)
    assert code == 1
    code, out = pmf("export", "a.csv", "--out", "b.csv", "--data-dir", data)
    assert code == 2
