"""``pmf serve <service>``: the port answers first, everything slow after it.

A restarted service used to keep its port closed for 5-10 s on a busy machine:
importing Faust, FastAPI and SQLAlchemy, then migrations, schemas, topics and
producers, all before the first ``listen()``. Health checks and operators took
that for a dead process. So this module imports only the standard library and
the settings, binds the port, and answers through
:class:`~shared.http.starting.StartingResponder` while the service is imported
and wired; the app then takes the same socket over and prepares its database
and topics in the background (``shared.startup``), saying in ``/readyz`` what
it waits for. A service started while the broker or the database is down
therefore starts, serves ``/healthz`` and waits for them; it does not exit.
"""

from __future__ import annotations

import logging
import time

from shared import collector
from shared.http.starting import StartingResponder, StartupGate, bind
from shared.observability.logging import configure_logging
from shared.settings import SERVICE_PORTS, Settings

log = logging.getLogger(__name__)


def serve_service(name: str, host: str | None = None, port: int | None = None) -> None:
    """Run one service until interrupted (``pmf serve <service>``).

    Raises :class:`ValueError` for an unknown service, a missing database URL or
    a port that cannot be bound: all mistakes of configuration.
    """
    began = time.monotonic()
    settings = Settings(mode="distributed")
    if name not in SERVICE_PORTS:
        raise ValueError(f"unknown service {name!r}: one of {', '.join(SERVICE_PORTS)}")
    if not settings.database_url:
        raise ValueError("PMF_DATABASE_URL must name this service's database")
    configure_logging(settings.log_level, service=name)
    host = host or settings.host
    port = port or (settings.port if settings.port != 8000 else SERVICE_PORTS[name])
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    try:
        responder = StartingResponder(sock, lambda: "loading").start()
        log.info("listening on %s:%s; loading the service", host, port)
        try:
            from services.distributed import build_service
            from shared.observability.repeats import limit_repeats

            limit_repeats()  # the Kafka clients repeat each connection error per retry
            proc = build_service(name, settings)
        finally:
            responder.stop()  # requests from here wait in the backlog for the app
        log.info(
            "service %s loaded; preparing its database and topics in the background",
            name,
            extra={"seconds": round(time.monotonic() - began, 2)},
        )
        collector.tune()
        startup = proc.startup
        app = StartupGate(proc.app, lambda: startup.done("database"), startup.waiting)
        # The relay and the startup steps run in the app's lifespan, which both
        # hosts run.
        if proc.faust_app is None:
            import uvicorn

            config = uvicorn.Config(
                app, log_level="info", log_config=None, access_log=False
            )
            uvicorn.Server(config).run(sockets=[sock])
        else:
            from shared.messaging.faust_host import run_with_faust

            run_with_faust(
                app,
                proc.faust_app,
                host,
                port,
                status=proc.consumers,
                sock=sock,
                hold=lambda: None if startup.finished.is_set() else startup.waiting(),
            )
    finally:
        sock.close()
