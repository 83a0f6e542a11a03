"""Equalities reads: each indicator's groups and the framework's widest gaps.

Computed from what the read models already hold (every result with its
breakdowns, and the timeline for "as of"), so no table of its own: a gap is a
view of results, and replaying the log rebuilds it with them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from shared import codec
from shared.errors import NotFound

from .comparator_queries import result_rows_as_of
from .queries import FrameworkQueries
from .reports.group_gaps import framework_gaps, gap_threshold_of, group_series

MEMO_SIZE = 256


class EqualityQueries:
    """Group figures and gaps, now or as of a time."""

    def __init__(
        self, queries: FrameworkQueries, small_number_threshold: float
    ) -> None:
        self.queries = queries
        self.threshold = small_number_threshold
        # Answers at the read models' current position: any change clears them.
        self._position: Hashable = None
        self._kept: dict[Hashable, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _remembered(
        self, key: Hashable, compute: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        position = self.queries.change_key()
        with self._lock:
            if position != self._position:
                self._position, self._kept = position, {}
            kept = self._kept.get(key)
        if kept is None:
            kept = compute()
            with self._lock:
                if len(self._kept) >= MEMO_SIZE:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[key] = kept
        return kept

    def _framework(self, at: str | None) -> dict[str, Any]:
        return self.queries.as_of(at) if at else self.queries.current()

    def _results(self, codes: Iterable[str], at: str | None) -> dict[str, list[Any]]:
        """Each indicator's results by period (the newest for each period)."""
        wanted = list(codes)
        found: dict[str, dict[str, Any]] = {c: {} for c in wanted}
        with self.queries.engine.connect() as conn:
            for code, period, data in result_rows_as_of(conn, wanted, at):
                found[code][period] = data  # later rows are corrections
        return {
            code: [codec.loads(d) for _, d in sorted(by_period.items())]
            for code, by_period in found.items()
        }

    def _gap_threshold(self, framework: dict[str, Any]) -> float:
        return gap_threshold_of(framework.get("settings") or {})

    def indicator(self, code: str, at: str | None = None) -> dict[str, Any]:
        """One indicator's groups in every period that carried a breakdown."""
        return self._remembered(
            ("indicator", code, at), lambda: self._indicator(code, at)
        )

    def _indicator(self, code: str, at: str | None) -> dict[str, Any]:
        framework = self._framework(at)
        entry = next((i for i in framework["indicators"] if i["code"] == code), None)
        if entry is None:
            raise NotFound(f"No indicator with code {code!r}")
        series = group_series(
            self._results([code], at)[code],
            entry.get("polarity") or "higher_is_better",
            entry.get("unit") or "",
            self.threshold,
            self._gap_threshold(framework),
        )
        return {
            "code": code,
            "title": entry.get("title"),
            "polarity": entry.get("polarity"),
            "unit": entry.get("unit"),
            "as_of": framework.get("as_of"),
            "small_number_threshold": self.threshold,
            "gap_threshold": self._gap_threshold(framework),
            "latest": series[-1].as_dict() if series else None,
            "periods": [p.as_dict() for p in series],
        }

    def framework(self, at: str | None = None) -> dict[str, Any]:
        """Groups behind all children in each indicator's latest breakdown,
        flagged gaps first, then the widest relative to the whole population."""
        return self._remembered(("framework", at), lambda: self._across(at))

    def _across(self, at: str | None) -> dict[str, Any]:
        framework = self._framework(at)
        live = [i for i in framework["indicators"] if not i.get("retired")]
        by_code = self._results([i["code"] for i in live], at)
        found = framework_gaps(
            ((i, by_code[i["code"]]) for i in live),
            self.threshold,
            self._gap_threshold(framework),
        )
        return {"as_of": framework.get("as_of"), **found}
