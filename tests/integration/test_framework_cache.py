"""``GET /api/v1/framework`` is served from bodies encoded once per read-model
position, with an ETag that answers ``If-None-Match`` with 304."""

from __future__ import annotations

import json

from services.reporting.projections import framework_projection
from services.reporting.queries import READ_MODEL, FrameworkQueries
from tests.integration.conftest import Api, at, indicator

P = "/api/v1"


def test_the_position_names_the_projection_that_writes_the_rows() -> None:
    assert framework_projection().name == READ_MODEL


def test_the_cache_key_moves_with_the_read_models_in_both_modes(api: Api) -> None:
    embedded = api.system.framework
    by_database = FrameworkQueries(api.system.engine)  # as distributed mode asks
    before = (embedded.change_key(), by_database.change_key())
    assert by_database.change_key() == by_database.position()
    api.post(f"{P}/indicators", indicator("NI 50"), headers=at("2008-06-02"))
    assert embedded.change_key() != before[0]
    assert by_database.change_key() != before[1]


def test_the_cached_body_is_the_framework_and_moves_with_it(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"), headers=at("2008-06-02"))
    first = api.client.get(f"{P}/framework")
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    etag = first.headers["ETag"]
    assert first.json() == json.loads(
        json.dumps(api.system.framework.current())
    )  # what the route served before it was cached
    again = api.client.get(f"{P}/framework", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag

    before = api.system.framework.position()
    api.post(f"{P}/indicators", indicator("NI 112"), headers=at("2008-06-03"))
    assert api.system.framework.position() != before
    moved = api.client.get(f"{P}/framework", headers={"If-None-Match": etag})
    assert moved.status_code == 200  # the old tag no longer matches
    assert [i["code"] for i in moved.json()["indicators"]] == ["NI 112", "NI 50"]
    assert moved.headers["ETag"] != etag
    tags = f'"nope", W/{moved.headers["ETag"]}'
    assert (
        api.client.get(f"{P}/framework", headers={"If-None-Match": tags}).status_code
        == 304
    )


def test_as_of_and_version_variants_are_cached_apart(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"), headers=at("2008-06-02"))
    api.post(f"{P}/framework/versions", {"label": "v1"}, headers=at("2008-06-30"))
    api.post(f"{P}/indicators", indicator("NI 112"), headers=at("2008-07-02"))
    now = api.client.get(f"{P}/framework")
    then = api.client.get(f"{P}/framework", params={"as_of": "2008-06-15"})
    v1 = api.client.get(f"{P}/framework", params={"version": 1})
    assert len(now.json()["indicators"]) == 2
    assert [i["code"] for i in then.json()["indicators"]] == ["NI 50"]
    assert [i["code"] for i in v1.json()["indicators"]] == ["NI 50"]
    assert then.json()["as_of"] and v1.json()["version"]["number"] == 1
    assert len({now.headers["ETag"], then.headers["ETag"], v1.headers["ETag"]}) == 3
    # Bad input is still refused, and never cached.
    for params in (
        {"as_of": "soon"},
        {"version": 9},
        {"as_of": "2008-01-01", "version": 1},
    ):
        bad = api.client.get(f"{P}/framework", params=params)
        assert bad.status_code in (400, 404, 422)
        assert bad.headers["content-type"] == "application/problem+json"
