"""The snapshot as JSON, for machines: the same facts as the papers, suppressed alike.

Keys are sorted and lists keep the snapshot's order (it is meaningful: worst concern
first, results oldest first), so the same snapshot always gives the same bytes. Every
value the papers print as "c" is the string "c" here too, and a top-level
`suppression` object says so.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from . import labels
from .group_gaps import withheld

# The numeric fields of an indicator that can hold a count of children.
_POINT_LISTS = ("milestones", "results", "trajectory")
_POINTS = ("baseline", "target", "latest_result")


def render_json(snapshot: dict[str, Any]) -> bytes:
    """The suppressed snapshot as UTF-8 JSON, indented, keys sorted."""
    data = suppressed_snapshot(snapshot)
    text = json.dumps(
        data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
    )
    return (text + "\n").encode("utf-8")


def suppressed_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A copy of the snapshot with small counts of children replaced by "c"."""
    data = copy.deepcopy(snapshot)
    threshold = labels.small_number_threshold(data.get("settings") or {})
    units: dict[str, str] = {}
    for indicator in data.get("indicators") or []:
        unit = str(indicator.get("unit") or "")
        units[str(indicator.get("code"))] = unit
        _suppress_indicator(indicator, unit, threshold)
    for challenge in data.get("challenges") or []:
        unit = units.get(str(challenge.get("indicator_code")), "")
        _mask_flags(challenge.get("flags"), unit, threshold)
    data["suppression"] = {
        "symbol": labels.SUPPRESSED,
        "threshold": threshold,
        "unit": "number",
        "rule": "Counts of children below the threshold are replaced by the symbol.",
    }
    return data


def _suppress_indicator(indicator: dict[str, Any], unit: str, threshold: float) -> None:
    def hide(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (
                labels.SUPPRESSED
                if labels.is_suppressed(value, unit, threshold)
                else value
            )
        return value

    for name in _POINTS:
        _replace(indicator.get(name), "value", hide)
    for name in _POINT_LISTS:
        for point in indicator.get(name) or []:
            _replace(point, "value", hide)
    indicator["projection"] = hide(indicator.get("projection"))
    latest = indicator.get("latest_result") or {}
    counts = latest.pop("breakdown_counts", None) or {}  # the papers print none
    if latest.get("breakdowns"):
        latest["breakdowns"] = {
            g: labels.SUPPRESSED if withheld(v, counts.get(g), unit, threshold) else v
            for g, v in latest["breakdowns"].items()
        }
    if indicator.get("status_explanation"):
        indicator["status_explanation"] = labels.mask_small_numbers(
            indicator["status_explanation"], unit, threshold
        )
    _mask_flags(indicator.get("flags"), unit, threshold)


def _replace(point: Any, key: str, hide: Callable[[Any], Any]) -> None:
    if isinstance(point, dict) and key in point:
        point[key] = hide(point[key])


def _mask_flags(flags: Any, unit: str, threshold: float) -> None:
    for flag in flags or []:
        if isinstance(flag, dict) and flag.get("explanation"):
            flag["explanation"] = labels.mask_small_numbers(
                flag["explanation"], unit, threshold
            )
