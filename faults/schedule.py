"""What the campaign does and for how long, from command-line options or env.

A schedule is plain data so that a fast run (the test suite's) and the full
run (``make faults``) differ only in numbers. Every option has an environment
variable ``PMF_FAULTS_<OPTION>`` so a test can be shortened without editing it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

SERVICES = ("indicators", "returns", "assessment", "reporting")
# One phase per fault: the stream flows while it happens, then must catch up.
FAULTS = (
    *(f"kill-{s}" for s in SERVICES),
    "broker",
    "postgres",
    "race",
)


@dataclass(frozen=True)
class Schedule:
    """Which faults, how long, and how much input flows meanwhile."""

    faults: tuple[str, ...] = FAULTS
    kills: int = 3  # kill -9 and restart, per service phase
    kill_interval_s: float = 4.0  # stream time before each kill
    broker_outage_s: float = 30.0
    postgres_outage_s: float = 60.0
    races: int = 6  # indicators registered and sent a result at once
    indicators: int = 8  # registered before the faults begin
    rate: float = 20.0  # LAA messages per second while a phase runs
    lead_in_s: float = 3.0  # stream time before each fault starts
    duplicate_share: float = 0.1  # a valid message sent again
    malformed_share: float = 0.1  # a message that must be dead-lettered
    command_interval_s: float = 1.5  # between admin/lead commands over HTTP
    catchup_timeout_s: float = 180.0
    seed: int = 2008

    def validate(self) -> Schedule:
        """The schedule itself, or ValueError naming what is wrong."""
        unknown = [f for f in self.faults if f not in FAULTS]
        if unknown:
            raise ValueError(
                f"unknown fault(s) {', '.join(unknown)}: "
                f"choose from {', '.join(FAULTS)}"
            )
        if self.indicators < 1 or self.rate <= 0 or self.kills < 1:
            raise ValueError("indicators, rate and kills must be positive")
        for share in (self.duplicate_share, self.malformed_share):
            if not 0 <= share < 0.5:
                raise ValueError("shares must be between 0 and 0.5")
        return self


# The test suite's run: every fault once, shorter outages, fewer messages.
FAST = Schedule(
    kills=1,
    kill_interval_s=2.0,
    broker_outage_s=10.0,
    postgres_outage_s=15.0,
    races=3,
    indicators=3,
    rate=8.0,
    lead_in_s=1.5,
    catchup_timeout_s=45.0,
)


def _convert(kind: type | str, raw: str) -> object:
    name = kind if isinstance(kind, str) else kind.__name__
    if "tuple" in name:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if "float" in name:
        return float(raw)
    if "int" in name:
        return int(raw)
    return raw


def from_env(base: Schedule, env: Mapping[str, str] | None = None) -> Schedule:
    """``base`` with every ``PMF_FAULTS_<FIELD>`` variable applied."""
    env = os.environ if env is None else env
    changes = {}
    for f in fields(Schedule):
        raw = env.get(f"PMF_FAULTS_{f.name.upper()}")
        if raw is not None:
            changes[f.name] = _convert(f.type, raw)
    return replace(base, **changes).validate()


def from_args(argv: Sequence[str] | None = None) -> tuple[Schedule, argparse.Namespace]:
    """The schedule from the command line (then env, then the preset)."""
    parser = argparse.ArgumentParser(
        prog="python -m faults",
        description="Run the fault campaign against the distributed system.",
    )
    parser.add_argument(
        "--fast", action="store_true", help="the short schedule the test suite runs"
    )
    parser.add_argument("--out", default=".run/faults.json", help="results JSON file")
    parser.add_argument("--workdir", default=None, help="keep logs and data here")
    for f in fields(Schedule):
        flag = "--" + f.name.replace("_", "-")
        help_text = (
            "comma-separated, from: " + ", ".join(FAULTS)
            if f.name == "faults"
            else None
        )
        parser.add_argument(flag, dest=f.name, default=None, help=help_text)
    args = parser.parse_args(argv)
    schedule = from_env(FAST if args.fast else Schedule())
    changes = {
        f.name: _convert(f.type, getattr(args, f.name))
        for f in fields(Schedule)
        if getattr(args, f.name) is not None
    }
    return replace(schedule, **changes).validate(), args
