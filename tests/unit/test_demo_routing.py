"""Which distributed service each demo request goes to, and the --url forms."""

from __future__ import annotations

import pytest

from services.demo.load import quote_path
from services.demo.plan import demo_plan
from services.demo.routing import RoutingError, parse_urls, service_for


@pytest.mark.parametrize(
    ("method", "path", "service"),
    [
        ("POST", "/api/v1/indicators", "indicators"),
        ("PUT", "/api/v1/indicators/NI%2051/target", "indicators"),
        ("PATCH", "/api/v1/indicators/NI%2051", "indicators"),
        ("GET", "/api/v1/indicators/NI%2051", "indicators"),
        ("POST", "/api/v1/framework/versions", "indicators"),
        ("PUT", "/api/v1/framework/settings", "indicators"),
        ("POST", "/api/v1/framework/import", "indicators"),
        ("GET", "/api/v1/framework/import-template.xlsx", "indicators"),
        ("POST", "/api/v1/returns", "returns"),
        ("POST", "/api/v1/laa-results", "returns"),
        ("POST", "/api/v1/rounds/2008-H1/close", "returns"),
        ("GET", "/api/v1/rounds", "returns"),
        ("GET", "/api/v1/assessments?limit=5", "assessment"),
        ("POST", "/api/v1/challenges/NI%2051/R1/decision", "assessment"),
        ("GET", "/api/v1/framework", "reporting"),
        ("GET", "/api/v1/framework/versions", "reporting"),
        ("GET", "/api/v1/indicators", "reporting"),
        ("GET", "/api/v1/indicators/NI%2051/history", "reporting"),
        ("GET", "/api/v1/reports/R1/board", "reporting"),
        ("POST", "/api/v1/actions", "reporting"),
        ("POST", "/api/v1/comparators", "reporting"),
        ("POST", "/api/v1/comparators/import", "reporting"),
        ("GET", "/api/v1/indicators/NI%2051/comparators", "reporting"),
    ],
)
def test_each_route_goes_to_the_service_that_serves_it(
    method: str, path: str, service: str
) -> None:
    assert service_for(method, path) == service


def test_every_demo_step_has_a_service() -> None:
    used = {service_for(s.method, quote_path(s.path)) for s in demo_plan()}

    assert used == {"indicators", "returns", "reporting"}


def test_an_unknown_route_is_an_error() -> None:
    with pytest.raises(RoutingError, match="no distributed service serves"):
        service_for("POST", "/api/v1/nothing")


def test_url_forms() -> None:
    assert parse_urls(["http://127.0.0.1:8000"]) == "http://127.0.0.1:8000"
    four = [
        f"{s}=http://h:{p}/"
        for s, p in zip(
            ("indicators", "returns", "assessment", "reporting"),
            range(8001, 8005),
            strict=True,
        )
    ]
    assert parse_urls(four) == {
        "indicators": "http://h:8001",
        "returns": "http://h:8002",
        "assessment": "http://h:8003",
        "reporting": "http://h:8004",
    }
    with pytest.raises(
        RoutingError, match="missing --url assessment=<address> --url reporting"
    ):
        parse_urls(four[:2])
    with pytest.raises(RoutingError, match="service=address"):
        parse_urls(["payroll=http://h:9000", *four])


def test_the_cli_names_a_missing_service_address() -> None:
    from typer.testing import CliRunner

    from services.cli import app

    result = CliRunner().invoke(
        app,
        ["demo", "--url", "indicators=http://h:8001", "--url", "returns=http://h:8002"],
    )

    assert result.exit_code == 2
    assert "missing --url assessment=<address> --url reporting=<address>" in (
        result.output
    )
