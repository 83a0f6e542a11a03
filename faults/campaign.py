"""Run the campaign: start the stack, feed it, break it, check it, report.

Phases run one after another. In each, the LAA stream and the admin/lead
commands flow for a lead-in, the fault happens while they keep flowing, then
the inputs stop and the campaign waits until the system has caught up (every
service ready, every relay published, every consumer group at the end of its
topics). A checkpoint then compares the distributed read models with an
embedded replay of the recorded facts. The final check attributes what was
lost, doubled or wrongly dead-lettered to the phase where it happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer

from bench.procs import pmf
from bench.stack import DistributedStack, _script
from faults import checker, inputs, replay
from faults.checker import DeadLetter, Difference, Seen, Sent, Window
from faults.schedule import SERVICES, Schedule
from services.system import consumers_of
from shared.events.catalogue import DEAD_LETTER_TOPIC, LAA_TOPIC
from shared.messaging.lag import GroupLag

# What each service's consumer group reads: its consumers (services/system.py),
# and the returns service's LAA intake.
CONSUMED = {
    service: [t for c in consumers_of(service) for t in c.topics]
    + ([LAA_TOPIC] if service == "returns" else [])
    for service in ("returns", "assessment", "reporting")
}
RETRY_FOR_S = 180.0  # how long a command is retried while its service is away


def now_iso() -> str:
    """Now, in the stored timestamp format."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


