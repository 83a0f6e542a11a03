"""A server process for the HTTP benchmarks: ``python -m bench.serve_embedded``.

It serves the embedded app exactly as ``pmf run`` builds it, on one uvicorn
worker, plus ``GET /bench/hello``: a hello-world route on the same server,
behind the same middleware, which is the baseline. ``--hello-only`` serves a
bare FastAPI app with just that route (the memory baseline).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI

HELLO = "/bench/hello"


def add_hello(app: FastAPI) -> FastAPI:
    """Add the hello-world baseline route to ``app``."""

    @app.get(HELLO, include_in_schema=False)
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def build(data_dir: Path | None) -> FastAPI:
    """The embedded app on ``data_dir`` with the hello route, or hello alone."""
    if data_dir is None:
        return add_hello(FastAPI())
    from services.embedded import EmbeddedSystem
    from shared.settings import Settings

    return add_hello(EmbeddedSystem(Settings(data_dir=data_dir)).app())


def main() -> None:
    """Serve until terminated."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--hello-only", action="store_true")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = build(None if args.hello_only else args.data_dir)
    if not args.hello_only:
        from shared import collector

        collector.tune()  # as `pmf run` does once the system is built
    # As `pmf run` serves: one worker, uvicorn's defaults, info logging.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
