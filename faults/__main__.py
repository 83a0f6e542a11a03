"""``python -m faults [--fast] [--out FILE] [--faults a,b] [--kills N] ...``.

Prints the summary table and exits 1 unless the goal (nothing lost, doubled,
wrongly dead-lettered or different) was met.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from faults.campaign import diagnostics, goal_met, run, table
from faults.schedule import from_args


def main(argv: list[str] | None = None) -> int:
    """Run the campaign from the command line."""
    schedule, args = from_args(argv)
    # Stopped from outside, the campaign still stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(args.workdir) if args.workdir else None
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o755)
    result = run(schedule, Path(args.out), workdir)
    print(table(result))
    print(f"results: {args.out}")
    if goal_met(result):
        print("goal met: nothing lost, doubled or different")
        return 0
    print(diagnostics(result))
    return 1


if __name__ == "__main__":
    sys.exit(main())
