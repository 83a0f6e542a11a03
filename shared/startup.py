"""The slow part of a service's start, run in the background after HTTP is up.

Creating schemas, applying migrations, creating topics and connecting producers
each wait on a dependency that may be slow or away (a broker restarting, a
database failing over). Done before the HTTP listener, they kept a restarted
service's port closed for seconds and made a service started during a broker
outage exit. Here they are named steps, run in order in one thread: a step that
fails is tried again with back-off (one log line when it starts waiting, one when
it is through), and the service says in ``/readyz`` which step it waits for and
why. Later steps wait for earlier ones; each step's completion is an event the
rest of the service can wait on (the API opens when the database is prepared,
the consumers start when everything is).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.http.readiness import Check
from shared.messaging.failures import is_passing

log = logging.getLogger(__name__)

#: Seconds between tries of a failing step, doubling up to MAX_BACKOFF.
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 5.0


@dataclass(frozen=True)
class Step:
    """One thing to do before the service is fully up, and what it waits for."""

    name: str
    run: Callable[[], object]
    # What to look at while the step fails ("the database", "the broker at ...").
    waits_for: str


class Startup:
    """Runs :class:`Step` s in order in a daemon thread until all are done."""

    def __init__(self, steps: list[Step], service: str = "") -> None:
        self.steps = steps
        self.service = service
        self._done = {step.name: threading.Event() for step in steps}
        self._lock = threading.Lock()
        self._current: Step | None = steps[0] if steps else None
        self._error: str | None = None
        self._since = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()
        if not steps:
            self.finished.set()

    def done(self, step: str) -> bool:
        """True once ``step`` has completed."""
        return self._done[step].is_set()

    def waiting(self) -> str:
        """What the service still waits for, in a phrase (for logs and refusals)."""
        with self._lock:
            step, error = self._current, self._error
        if step is None:
            return "started"
        if error is None:
            return f"{step.name} in progress"
        return f"waiting for {step.waits_for}: {error}"

    def check(self) -> Check:
        """Readiness: down until every step is done, naming the step and its error."""
        if self.finished.is_set():
            return Check("startup")
        with self._lock:
            since = time.monotonic() - self._since
        return Check(
            "startup", "down", self.waiting()[:300], {"for_seconds": round(since, 1)}
        )

    def start(self) -> None:
        """Run the steps in a background thread."""
        self._thread = threading.Thread(
            target=self._run, name="service-startup", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Give up on the remaining steps (the service is stopping)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run_now(self) -> None:
        """Run the steps in this thread (for tools and tests that need them done)."""
        self._run()

    def _run(self) -> None:
        started = time.monotonic()
        for step in self.steps:
            with self._lock:
                self._current, self._error = step, None
                self._since = time.monotonic()
            if not self._attempt(step):
                return
            self._done[step.name].set()
            log.info(
                "startup: %s done",
                step.name,
                extra={"seconds": round(time.monotonic() - started, 2)},
            )
        with self._lock:
            self._current = None
        self.finished.set()
        log.info(
            "startup complete",
            extra={"seconds": round(time.monotonic() - started, 2)},
        )

    def _attempt(self, step: Step) -> bool:
        """Run ``step`` until it succeeds; False if stopped first."""
        delay = FIRST_BACKOFF
        failing = False
        while not self._stop.is_set():
            try:
                step.run()
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:300]
                with self._lock:
                    self._error = error
                if not failing:
                    log.warning(
                        "startup: %s waits for %s, retrying: %s",
                        step.name,
                        step.waits_for,
                        error,
                        # Not a dependency away: show where it broke.
                        exc_info=None if is_passing(exc) else exc,
                    )
                    failing = True
                else:
                    log.debug("startup: %s still failing: %s", step.name, error)
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            if failing:
                log.warning("startup: %s: %s is back", step.name, step.waits_for)
            return True
        return False
