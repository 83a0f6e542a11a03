"""The demo plan: deterministic, well-formed, believable in order, telling a story."""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.assessment.assess import assess
from services.assessment.facts import Assessment, Definition, Point, Result
from services.demo import DemoLoadError, DemoStep, apply_plan, demo_plan
from services.demo.load import quote_path
from services.demo.plan import NO_LEAD_CODES, OUTCOMES, UNITS
from shared.breakdowns import canonical

ROOT = Path(__file__).resolve().parents[2]
PACKAGED_CSV = ROOT / "services" / "demo" / "national_indicators_2008.csv"
SHARED_CSV = Path("/work/shared/data/national-indicators-2008.csv")
PERIOD_ENDS = {(3, 31), (6, 30), (9, 30), (12, 31)}
REGISTER_FIELDS = {
    "code",
    "title",
    "outcome",
    "polarity",
    "unit",
    "frequency",
    "laa",
    "measurable",
    "lead_organisation",
    "named_lead",
    "tolerance",
}


@pytest.fixture(scope="module")
def plan() -> list[DemoStep]:
    return demo_plan()


def body_of(step: DemoStep) -> dict[str, Any]:
    """The step's JSON object body (fails the test when it is not one)."""
    assert isinstance(step.body, dict), step
    return step.body


def csv_codes() -> list[str]:
    with PACKAGED_CSV.open(encoding="utf-8") as f:
        return [row["code"] for row in csv.DictReader(f)]


def registered(plan: list[DemoStep]) -> dict[str, dict[str, Any]]:
    return {
        s.body["code"]: s.body
        for s in plan
        if s.path == "/api/v1/indicators" and isinstance(s.body, dict)
    }


def code_of(step: DemoStep) -> str | None:
    """The indicator a step is about (None for framework-wide steps)."""
    prefix = "/api/v1/indicators/"
    if step.path.startswith(prefix):
        rest = step.path[len(prefix) :]
        head, _, tail = rest.rpartition("/")
        known = ("lead", "baseline", "target", "milestones", "retire")
        return head if head and tail in known else rest
    if step.path == "/api/v1/returns" and isinstance(step.body, dict):
        return str(step.body["indicator_code"])
    return None


def codes_mentioned(step: DemoStep) -> set[str]:
    found = {c for c in [code_of(step)] if c}
    if step.path == "/api/v1/laa-results" and isinstance(step.body, list):
        found |= {m["indicator_code"] for m in step.body}
    if step.path == "/api/v1/rounds" and isinstance(step.body, dict):
        found |= set(step.body.get("scope") or [])
    return found


