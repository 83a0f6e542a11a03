"""The inputs the campaign sends, each labelled with what should become of it.

Pure generation: the LAA stream (valid results, corrections of a quarter
already reported, exact re-sends, malformed messages) and the admin and lead
commands. The label is what the checker judges the system against.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.returns.simulator import quarters

# Quarters a result may be for: the LAA plan's three years. A later result for
# a quarter already reported is a correction and supersedes the earlier one.
PERIODS = tuple(q.isoformat() for q in quarters(date(2008, 6, 30), 12))
MALFORMED_KINDS = (
    "not_json",
    "missing_field",
    "non_numeric",
    "unknown_indicator",
    "bad_date",
)
# What the checker expects of each kind of message.
VALID_KINDS = frozenset({"valid", "correction", "race"})


@dataclass(frozen=True)
class Message:
    """One message for ``laa.results`` and what must become of it."""

    n: int
    kind: str  # valid | correction | race | duplicate | malformed
    result_id: str
    key: str
    payload: str

    @property
    def valid(self) -> bool:
        """Whether the message must be applied (duplicates once, by their first)."""
        return self.kind in VALID_KINDS


def code_of(i: int) -> str:
    """The code of the campaign's base indicator ``i``."""
    return f"FC {i:02d}"


def race_code(i: int) -> str:
    """The code of an indicator registered during the race phase."""
    return f"FC R{i:02d}"


def register_command(code: str, i: int) -> dict[str, Any]:
    """The HTTP body registering one campaign indicator with baseline and target."""
    rng = random.Random(code)
    level = round(rng.uniform(20, 80), 1)
    lower = i % 2 == 0
    return {
        "code": code,
        "title": f"Campaign indicator {code}",
        "outcome": "Be healthy",
        "polarity": "lower_is_better" if lower else "higher_is_better",
        "unit": "percent",
        "frequency": "quarterly",
        "laa": True,
        "measurable": True,
        "lead_organisation": "Northshire County Council",
        "baseline": {"value": level, "period_end": "2008-03-31"},
        "target": {
            "value": round(level * (0.85 if lower else 1.15), 1),
            "period_end": "2011-03-31",
            "reason": "agreed with the partnership",
        },
    }


def result_body(result_id: str, code: str, period: str, value: float) -> dict[str, Any]:
    """A well-formed LAA stream message (PRODUCT 7.3)."""
    return {
        "result_id": result_id,
        "indicator_code": code,
        "period_end": period,
        "value": value,
        "breakdowns": {
            "male": round(value * 0.97, 1),
            "female": round(value * 1.03, 1),
        },
        "submitted_at": f"{period}T09:00:00Z",
        "source": "LAA",
    }


class Stream:
    """An endless, reproducible LAA stream over the base indicators."""

    def __init__(
        self,
        codes: list[str],
        duplicate_share: float,
        malformed_share: float,
        seed: int,
    ) -> None:
        self.codes = codes
        self.duplicate_share = duplicate_share
        self.malformed_share = malformed_share
        self.rng = random.Random(seed)
        self.n = 0
        self.valid_sent: list[Message] = []
        self.reported: set[tuple[str, str]] = set()

    def _next_n(self) -> int:
        self.n += 1
        return self.n

    def next(self) -> Message:
        """The next message: mostly results, some re-sends and malformed ones."""
        roll = self.rng.random()
        if self.valid_sent and roll < self.duplicate_share:
            first = self.rng.choice(self.valid_sent)
            return Message(
                self._next_n(), "duplicate", first.result_id, first.key, first.payload
            )
        if roll < self.duplicate_share + self.malformed_share:
            return self._malformed(self.rng.choice(MALFORMED_KINDS))
        n = self._next_n()
        code = self.codes[n % len(self.codes)]
        period = PERIODS[(n // len(self.codes)) % len(PERIODS)]
        kind = "correction" if (code, period) in self.reported else "valid"
        return self._valid(n, kind, code, period)

    def race_result(self, code: str) -> Message:
        """A result for an indicator registered a moment ago."""
        return self._valid(self._next_n(), "race", code, PERIODS[0])

    def _valid(self, n: int, kind: str, code: str, period: str) -> Message:
        value = round(self.rng.uniform(10, 90), 1)
        rid = f"FC-{n}"
        message = Message(
            n, kind, rid, code, json.dumps(result_body(rid, code, period, value))
        )
        self.reported.add((code, period))
        self.valid_sent.append(message)
        return message

    def _malformed(self, kind: str) -> Message:
        n = self._next_n()
        rid = f"FC-BAD-{n}"
        code = self.codes[n % len(self.codes)]
        body: dict[str, Any] = result_body(rid, code, PERIODS[0], 50.0)
        if kind == "not_json":
            payload = '{"result_id": "' + rid + '", broken'
        else:
            if kind == "missing_field":
                body.pop("period_end")
            elif kind == "non_numeric":
                body["value"] = "about sixty"
            elif kind == "unknown_indicator":
                body["indicator_code"] = "NI 000"
            else:
                body["period_end"] = "2008-02-30"
            payload = json.dumps(body)
        return Message(n, "malformed", rid, code, payload)


@dataclass(frozen=True)
class Command:
    """One admin or lead command over HTTP, and the fact it should leave."""

    kind: str  # amend | lead | return | publish | register
    service: str
    method: str
    path: str
    body: dict[str, Any]
    code: str | None = None


def commands(codes: list[str], seed: int) -> list[Command]:
    """A cycle of everyday commands over the base indicators (repeat as needed)."""
    rng = random.Random(seed)
    out: list[Command] = []
    for i, code in enumerate(codes):
        path = "/api/v1/indicators/" + code.replace(" ", "%20")
        out.append(
            Command(
                "amend",
                "indicators",
                "PATCH",
                path,
                {"title": f"Campaign indicator {code} (rev {rng.randint(1, 999)})"},
                code,
            )
        )
        out.append(
            Command(
                "lead",
                "indicators",
                "PUT",
                path + "/lead",
                {"lead_organisation": rng.choice(["Primary Care Trust", "Council"])},
                code,
            )
        )
        out.append(
            Command(
                "return",
                "returns",
                "POST",
                "/api/v1/returns",
                {
                    "indicator_code": code,
                    "period_end": PERIODS[(i + 3) % len(PERIODS)],
                    "value": round(rng.uniform(10, 90), 1),
                    "prediction": rng.choice(["on_target", "off_target"]),
                },
                code,
            )
        )
        if i % 3 == 2:
            out.append(
                Command(
                    "publish",
                    "indicators",
                    "POST",
                    "/api/v1/framework/versions",
                    {
                        "label": f"campaign v{i}",
                        "note": "published during the campaign",
                    },
                )
            )
    return out
