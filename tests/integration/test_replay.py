"""``pmf replay`` rebuilds read models identical to the live projection."""

from __future__ import annotations

import contextlib
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from services.cli import app
from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from services.replay import MARKER, read_models, replay_read_models
from services.reporting.tables import metadata as reporting_tables
from shared.settings import Settings


def dump(system: EmbeddedSystem) -> dict[str, list[tuple[object, ...]]]:
    with system.engine.connect() as conn:
        return {
            t.name: [
                tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key))
            ]
            for t in reporting_tables.sorted_tables
        }


def test_replay_gives_the_same_read_models_and_reports(tmp_path: Path) -> None:
    system = EmbeddedSystem(Settings(data_dir=tmp_path / "data"))
    load_demo_into(system)
    before = dump(system)
    board = system.framework.current()
    assert sum(len(rows) for rows in before.values()) > 500
    seen: list[tuple[int, int]] = []
    replayed = replay_read_models(
        system.store, system.engine, lambda d, t: seen.append((d, t))
    )
    assert replayed == system.store.head()
    assert seen and seen[-1][0] == seen[-1][1]
    # The bulk settings of the replay's connection are put back afterwards.
    with system.engine.connect() as conn:
        pragmas = [
            conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("wal_autocheckpoint", "cache_size", "synchronous")
        ]
    assert pragmas == [1000, -2000, 2]
    assert dump(system) == before
    assert system.framework.current() == board


def test_the_replay_command_shows_progress(tmp_path: Path) -> None:
    data = tmp_path / "data"
    system = EmbeddedSystem(Settings(data_dir=data))
    load_demo_into(system)
    result = CliRunner().invoke(app, ["replay", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert "Replayed" in result.output


def test_an_interrupted_replay_resumes(tmp_path: Path) -> None:
    system = EmbeddedSystem(Settings(data_dir=tmp_path / "data"))
    load_demo_into(system)
    before = dump(system)
    calls = 0

    def crash_after_first_batch(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 1 and done < total:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C

    with contextlib.suppress(KeyboardInterrupt):
        replay_read_models(system.store, system.engine, crash_after_first_batch, 100)
    assert dump(system) != before  # half rebuilt
    replay_read_models(system.store, system.engine)
    assert dump(system) == before


def test_replay_reads_the_log_once_for_every_read_model(tmp_path: Path) -> None:
    system = EmbeddedSystem(Settings(data_dir=tmp_path / "data"))
    load_demo_into(system)
    before = dump(system)
    store = system.store
    read = store.read_all
    events_read = 0

    def counting_read_all(after: int = 0, limit: int = 1000, conn=None):  # type: ignore[no-untyped-def]
        nonlocal events_read
        found = read(after, limit, conn=conn)
        events_read += len(found)
        return found

    store.read_all = counting_read_all  # type: ignore[method-assign]
    replay_read_models(store, system.engine, batch_size=500)
    assert events_read == store.head()  # one pass, however many read models
    assert dump(system) == before
    with system.engine.connect() as conn:
        positions = conn.execute(sa.text("SELECT consumer, position FROM tracking"))
        rebuilt = dict(positions.all())
    names = [p.name for p in read_models()]
    assert [rebuilt[n] for n in names] == [store.head()] * len(names)
    assert MARKER not in rebuilt
