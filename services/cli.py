"""The ``pmf`` command line (PRODUCT.md 7.2, 7.2a)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Performance management for a CYPP.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens.")
app.add_typer(token_app, name="token")
parked_app = typer.Typer(
    no_args_is_help=True,
    help="Events a consumer could not apply: list them, retry them after a fix.",
)
app.add_typer(parked_app, name="parked")
comparators_app = typer.Typer(
    no_args_is_help=True,
    help="Figures for England, the region and statistical neighbours.",
)
app.add_typer(comparators_app, name="comparators")

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the embedded log lives")
]


# Files pmf makes (the SQLite log and its journal, the admin token, exports)
# are readable by their owner only: the log holds token hashes, the admin
# token is a key, and the framework's figures are unpublished until the Board
# has seen them.
PRIVATE_UMASK = 0o077


def _cli_actor() -> str:
    """Who ran a token command, for the access trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _keep_private(data: Path) -> None:
    """Make a data directory made by an older pmf (or by hand) owner-only."""
    if not data.is_dir():
        return
    data.chmod(0o700)
    for path in data.iterdir():
        if path.is_file():
            path.chmod(0o600)


def _settings(data_dir: Path | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    from shared.settings import Settings

    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


STORE_FILE = "pmf.sqlite3"


def _store_settings(data_dir: Path | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    """The settings of a command that works on an existing store.

    Only ``pmf run`` makes a new store where none was named. Every other
    command that takes ``--data-dir`` works on the store it is given
    (``--data-dir`` or ``PMF_DATA_DIR``; made if new, since it was named) or
    on the one in this folder (``./.pmf-data``). With neither it stops
    with exit status 2 and makes nothing: a typing slip or the wrong folder
    must not leave an empty store that a later command quietly uses.
    """
    settings = _settings(data_dir, **overrides)
    named = "data_dir" in settings.model_fields_set
    elsewhere = settings.database_url or settings.mode == "distributed"
    if named or elsewhere or (settings.data_dir / STORE_FILE).is_file():
        return settings
    typer.echo(
        f"error: no pmf data here: {settings.data_dir.resolve()} holds no "
        f"{STORE_FILE}, and nothing was created. Give the data directory with "
        "--data-dir DIR (or PMF_DATA_DIR), or run pmf in the folder that holds "
        ".pmf-data (pmf run makes one).",
        err=True,
    )
    raise typer.Exit(2)


@app.command()
def run(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    data_dir: DataDir = None,
    demo_if_empty: Annotated[
        bool, typer.Option(help="Load the demo framework when the log is empty")
    ] = False,
) -> None:
    """Run every service in one process (embedded mode) with web and API on one port."""
    import uvicorn

    from services.embedded import EmbeddedSystem
    from shared import collector
    from shared.observability.logging import configure_logging

    settings = _settings(data_dir, host=host, port=port)
    system = EmbeddedSystem(settings)
    if demo_if_empty and system.store.head() == 0:
        from services.demo_local import load_demo_into

        typer.echo("pmf: loading the demo framework and two years of returns ...")
        load_demo_into(system)
    data = settings.data_dir.resolve()
    _keep_private(data)
    typer.echo(f"pmf: data in {data}")
    if not system.tokens.has_role("admin"):
        token_file = data / "admin-token"
        first = system.tokens.create("admin", "first admin", by="pmf run")
        with os.fdopen(
            os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w"
        ) as out:
            out.write(first + "\n")
        typer.echo(f"pmf: the first admin token is in {token_file}")
    typer.echo(
        "pmf: create tokens with: pmf token create --role admin|lead|executive|"
        f"viewer|system|metrics --data-dir {data}"
    )
    typer.echo(f"pmf: serving on http://{settings.host}:{settings.port}/")
    configure_logging(settings.log_level, service="embedded")
    app_ = system.app()
    collector.tune()
    uvicorn.run(
        app_,
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,
        access_log=False,
    )


@app.command()
def serve(
    service: Annotated[
        str, typer.Argument(help="indicators|returns|assessment|reporting|web")
    ],
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Run one service on its own (distributed mode, on Kafka); ``web`` is the one
    address for staff and clients: the staff pages, and the whole API, passing
    each request to the service that owns it."""
    if service == "web":
        from services.gateway import serve_gateway

        serve_gateway(host=host, port=port)
        return
    from services.serve import serve_service

    try:
        serve_service(service, host=host, port=port)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def replay(data_dir: DataDir = None) -> None:
    """Rebuild the read models from the log, with a progress bar."""
    from rich.progress import Progress

    from services.embedded import EmbeddedSystem
    from services.replay import replay_read_models
    from shared import collector

    system = EmbeddedSystem(_store_settings(data_dir))
    collector.tune()
    with Progress() as bar:
        task = bar.add_task("Replaying the log", total=max(system.store.head(), 1))

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, 1))

        events = replay_read_models(system.store, system.engine, show)
    typer.echo(f"Replayed {events} events into the read models.")


@app.command()
def demo(
    url: Annotated[
        list[str] | None,
        typer.Option(
            help="A running pmf server; in distributed mode once per service: "
            "--url indicators=http://host:8001 --url returns=... (assessment, "
            "reporting too)"
        ),
    ] = None,
    data_dir: DataDir = None,
    token: Annotated[
        str | None, typer.Option(help="Admin token for --url (or PMF_TOKEN)")
    ] = None,
) -> None:
    """Load the demo framework and two years of returns."""
    import os

    from services.demo.load import apply_plan
    from services.demo.plan import demo_plan

    steps = demo_plan()
    if url:
        import httpx

        from services.demo.load import DemoLoadError
        from services.demo.routing import RoutingError, ServiceRouter, parse_urls

        try:
            target = parse_urls(url)
        except RoutingError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        token_file = _settings(data_dir).data_dir / "admin-token"
        bearer = token or os.environ.get("PMF_TOKEN")
        if bearer is None and token_file.exists():
            bearer = token_file.read_text().strip()
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        where = target if isinstance(target, str) else ", ".join(target.values())
        try:
            if isinstance(target, str):
                with httpx.Client(
                    base_url=target, headers=headers, timeout=60
                ) as client:
                    sent = apply_plan(steps, client)
            else:
                router = ServiceRouter(
                    target, headers, on_wait=lambda what: typer.echo(f"pmf: {what}")
                )
                try:
                    sent = apply_plan(steps, router)
                    router.settle()  # the reporting service has seen it all
                finally:
                    router.close()
        except DemoLoadError as exc:
            typer.echo(f"error: the server refused the demo: {exc}", err=True)
            if exc.status == 401:
                typer.echo(
                    "Give an admin token with --token or PMF_TOKEN, or --data-dir "
                    "of the server (its admin-token file is read).",
                    err=True,
                )
            raise typer.Exit(1) from exc
        except RoutingError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        except httpx.HTTPError as exc:
            typer.echo(f"error: cannot reach {where}: {exc}", err=True)
            raise typer.Exit(1) from exc
    else:
        from services.demo_local import load_demo_into
        from services.embedded import EmbeddedSystem

        sent = load_demo_into(EmbeddedSystem(_store_settings(data_dir)))
    typer.echo(f"Loaded the demo: {sent} requests.")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file, one row each")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Create or amend indicators from a CSV or XLSX file (all rows or none)."""
    from services.embedded import EmbeddedSystem
    from services.transfer import import_command

    system = EmbeddedSystem(_store_settings(data_dir))
    raise typer.Exit(import_command(system, file, dry_run))


@comparators_app.command("import")
def comparators_import(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx (LG Inform, LAIT)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would load; load nothing")
    ] = False,
    source: Annotated[
        str | None, typer.Option(help="Where the figures come from (the file name)")
    ] = None,
    published: Annotated[
        str | None, typer.Option(help="When they were published (YYYY-MM-DD)")
    ] = None,
    indicator: Annotated[
        str | None, typer.Option(help="The indicator, for a file without that column")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Load comparator figures from a CSV or XLSX file (all rows or none)."""
    from services.comparators_cli import import_comparators_command
    from services.embedded import EmbeddedSystem

    system = EmbeddedSystem(_store_settings(data_dir))
    raise typer.Exit(
        import_comparators_command(
            system,
            file,
            dry_run=dry_run,
            actor=_cli_actor(),
            source=source,
            published=published,
            indicator=indicator,
        )
    )


@app.command()
def export(
    file: Annotated[
        Path | None, typer.Argument(help="FILE.csv or FILE.xlsx (framework.csv)")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv|xlsx")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Same as FILE")] = None,
    data_dir: DataDir = None,
) -> None:
    """Write the framework (every indicator, by code) as CSV or XLSX."""
    from services.embedded import EmbeddedSystem
    from services.transfer import export_command

    if file and out:
        typer.echo("error: give FILE or --out, not both", err=True)
        raise typer.Exit(2)
    system = EmbeddedSystem(_store_settings(data_dir))
    raise typer.Exit(export_command(system, file or out, fmt))


@app.command()
def template(
    file: Annotated[
        Path | None,
        typer.Argument(help="Where to write it (pmf-framework-template.xlsx)"),
    ] = None,
) -> None:
    """Write the XLSX template of a framework import: its columns, drop-downs
    for polarity, frequency and yes/no, and an Instructions sheet."""
    from services.indicators.template import FILE_NAME, template_workbook

    path = file or Path(FILE_NAME)
    if path.is_dir():
        path = path / FILE_NAME
    if path.suffix.lower() != ".xlsx":
        typer.echo(f"error: {path.name}: the template is an .xlsx file", err=True)
        raise typer.Exit(2)
    try:
        path.write_bytes(template_workbook())
    except OSError as exc:
        typer.echo(f"error: cannot write {path}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Wrote the framework template to {path}.")


@app.command()
def gaps(data_dir: DataDir = None) -> None:
    """List indicators without a lead organisation, named lead or target."""
    from rich.console import Console
    from rich.table import Table

    from services.embedded import EmbeddedSystem

    found = EmbeddedSystem(_store_settings(data_dir)).framework.gaps()
    titles = {
        "no_lead_organisation": "No lead organisation",
        "no_named_lead": "No named lead",
        "no_target": "Measurable, no target yet",
        "target_needed_later": "Not yet measurable: target needed later",
    }
    console = Console()
    for key, title in titles.items():
        table = Table(title=f"{title} ({len(found[key])})", title_justify="left")
        table.add_column("Code")
        table.add_column("Title")
        for item in found[key]:
            table.add_row(item["code"], item["title"])
        console.print(table)


@app.command("laa-simulate")
def laa_simulate(
    codes: Annotated[str, typer.Option(help="LAA indicator codes, comma-separated")] = (
        "NI 110,NI 112,NI 117"
    ),
    count: Annotated[int, typer.Option(help="How many messages")] = 100,
    rate: Annotated[float | None, typer.Option(help="Messages per second")] = None,
    bad_share: Annotated[float, typer.Option(help="Share of malformed messages")] = 0.0,
    bootstrap: Annotated[str | None, typer.Option(help="Kafka bootstrap")] = None,
    seed: Annotated[int, typer.Option()] = 2008,
) -> None:
    """Produce realistic quarterly LAA results onto the laa.results topic."""
    from services.returns.simulator import SimulatedIndicator, messages, produce

    indicators = [SimulatedIndicator(c.strip(), 50.0, 0.2) for c in codes.split(",")]
    server = bootstrap or _settings().kafka_bootstrap
    sent = produce(server, messages(indicators, count, bad_share, seed), rate)
    typer.echo(f"Sent {sent} LAA messages to {server}.")


@token_app.command("create")
def token_create(
    role: Annotated[
        str, typer.Option(help="admin|lead|executive|viewer|system|metrics")
    ],
    lead_email: Annotated[str | None, typer.Option("--lead-email")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a bearer token; the token is printed on the last line."""
    from shared.http.auth import ROLES

    if role not in ROLES:
        typer.echo(f"error: role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    if role == "lead" and not lead_email:
        typer.echo("error: a lead token needs --lead-email", err=True)
        raise typer.Exit(2)
    tokens = _token_store(data_dir)
    token = tokens.create(role, name or lead_email or role, lead_email, _cli_actor())
    typer.echo(f"Created a {role} token. Keep it safe: it is shown only once.")
    typer.echo(token)


@token_app.command("list")
def token_list(data_dir: DataDir = None) -> None:
    """List tokens (ids, roles, names; never the tokens themselves)."""
    for t in _token_store(data_dir).list():
        state = f"revoked {t['revoked_at']}" if t["revoked_at"] else "live"
        lead = f" lead {t['lead_email']}" if t["lead_email"] else ""
        if t.get("round_id"):  # a personal link from an e-mail
            lead += f" round {t['round_id']} until {t['expires_at']}"
        typer.echo(f"{t['token_id']}  {t['role']:<9} {t['name']}{lead}  {state}")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The id shown by `pmf token list`")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a token by its id."""
    if not _token_store(data_dir).revoke(token_id, by=_cli_actor()):
        typer.echo(f"error: no live token with id {token_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Revoked token {token_id}.")


def _token_store(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from shared.eventstore.engine import make_engine
    from shared.http.auth import TokenStore

    settings = _store_settings(data_dir)
    url = (
        settings.auth_database_url or settings.database_url
        if settings.mode == "distributed"
        else None
    ) or settings.embedded_database_url()
    store = TokenStore(make_engine(url))
    store.create_schema()
    return store


def main() -> None:
    """Entry point of the ``pmf`` console script."""
    os.umask(PRIVATE_UMASK)
    app()


Service = Annotated[
    str | None,
    typer.Option(
        "--service",
        help="A distributed service (its database is PMF_DATABASE_URL); "
        "default: the embedded log in --data-dir",
    ),
]


def _parked_target(data_dir: Path | None, service: str | None):  # type: ignore[no-untyped-def]
    """The engine and consumers that parked events belong to."""
    from services.system import CONSUMERS, consumers_of
    from shared.eventstore.engine import make_engine

    if service is None:
        settings = _store_settings(data_dir)
        engine = make_engine(settings.embedded_database_url())
        return engine, list(CONSUMERS), False
    settings = _settings(data_dir, mode="distributed")
    if not consumers_of(service):
        names = sorted({c.service for c in CONSUMERS})
        typer.echo(f"error: {service!r} runs no consumers; one of {names}", err=True)
        raise typer.Exit(2)
    if not settings.database_url:
        typer.echo("error: PMF_DATABASE_URL must name the service's database", err=True)
        raise typer.Exit(2)
    return make_engine(settings.database_url), consumers_of(service), True


@parked_app.command("list")
def parked_list(
    data_dir: DataDir = None,
    service: Service = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list")] = False,
) -> None:
    """Show parked events: consumer, stream, type, state and the error."""
    import json

    from shared.eventstore.schema import metadata
    from shared.messaging import parking

    engine, _consumers, _ = _parked_target(data_dir, service)
    metadata.create_all(engine)
    with engine.connect() as conn:
        found = parking.listing(conn)
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in found], indent=2))
        return
    if not found:
        typer.echo("No parked events.")
        return
    for p in found:
        where = f"position {p.position}" if p.position is not None else ""
        typer.echo(
            f"{p.consumer}  {p.stream} v{p.stream_version}  {p.type}  {p.state}  "
            f"{where}  parked {p.parked_at}  tries {p.attempts}"
        )
        if p.error:
            typer.echo(f"    {p.error}")
    typer.echo(f"{len(found)} parked event(s).")


@parked_app.command("retry")
def parked_retry(
    data_dir: DataDir = None,
    service: Service = None,
    consumer: Annotated[
        str | None, typer.Option(help="Only this consumer's parked events")
    ] = None,
) -> None:
    """Apply parked events again, in stream order (after a fix); exit 1 if any
    still fail."""
    from shared.eventstore.schema import metadata
    from shared.eventstore.store import EventStore
    from shared.messaging.consumers import retry_parked

    engine, consumers, stream_tracked = _parked_target(data_dir, service)
    metadata.create_all(engine)
    store = EventStore(engine)
    failures = 0
    for spec in consumers:
        projection = spec.build()
        if consumer is not None and projection.name != consumer:
            continue
        projection.create_schema(engine)
        sink = store if spec.emits or not stream_tracked else None
        outcome = retry_parked(projection, engine, sink, stream_tracked)
        if outcome.applied or outcome.still_parked:
            typer.echo(
                f"{outcome.consumer}: applied {outcome.applied}, "
                f"still parked {outcome.still_parked}"
            )
        for error in outcome.errors:
            typer.echo(f"    {error}", err=True)
        failures += outcome.still_parked
    if not service:
        # the embedded followers pick up what the retried events emitted
        from services.embedded import EmbeddedSystem

        EmbeddedSystem(_store_settings(data_dir), engine=engine).catch_up()
    if failures:
        raise typer.Exit(1)
    typer.echo("Nothing left parked.")
