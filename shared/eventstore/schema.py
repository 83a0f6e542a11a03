"""Tables of the event store: the log, and the consumers' tracking records."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# One row per event. ``position`` is the global order that followers read in.
events = sa.Table(
    "events",
    metadata,
    sa.Column(
        "position",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("stream", sa.String(200), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("occurred_at", sa.String(40), nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.Column("causation_id", sa.String(64)),
    sa.Column("data", sa.Text, nullable=False),
    sa.UniqueConstraint("stream", "stream_version", name="uq_events_stream_version"),
)
sa.Index("ix_events_type", events.c.type)

# A follower's last processed global position (embedded log, relays).
tracking = sa.Table(
    "tracking",
    metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

# A stream consumer's last processed version of each stream (Kafka consumers):
# at-least-once delivery may repeat an event; the version says it was seen.
stream_tracking = sa.Table(
    "stream_tracking",
    metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("stream", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# Events a consumer could not apply (its own code raised on them), and the
# events of the same stream that wait behind them. Kept per consumer until
# ``pmf parked retry`` applies them; the log itself is never edited.
parked = sa.Table(
    "parked_events",
    metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("stream", sa.String(200), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("position", sa.BigInteger),
    sa.Column("type", sa.String(100), nullable=False),
    # "failed": the consumer raised on it; "waiting": behind a failed one.
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("parked_at", sa.String(40), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=1),
    sa.Column("envelope", sa.Text, nullable=False),
)
sa.Index("ix_parked_stream", parked.c.consumer, parked.c.stream)
