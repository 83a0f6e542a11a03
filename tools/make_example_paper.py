"""Write the demo's Board paper for round 2009-H2 to docs/examples/.

Usage: ``python tools/make_example_paper.py``. Loads the demo into a temporary
embedded store and saves the paper exactly as ``GET /api/v1/reports/2009-H2/board
?format=pdf`` answers, so the example in the docs is what the product renders.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUND = "2009-H2"
OUT = ROOT / "docs" / "examples" / "demo-board-paper.pdf"


def main() -> None:
    from fastapi.testclient import TestClient

    from services.demo_local import load_demo_into
    from services.embedded import EmbeddedSystem
    from shared.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        system = EmbeddedSystem(Settings(data_dir=Path(tmp) / "data"))
        load_demo_into(system)
        with TestClient(system.app()) as client:
            answer = client.get(f"/api/v1/reports/{ROUND}/board?format=pdf")
            answer.raise_for_status()
        OUT.write_bytes(answer.content)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(answer.content):,} bytes)")


if __name__ == "__main__":
    main()
