"""Start pmf processes for tests and wait until they answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from shared.events.actors import actor_without_token

REPO_ROOT = Path(__file__).resolve().parents[2]
PMF = [sys.executable, "-m", "services"]
T = TypeVar("T")


class Process:
    """A pmf process started by a test, with its log kept for failures."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [*PMF, *args],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self, lines: int = 40) -> str:
        """The last lines of the process's output."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        """Wait until ``url`` answers 200, or fail with the process's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"process exited {self.proc.returncode}:\n{self.tail()}"
                )
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer in {timeout}s:\n{self.tail()}")

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then SIGKILL if it lingers; returns the exit code."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._out.close()
        return self.proc.returncode


def create_token(role: str, env: dict[str, str] | None = None, *args: str) -> str:
    """A token made with ``pmf token create`` (the CLI prints it last)."""
    done = subprocess.run(
        [*PMF, "token", "create", "--role", role, *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def role_tokens(env: dict[str, str] | None = None, *args: str) -> dict[str, str]:
    """One token for each role the scenarios use."""
    return {r: create_token(r, env, *args) for r in ("admin", "system", "executive")}


def eventually(
    check: Callable[[], T], timeout: float = 60.0, interval: float = 0.25
) -> T:
    """Retry ``check`` until it returns without an AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)


def without_timestamps(value: Any) -> Any:
    """The JSON with every ``*_at`` field removed (they differ between runs),
    and actors without their token id (each mode has tokens of its own)."""
    if isinstance(value, str):
        return actor_without_token(value)
    if isinstance(value, dict):
        return {
            k: without_timestamps(v) for k, v in value.items() if not k.endswith("_at")
        }
    if isinstance(value, list):
        return [without_timestamps(v) for v in value]
    return value
