"""Hostile cells in the framework's spreadsheets: formulas, control characters.

An export never writes a cell a spreadsheet program would run, and reads back
without a change; text already in a log that XML cannot hold never stops an
export; an import applies the same free-text rules as the API.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from services.embedded import EmbeddedSystem
from services.indicators.spreadsheet import COLUMNS
from services.transfer import export_framework, import_file
from shared.events.envelope import Metadata
from tests.integration.test_import_export import pmf, snapshot, write_csv

FORMULAS = {
    "NI 50": ('=HYPERLINK("http://evil.example","Click")', "+SUM(A1:A9)"),
    "NI 51": ("@cmd|' /C calc'!A0", "-2+3"),
    "NI 52": ("'=already quoted", "''two quotes"),
    "NI 53": ("Plain title", "'just a quote"),
}


def register(system: EmbeddedSystem, code: str, **fields: Any) -> None:
    """Through the service, as events written before the API checked text were."""
    cmd = {
        "code": code,
        "title": f"Indicator {code}",
        "outcome": "Be healthy",
        "polarity": "higher_is_better",
        "unit": "number",
        "frequency": "annual",
        "laa": False,
        "measurable": True,
        **fields,
    }
    system.indicators.register(cmd, Metadata(actor="admin:test"))


@pytest.fixture
def formulas(system: EmbeddedSystem) -> EmbeddedSystem:
    for code, (title, outcome) in FORMULAS.items():
        register(
            system,
            code,
            title=title,
            outcome=outcome,
            baseline={"value": -5.5, "period_end": date(2008, 3, 31)},
            target={"value": -2, "period_end": date(2011, 3, 31), "reason": "=1+1"},
        )
    return system


def test_a_csv_export_runs_no_formula_and_keeps_negative_numbers(
    formulas: EmbeddedSystem, tmp_path: Path
) -> None:
    path = tmp_path / "out.csv"
    export_framework(formulas, path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["code"]: r for r in csv.DictReader(f)}
    assert rows["NI 50"]["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows["NI 50"]["outcome"] == "'+SUM(A1:A9)"
    assert rows["NI 51"]["title"].startswith("'@cmd")
    assert rows["NI 51"]["outcome"] == "'-2+3"
    assert rows["NI 52"]["title"] == "''=already quoted"
    assert rows["NI 52"]["outcome"] == "''two quotes"
    assert rows["NI 53"]["outcome"] == "'just a quote"
    assert rows["NI 50"]["target_reason"] == "'=1+1"
    assert rows["NI 50"]["baseline_value"] == "-5.5"
    assert rows["NI 50"]["target_value"] == "-2"
    for row in rows.values():
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r"))


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
def test_the_export_reads_back_without_a_change(
    formulas: EmbeddedSystem, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    export_framework(formulas, path)
    head = formulas.store.head()
    report = import_file(formulas, path)
    assert report.errors == [] and report.to_apply == []
    assert formulas.store.head() == head
    elsewhere = EmbeddedSystem(
        formulas.settings.model_copy(update={"data_dir": tmp_path / "b"})
    )
    assert import_file(elsewhere, path).applied
    assert [{**i, "version": 0} for i in snapshot(elsewhere)] == [
        {**i, "version": 0} for i in snapshot(formulas)
    ]


def test_control_characters_already_in_the_log_never_stop_an_export(
    system: EmbeddedSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(
        system,
        "NI 60",
        title="Bad\x00 title\x1b[2J with\x07 bells\x0b and a soft break",
        named_lead={"name": "Dana\x01 Wright", "email": None},
    )
    data = system.settings.data_dir
    monkeypatch.chdir(tmp_path)
    for name in ("x.xlsx", "x.csv"):
        code, out = pmf("export", name, "--data-dir", data)
        assert code == 0, out
    book = load_workbook(tmp_path / "x.xlsx")
    title = book.active["B2"].value
    assert title == "Bad title[2J with bells\n and a soft break"
    text = (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    assert "Bad title[2J with bells\n and a soft break" in text
    assert not any(c in text for c in "\x00\x01\x07\x0b\x1b")


def test_an_import_applies_the_api_rules_for_free_text(
    system: EmbeddedSystem, tmp_path: Path
) -> None:
    good = {
        "code": "NI 70",
        "title": "Soft\vbreak",
        "polarity": "higher_is_better",
        "target_value": "5",
        "target_reason": "Agreed\r\nby the Board",
    }
    bad = {
        "code": "NI 71",
        "title": "Right\u202eto left",
        "polarity": "higher_is_better",
        "named_lead_name": "Dana\x1b",
    }
    odd = {"code": "/etc/passwd", "title": "x", "polarity": "higher_is_better"}
    path = write_csv(tmp_path / "in.csv", [good, bad, odd], list(COLUMNS))
    report = import_file(system, path)
    problems = {(e.row, e.column): e.message for e in report.errors}
    assert "U+202E" in problems[(3, "title")]
    assert "U+001B" in problems[(3, "named_lead_name")]
    assert "letters and digits" in problems[(4, "code")]
    assert system.store.head() == 0
    assert import_file(system, write_csv(tmp_path / "ok.csv", [good])).applied
    ni70 = system.indicators.get("NI 70")
    assert ni70.title == "Soft\nbreak"
    assert ni70.target is not None and ni70.target["reason"] == "Agreed\nby the Board"
