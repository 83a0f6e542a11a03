"""Judge a campaign run: what was sent against what the system made of it.

Pure functions over plain data gathered by the campaign, so the rules can be
tested on their own:

* **lost**: a valid result (or correction) that never reached the reporting
  read model;
* **doubled**: a result recorded twice by returns, or shown twice in reporting;
* **wrongly dead-lettered**: a valid message (or a re-send of one) found on
  ``pmf.dead-letter``, or any of the services' own events found there;
* **not dead-lettered**: a malformed message that was neither recorded nor
  dead-lettered (dropped silently);
* **differences**: where a distributed read model (framework, as of a time, a
  published version, an indicator's history) differs from the embedded replay
  of the same recorded facts.

Every finding is attributed to the phase (fault) in whose window it happened:
a lost result to the phase that sent it, a dead letter or a second copy to the
phase when it was written.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from faults.inputs import Message

VOLATILE = frozenset({"recorded_at"})  # when a replay wrote it, not what it says
SAMPLE = 20  # ids listed per finding in the diagnostics


@dataclass(frozen=True)
class Sent:
    """A message the stream acknowledged, with the phase that sent it."""

    phase: str
    message: Message


@dataclass(frozen=True)
class Seen:
    """A result id found in a store or read model, and when it was written."""

    result_id: str
    at: str


@dataclass(frozen=True)
class DeadLetter:
    """One message found on ``pmf.dead-letter``."""

    source_topic: str
    reason: str
    payload: str
    at: str


@dataclass(frozen=True)
class Window:
    """A phase and when it began (it lasts until the next one begins)."""

    phase: str
    start: str


@dataclass
class PhaseCounts:
    """What one phase sent and what became of it."""

    sent: int = 0
    valid: int = 0
    duplicates: int = 0
    malformed: int = 0
    applied: int = 0
    lost: int = 0
    doubled: int = 0
    wrongly_dead_lettered: int = 0
    not_dead_lettered: int = 0
    lost_ids: list[str] = field(default_factory=list)
    doubled_ids: list[str] = field(default_factory=list)
    wrong_dead_letters: list[str] = field(default_factory=list)
    silent_drops: list[str] = field(default_factory=list)

    def failures(self) -> int:
        """How many things went wrong in this phase."""
        return (
            self.lost
            + self.doubled
            + self.wrongly_dead_lettered
            + self.not_dead_lettered
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the id lists cut to a readable sample."""
        out = asdict(self)
        for key in ("lost_ids", "doubled_ids", "wrong_dead_letters", "silent_drops"):
            out[key] = out[key][:SAMPLE]
        return out


def phase_at(at: str, windows: Sequence[Window]) -> str:
    """The phase whose window holds timestamp ``at`` (ISO 8601, UTC)."""
    starts = [w.start for w in windows]
    i = bisect.bisect_right(starts, at) - 1
    return windows[max(i, 0)].phase if windows else "run"


def payload_result_id(payload: str) -> str | None:
    """The ``result_id`` a dead-lettered payload carries, if it can be read."""
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    rid = body.get("result_id") if isinstance(body, dict) else None
    return rid if isinstance(rid, str) else None


def count_stream(
    sent: Sequence[Sent],
    recorded: Sequence[Seen],
    shown: Sequence[Seen],
    dead_letters: Sequence[DeadLetter],
    windows: Sequence[Window],
    laa_topic: str = "laa.results",
) -> dict[str, PhaseCounts]:
    """Per phase: sent, applied, lost, doubled, wrongly and not dead-lettered."""
    counts: dict[str, PhaseCounts] = {w.phase: PhaseCounts() for w in windows}

    def of(phase: str) -> PhaseCounts:
        return counts.setdefault(phase, PhaseCounts())

    valid_ids = {s.message.result_id for s in sent if s.message.valid}
    shown_ids = Counter(s.result_id for s in shown)
    recorded_ids = Counter(s.result_id for s in recorded)
    dead_payloads = Counter(d.payload for d in dead_letters)
    first_phase: dict[str, str] = {}
    for s in sent:
        c = of(s.phase)
        c.sent += 1
        m = s.message
        if m.kind == "duplicate":
            c.duplicates += 1
        elif m.kind == "malformed":
            c.malformed += 1
            if not dead_payloads[m.payload] and not recorded_ids[m.result_id]:
                c.not_dead_lettered += 1
                c.silent_drops.append(m.result_id)
        elif m.result_id not in first_phase:
            first_phase[m.result_id] = s.phase
            c.valid += 1
            if shown_ids[m.result_id]:
                c.applied += 1
            else:
                c.lost += 1
                c.lost_ids.append(m.result_id)
    for seen, where in ((recorded, "returns"), (shown, "reporting")):
        copies: Counter[str] = Counter()
        for s in sorted(seen, key=lambda s: s.at):
            copies[s.result_id] += 1
            if copies[s.result_id] == 2:
                c = of(phase_at(s.at, windows))
                c.doubled += 1
                c.doubled_ids.append(f"{s.result_id} ({where})")
    for d in dead_letters:
        rid = payload_result_id(d.payload)
        internal = d.source_topic != laa_topic
        if internal or (rid is not None and rid in valid_ids):
            c = of(phase_at(d.at, windows))
            c.wrongly_dead_lettered += 1
            c.wrong_dead_letters.append(
                f"{rid or '?'} from {d.source_topic}: {d.reason}"
            )
    return counts


