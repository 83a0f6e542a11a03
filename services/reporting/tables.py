"""Read-model tables of reporting (SQLite embedded, PostgreSQL distributed).

``rm_indicators`` answers "the framework now" in one read. ``rm_timeline``
keeps every version of every indicator's definition, results, assessments,
challenges, decisions and actions, each with the time it took effect, so
"the framework as of T" is a handful of index lookups per indicator rather
than a scan of history: the cost does not grow with the log.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

framework_rows = sa.Table(
    "rm_indicators",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("registered_at", sa.String(40)),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("latest", sa.Text),  # JSON of the latest result (greatest period)
    sa.Column("assessment", sa.Text),
)

# The newest result (corrections replace) for each indicator and period.
results = sa.Table(
    "rm_results",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("period_end", sa.String(10), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

timeline = sa.Table(
    "rm_timeline",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("valid_from", sa.String(40), nullable=False),  # occurred_at
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("period_end", sa.String(10)),
    sa.Column("round_id", sa.String(40)),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    # Causal order: occurred_at/recorded_at/stream/version of the fact, or for
    # an assessment's answer the moment of the facts it used, then "~" so it
    # follows them. Never arrival order: topics interleave differently.
    sa.Column("sort_key", sa.String(250), nullable=False),
)
# "The newest version of X for this indicator at time T" is one seek on this index.
sa.Index("ix_timeline_order", timeline.c.code, timeline.c.kind, timeline.c.sort_key)
# "The latest result at time T" (the greatest period among the results known
# then, its newest figure): a walk down this index from the greatest period to
# the first entry before T, without reading a table row. It replaces a
# "latest" row per result, which repeated the result row beside it.
results_index = sa.Index(
    "ix_timeline_results",
    timeline.c.code,
    timeline.c.period_end,
    timeline.c.sort_key,
    sqlite_where=timeline.c.kind == sa.literal_column("'result'"),
    postgresql_where=timeline.c.kind == sa.literal_column("'result'"),
)

versions = sa.Table(
    "rm_versions",
    metadata,
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("published_at", sa.String(40), nullable=False),
    sa.Column("published_by", sa.String(200), nullable=False),
    sa.Column("snapshot", sa.Text, nullable=False),  # JSON: settings, indicators
)

settings_history = sa.Table(
    "rm_settings",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("valid_from", sa.String(40), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)

rounds = sa.Table(
    "rm_rounds",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

round_assessments = sa.Table(
    "rm_round_assessments",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

actions = sa.Table(
    "rm_actions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("round_id", sa.String(40)),
    sa.Column("data", sa.Text, nullable=False),
)

# Published figures for other areas (England, regions, other councils), every
# load kept with when it took effect: the newest row for an (indicator, area,
# period) counts now, and "as of T" is the newest with valid_from <= T.
comparator_figures = sa.Table(
    "rm_comparators",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("indicator_code", sa.String(32), nullable=False),
    sa.Column("area_code", sa.String(20), nullable=False),
    sa.Column("period_end", sa.String(10), nullable=False),
    sa.Column("area_type", sa.String(30), nullable=False),
    sa.Column("area_name", sa.Text),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("published", sa.String(10)),
    sa.Column("valid_from", sa.String(40), nullable=False),
)
sa.Index(
    "ix_comparators_indicator",
    comparator_figures.c.indicator_code,
    comparator_figures.c.period_end,
)
