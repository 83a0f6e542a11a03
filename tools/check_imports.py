"""Import boundaries: services never import each other, ``shared`` never imports
``services``, and the pure core imports no I/O library.

Run by ``make lint`` (part of ``make test``); exits 1 and lists every breach.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("indicators", "returns", "assessment", "reporting")
# Composition roots may wire every service together.
ROOTS = {"cli.py", "embedded.py", "distributed.py", "replay.py"}
IO_LIBS = ("sqlalchemy", "fastapi", "starlette", "kafka", "faust", "aiokafka", "httpx")
PURE = [
    "services/indicators/domain.py",
    "services/returns/laa.py",
    "services/returns/rounds.py",
    "services/returns/mail_log.py",
    "services/returns/mail_plan.py",
    "services/reporting/reports/group_gaps.py",
    "services/indicators/spreadsheet.py",
    "services/reporting/comparison.py",
    "services/reporting/comparator_file.py",
    *[
        f"services/assessment/{m}.py"
        for m in (
            "facts",
            "numbers",
            "projection",
            "tolerance",
            "status",
            "trajectory",
            "direction",
            "highlights",
            "flags",
            "assess",
            "definitions",
        )
    ],
]


def imported_modules(path: Path) -> list[str]:
    """Absolute module names imported by ``path`` (relative ones resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                found.append(".".join([*base, node.module or ""]).rstrip("."))
            elif node.module:
                found.append(node.module)
    return found


def breaches() -> list[str]:
    """Every import that crosses a boundary."""
    out: list[str] = []
    for path in sorted((ROOT / "shared").rglob("*.py")):
        for mod in imported_modules(path):
            if mod == "services" or mod.startswith("services."):
                out.append(f"{path.relative_to(ROOT)}: shared imports {mod}")
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service).rglob("*.py")):
            for mod in imported_modules(path):
                parts = mod.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != service:
                    out.append(f"{path.relative_to(ROOT)}: imports {mod}")
    for rel in PURE:
        path = ROOT / rel
        if not path.exists():
            continue
        for mod in imported_modules(path):
            if mod.split(".")[0] in IO_LIBS:
                out.append(f"{rel}: pure core imports {mod}")
    return out


def main() -> int:
    """Print breaches; exit status 1 when there are any."""
    found = breaches()
    for line in found:
        print(line)
    if found:
        return 1
    print("import boundaries: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