@dataclass(frozen=True)
class Difference:
    """One place where the distributed answer differs from the embedded one."""

    view: str
    path: str
    distributed: Any
    embedded: Any

    def key(self) -> str:
        """Identifies the difference across checkpoints."""
        return f"{self.view} {self.path}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with long values cut."""
        return {
            "view": self.view,
            "path": self.path,
            "distributed": _short(self.distributed),
            "embedded": _short(self.embedded),
        }


def _short(value: Any, limit: int = 300) -> Any:
    text = json.dumps(value, sort_keys=True, default=str)
    return value if len(text) <= limit else text[:limit] + "..."


def normalised(value: Any) -> Any:
    """``value`` without the fields a replay necessarily writes differently."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    if items and all(isinstance(i, dict) and "code" in i for i in items):
        keys = [str(i["code"]) for i in items]
        if len(set(keys)) == len(keys):
            return dict(zip(keys, items, strict=True))
    return None


def differences(
    view: str, distributed: Any, embedded: Any, path: str = ""
) -> list[Difference]:
    """Every leaf where the two documents differ (lists of indicators by code)."""
    if isinstance(distributed, dict) and isinstance(embedded, dict):
        out: list[Difference] = []
        for k in sorted(set(distributed) | set(embedded), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in distributed or k not in embedded:
                out.append(
                    Difference(
                        view,
                        sub,
                        distributed.get(k, "<absent>"),
                        embedded.get(k, "<absent>"),
                    )
                )
            else:
                out += differences(view, distributed[k], embedded[k], sub)
        return out
    if isinstance(distributed, list) and isinstance(embedded, list):
        a, b = _keyed(distributed), _keyed(embedded)
        if a is not None and b is not None:
            return differences(view, a, b, path)
        if len(distributed) == len(embedded) and all(
            isinstance(x, dict | list) for x in distributed
        ):
            apart = [
                i
                for i, (x, y) in enumerate(zip(distributed, embedded, strict=True))
                if x != y
            ]
            if len(apart) <= 1:  # one entry differs: say exactly where
                return [
                    d
                    for i in apart
                    for d in differences(
                        view, distributed[i], embedded[i], f"{path}[{i}]"
                    )
                ]
        return _list_apart(view, distributed, embedded, path)
    if distributed != embedded:
        return [Difference(view, path, distributed, embedded)]
    return []


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _list_apart(view: str, a: list[Any], b: list[Any], path: str) -> list[Difference]:
    """Two lists compared as wholes: entries only on one side, or the order."""
    if a == b:
        return []
    ca, cb = Counter(map(_canonical, a)), Counter(map(_canonical, b))
    only_a = [x for x in a if (ca - cb)[_canonical(x)]]
    only_b = [y for y in b if (cb - ca)[_canonical(y)]]
    out = []
    if only_a:
        out.append(
            Difference(
                view,
                f"{path} {len(only_a)} entries only in distributed, first",
                only_a[0],
                None,
            )
        )
    if only_b:
        out.append(
            Difference(
                view,
                f"{path} {len(only_b)} entries only in embedded, first",
                None,
                only_b[0],
            )
        )
    if not out:
        i = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
        out.append(
            Difference(
                view, f"{path} same entries in another order, from [{i}]", a[i], b[i]
            )
        )
    return out


def compare_views(
    distributed: Mapping[str, Any], embedded: Mapping[str, Any]
) -> list[Difference]:
    """Differences across every view both sides were asked for."""
    out: list[Difference] = []
    for view in sorted(set(distributed) | set(embedded)):
        if view not in distributed or view not in embedded:
            out.append(Difference(view, "", view in distributed, view in embedded))
            continue
        out += differences(
            view, normalised(distributed[view]), normalised(embedded[view])
        )
    return out


def new_since(
    before: Iterable[Difference], now: Sequence[Difference]
) -> list[Difference]:
    """The differences in ``now`` that were not there at the last checkpoint."""
    old = {d.key() for d in before}
    return [d for d in now if d.key() not in old]
