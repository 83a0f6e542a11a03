"""The sign-in throttle's sliding window and the actor string's two forms."""

from __future__ import annotations

import pytest

from shared.events.actors import actor_string, actor_without_token, parse_actor
from shared.http.security_headers import with_security_headers
from shared.http.throttle import SlidingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_refuses_after_the_limit_until_the_oldest_attempt_leaves() -> None:
    clock = Clock()
    window = SlidingWindow(limit=3, window=60, clock=clock)
    for step in range(3):
        assert window.retry_after("10.0.0.1") is None
        window.hit("10.0.0.1")
        clock.now += 10 * (step < 2)
    assert window.retry_after("10.0.0.1") == 40  # the first hit was 20 s ago
    assert window.retry_after("10.0.0.2") is None, "per address"
    clock.now += 40
    assert window.retry_after("10.0.0.1") is None
    window.forget("10.0.0.1")
    assert window.retry_after("10.0.0.1") is None


def test_the_window_remembers_a_bounded_number_of_addresses() -> None:
    window = SlidingWindow(limit=1, window=60, max_keys=100, clock=Clock())
    for n in range(1000):
        window.hit(f"a{n}")
    assert len(window._hits) == 100
    assert window.retry_after("a999") is not None and window.retry_after("a0") is None
    with pytest.raises(ValueError):
        SlidingWindow(limit=0, window=60)


@pytest.mark.parametrize(
    ("value", "role", "name", "token_id"),
    [
        ("admin:Jane Smith#1a2b3c4d", "admin", "Jane Smith", "1a2b3c4d"),
        ("admin:Jane Smith", "admin", "Jane Smith", None),  # before token ids
        ("lead:Team #2", "lead", "Team #2", None),
        ("lead:Team #2#0f0f0f0f", "lead", "Team #2", "0f0f0f0f"),
        ("service:returns-deadlines", "service", "returns-deadlines", None),
        ("nobody", "", "nobody", None),
    ],
)
def test_actor_strings_old_and_new_are_read(
    value: str, role: str, name: str, token_id: str | None
) -> None:
    assert tuple(parse_actor(value)) == (role, name, token_id)
    if role:
        assert actor_without_token(value) == f"{role}:{name}"
    if token_id:
        assert actor_string(role, name, token_id) == value


def test_a_response_keeps_its_own_policy_and_gets_hsts_only_over_https() -> None:
    own = [(b"content-security-policy", b"default-src 'none'")]
    plain = dict(with_security_headers(own, https=False))
    assert plain[b"content-security-policy"] == b"default-src 'none'"
    assert plain[b"x-frame-options"] == b"DENY"
    assert b"strict-transport-security" not in plain
    assert b"strict-transport-security" in dict(with_security_headers([], https=True))
