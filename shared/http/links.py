"""OpenAPI links: where a created thing's answer leads next.

A client (or the schema-driven tests, which follow links to exercise the
operations on things that exist) reads from a ``201`` answer which operations
take the new thing's key. Links name their target by ``operationRef`` so they
do not depend on FastAPI's generated operation ids.
"""

from __future__ import annotations

from typing import Any


def _ref(method: str, path: str) -> str:
    pointer = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{pointer}/{method.lower()}"


def _name(method: str, path: str) -> str:
    words = [p.strip("{}") for p in path.split("/")[3:] if p]
    return method.capitalize() + "".join(w.replace("_", " ").title() for w in words)


def created_links(
    description: str, params: dict[str, str], *targets: tuple[str, str]
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose 201 leads to ``targets`` (method, path).

    ``params`` maps each target's path parameter to a runtime expression such
    as ``$response.body#/code``.
    """
    links = {
        _name(method, path): {
            "operationRef": _ref(method, path),
            "parameters": {k: v for k, v in params.items() if "{" + k + "}" in path},
        }
        for method, path in targets
    }
    return {201: {"description": description, "links": links}}