def results(plan: list[DemoStep]) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(step index, result body, source) for every lead return and LAA result."""
    for i, s in enumerate(plan):
        if s.path == "/api/v1/returns" and isinstance(s.body, dict):
            yield i, s.body, "lead"
        elif s.path == "/api/v1/laa-results" and isinstance(s.body, list):
            for message in s.body:
                yield i, message, "laa"


def numbers_in(body: Any) -> Iterator[tuple[str, Any]]:
    """Every value that must be a number, with where it was found."""
    if isinstance(body, list):
        for item in body:
            yield from numbers_in(item)
        return
    if not isinstance(body, dict):
        return
    for key in ("value", "tolerance"):
        if key in body:
            yield key, body[key]
    for m in body.get("milestones") or []:
        yield "milestones.value", m["value"]
    for group, v in (body.get("breakdowns") or {}).items():
        yield f"breakdowns.{group}", v["value"] if isinstance(v, dict) else v


# --- Determinism and the fixture -------------------------------------------------


def test_the_plan_is_deterministic() -> None:
    assert demo_plan() == demo_plan()
    assert demo_plan(7) == demo_plan(7)
    assert demo_plan(2008) == demo_plan()


def test_other_seeds_change_only_the_noise() -> None:
    a, b = demo_plan(1), demo_plan(2)
    assert [(s.method, s.path, s.role) for s in a] == [
        (s.method, s.path, s.role) for s in b
    ]
    assert a != b


PACKAGED_SHA256 = "88fec8557f92b904d6070997fef1987eeb9e7e2d8d0f21c20d431df6ed461187"


def test_the_packaged_csv_is_a_verbatim_copy_of_the_fixture() -> None:
    packaged = PACKAGED_CSV.read_bytes()
    # the digest of the shared fixture when it was copied; and the fixture
    # itself wherever it lies beside the checkout
    assert hashlib.sha256(packaged).hexdigest() == PACKAGED_SHA256
    if SHARED_CSV.exists():
        assert packaged == SHARED_CSV.read_bytes()


# --- The framework ---------------------------------------------------------------


def test_every_indicator_is_registered_once_before_anything_mentions_it(
    plan: list[DemoStep],
) -> None:
    codes = csv_codes()
    regs = [body_of(s)["code"] for s in plan if s.path == "/api/v1/indicators"]
    assert sorted(regs) == sorted(codes)
    assert len(set(regs)) == len(regs)
    seen: set[str] = set()
    for s in plan:
        if s.path == "/api/v1/indicators":
            seen.add(body_of(s)["code"])
            continue
        unknown = codes_mentioned(s) - seen
        assert not unknown, f"{s.note} mentions {unknown} before registering it"


def test_register_bodies_hold_the_fixed_fields(plan: list[DemoStep]) -> None:
    for code, body in registered(plan).items():
        assert set(body) <= REGISTER_FIELDS, code
        assert {"code", "title", "outcome", "polarity", "unit", "frequency"} <= set(
            body
        )
        assert body["outcome"] in OUTCOMES, code
        assert body["unit"] in UNITS, code
        assert body["frequency"] in ("annual", "half_yearly", "quarterly")
        assert isinstance(body["laa"], bool)
        assert isinstance(body["measurable"], bool)
        lead = body.get("named_lead")
        if lead is not None:
            assert set(lead) == {"name", "email"}
            domain = lead["email"].split("@")[1]
            assert "northshire" in domain, lead


def test_every_outcome_serves_some_indicator(plan: list[DemoStep]) -> None:
    assert {b["outcome"] for b in registered(plan).values()} == set(OUTCOMES)


def test_the_five_without_a_lead_are_registered_without_one(
    plan: list[DemoStep],
) -> None:
    regs = registered(plan)
    for code in NO_LEAD_CODES:
        assert regs[code].get("lead_organisation") is None, code
        assert regs[code].get("named_lead") is None, code
    others = set(regs) - set(NO_LEAD_CODES)
    assert all(regs[c].get("lead_organisation") for c in others)
    assert all(regs[c].get("named_lead") for c in others)


def test_leads_are_assigned_later_to_some_of_the_five(plan: list[DemoStep]) -> None:
    assigned = {code_of(s) for s in plan if s.path.endswith("/lead")}
    assert {"NI 50", "LOCAL 01"} <= assigned
    assert assigned <= set(NO_LEAD_CODES)
    for s in plan:
        if s.path.endswith("/lead"):
            assert isinstance(s.body, dict)
            assert s.body["lead_organisation"]
            assert set(s.body["named_lead"]) == {"name", "email"}


def test_ni_71_starts_not_measurable_and_becomes_measurable(
    plan: list[DemoStep],
) -> None:
    assert registered(plan)["NI 71"]["measurable"] is False
    patches = [
        i
        for i, s in enumerate(plan)
        if s.method == "PATCH" and s.path == "/api/v1/indicators/NI 71"
    ]
    assert len(patches) == 1
    body = plan[patches[0]].body
    assert isinstance(body, dict)
    assert body["measurable"] is True and body["reason"]
    later = [
        i for i, s in enumerate(plan) if code_of(s) == "NI 71" and s.method != "PATCH"
    ]
    assert later and min(later) > patches[0]


def test_two_or_three_other_indicators_start_not_measurable(
    plan: list[DemoStep],
) -> None:
    unmeasured = {c for c, b in registered(plan).items() if not b["measurable"]}
    assert "NI 71" in unmeasured
    assert 2 <= len(unmeasured - {"NI 71"}) <= 3


def test_laa_indicators_are_those_a_2008_laa_held(plan: list[DemoStep]) -> None:
    laa = {c for c, b in registered(plan).items() if b["laa"]}
    assert 8 <= len(laa) <= 10
    assert {"NI 19", "NI 56", "NI 110", "NI 111", "NI 112", "NI 117", "NI 116"} <= laa


def test_ni_68_is_closer_is_better_with_a_tolerance(plan: list[DemoStep]) -> None:
    body = registered(plan)["NI 68"]
    assert body["polarity"] == "closer_is_better"
    assert body["tolerance"] == pytest.approx(3.0)


def test_baselines_targets_and_milestones_are_well_formed(
    plan: list[DemoStep],
) -> None:
    targets: dict[str, list[dict[str, Any]]] = {}
    for s in plan:
        assert isinstance(s.body, dict | list | type(None))
        if s.path.endswith("/baseline"):
            assert isinstance(s.body, dict)
            assert s.body["period_end"] in ("2007-03-31", "2008-03-31", "2009-03-31")
        if s.path.endswith("/target"):
            assert isinstance(s.body, dict)
            assert s.body["period_end"] == "2011-03-31"
            assert s.body["reason"]
            targets.setdefault(str(code_of(s)), []).append(s.body)
        if s.path.endswith("/milestones"):
            assert isinstance(s.body, dict)
            ends = [m["period_end"] for m in s.body["milestones"]]
            assert ends == ["2009-03-31", "2010-03-31"]
    revised = {c for c, ts in targets.items() if len(ts) > 1}
    assert len(revised) >= 2
    for code in revised:
        assert len({t["reason"] for t in targets[code]}) > 1


def test_some_measurable_indicators_have_no_target(plan: list[DemoStep]) -> None:
    baselined = {code_of(s) for s in plan if s.path.endswith("/baseline")}
    targeted = {code_of(s) for s in plan if s.path.endswith("/target")}
    assert len(baselined - targeted) >= 2


def test_there_are_at_least_three_framework_versions_in_order(
    plan: list[DemoStep],
) -> None:
    versions = [s for s in plan if s.path == "/api/v1/framework/versions"]
    assert len(versions) >= 3
    labels = [body_of(s)["label"] for s in versions]
    assert labels == sorted(labels)
    assert all(body_of(s)["note"] for s in versions)
    assert labels[0].startswith("v1")


def test_a_version_follows_the_changes_it_describes(plan: list[DemoStep]) -> None:
    def index(pred: Any) -> int:
        return next(i for i, s in enumerate(plan) if pred(s))

    v3 = index(lambda s: s.body and "leads assigned" in str(s.body))
    v4 = index(lambda s: s.body and "NI 71 measurable" in str(s.body))
    assert index(lambda s: s.path == "/api/v1/indicators/NI 50/lead") < v3
    assert index(lambda s: s.method == "PATCH" and "NI 71" in s.path) < v4


# --- Values ----------------------------------------------------------------------


def test_every_number_is_finite_and_rounded(plan: list[DemoStep]) -> None:
    count = 0
    for s in plan:
        for where, v in numbers_in(s.body):
            count += 1
            assert isinstance(v, int | float) and not isinstance(v, bool), (s, where)
            assert math.isfinite(v), (s, where)
            assert round(v, 1) == v, (s, where)
    assert count > 200


def test_percentages_stay_within_0_and_100(plan: list[DemoStep]) -> None:
    percent = {c for c, b in registered(plan).items() if b["unit"] == "percent"}
    for s in plan:
        bodies = s.body if isinstance(s.body, list) else [s.body]
        for body in bodies:
            if not isinstance(body, dict):
                continue
            code = body.get("indicator_code") or code_of(s)
            if code in percent:
                for where, v in numbers_in(body):
                    assert 0 <= v <= 100, (s.note, where, v)


def test_values_are_plausible_for_their_units(plan: list[DemoStep]) -> None:
    regs = registered(plan)
    for _, body, _ in results(plan):
        code, v = body["indicator_code"], body["value"]
        if code == "NI 51":
            assert 4 <= v <= 16
        if code == "NI 71":
            assert 0 <= v <= 3
        if regs[code]["unit"] in ("number", "rate_per_1000", "rate_per_10000"):
            assert v >= 0


# --- Returns, LAA results and rounds --------------------------------------------


def test_results_come_after_registration_and_baseline(plan: list[DemoStep]) -> None:
    first: dict[tuple[str, str], int] = {}
    for i, s in enumerate(plan):
        code = code_of(s) if s.path != "/api/v1/returns" else None
        if s.path == "/api/v1/indicators":
            first.setdefault((body_of(s)["code"], "register"), i)
        elif code and s.path.endswith("/baseline"):
            first.setdefault((code, "baseline"), i)
    for i, body, _ in results(plan):
        code = body["indicator_code"]
        assert first[(code, "register")] < i
        assert first[(code, "baseline")] < i, code
        assert body["period_end"] > next(
            body_of(s)["period_end"]
            for s in plan
            if s.path == f"/api/v1/indicators/{code}/baseline"
        )


def test_laa_results_only_for_laa_indicators_and_lead_returns_for_the_rest(
    plan: list[DemoStep],
) -> None:
    regs = registered(plan)
    ids: list[str] = []
    for _, body, source in results(plan):
        code = body["indicator_code"]
        assert regs[code]["laa"] is (source == "laa"), (code, source)
        if source == "laa":
            ids.append(body["result_id"])
            assert body["result_id"] == f"LAA-{code}-{body['period_end']}"
            assert body["source"] == "LAA"
            sent = date.fromisoformat(body["submitted_at"][:10])
            lag = (sent - date.fromisoformat(body["period_end"])).days
            assert 0 < lag <= 45
    assert len(ids) == len(set(ids))


def test_periods_are_quarter_half_year_or_year_ends(plan: list[DemoStep]) -> None:
    regs = registered(plan)
    for s in plan:
        if s.path == "/api/v1/rounds":
            assert isinstance(s.body, dict)
            end = date.fromisoformat(s.body["period_end"])
            assert (end.month, end.day) in {(3, 31), (9, 30)}
    for _, body, source in results(plan):
        end = date.fromisoformat(body["period_end"])
        assert (end.month, end.day) in PERIOD_ENDS
        if regs[body["indicator_code"]]["frequency"] == "annual":
            assert (end.month, end.day) == (3, 31), body
        if source == "lead":
            assert (end.month, end.day) in {(3, 31), (9, 30)}
        assert date(2008, 6, 30) <= end <= date(2010, 3, 31)


def test_laa_batches_cover_every_quarter_of_two_years(plan: list[DemoStep]) -> None:
    quarters = [
        {m["period_end"] for m in s.body}
        for s in plan
        if s.path == "/api/v1/laa-results" and isinstance(s.body, list)
    ]
    assert all(len(q) == 1 for q in quarters)
    ends = [q.pop() for q in quarters]
    assert ends == sorted(ends)
    assert len(ends) == 8
    assert ends[0] == "2008-06-30" and ends[-1] == "2010-03-31"


def test_four_rounds_each_opened_answered_and_closed(plan: list[DemoStep]) -> None:
    opened = [body_of(s) for s in plan if s.path == "/api/v1/rounds"]
    assert [r["id"] for r in opened] == ["2008-H1", "2008-H2", "2009-H1", "2009-H2"]
    assert opened[0] == {
        "id": "2008-H1",
        "period_end": "2008-09-30",
        "requested": "2008-09-30",
        "deadline": "2008-10-31",
        "scope": opened[0]["scope"],
    }
    measurable: dict[str, bool] = {}
    frequency: dict[str, str] = {}
    for s in plan:
        if s.path == "/api/v1/indicators":
            measurable[body_of(s)["code"]] = body_of(s)["measurable"]
            frequency[body_of(s)["code"]] = body_of(s)["frequency"]
        elif s.method == "PATCH":
            measurable[str(code_of(s))] = body_of(s)["measurable"]
        elif s.path == "/api/v1/rounds":
            half_year = body_of(s)["period_end"].endswith("-09-30")
            expected = [
                c
                for c, m in measurable.items()
                if m and not (half_year and frequency[c] == "annual")
            ]
            assert body_of(s)["scope"] == expected
    for r in opened:
        rid = r["id"]
        start = next(i for i, s in enumerate(plan) if s.body is r)
        close = next(
            i for i, s in enumerate(plan) if s.path == f"/api/v1/rounds/{rid}/close"
        )
        assert plan[close].body is None
        inside = [
            b for i, b, src in results(plan) if start < i < close and src == "lead"
        ]
        assert inside and all(b["period_end"] == r["period_end"] for b in inside)


def test_lead_returns_are_sent_by_the_named_lead_of_the_moment(
    plan: list[DemoStep],
) -> None:
    lead: dict[str, str | None] = {}
    for s in plan:
        if s.path == "/api/v1/indicators" and isinstance(s.body, dict):
            lead[s.body["code"]] = (s.body.get("named_lead") or {}).get("email")
        elif s.path.endswith("/lead") and isinstance(s.body, dict):
            lead[str(code_of(s))] = s.body["named_lead"]["email"]
        elif s.path == "/api/v1/returns" and isinstance(s.body, dict):
            email = lead[s.body["indicator_code"]]
            if email is None:
                assert (s.role, s.lead_email) == ("admin", None)
            else:
                assert (s.role, s.lead_email) == ("lead", email)
        elif s.path == "/api/v1/laa-results":
            assert s.role == "system"
        else:
            assert s.role == "admin", s.note


def test_returns_carry_commentary_and_mostly_a_prediction(
    plan: list[DemoStep],
) -> None:
    lead_returns = [b for _, b, src in results(plan) if src == "lead"]
    assert all(b["commentary"] for b in lead_returns)
    predicted = [b for b in lead_returns if "prediction" in b]
    assert all(b["prediction"] in ("on_target", "off_target") for b in predicted)
    assert len(predicted) >= 0.75 * len(lead_returns)
    assert len(predicted) < len(lead_returns)
    assert any("breakdowns" in b for b in lead_returns)


def test_there_is_one_correction(plan: list[DemoStep]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for _, body, src in results(plan):
        if src == "lead":
            key = (body["indicator_code"], body["period_end"])
            seen[key] = seen.get(key, 0) + 1
    twice = [k for k, n in seen.items() if n > 1]
    assert len(twice) == 1
    last = [
        b
        for _, b, src in results(plan)
        if src == "lead" and (b["indicator_code"], b["period_end"]) == twice[0]
    ][-1]
    assert last["commentary"].startswith("Corrected after data validation")


def test_breakdowns_are_aggregates_for_groups_of_the_vocabulary(
    plan: list[DemoStep],
) -> None:
    groups = {g for _, b, _ in results(plan) for g in (b.get("breakdowns") or {})}
    assert {"male", "fsm", "not_fsm", "sen", "looked_after"} <= groups
    assert all(canonical(g) is not None for g in groups), groups
    figures = [
        f for _, b, _ in results(plan) for f in (b.get("breakdowns") or {}).values()
    ]
    # counts come with some figures, so the papers' small-number rule can apply
    assert any(isinstance(f, dict) and f["n"] < 5 for f in figures)


# --- The story under the product's own assessment rules -------------------------


def assessments(plan: list[DemoStep]) -> dict[str, Assessment]:
    """Fold the plan into definitions and results and assess each indicator."""
    defs: dict[str, dict[str, Any]] = {}
    found: dict[str, list[Result]] = {}
    for s in plan:
        body: Any = s.body
        code = code_of(s)
        if s.path == "/api/v1/indicators":
            defs[body["code"]] = {**body, "milestones": ()}
            found[body["code"]] = []
        elif s.method == "PATCH" and code:
            defs[code]["measurable"] = body.get("measurable", defs[code]["measurable"])
        elif code and s.path.endswith(("/baseline", "/target")):
            key = "baseline" if s.path.endswith("/baseline") else "target"
            defs[code][key] = Point(
                date.fromisoformat(body["period_end"]), body["value"]
            )
        elif code and s.path.endswith("/milestones"):
            defs[code]["milestones"] = tuple(
                Point(date.fromisoformat(m["period_end"]), m["value"])
                for m in body["milestones"]
            )
        elif code and s.path.endswith("/lead"):
            defs[code].update(body)
    for _, body, src in results(plan):
        found[body["indicator_code"]].append(
            Result(
                date.fromisoformat(body["period_end"]),
                body["value"],
                body.get("prediction"),
                "laa" if src == "laa" else "lead",
            )
        )
    out = {}
    for code, d in defs.items():
        definition = Definition(
            code=code,
            polarity=d["polarity"],
            frequency=d["frequency"],
            measurable=d["measurable"],
            laa=d["laa"],
            lead_organisation=d.get("lead_organisation"),
            named_lead=(d.get("named_lead") or {}).get("name"),
            baseline=d.get("baseline"),
            target=d.get("target"),
            milestones=d["milestones"],
            tolerance=d.get("tolerance"),
        )
        out[code] = assess(definition, found[code])
    return out


def test_the_story_a_board_would_recognise(plan: list[DemoStep]) -> None:
    a = assessments(plan)
    status = {c: x.status for c, x in a.items()}
    assert sum(s == "GREEN" for s in status.values()) > len(status) / 2
    for code in ("NI 48", "NI 55", "NI 65", "NI 102", "NI 116", "NI 148"):
        assert (status[code], a[code].direction) == ("RED", "worsening"), code
    for code in ("NI 52", "NI 87", "NI 112"):
        assert status[code] == "RED", code
    for code in ("NI 57", "NI 111"):
        assert a[code].very_good_performance, code
    for code in ("NI 111", "NI 64", "LOCAL 01", "NI 101"):
        assert a[code].significantly_improved, code
    flags = {c: {f.code for f in x.flags} for c, x in a.items()}
    conflicts = {c for c, f in flags.items() if "PREDICTION_CONFLICT" in f}
    assert conflicts == {"NI 55", "NI 87", "NI 59"}
    assert "VOLATILE" in flags["NI 101"]
    assert {"NO_TARGET", "NO_LEAD"} <= flags["NI 199"]
    assert "NO_LEAD" in flags["NI 116"]
    assert status["NI 71"] == "GREEN"
    assert status["NI 54"] == "GREY"


# --- The loader ------------------------------------------------------------------


class FakeResponse:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code = status
        self._body = body
        self.text = str(body)

    def json(self) -> Any:
        return self._body


class FakeClient:
    def __init__(self, fail_at: int | None = None, answer: Any = None) -> None:
        self.sent: list[tuple[str, str, Any, dict[str, str]]] = []
        self.fail_at = fail_at
        self.answer = answer if answer is not None else {"ok": True}

    def request(
        self, method: str, url: str, *, json: Any = None, headers: Any = None
    ) -> FakeResponse:
        self.sent.append((method, url, json, dict(headers or {})))
        if self.fail_at is not None and len(self.sent) == self.fail_at:
            return FakeResponse(422, {"detail": "bad"})
        return FakeResponse(201, self.answer)


def test_paths_quote_the_code_and_nothing_else() -> None:
    assert quote_path("/api/v1/indicators/NI 50/baseline") == (
        "/api/v1/indicators/NI%2050/baseline"
    )
    assert quote_path("/api/v1/indicators/NI 71") == "/api/v1/indicators/NI%2071"
    assert quote_path("/api/v1/indicators/A/B/target") == (
        "/api/v1/indicators/A%2FB/target"
    )
    assert quote_path("/api/v1/indicators/A/B") == "/api/v1/indicators/A%2FB"
    assert quote_path("/api/v1/rounds/2008-H1/close") == "/api/v1/rounds/2008-H1/close"
    assert quote_path("/api/v1/indicators") == "/api/v1/indicators"
    assert quote_path("/api/v1/returns") == "/api/v1/returns"


def test_apply_plan_sends_every_step_with_its_token(plan: list[DemoStep]) -> None:
    client = FakeClient()
    ticks: list[tuple[int, int]] = []

    def token_for(step: DemoStep) -> str | None:
        return step.lead_email or (None if step.role == "system" else step.role)

    sent = apply_plan(plan, client, token_for, lambda d, t: ticks.append((d, t)))
    assert sent == len(plan) == len(client.sent)
    assert ticks[-1] == (len(plan), len(plan))
    for step, (method, url, body, headers) in zip(plan, client.sent, strict=True):
        assert method == step.method
        assert " " not in url
        assert body == step.body
        expected = token_for(step)
        assert headers.get("Authorization") == (
            f"Bearer {expected}" if expected else None
        )


def test_apply_plan_stops_at_the_first_refusal(plan: list[DemoStep]) -> None:
    client = FakeClient(fail_at=3)
    with pytest.raises(DemoLoadError) as caught:
        apply_plan(plan, client)
    assert caught.value.step == plan[2]
    assert caught.value.status == 422
    assert caught.value.body == {"detail": "bad"}
    assert len(client.sent) == 3


def test_apply_plan_stops_when_an_laa_item_is_rejected() -> None:
    step = DemoStep("POST", "/api/v1/laa-results", [], "system")
    client = FakeClient(answer={"results": [], "rejected": 1})
    with pytest.raises(DemoLoadError):
        apply_plan([step], client)