class FaultStack(DistributedStack):
    """The benchmark stack, plus kill -9 and restart of one service."""

    restarts: dict[str, int]

    def __init__(self, run_dir: Path) -> None:
        super().__init__(run_dir)
        # A loaded machine starts a JVM slowly; the broker is also restarted.
        self.kafka_env["KAFKA_START_TIMEOUT"] = "300"
        # A streamed result for an unknown indicator waits for its
        # registration; here briefly, so its dead letter is seen in the run.
        os.environ.setdefault("PMF_LAA_UNKNOWN_WAIT_SECONDS", str(UNKNOWN_WAIT_S))
        os.environ.setdefault("PMF_LAA_RECHECK_SECONDS", "1")

    def service_env(self, name: str) -> dict[str, str]:
        """The environment ``DistributedStack.start`` gives service ``name``."""
        return {
            "PMF_MODE": "distributed",
            "PMF_KAFKA_BOOTSTRAP": self.bootstrap,
            "PMF_DATABASE_URL": f"{self.pg_url}/pmf_{name}",
            "PMF_DATA_DIR": str(self.run_dir / f"data-{name}"),
            "PMF_LOG_LEVEL": "WARNING",
            **self.auth_env,
        }

    def kill(self, name: str) -> None:
        """SIGKILL the service and everything it started."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.proc.wait(30)

    def restart(self, name: str, timeout: float = 240) -> None:
        """Start the service again and wait until it is ready."""
        self.restarts = getattr(self, "restarts", {})
        self.restarts[name] = self.restarts.get(name, 0) + 1
        log = self.run_dir / f"{name}-{self.restarts[name]}.log"
        self.procs[name] = pmf(
            ["serve", name, "--port", str(self.ports[name])],
            log,
            self.service_env(name),
        )
        self.procs[name].wait_http(f"{self.url(name)}/readyz", timeout=timeout)


class Campaign:
    """One run of a schedule against a fresh stack."""

    def __init__(self, schedule: Schedule, workdir: Path) -> None:
        self.schedule = schedule
        self.workdir = workdir
        self.stack = FaultStack(workdir / "stack")
        self.base_codes = [inputs.code_of(i) for i in range(schedule.indicators)]
        self.race_codes: list[str] = []
        self.stream = inputs.Stream(
            self.base_codes,
            schedule.duplicate_share,
            schedule.malformed_share,
            schedule.seed,
        )
        self.sent: list[Sent] = []
        self.commands: list[dict[str, Any]] = []
        self.windows: list[Window] = []
        self.phase = "setup"
        self.flowing = threading.Event()
        self.done = threading.Event()
        self.command_idle = threading.Event()
        self.command_idle.set()
        self.previous: list[Difference] = []
        self.as_of: list[str] = []
        self.phases: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.replay: replay.EmbeddedReplay | None = None
        self.replay_s: dict[str, float] = {}
        self.late_facts = 0
        self.producer: KafkaProducer | None = None
        self.sending = threading.Lock()  # the feed and the race share a producer

    # Inputs -------------------------------------------------------------------

    def _producer(self) -> KafkaProducer:
        return KafkaProducer(
            bootstrap_servers=self.stack.bootstrap,
            acks="all",
            linger_ms=0,
            request_timeout_ms=5000,
            max_block_ms=5000,
            reconnect_backoff_max_ms=2000,
        )

    def _send(self, message: inputs.Message) -> None:
        """Send until the broker acknowledges (as a real feed would retry).

        After a broker restart a kafka-python producer can keep timing out, so
        a failed send closes it and the next attempt starts a new one.
        """
        while not self.done.is_set():
            try:
                if self.producer is None:
                    self.producer = self._producer()
                self.producer.send(
                    LAA_TOPIC,
                    key=message.key.encode(),
                    value=message.payload.encode(),
                ).get(timeout=10)
                self.sent.append(Sent(self.phase, message))
                return
            except Exception:
                self._drop_producer()
                time.sleep(0.5)

    def _drop_producer(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            with contextlib.suppress(Exception):  # it was failing anyway
                producer.close(timeout=0)

    def _feed(self) -> None:
        try:
            while not self.done.is_set():
                if not self.flowing.wait(0.2):
                    continue
                with self.sending:
                    self._send(self.stream.next())
                time.sleep(1 / self.schedule.rate)
        except Exception as exc:  # a broken feeder must show in the report
            self.errors.append(f"stream feeder stopped: {exc!r}")
        finally:
            with self.sending:
                self._drop_producer()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.tokens['admin']}"}

    def command(self, cmd: inputs.Command) -> dict[str, Any]:
        """Send one command, retrying while its service or database is away."""
        started = time.monotonic()
        attempts, status, detail = 0, 0, ""
        while time.monotonic() - started < RETRY_FOR_S and not self.done.is_set():
            attempts += 1
            try:
                r = httpx.request(
                    cmd.method,
                    self.stack.url(cmd.service) + cmd.path,
                    json=cmd.body,
                    headers=self._headers(),
                    timeout=15,
                )
                status, detail = r.status_code, r.text[:300]
                if status < 500:
                    break
            except httpx.HTTPError as exc:
                status, detail = 0, repr(exc)
            time.sleep(1)
        ok = 200 <= status < 300 or (cmd.kind == "register" and status == 409)
        record = {
            "phase": self.phase,
            "kind": cmd.kind,
            "code": cmd.code,
            "status": status,
            "acknowledged": ok,
            "attempts": attempts,
            "body": cmd.body,
            "detail": "" if ok else detail,
        }
        self.commands.append(record)
        return record

    def _command_loop(self) -> None:
        cycle = inputs.commands(self.base_codes, self.schedule.seed)
        i = 0
        while not self.done.is_set():
            if not self.flowing.wait(0.2):
                continue
            self.command_idle.clear()
            try:
                self.command(cycle[i % len(cycle)])
            except Exception as exc:
                self.errors.append(f"command failed unexpectedly: {exc!r}")
            finally:
                self.command_idle.set()
            i += 1
            self.done.wait(self.schedule.command_interval_s)

    def register(self, code: str, i: int) -> None:
        """Register one indicator over HTTP (it must be acknowledged)."""
        body = inputs.register_command(code, i)
        path = "/api/v1/indicators"
        record = self.command(
            inputs.Command("register", "indicators", "POST", path, body, code)
        )
        if not record["acknowledged"]:
            raise RuntimeError(f"could not register {code}: {record['detail']}")

    # Faults -------------------------------------------------------------------

    def _kill(self, service: str) -> None:
        for _ in range(self.schedule.kills):
            time.sleep(self.schedule.kill_interval_s)
            say(f"kill -9 {service}")
            self.stack.kill(service)
            self.stack.restart(service)

    def _broker(self) -> None:
        say(f"broker down for {self.schedule.broker_outage_s:g} s")
        _script("deploy/kafka/kafka.sh", "stop", self.stack.kafka_env, 120)
        time.sleep(self.schedule.broker_outage_s)
        _script("deploy/kafka/kafka.sh", "start", self.stack.kafka_env, 600)

    def _postgres(self) -> None:
        say(f"PostgreSQL down for {self.schedule.postgres_outage_s:g} s")
        _script("deploy/postgres/pg.sh", "stop", self.stack.pg_env, 120)
        time.sleep(self.schedule.postgres_outage_s)
        _script("deploy/postgres/pg.sh", "start", self.stack.pg_env, 300)

    def _race(self) -> None:
        for _ in range(self.schedule.races):
            i = len(self.race_codes)
            code = inputs.race_code(i)
            self.register(code, i)
            self.race_codes.append(code)
            with self.sending:  # the feed's producer, at once
                self._send(self.stream.race_result(code))
            time.sleep(0.5)

    def fault(self, name: str) -> None:
        """Cause fault ``name`` (returns when it is over)."""
        if name.startswith("kill-"):
            self._kill(name.removeprefix("kill-"))
        elif name == "broker":
            self._broker()
        elif name == "postgres":
            self._postgres()
        else:
            self._race()

    # Catching up --------------------------------------------------------------

    def behind(self) -> dict[str, int]:
        """What is not yet applied: per service, relay backlog and group lag."""
        out: dict[str, int] = {}
        for name in SERVICES:
            try:
                ready = httpx.get(f"{self.stack.url(name)}/readyz", timeout=3)
                if ready.status_code != 200:
                    out[f"{name} not ready"] = 1
            except httpx.HTTPError:
                out[f"{name} not answering"] = 1
            try:
                out[f"{name} relay"] = self.stack.count(
                    name,
                    "select coalesce(max(position), 0) - coalesce((select position "
                    "from tracking where consumer = 'relay.kafka'), 0) from events",
                )
            except Exception:
                out[f"{name} database"] = 1
        for name, topics in CONSUMED.items():
            try:
                lag = GroupLag(self.stack.bootstrap, f"pmf-{name}", topics).measure()
                out[f"{name} consumer lag"] = sum(lag.values())
            except Exception:
                out[f"{name} broker"] = 1
        return {k: v for k, v in out.items() if v}

    def wait_caught_up(self) -> tuple[float | None, dict[str, int]]:
        """Seconds until nothing is behind (twice in a row), or None on timeout."""
        started = time.monotonic()
        calm = 0
        left: dict[str, int] = {}
        while time.monotonic() - started < self.schedule.catchup_timeout_s:
            left = self.behind()
            calm = calm + 1 if not left else 0
            if calm == 2:
                return round(time.monotonic() - started, 1), {}
            time.sleep(0.5)
        return None, left

    # Checking -----------------------------------------------------------------

    def codes(self) -> list[str]:
        """Every indicator the campaign registered."""
        return [*self.base_codes, *self.race_codes]

    def dead_letters(self) -> list[DeadLetter]:
        """Everything on ``pmf.dead-letter`` so far."""
        consumer = KafkaConsumer(
            DEAD_LETTER_TOPIC,
            bootstrap_servers=self.stack.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=f"faults-{uuid.uuid4()}",
            consumer_timeout_ms=5000,
        )
        try:
            out = []
            for m in consumer:
                body = json.loads(m.value)
                out.append(
                    DeadLetter(
                        body.get("source_topic", "?"),
                        body.get("reason", ""),
                        body.get("payload", ""),
                        body.get("rejected_at", ""),
                    )
                )
            return out
        finally:
            consumer.close()

    def recorded(self) -> list[Seen]:
        """The LAA results the returns service recorded."""
        query = "select data, recorded_at from events where type = 'LaaResultReceived'"
        with self.stack.engine("returns").connect() as conn:
            rows = conn.execute(sa.text(query)).all()
        return [Seen(json.loads(d)["result_id"], at) for d, at in rows]

    @staticmethod
    def shown(views: dict[str, Any]) -> list[Seen]:
        """The LAA results the reporting histories show."""
        out = []
        for view, doc in views.items():
            if not view.startswith("history "):
                continue
            for h in doc["history"]:
                rid = (h.get("details") or {}).get("result_id")
                if rid and h.get("event_type") == "LaaResultReceived":
                    out.append(Seen(rid, h.get("recorded_at") or ""))
        return out

    def compare(
        self, label: str, fresh: bool = False
    ) -> tuple[dict[str, Any], list[Difference]]:
        """The distributed views, and where they differ from the embedded replay
        (kept up to date checkpoint by checkpoint, or ``fresh`` from scratch)."""

        def remote(path: str) -> Any:
            return replay.answer(
                httpx.get(self.stack.url("reporting") + path, timeout=120)
            )

        versions = [v["number"] for v in remote("/api/v1/framework/versions")]
        codes = self.codes()
        distributed = replay.views(remote, codes, self.as_of, versions)
        engines = {s: self.stack.engine(s) for s in replay.WRITE_SERVICES}
        if fresh:
            target = replay.EmbeddedReplay(self.workdir / "replay" / label)
        else:
            if self.replay is None:
                self.replay = replay.EmbeddedReplay(self.workdir / "replay" / "phases")
            target = self.replay
        t0 = time.monotonic()
        target.update(engines)
        self.replay_s[label] = round(time.monotonic() - t0, 1)
        self.late_facts = max(self.late_facts, target.late)
        local, close = replay.embedded_reader(target.system)
        try:
            embedded = replay.views(local, codes, self.as_of, versions)
        finally:
            if fresh:
                close()
        return distributed, checker.compare_views(distributed, embedded)

    # The run ------------------------------------------------------------------

    def setup(self) -> None:
        """Start the stack and register the base indicators."""
        say(f"starting Kafka, PostgreSQL and the four services in {self.workdir}")
        self.stack.start()
        for i, code in enumerate(self.base_codes):
            self.register(code, i)
        n = len(self.base_codes)
        self.stack.wait_count("returns", "select count(*) from ret_indicators", n, 120)
        self.stack.wait_count(
            "reporting",
            "select count(*) from rm_indicators where registered_at is not null",
            n,
            120,
        )

    def run_phase(self, fault: str) -> None:
        """Stream, fault, stop, catch up, checkpoint."""
        say(f"phase {fault}")
        self.phase = fault
        start = now_iso()
        self.windows.append(Window(fault, start))
        self.as_of.append(start)
        self.flowing.set()
        time.sleep(self.schedule.lead_in_s)
        t0 = time.monotonic()
        fault_error = None
        try:
            self.fault(fault)
        except Exception as exc:
            fault_error = repr(exc)
            self.errors.append(f"{fault}: {fault_error}")
        fault_s = round(time.monotonic() - t0, 1)
        self.flowing.clear()
        self.command_idle.wait(RETRY_FOR_S)
        self.as_of.append(now_iso())
        catch_up, left = self.wait_caught_up()
        say(f"{fault}: fault {fault_s} s, caught up after {catch_up} s {left or ''}")
        _views, diffs = self.compare(fault)
        new = checker.new_since(self.previous, diffs)
        self.previous = diffs
        self.phases.append(
            {
                "fault": fault,
                "started_at": start,
                "fault_s": fault_s,
                "catch_up_s": catch_up,
                "still_behind": left,
                "fault_error": fault_error,
                "differences_at_checkpoint": len(diffs),
                "differences_new": len(new),
                "difference_samples": [d.to_dict() for d in new[:15]],
            }
        )

    def finish(self) -> dict[str, Any]:
        """The final check over the whole run."""
        self.phase = "final"
        self.as_of.append(now_iso())
        # The replay kept up phase by phase is exact unless a fact came late.
        views, diffs = self.compare("final", fresh=self.late_facts > 0)
        counts = checker.count_stream(
            self.sent,
            self.recorded(),
            self.shown(views),
            self.dead_letters(),
            self.windows,
        )
        for p in self.phases:
            c = counts.get(p["fault"], checker.PhaseCounts())
            p.update(c.to_dict())
            p["differences"] = p.pop("differences_new")
        acknowledged = [c for c in self.commands if c["acknowledged"]]
        totals = {
            "sent": sum(p["sent"] for p in self.phases),
            "applied": sum(p["applied"] for p in self.phases),
            "lost": sum(p["lost"] for p in self.phases),
            "doubled": sum(c.doubled for c in counts.values()),
            "wrongly_dead_lettered": sum(
                c.wrongly_dead_lettered for c in counts.values()
            ),
            "not_dead_lettered": sum(p["not_dead_lettered"] for p in self.phases),
            "differences": len(diffs),
            "commands": len(self.commands),
            "commands_acknowledged": len(acknowledged),
            "errors": len(self.errors),
        }
        return {
            "schedule": asdict(self.schedule),
            "machine": {
                "host": platform.node(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "workdir": str(self.workdir),
            "phases": self.phases,
            "totals": totals,
            "final_differences": [d.to_dict() for d in diffs[:40]],
            "commands_not_acknowledged": [
                c for c in self.commands if not c["acknowledged"]
            ][:20],
            "replay_s": self.replay_s,
            "late_facts": self.late_facts,
            "errors": self.errors,
        }

    def service_errors(self) -> dict[str, dict[str, Any]]:
        """Per service: how many errors its logs hold, and the last one's gist."""
        out: dict[str, dict[str, Any]] = {}
        for name in SERVICES:
            count, last = 0, ""
            for log in sorted(self.stack.run_dir.glob(f"{name}*.log")):
                for line in log.read_text(errors="replace").splitlines():
                    if '"level": "ERROR"' not in line:
                        continue
                    count += 1
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        last = line[:300]
                        continue
                    tail = (entry.get("exception") or "").strip().splitlines()
                    last = f"{entry.get('message')}: {tail[-1] if tail else ''}"[:300]
            if count:
                out[name] = {"errors": count, "last": last}
        return out

    def run(self) -> dict[str, Any]:
        """The whole campaign; always stops what it started."""
        started = now_iso()
        threads = [
            threading.Thread(target=self._feed, name="laa-feed", daemon=True),
            threading.Thread(target=self._command_loop, name="commands", daemon=True),
        ]
        try:
            self.setup()
            for t in threads:
                t.start()
            for fault in self.schedule.faults:
                self.run_phase(fault)
            self.done.set()
            for t in threads:
                t.join(30)
            # results for unknown indicators are dead-lettered once their wait ends
            time.sleep(UNKNOWN_WAIT_S + 5)
            result = self.finish()
            result["service_errors"] = self.service_errors()
        finally:
            self.done.set()
            self.flowing.set()
            self.stack.stop()
        result["started_at"], result["finished_at"] = started, now_iso()
        return result


