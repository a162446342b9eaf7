"""``GET /api/v1/patients`` filters, sorts, counts and pages in the database (issue 16 part 4); bad filters are
422 naming the parameter."""

from __future__ import annotations

from api.support import SPEC_CASE, Api


def test_list_filters_by_response_injected_and_search(api: Api):
    # spec/response.md example: the new lesion X1 at the follow-up is progression (RECIST 1.1 §4.3.1)
    responding = api.new_patient("IT-001", SPEC_CASE)
    api.new_patient("IT-002")
    reply = api.call("GET", "/api/v1/patients?response=PD&criteria=recist1.1", role="viewer")
    assert reply.status_code == 200
    body = reply.json()
    assert body["total"] == 1 and [p["id"] for p in body["items"]] == [responding]
    assert body["items"][0]["response"]["current"] == "PD" and body["items"][0]["injected"] is True
    none = api.call("GET", "/api/v1/patients?response=none", role="viewer").json()
    assert [p["study_id"] for p in none["items"]] == ["IT-002"]
    assert api.call("GET", "/api/v1/patients?injected=false", role="viewer").json()["total"] == 1
    assert api.call("GET", "/api/v1/patients?q=it-00", role="viewer").json()["total"] == 2
    assert api.call("GET", "/api/v1/patients?program=elsewhere", role="viewer").json()["total"] == 0


def test_list_pages_with_a_total(api: Api):
    for i in range(5):
        api.new_patient(f"IT-{i:03}")
    seen = []
    for offset in range(0, 6, 2):
        page = api.call("GET", f"/api/v1/patients?limit=2&offset={offset}&sort=-id", role="viewer").json()
        assert page["total"] == 5
        seen += [p["id"] for p in page["items"]]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 5


def test_bad_filters_are_422_naming_the_parameter(api: Api):
    for query, field in (("response=maybe", "response"), ("sort=age", "sort"), ("limit=501", "limit")):
        reply = api.call("GET", f"/api/v1/patients?{query}", role="viewer")
        assert reply.status_code == 422, query
        assert field in {e["field"] for e in reply.json()["errors"]}, reply.text
