"""Load the demo into an embedded system in this process, through its own API."""

from __future__ import annotations

import warnings
from dataclasses import replace

with warnings.catch_warnings():
    # Starlette's test client runs the app in-process, which is what we want.
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from services.demo.load import apply_plan
from services.demo.plan import DemoStep, demo_plan
from services.embedded import EmbeddedSystem


def load_demo_into(system: EmbeddedSystem) -> int:
    """Send the demo plan to ``system``'s app with tokens for each role.

    Steps dated in the past (``Occurred-At``: all of them in the demo's plan)
    are sent as an admin, the only role that may backdate, as ``pmf demo
    --url`` does with its one admin token.
    """
    tokens: dict[tuple[str, str | None], str] = {}

    def token_for(step: DemoStep) -> str:
        if step.occurred_at:
            step = replace(step, role="admin", lead_email=None)
        key = (step.role, step.lead_email)
        if key not in tokens:
            tokens[key] = system.tokens.create(
                step.role,  # type: ignore[arg-type]
                f"demo {step.role}",
                step.lead_email,
                by="pmf demo",
            )
        return tokens[key]

    try:
        with TestClient(system.app()) as client:
            return apply_plan(demo_plan(), client, token_for=token_for)
    finally:
        for token in tokens.values():
            token_id = token.split("_")[1]
            system.tokens.revoke(token_id, by="pmf demo")
