"""The demo's comparator figures: England, a region and ten statistical
neighbours, ILLUSTRATIVE ONLY.

The figures in ``comparators_illustrative.csv`` are invented around the demo's
own results (``tools/make_demo_comparators.py`` writes them with a fixed
seed); the neighbours are fictional councils. They show how the comparison
pages and papers read, and are not published statistics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.reporting.comparator_file import grid_of, parse_comparators

FILE = Path(__file__).with_name("comparators_illustrative.csv")
TITLE = (
    "ILLUSTRATIVE comparator figures for the pmf demo: invented around the demo's "
    "results, with fictional neighbours. Not published statistics."
)
SOURCE = "Illustrative figures for the demo (not published statistics)"
ENGLAND = ("E92000001", "England")
REGION = ("E12000002", "North West (illustrative)")
COUNCIL = ("E10000900", "Northshire (illustrative)")
AREAS = tuple(
    (f"E10000{901 + n}", name)
    for n, name in enumerate(
        (
            "Eastmoor (fictional)",
            "Westvale (fictional)",
            "Southdown (fictional)",
            "Northfen (fictional)",
            "Highwold (fictional)",
            "Lowmere (fictional)",
            "Brackenshire (fictional)",
            "Carrowdale (fictional)",
            "Ashby Vale (fictional)",
            "Kelmarsh (fictional)",
        )
    )
)
NEIGHBOURS = [code for code, _name in AREAS]


def illustrative_rows() -> list[dict[str, Any]]:
    """The file's figures as rows for ``POST /api/v1/comparators``."""
    table = parse_comparators(grid_of(FILE.read_bytes(), "csv"))
    if table.errors:
        raise ValueError(f"{FILE.name}: {table.errors[0]}")
    return table.rows
