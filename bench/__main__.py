"""``python -m bench [--quick] [--only NAME ...] [--out bench/RESULTS.md]``

Runs the benchmarks, prints a Markdown table and appends it, under a heading
with the date, the machine and the mode, to the results file. Every figure
has a baseline measured in the same run on the same machine; compare ratios.

A benchmark that fails is reported and the others still run; the exit status
is then 1, so a harness that has rotted is noticed (``make bench``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    as_of,
    board_paper,
    embedded_laa,
    embedded_returns,
    freshness,
    http,
    kafka_pipeline,
    memory,
    replay,
)
from bench.harness import Context, Result, Stopwatch, append_results, context, log
from bench.harness import machine as describe_machine
from bench.harness import render as render_section
from bench.procs import REPO_ROOT

Bench = Callable[[Context], list[Result]]
BENCHES: dict[str, Bench] = {
    "embedded_returns": embedded_returns.run,
    "embedded_laa": embedded_laa.run,
    "replay": replay.run,
    "as_of": as_of.run,
    "http": http.run,
    "memory": memory.run,
    "kafka_pipeline": kafka_pipeline.run,
    "freshness": freshness.run,
    "board_paper": board_paper.run,
}
NEEDS_KAFKA = {"kafka_pipeline"}  # freshness skips only its Kafka half
# --size names, with (quick, full) defaults; each module's run() reads its own.
SIZES = {
    "embedded_returns": "returns submitted (300 / 20,000)",
    "replay": "events in the replayed log (20,000 / 1,000,000)",
    "indicators": "indicators the pipeline benches spread results over (200 / 2,000)",
    "profile_events": "events or results in each profiled pass (5,000 / 20,000)",
    "embedded_laa": "LAA results posted in batches (5,000 / 100,000)",
    "as_of_small": "events in the short log (2,000 / 10,000)",
    "as_of_large": "events in the long log (50,000 / 1,000,000)",
    "http_seconds": "seconds of load per route (4 / 20)",
    "memory_indicators": "indicators the assessment holds (5,000 / 100,000)",
    "memory_indicators_baseline": "the same for the baseline (500 / 1,000)",
    "memory_stream": "LAA results streamed through pmf run (2,000 / 200,000)",
    "memory_tail": "results the assessment then catches up on (200 / 1,000)",
    "kafka_pipeline": "LAA results through Kafka (2,000 / 200,000)",
    "freshness_rate": "results/s offered (1,000 / 1,000)",
    "freshness_seconds": "seconds of load (3 / 20)",
    "freshness_drain": "seconds to wait for the last probe (120 / 900)",
}


def _size(text: str) -> tuple[str, int]:
    name, _, value = text.partition("=")
    if not value:
        raise argparse.ArgumentTypeError(f"--size wants NAME=NUMBER, not {text!r}")
    if name not in SIZES:
        raise argparse.ArgumentTypeError(
            f"unknown size {name!r}: one of {', '.join(SIZES)}"
        )
    return name, int(value.replace("_", "").replace(",", ""))


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="sizes (quick / full): "
        + "; ".join(f"{k}: {v}" for k, v in SIZES.items()),
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BENCHES), metavar="NAME", default=[]
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "bench" / "RESULTS.md",
        help="results file to append to ('-' to print only)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=REPO_ROOT / "bench" / "results" / "latest.json",
        help="where to write this run's figures as JSON ('-' for nowhere)",
    )
    parser.add_argument("--no-kafka", action="store_true", help="skip what needs Kafka")
    parser.add_argument(
        "--size",
        type=_size,
        action="append",
        default=[],
        metavar="NAME=N",
        help="override a size, e.g. replay=200000 (names below)",
    )
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / ".run" / "bench")
    parser.add_argument("--keep", action="store_true", help="keep the workdir")
    parser.add_argument(
        "--note", action="append", default=[], help="a line for the results"
    )
    return parser.parse_args(argv)


def write_json(
    path: Path,
    results: list[Result],
    mode: str,
    started: datetime,
    host: dict[str, str],
    profiles: dict[str, str],
) -> None:
    """One object per measure: name, value, unit, baseline, ratio, date, machine."""
    rows = [
        {
            "name": r.name,
            "value": r.figure,
            "unit": r.units,
            "baseline": r.baseline,
            "baseline_name": r.baseline_name,
            "ratio": None if math.isnan(r.ratio) else r.ratio,
            "higher_is_better": r.higher_is_better,
            "notes": r.notes,
            "target": r.target,
            "target_met": r.met,
            "mode": mode,
            "date": started.isoformat(),
            "machine": host,
        }
        for r in results
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"date": started.isoformat(), "mode": mode, "machine": host}
    document |= {"results": rows, "profiles": profiles}
    path.write_text(json.dumps(document, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; 0 when every one produced its figures."""
    args = parse(sys.argv[1:] if argv is None else argv)
    names = args.only or list(BENCHES)
    if args.no_kafka:
        names = [n for n in names if n not in NEEDS_KAFKA]
    mode = "quick" if args.quick else "full"
    host = describe_machine()
    started = datetime.now(UTC)
    results: list[Result] = []
    failed: list[str] = []
    with (
        Stopwatch() as total,
        context(
            args.quick,
            args.workdir,
            keep=args.keep,
            sizes=dict(args.size),
            kafka=not args.no_kafka,
        ) as ctx,
    ):
        for name in names:
            log(f"--- {name} ({mode})")
            try:
                with Stopwatch() as sw:
                    found = BENCHES[name](ctx)
            except Exception:
                traceback.print_exc()
                failed.append(name)
                ctx.remark(f"{name} FAILED (see the run's output)")
                continue
            log(f"{name}: done in {sw.seconds:.0f} s")
            results += found
        remarks = [*args.note, *ctx.remarks]
        profiles = dict(ctx.profiles)
    if args.size:
        remarks.append("sizes set: " + ", ".join(f"{k}={v:,}" for k, v in args.size))
    section = render_section(
        results, mode, started, total.seconds, host, remarks, profiles
    )
    print(section)
    if str(args.out) != "-":
        append_results(args.out, section)
        log(f"appended to {args.out}")
    if str(args.json) != "-":
        write_json(args.json, results, mode, started, host, profiles)
        log(f"wrote {args.json}")
    for result in results:
        if not (result.figure > 0 and result.baseline > 0):
            failed.append(result.name)
    if failed:
        log(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
