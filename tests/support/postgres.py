"""A private PostgreSQL server for tests, started by ``deploy/postgres/pg.sh``.

The script owns every detail (finding or installing the binaries, the ``postgres``
system user, initdb, the role ``pmf``/``pmf`` and the databases); this module only
passes it a run directory, a port and the databases through its environment. A
server that cannot start raises ``RuntimeError`` with the script's output: tests that
need PostgreSQL fail, they never skip.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from bench.procs import free_port as free_port  # one chooser for tests and bench

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_SCRIPT = REPO_ROOT / "deploy" / "postgres" / "pg.sh"
START_TIMEOUT_S = 300  # the first start may apt-get install postgresql


def start_private_postgres(run_dir: Path, port: int, databases: list[str]) -> str:
    """Start (or reuse) the server in ``run_dir`` on 127.0.0.1:``port``.

    Creates the ``databases`` owned by role ``pmf`` when missing and returns the
    SQLAlchemy base URL without a database, e.g.
    ``postgresql+psycopg://pmf:pmf@127.0.0.1:55432``; append ``/<db>`` to use one.
    Runs with ``PG_FAST=1`` (no fsync): test data only.
    """
    _run_script("start", run_dir, port, databases, timeout=START_TIMEOUT_S)
    return base_url(port)


def stop_private_postgres(run_dir: Path, port: int) -> None:
    """Stop the server in ``run_dir`` (fast shutdown); a stopped server is fine."""
    _run_script("stop", run_dir, port, [], timeout=60)


def base_url(port: int) -> str:
    """The SQLAlchemy (psycopg 3) URL of the server on ``port``, without a database."""
    return f"postgresql+psycopg://pmf:pmf@127.0.0.1:{port}"


def _run_script(
    command: str, run_dir: Path, port: int, databases: list[str], timeout: float
) -> str:
    env = {
        **os.environ,
        "PG_DIR": str(Path(run_dir).resolve()),
        "PG_PORT": str(port),
        "PG_DATABASES": " ".join(databases) or "pmf",
        "PG_FAST": "1",
    }
    try:
        done = subprocess.run(
            ["bash", str(PG_SCRIPT), command],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(
            f"pg.sh {command} timed out after {timeout}s:\n"
            f"{_text(exc.stdout)}{_text(exc.stderr)}"
        ) from exc
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(
            f"pg.sh {command} failed (exit {done.returncode}) for {run_dir} "
            f"port {port}:\n{output}"
        )
    return output


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def private_run_dir(prefix: str = "pmf-pg-") -> Path:
    """A run directory the ``postgres`` user can reach, outside pytest's tmp.

    pytest makes its temporary root private (0700) at the start of every
    session, which would cut a server off from its files if another session
    starts meanwhile; PostgreSQL's directories live apart for that reason.
    """
    import tempfile

    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    return base / "pg"
