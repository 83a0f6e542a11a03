"""The LAA simulator makes valid quarterly results and the malformed kinds asked for."""

from __future__ import annotations

from datetime import date

from services.returns import laa
from services.returns.simulator import SimulatedIndicator, messages, quarters


def test_quarters_are_consecutive_quarter_ends() -> None:
    assert quarters(date(2008, 6, 30), 4) == [
        date(2008, 6, 30),
        date(2008, 9, 30),
        date(2008, 12, 31),
        date(2009, 3, 31),
    ]


def test_valid_messages_parse_and_a_share_is_malformed() -> None:
    inds = [SimulatedIndicator("NI 110", 60.0, 0.5), SimulatedIndicator("NI 112", 45.0)]
    clean = [laa.parse(v) for _, v in messages(inds, 40)]
    assert all(isinstance(m, laa.LaaResult) for m in clean)
    assert len({m.result_id for m in clean if isinstance(m, laa.LaaResult)}) == 40
    mixed = [laa.parse(v) for _, v in messages(inds, 400, bad_share=0.25, seed=1)]
    rejected = [m for m in mixed if isinstance(m, laa.Rejection)]
    assert 60 < len(rejected) < 140
    reasons = {r.reason.split(" ")[0] for r in rejected}
    assert {"not", "missing", "value", "period_end"} <= reasons
    assert (
        messages(inds, 10, 0.5, seed=3).__next__()
        == messages(inds, 10, 0.5, seed=3).__next__()
    )
