"""Write the demo's illustrative comparator file.

It is services/demo/comparators_illustrative.csv.

The figures are invented around the demo's own results with a fixed seed, so
the demo's comparisons tell a mixed story (some indicators better than
England, some worse, a few in the bottom quartile of the neighbours). They
are not published statistics, and the file says so in its first row.

Run: .venv/bin/python tools/make_demo_comparators.py
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.demo.comparators import (  # noqa: E402
    AREAS,
    COUNCIL,
    ENGLAND,
    FILE,
    REGION,
    TITLE,
)
from services.demo.plan import STORIES, Y08, Y09, _Builder  # noqa: E402

YEARS = {Y08: "2007/08", Y09: "2008/09"}
INTEGER_UNITS = {"number", "score"}


def _shown(value: float, unit: str) -> str:
    if unit == "percent":
        value = min(100.0, max(0.0, value))
    if unit in INTEGER_UNITS:
        return str(round(value))
    return f"{value:.1f}"


def rows(seed: int = 2008) -> list[list[str]]:
    values = _Builder(seed).values
    rng = random.Random(seed)
    out: list[list[str]] = []
    for code, story in STORIES.items():
        council = {}
        if story.baseline and story.baseline[0] == Y08:
            council[Y08] = story.baseline[1]
        if (code, Y09) in values:
            council[Y09] = values[(code, Y09)]
        if not council:
            continue
        anchor = council.get(Y09, council.get(Y08, 0.0))
        england09 = anchor * (1 + rng.uniform(-0.12, 0.12))
        england = {Y09: england09, Y08: england09 * (1 + rng.uniform(-0.06, 0.06))}
        region = {p: v * (1 + rng.uniform(-0.04, 0.04)) for p, v in england.items()}
        unit = story.unit
        for period, label in YEARS.items():
            out.append(
                [code, *ENGLAND, "England", label, _shown(england[period], unit)]
            )
            out.append([code, *REGION, "Region", label, _shown(region[period], unit)])
            if period in council:
                out.append(
                    [
                        code,
                        *COUNCIL,
                        "Other council",
                        label,
                        _shown(council[period], unit),
                    ]
                )
            for area in AREAS:
                value = england[period] * (1 + rng.gauss(0, 0.1))
                shown = "x" if rng.random() < 0.03 else _shown(value, unit)
                out.append([code, *area, "Statistical neighbour", label, shown])
    return out


def main() -> None:
    with FILE.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([TITLE])
        writer.writerow([])
        writer.writerow(
            [
                "Indicator code",
                "Area code",
                "Area name",
                "Comparator type",
                "Time period",
                "Data value",
            ]
        )
        writer.writerows(rows())
    print(f"wrote {FILE}")


if __name__ == "__main__":
    main()
