"""A real Apache Kafka broker for tests, started by ``deploy/kafka/kafka.sh``.

A broker that cannot start raises ``RuntimeError`` with the script's output:
tests that need Kafka fail, they never skip.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.postgres import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO_ROOT / "deploy" / "kafka" / "kafka.sh"


class Broker:
    """A single-node KRaft broker in a private directory on free ports."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.port = free_port()
        self.controller_port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_DIR": str(self.run_dir),
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
        }

    def _script(self, command: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(KAFKA_SH), command],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> str:
        """Start the broker; returns its bootstrap address."""
        result = self._script("start", timeout=600)
        if result.returncode != 0:
            self._script("stop", timeout=60)
            raise RuntimeError(
                f"Kafka did not start (rc={result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return self.bootstrap

    def stop(self) -> None:
        """Stop the broker."""
        self._script("stop", timeout=60)