UNKNOWN_WAIT_S = 5


def private_workdir() -> Path:
    """A scratch directory the ``postgres`` user can reach (see tests/support)."""
    base = Path(tempfile.mkdtemp(prefix="pmf-faults-"))
    base.chmod(0o755)
    return base


def goal_met(result: dict[str, Any]) -> bool:
    """0 lost, 0 doubled, 0 wrongly or not dead-lettered, 0 differences."""
    t = result["totals"]
    return (
        not any(
            t[k]
            for k in (
                "lost",
                "doubled",
                "wrongly_dead_lettered",
                "not_dead_lettered",
                "differences",
                "errors",
            )
        )
        and t["commands"] == t["commands_acknowledged"]
    )


COLUMNS = (
    ("fault", "fault", 16),
    ("fault_s", "fault s", 8),
    ("catch_up_s", "catch-up s", 10),
    ("sent", "sent", 6),
    ("applied", "applied", 7),
    ("lost", "lost", 5),
    ("doubled", "doubled", 7),
    ("wrongly_dead_lettered", "wrong DL", 8),
    ("not_dead_lettered", "silent", 6),
    ("differences", "new diffs", 9),
)


def table(result: dict[str, Any]) -> str:
    """The summary table, one row per phase and a total."""
    lines = [" ".join(title.rjust(w) for _, title, w in COLUMNS)]
    for p in result["phases"]:
        cells = []
        for key, _, w in COLUMNS:
            value = p.get(key)
            cells.append(("-" if value is None else str(value)).rjust(w))
        lines.append(" ".join(cells))
    t = result["totals"]
    lines.append(
        f"total: sent {t['sent']}, applied {t['applied']}, lost {t['lost']}, "
        f"doubled {t['doubled']}, wrongly dead-lettered {t['wrongly_dead_lettered']}, "
        f"silently dropped {t['not_dead_lettered']}, differences {t['differences']}, "
        f"commands {t['commands_acknowledged']}/{t['commands']} acknowledged, "
        f"errors {t['errors']}"
    )
    return "\n".join(lines)


