"""The demo data: a realistic CYPP 2008-2011 framework and two years of returns.

:func:`demo_plan` is the demo as a deterministic list of HTTP requests and
:func:`apply_plan` sends it to any running server (``pmf demo --url``); loading into
an embedded system in this process is ``services.demo_local.load_demo_into``.
"""

from .load import DemoLoadError, apply_plan
from .plan import DemoStep, demo_plan

__all__ = ["DemoLoadError", "DemoStep", "apply_plan", "demo_plan"]
