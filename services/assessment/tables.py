"""Tables the assessment service keeps: facts with their times, and answers.

Every fact is kept with its **key**: the time it was recorded in the log
(``occurred_at/recorded_at`` of its event, fixed-width text) followed by its
stream and version, so text order is the causal order and the answer at any
moment can be recomputed from the facts at or before it, whatever order the
facts were delivered in (see docs/assessment.md, "Causal order").
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

KEY = 200  # room for two timestamps, a stream name and a version

# One row per indicator: its definition as its stream now says (the fold of
# every indicator event so far) and its current assessment (the answer at its
# latest moment), which the list route reads.
indicator_facts = sa.Table(
    "asm_indicators",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("definition", sa.Text),  # JSON, null until registered
    sa.Column("assessment", sa.Text),  # JSON of the latest current answer
)

# Each version of a definition, from the event that made it.
definitions = sa.Table(
    "asm_definitions",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(KEY), primary_key=True),
    sa.Column("definition", sa.Text, nullable=False),
)

# Each result (a lead's return or an LAA result), one row each.
results = sa.Table(
    "asm_results",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(KEY), primary_key=True),
    sa.Column("period_end", sa.String(10), nullable=False),
    sa.Column("value", sa.Text, nullable=False),  # JSON number, as sent
    sa.Column("prediction", sa.String(20)),
    sa.Column("source", sa.String(8), nullable=False),
)

# Collection rounds as they stand now (the routes read these).
rounds = sa.Table(
    "asm_rounds",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("period_end", sa.String(10), nullable=False),
    sa.Column("scope", sa.Text),  # JSON list or null (all measurable)
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("deadline_passed", sa.Boolean, nullable=False),
)

# Every round event, so a round's state at any moment can be folded again.
round_events = sa.Table(
    "asm_round_events",
    metadata,
    sa.Column("key", sa.String(KEY), primary_key=True),
    sa.Column("round_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),  # the event type
    sa.Column("period_end", sa.String(10)),
    sa.Column("scope", sa.Text),
)

# Every framework settings change.
framework_settings = sa.Table(
    "asm_settings",
    metadata,
    sa.Column("key", sa.String(KEY), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

# The answers said in the log: one row per indicator, series ('' for the
# current assessment, else a round id) and moment an AssessmentChanged was
# emitted for. Kept so a late fact can be compared against what was said.
answers = sa.Table(
    "asm_answers",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("series", sa.String(40), primary_key=True),
    sa.Column("at", sa.String(KEY), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

# Each indicator's latest assessment at each round, and the flags raised.
round_assessments = sa.Table(
    "asm_round_assessments",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("raised", sa.Text, nullable=False),  # JSON list of flag codes
)

# The Executive's decisions on a flagged indicator for a round, each from the
# moment it was recorded.
decisions = sa.Table(
    "asm_decisions",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("at", sa.String(KEY), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

# One row: the token of the last transaction that changed the assessment's
# tables. A process keeps indicators' facts in memory between batches only
# while this still holds the token it wrote (see services.assessment.memory).
writer = sa.Table(
    "asm_writer",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("token", sa.String(80)),
)