def diagnostics(result: dict[str, Any], limit: int = 12) -> str:
    """What went wrong, precisely enough to start looking: ids, reasons, paths."""
    out = []
    for p in result["phases"]:
        for key in ("lost_ids", "doubled_ids", "wrong_dead_letters", "silent_drops"):
            if p.get(key):
                out.append(f"{p['fault']} {key}: {', '.join(p[key][:limit])}")
        if p.get("still_behind"):
            out.append(f"{p['fault']} still behind: {p['still_behind']}")
        for d in p.get("difference_samples", [])[:4]:
            out.append(
                f"{p['fault']} differs: {d['view']} {d['path']}: "
                f"distributed {d['distributed']!r} != embedded {d['embedded']!r}"
            )
    for d in result["final_differences"][:limit]:
        out.append(
            f"final differs: {d['view']} {d['path']}: "
            f"distributed {d['distributed']!r} != embedded {d['embedded']!r}"
        )
    for c in result["commands_not_acknowledged"][:limit]:
        out.append(
            f"command not acknowledged: {c['kind']} {c['code']} "
            f"{c['status']} {c['detail']}"
        )
    for name, found in result.get("service_errors", {}).items():
        out.append(f"{name} logged {found['errors']} errors, last: {found['last']}")
    out += [f"error: {e}" for e in result["errors"]]
    out.append(f"logs and data: {result['workdir']}")
    return "\n".join(out)


def run(schedule: Schedule, out: Path, workdir: Path | None = None) -> dict[str, Any]:
    """Run ``schedule``, write the JSON to ``out`` and return the result."""
    result = Campaign(schedule, workdir or private_workdir()).run()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    return result
