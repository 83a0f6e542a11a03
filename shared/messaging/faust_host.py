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
  once, before Faust joins its consumer group), start Faust and wait until it is
  running (``App.start()`` returns after partitions are assigned and tables are
  recovered), then serve HTTP with uvicorn on that socket (the ASGI app's own
  lifespan runs as usual). We own the signals: the first SIGINT/SIGTERM stops
  uvicorn gracefully, then Faust (its consumer commits acked offsets and leaves the
  group), and :func:`run_with_faust` *returns*; a second signal forces uvicorn to
  drop open connections. If Faust crashes, HTTP is stopped and an exception raised.

Caveats: HTTP is not served (connection refused) until Faust has started, which
takes ~1-3 s on a local broker and longer when a big changelog must be recovered;
Faust is at-least-once, so the last events processed before a stop may be processed
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
from collections.abc import Iterator
from typing import Any

import faust
import uvicorn
from faust.contrib.asgi import bind_to_running_loop

log = logging.getLogger(__name__)

#: Seconds to wait for the Faust app to stop (commit offsets, leave the group).
DEFAULT_STOP_TIMEOUT = 20.0


class _Server(uvicorn.Server):
    """uvicorn's server without its signal capture: :func:`run_with_faust` owns them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class FaustHostError(RuntimeError):
    """The Faust app failed to start, or crashed while serving."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run_with_faust(
    asgi_app: Any,
    faust_app: faust.App,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    start_timeout: float | None = None,
    stop_timeout: float = DEFAULT_STOP_TIMEOUT,
) -> None:
    """Serve ``asgi_app`` on ``host:port`` while ``faust_app``'s agents consume.

    Blocks until SIGINT or SIGTERM, then stops HTTP, then Faust, and returns
    normally (so the caller's cleanup runs). ``faust_app`` should be created with
    ``web_enabled=False``. Raises :class:`OSError` if the port cannot be bound, and
    :class:`FaustHostError` if Faust does not start (within ``start_timeout``
    seconds, when given) or crashes while serving.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    sock = _bind(host, port)
    try:
        asyncio.run(
            _serve(asgi_app, faust_app, sock, log_level, start_timeout, stop_timeout)
        )
    finally:
        sock.close()


async def _serve(
    asgi_app: Any,
    faust_app: faust.App,
    sock: socket.socket,
    log_level: str,
    start_timeout: float | None,
    stop_timeout: float,
) -> None:
    loop = asyncio.get_running_loop()
    bind_to_running_loop(faust_app)
    stop_requested = asyncio.Event()
    server: _Server | None = None
    signals_seen = 0

    def on_signal(signum: int) -> None:
        nonlocal signals_seen
        signals_seen += 1
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stop_requested.set()
        if server is not None:
            server.should_exit = True
            if signals_seen > 1:
                server.force_exit = True

    handled = (signal.SIGINT, signal.SIGTERM)
    for signum in handled:
        loop.add_signal_handler(signum, on_signal, signum)
    failure: BaseException | None = None
    tasks: list[asyncio.Future[Any]] = []
    try:
        # 1. Faust: App.start() returns once partitions are assigned and the tables
        #    recovered. A signal meanwhile aborts the start.
        faust_app.in_worker = True  # as `faust worker` does (transactions if EOS)
        starting = asyncio.ensure_future(faust_app.start())
        stop_wait = asyncio.ensure_future(stop_requested.wait())
        tasks += [starting, stop_wait]
        done, _ = await asyncio.wait(
            {starting, stop_wait},
            timeout=start_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if starting not in done:
            starting.cancel()
            if stop_requested.is_set():
                log.info("stopped while Faust was starting")
                return
            raise FaustHostError(f"Faust app did not start within {start_timeout}s")
        try:
            starting.result()
        except Exception as exc:
            raise FaustHostError(f"Faust app failed to start: {exc!r}") from exc
        if faust_app.crashed:
            raise FaustHostError("Faust app crashed while starting") from (
                faust_app.crash_reason
            )
        if stop_requested.is_set():
            return

        # 2. HTTP, on the socket bound before Faust started.
        config = uvicorn.Config(
            asgi_app,
            log_level=log_level,
            lifespan="auto",
            log_config=None,  # keep the process's own (JSON) logging
            access_log=False,  # pmf logs each request with its correlation id
        )
        server = _Server(config)
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        faust_down = asyncio.ensure_future(faust_app.wait_until_stopped())
        tasks += [serving, faust_down]
        await asyncio.wait({serving, faust_down}, return_when=asyncio.FIRST_COMPLETED)
        if not serving.done():
            # Faust stopped or crashed under us: stop serving too, then report it.
            failure = faust_app.crash_reason or FaustHostError("Faust app stopped")
            server.should_exit = True
            await serving
        serving.result()
        if not server.started and failure is None:
            failure = FaustHostError("HTTP server did not start (see log above)")
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        try:
            await asyncio.wait_for(faust_app.stop(), timeout=stop_timeout)
        except TimeoutError:
            log.warning("Faust app did not stop within %ss", stop_timeout)
        for signum in handled:
            loop.remove_signal_handler(signum)
    if failure is not None:
        if isinstance(failure, FaustHostError):
            raise failure
        raise FaustHostError(f"Faust app crashed: {failure!r}") from failure
