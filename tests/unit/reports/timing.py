"""How long each format takes for a full-size framework (not a test).

    .venv/bin/python -m tests.unit.reports.timing [extra-indicators]

`cold` draws every chart afresh; `warm` reuses the charts the renderers share
(as a second format of the same round does in one process).
"""

from __future__ import annotations

import sys
import time

from services.reporting.reports import FORMATS, render
from services.reporting.reports.charts import _draw

from .snapshots import snapshot


def main(extra: int = 29) -> None:
    for kind in ("executive", "board"):
        given = snapshot(kind, extra=extra)
        print(f"{kind}: {len(given['indicators'])} indicators")
        for fmt in FORMATS:
            _draw.cache_clear()
            start = time.process_time()
            size = len(render(given, fmt))
            cold = time.process_time() - start
            start = time.process_time()
            render(given, fmt)
            warm = time.process_time() - start
            print(
                f"  {fmt:5} cold {cold:5.2f} s  warm {warm:5.2f} s  "
                f"{size / 1024:6.0f} KiB"
            )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
