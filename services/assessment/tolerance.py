"""The tolerance of section 5: how far off target still counts as AMBER (or GREEN
for a `closer_is_better` indicator)."""

from __future__ import annotations

from services.assessment.facts import Definition, FrameworkSettings
from services.assessment.numbers import eq


def tolerance(definition: Definition, settings: FrameworkSettings) -> float | None:
    """The indicator's own tolerance if set; else a fraction of the planned change.

    The fallback is `amber_fraction` * |T - b|, or `amber_fraction` * |T| when the
    plan is to hold the baseline level (T equals b up to rounding). None when neither
    a tolerance nor both baseline and target are known. A set tolerance is a
    magnitude, so its sign is ignored.
    """
    if definition.tolerance is not None:
        return abs(definition.tolerance)
    if definition.baseline is None or definition.target is None:
        return None
    planned, base = definition.target.value, definition.baseline.value
    if eq(planned, base):
        return settings.amber_fraction * abs(planned)
    return settings.amber_fraction * abs(planned - base)
