"""Serve an ASGI app (FastAPI) and run a Faust app in one process, on one event loop.

Why this pattern, with faust-streaming 0.15.3, mode-streaming 0.7.1 and uvicorn 0.54:

* **One loop, no threads.** Faust's producer, consumer and tables belong to the loop
  they started on; an HTTP handler that sends to a Faust topic from another thread's
  loop breaks. So uvicorn and Faust share the loop that :func:`asyncio.run` creates.
* **Not ``faust worker`` + ``faust.contrib.asgi.serve_asgi``.** That needs Faust's
  CLI and ``web_enabled=True`` (``serve_asgi`` obeys it); we keep ``web_enabled=False``
  so Faust never binds a port of its own, and ``pmf serve`` owns the command line.
* **Not ``faust.contrib.asgi.faust_lifespan`` under ``uvicorn.run``.** uvicorn 0.54
  captures SIGINT/SIGTERM and, after its graceful shutdown, *re-raises* the signal
  (``signal.raise_signal``): with SIGTERM the process then dies on the default
  handler and the caller's ``finally`` blocks (relay, DB pools) never run. A lifespan
  also replaces the FastAPI app's own lifespan unless composed by hand.
* **So we drive both ourselves:** bind the HTTP socket first (a busy port fails at
  once; ``pmf serve`` binds it even before importing this module), serve HTTP with
  uvicorn on that socket at once (the ASGI app's own lifespan runs as usual) and start
  Faust beside it once the service no longer holds it back (``hold``: its schemas and
  topics are prepared in the background) and the broker answers. ``App.start()``
  returns after partitions are assigned and tables are recovered; until then
  :class:`FaustStatus` says what the consumers wait for (the broker, the consumer
  group) so ``/readyz`` can say "not ready" and the log says why, once per change. We
  own the signals: the first SIGINT/SIGTERM stops uvicorn gracefully, then Faust (its
  consumer commits acked offsets and leaves the group), and :func:`run_with_faust`
  *returns*; a second signal forces uvicorn to drop open connections. If Faust fails
  to start or crashes, HTTP is stopped and an exception raised.

Why HTTP does not wait for Faust: after a ``kill -9`` the broker keeps the dead
member in the group until its session times out, and the new member's join waits
for that (up to ``broker_session_timeout``, 60 s by Faust's default). A process
that served nothing meanwhile looked dead to operators and health checks; now
``/healthz`` answers within a second and ``/readyz`` tells the truth.

Caveats: requests are served before the consumers run, so an HTTP handler that
sends through Faust's producer must check :class:`FaustStatus` first; Faust is
at-least-once, so the last events processed before a stop may be processed
again after a restart (consumers must be idempotent). Declare topics, agents and
tables at import time but never touch ``faust_app.loop`` before calling this
(``faust.contrib.asgi.LoopMismatch`` otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

import faust
import uvicorn
from faust.contrib.asgi import bind_to_running_loop

from shared.http.starting import bind

log = logging.getLogger(__name__)

#: Seconds to wait for the Faust app to stop (commit offsets, leave the group).
DEFAULT_STOP_TIMEOUT = 20.0
#: Seconds between looks at what a starting Faust app waits for.
WATCH_INTERVAL = 1.0
#: Seconds between looks for a broker that does not answer.
BROKER_RETRY_SECONDS = 2.0
#: Seconds between looks at whether the service lets Faust start.
HOLD_POLL_SECONDS = 0.2
#: Seconds a broker probe may take.
PROBE_TIMEOUT = 2.0

ConsumerState = Literal[
    "starting", "waiting for broker", "joining group", "running", "stopped", "failed"
]


class FaustStatus:
    """Where a hosted Faust app is: starting, waiting, running, stopped or failed.

    Written by :func:`run_with_faust` on the event loop and read from any thread
    (``/readyz`` runs in uvicorn's thread pool), hence the lock.
    """

    def __init__(self, group: str = "") -> None:
        self.group = group
        self._lock = threading.Lock()
        self._state: ConsumerState = "starting"
        self._since = time.monotonic()
        self._detail: str | None = None

    @property
    def state(self) -> ConsumerState:
        with self._lock:
            return self._state

    @property
    def running(self) -> bool:
        """The consumers have joined their group and take messages."""
        return self.state == "running"

    def snapshot(self) -> tuple[ConsumerState, float, str | None]:
        """(state, seconds in it, detail)."""
        with self._lock:
            return self._state, time.monotonic() - self._since, self._detail

    def set(self, state: ConsumerState, detail: str | None = None) -> bool:
        """Record a state; True (and one log line) when it changed."""
        with self._lock:
            if state == self._state and detail == self._detail:
                return False
            self._state, self._detail = state, detail
            self._since = time.monotonic()
        _log_state(self.group, state, detail)
        return True


def _log_state(group: str, state: ConsumerState, detail: str | None) -> None:
    if state == "waiting for broker":
        log.warning("waiting for broker %s (consumer group %s)", detail or "", group)
    elif state == "joining group":
        log.info(
            "joining consumer group %s (after a hard stop the broker first waits "
            "for the old member's session to time out)",
            group,
        )
    elif state == "running":
        log.info("consumer group %s joined: consumers running", group)
    elif state == "failed":
        log.error("consumers of group %s failed: %s", group, detail)
    elif state == "stopped":
        log.info("consumers of group %s stopped", group)


def tcp_probe(faust_app: faust.App) -> Callable[[], bool]:
    """A probe that the first bootstrap broker accepts TCP connections."""
    url = faust_app.conf.broker[0]
    host, port = url.host or "127.0.0.1", url.port or 9092

    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=PROBE_TIMEOUT):
                return True
        except OSError:
            return False

    return probe


class _Server(uvicorn.Server):
    """uvicorn's server without its signal capture: :func:`run_with_faust` owns them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class FaustHostError(RuntimeError):
    """The Faust app failed to start, or crashed while serving."""


def run_with_faust(
    asgi_app: Any,
    faust_app: faust.App,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    start_timeout: float | None = None,
    stop_timeout: float = DEFAULT_STOP_TIMEOUT,
    status: FaustStatus | None = None,
    broker_probe: Callable[[], bool] | None = None,
    sock: socket.socket | None = None,
    hold: Callable[[], str | None] | None = None,
) -> None:
    """Serve ``asgi_app`` on ``host:port`` while ``faust_app``'s agents consume.

    HTTP is served at once; Faust starts beside it and ``status`` (give one to
    read it from the app's ``/readyz``) follows it. Blocks until SIGINT or SIGTERM,
    then stops HTTP, then Faust, and returns normally (so the caller's cleanup
    runs). ``faust_app`` should be created with ``web_enabled=False``. Raises
    :class:`OSError` if the port cannot be bound, and :class:`FaustHostError` if
    Faust does not start (within ``start_timeout`` seconds, when given) or
    crashes while serving. ``broker_probe`` tells "waiting for broker" from
    "joining group" while Faust starts (default: a TCP connect to the first
    bootstrap broker). ``sock``, when given, is a socket already bound and
    listening on ``host:port`` (``pmf serve`` binds it before anything slow).
    ``hold`` keeps Faust from starting while it returns a reason (the service's
    schemas and topics are still being prepared, say); None lets it start.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    status = status if status is not None else FaustStatus()
    status.group = status.group or str(faust_app.conf.id)
    probe = broker_probe or tcp_probe(faust_app)
    sock = sock if sock is not None else bind(host, port)
    try:
        asyncio.run(
            _serve(
                asgi_app,
                faust_app,
                sock,
                log_level,
                start_timeout,
                stop_timeout,
                status,
                probe,
                hold,
            )
        )
    finally:
        sock.close()


async def _watch_start(
    starting: asyncio.Future[Any],
    status: FaustStatus,
    probe: Callable[[], bool],
    where: str,
) -> None:
    """Until Faust has started, say what it waits for (a line per change only)."""
    while not starting.done():
        reachable = await asyncio.to_thread(probe)
        if starting.done():
            return
        if reachable:
            status.set("joining group")
        else:
            status.set("waiting for broker", where)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(starting), WATCH_INTERVAL)


async def _serve(
    asgi_app: Any,
    faust_app: faust.App,
    sock: socket.socket,
    log_level: str,
    start_timeout: float | None,
    stop_timeout: float,
    status: FaustStatus,
    probe: Callable[[], bool],
    hold: Callable[[], str | None] | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    bind_to_running_loop(faust_app)
    stop_requested = asyncio.Event()
    config = uvicorn.Config(
        asgi_app,
        log_level=log_level,
        lifespan="auto",
        log_config=None,  # keep the process's own (JSON) logging
        access_log=False,  # pmf logs each request with its correlation id
    )
    server = _Server(config)
    signals_seen = 0

    def on_signal(signum: int) -> None:
        nonlocal signals_seen
        signals_seen += 1
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stop_requested.set()
        server.should_exit = True
        if signals_seen > 1:
            server.force_exit = True

    handled = (signal.SIGINT, signal.SIGTERM)
    for signum in handled:
        loop.add_signal_handler(signum, on_signal, signum)
    tasks: list[asyncio.Future[Any]] = []

    async def run() -> BaseException | None:
        """Serve until stopped; the failure to report, if any."""
        # 1. HTTP at once, on the socket bound before anything else.
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        stop_wait = asyncio.ensure_future(stop_requested.wait())
        tasks.extend([serving, stop_wait])
        # 2. Faust's start fails at once when no broker answers (its producer
        #    cannot bootstrap), and a failed Faust app cannot be started again:
        #    so wait for the broker first, looking every few seconds.
        status.set("starting")
        where = _broker_address(faust_app)
        # 2a. What Faust's agents need (schemas, topics) is prepared first.
        while hold is not None and (held := hold()) is not None:
            status.set("starting", held)
            await asyncio.wait({stop_wait, serving}, timeout=HOLD_POLL_SECONDS)
            if stop_requested.is_set():
                log.info("stopped while the service was being prepared")
                return None
            if serving.done():
                serving.result()
                return FaustHostError("HTTP server did not start (see log above)")
        status.set("starting")
        while not await asyncio.to_thread(probe):
            status.set("waiting for broker", where)
            await asyncio.wait({stop_wait, serving}, timeout=BROKER_RETRY_SECONDS)
            if stop_requested.is_set():
                log.info("stopped while waiting for the broker")
                return None
            if serving.done():
                serving.result()
                return FaustHostError("HTTP server did not start (see log above)")
        # 3. Faust beside HTTP: App.start() returns once partitions are assigned
        #    and the tables recovered.
        faust_app.in_worker = True  # as `faust worker` does (transactions if EOS)
        starting = asyncio.ensure_future(faust_app.start())
        watching = asyncio.ensure_future(_watch_start(starting, status, probe, where))
        tasks.extend([starting, watching])
        done, _ = await asyncio.wait(
            {starting, stop_wait, serving},
            timeout=start_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if stop_requested.is_set():
            if not starting.done():
                log.info("stopped while Faust was starting")
            return None
        if serving in done:
            serving.result()  # an exception from uvicorn goes up as it is
            return FaustHostError("HTTP server did not start (see log above)")
        if starting not in done:
            return FaustHostError(f"Faust app did not start within {start_timeout}s")
        try:
            starting.result()
        except Exception as exc:
            failure = FaustHostError(f"Faust app failed to start: {exc!r}")
            failure.__cause__ = exc
            return failure
        if faust_app.crashed:
            failure = FaustHostError("Faust app crashed while starting")
            failure.__cause__ = faust_app.crash_reason
            return failure
        status.set("running")

        # 3. Serve until a signal, or until Faust stops or crashes under us.
        faust_down = asyncio.ensure_future(faust_app.wait_until_stopped())
        tasks.append(faust_down)
        await asyncio.wait({serving, faust_down}, return_when=asyncio.FIRST_COMPLETED)
        if not serving.done():
            return faust_app.crash_reason or FaustHostError("Faust app stopped")
        serving.result()
        if not server.started and not stop_requested.is_set():
            return FaustHostError("HTTP server did not start (see log above)")
        return None

    failure: BaseException | None = None
    try:
        failure = await run()
    finally:
        if failure is not None:
            status.set("failed", repr(failure)[:300])
        # Stop HTTP first (its lifespan shutdown runs), then Faust.
        server.should_exit = True
        if tasks and not tasks[0].done():
            with contextlib.suppress(Exception):
                await tasks[0]
        for task in tasks:
            if not task.done():
                task.cancel()
        try:
            await asyncio.wait_for(faust_app.stop(), timeout=stop_timeout)
        except TimeoutError:
            log.warning("Faust app did not stop within %ss", stop_timeout)
        if failure is None:
            status.set("stopped")
        for signum in handled:
            loop.remove_signal_handler(signum)
    if failure is not None:
        if isinstance(failure, FaustHostError):
            raise failure
        raise FaustHostError(f"Faust app crashed: {failure!r}") from failure


def _broker_address(faust_app: faust.App) -> str:
    url = faust_app.conf.broker[0]
    return f"{url.host or '127.0.0.1'}:{url.port or 9092}"
