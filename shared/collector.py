"""How the garbage collector runs in pmf's long-lived processes.

CPython's cyclic collector starts a young-generation pass every 700 new
container objects and, every so often, a pass over everything that has
survived. A consumer applying a batch allocates hundreds of thousands of
short-lived dicts and tuples (decoded rows, answers, envelopes) that are freed
by reference counting anyway, so with the default thresholds the collector ran
thousands of times per batch and spent about a fifth of the embedded pipeline's
CPU walking objects that were never garbage (measured in bench/RESULTS.md,
2026-12-01). pmf's own data holds almost no reference cycles, so collecting less
often costs next to no memory.

:func:`tune` raises the thresholds and moves everything alive at start-up
(modules, schemas, compiled statements, the system's objects) to the permanent
generation with :func:`gc.freeze`, so later full passes skip it. It is called
once a process has loaded what it serves; calling it again only freezes what
was built since.
"""

from __future__ import annotations

import gc

#: New container objects between young-generation passes (CPython's default 700).
#: At 10,000 the collector still took about 6% of the embedded pipeline's CPU
#: (a middle pass walks the assessment's facts held between batches); at
#: 50,000 about 2.5%, for at most a few megabytes of young garbage waiting
#: (bench/RESULTS.md, 2026-12-02).
YOUNG = 50_000
#: Young passes per middle pass, and middle passes per full pass (default 10, 10).
MIDDLE = 20
OLD = 20


def tune() -> None:
    """Collect less often, and never again walk what exists now."""
    gc.set_threshold(YOUNG, MIDDLE, OLD)
    gc.freeze()


__all__ = ["tune"]
