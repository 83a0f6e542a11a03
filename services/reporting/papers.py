"""Papers (PDF, DOCX, XLSX, HTML) served from a cache or rendered in a bounded pool.

A PDF takes seconds of CPU to lay out. Rendered in the web server's own
threads, a few dozen requests at once held every thread and the interpreter
lock, and even ``/healthz`` went unanswered. So:

- a paper already rendered is served from :class:`PaperCache` (its key is the
  digest of what it is made of, so it never goes stale);
- the same paper asked for again while it renders waits for that one render;
- other renders run in a small pool of worker *processes*, off the event loop
  and away from the server's interpreter lock, at most ``workers`` at a time
  with at most ``queue`` more waiting; beyond that the caller is told to come
  back later (:class:`Busy`, answered 503 with ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

from shared.observability.metrics import Metrics
from shared.settings import Settings

from .paper_cache import PaperCache, paper_key
from .reports import render

log = logging.getLogger(__name__)


class Busy(Exception):
    """Every render slot is taken: ask again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("every report renderer is busy")
        self.retry_after = retry_after


@dataclass(frozen=True)
class PaperLimits:
    """How much rendering one process takes on at once."""

    workers: int = 1
    queue: int = 4
    retry_after_seconds: int = 30


class Papers:
    """Rendered papers for the reporting routes: cached, shared and bounded."""

    def __init__(
        self,
        cache: PaperCache | None,
        limits: PaperLimits,
        renders: Counter | None = None,
    ) -> None:
        self.cache = cache
        self.limits = limits
        self.renders = renders  # pmf_report_renders_total{format, outcome}
        self._busy = 0
        self._inflight: dict[str, asyncio.Future[bytes]] = {}
        self._pool: Executor | None = None

    async def paper(self, snapshot: dict[str, Any], fmt: str) -> bytes:
        """The snapshot rendered as ``fmt``; raises :class:`Busy` when full."""
        key = paper_key(snapshot, fmt)
        if self.cache is not None:
            cached = await asyncio.to_thread(self.cache.get, key)
            if cached is not None:
                self._count(fmt, "cached")
                return cached
        shared = self._inflight.get(key)
        if shared is not None:
            self._count(fmt, "shared")
            return await asyncio.shield(shared)
        if self._busy >= self.limits.workers + self.limits.queue:
            self._count(fmt, "refused")
            raise Busy(self.limits.retry_after_seconds)
        return await self._render(key, snapshot, fmt)

    async def _render(self, key: str, snapshot: dict[str, Any], fmt: str) -> bytes:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bytes] = loop.create_future()
        self._inflight[key] = done
        self._busy += 1
        try:
            body = await loop.run_in_executor(self._executor(), render, snapshot, fmt)
            await asyncio.to_thread(self._keep, key, body)
        except BaseException as exc:
            done.set_exception(exc)
            done.exception()  # those sharing it see it; nobody else need
            if isinstance(exc, BrokenProcessPool):
                self._pool = None  # a worker died (out of memory?): start afresh
            raise
        finally:
            self._busy -= 1
            del self._inflight[key]
        done.set_result(body)
        self._count(fmt, "rendered")
        return body

    def _keep(self, key: str, body: bytes) -> None:
        if self.cache is None:
            return
        try:
            self.cache.put(key, body)
        except OSError:  # a full disk costs a render next time, not this answer
            log.warning("could not keep a rendered paper", exc_info=True)

    def _executor(self) -> Executor:
        if self._pool is None:
            # spawn, not fork: this process runs threads (relay, ticker, Faust)
            self._pool = ProcessPoolExecutor(
                max_workers=self.limits.workers,
                mp_context=multiprocessing.get_context("spawn"),
            )
        return self._pool

    def _count(self, fmt: str, outcome: str) -> None:
        if self.renders is not None:
            self.renders.labels(fmt, outcome).inc()

    def close(self) -> None:
        """Stop the worker processes (the server is shutting down)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def papers_for(settings: Settings, metrics: Metrics | None = None) -> Papers:
    """The renderer of report documents that ``settings`` describe."""
    cache = (
        PaperCache(settings.data_dir / "papers", settings.report_cache_mb * 2**20)
        if settings.report_cache_mb
        else None
    )
    limits = PaperLimits(
        settings.report_workers,
        settings.report_queue,
        settings.report_retry_after_seconds,
    )
    return Papers(cache, limits, metrics.report_renders if metrics else None)
