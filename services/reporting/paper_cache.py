"""Rendered papers kept on disk, keyed by what they were rendered from.

A paper is a pure function of its snapshot, its format and the renderer's code
and templates (``reports/__init__.py``), so the digest of those three names it
for good: a closed round's paper is rendered once, and an open round's gets a
new key as soon as its data changes. Nothing is ever invalidated by hand.

The cache is bounded in bytes; when a new paper would pass the cap, the papers
used longest ago are removed first. Files are written under a temporary name
and renamed, so a reader never sees half a paper and several processes (or
workers) can share one directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

REPORTS_DIR = Path(__file__).parent / "reports"
# Libraries whose upgrade can change a paper's bytes.
RENDERING_LIBRARIES = ("weasyprint", "python-docx", "openpyxl", "matplotlib")


@cache
def template_version() -> str:
    """A digest of the renderers' code, templates and libraries: a change gives
    new keys, so an upgrade never serves a paper laid out by the old version."""
    digest = hashlib.sha256()
    for name in RENDERING_LIBRARIES:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} absent".encode())
    for path in sorted(REPORTS_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".css"):
            digest.update(path.relative_to(REPORTS_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def paper_key(snapshot: dict[str, Any], fmt: str) -> str:
    """The name of a paper: digest of its snapshot, format and template version."""
    data = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256()
    for part in (template_version(), fmt, data):
        digest.update(part.encode())
        digest.update(b"\0")
    return f"{digest.hexdigest()}.{fmt}"


class PaperCache:
    """Papers by key in ``directory``, at most ``max_bytes`` in all."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The paper, or None; a hit marks it as recently used."""
        path = self.directory / key
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # the eviction order is by last use
        return body

    def put(self, key: str, body: bytes) -> None:
        """Keep a paper, making room by removing the least recently used."""
        if len(body) > self.max_bytes:
            return  # larger than the whole cache: serve it, do not keep it
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._make_room(len(body))
            temporary = self.directory / f".{key}.{os.getpid()}.tmp"
            temporary.write_bytes(body)
            temporary.replace(self.directory / key)

    def size(self) -> int:
        """Bytes held now."""
        return sum(size for _, size, _ in self._entries())

    def _entries(self) -> list[tuple[float, int, Path]]:
        found = []
        for path in self.directory.glob("*"):
            if path.name.startswith("."):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed by another process meanwhile
            found.append((stat.st_mtime, stat.st_size, path))
        return found

    def _make_room(self, wanted: int) -> None:
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total + wanted <= self.max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            total -= size
