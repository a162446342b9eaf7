"""The cohort in SQL: filters, sort, count and pages over every patient, none dropped; plots read every matching
patient's stored result in batches; the data version moves with every write; the plot cache is a bounded LRU."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sqlalchemy as sa

from ioguide.errors import InputError
from ioguide.records.db import Database, write_transaction
from ioguide.records.models import DerivedResult
from ioguide.services import cases, cohort_query, patients
from ioguide.services.cohort_query import PatientQuery, query_patients
from ioguide.services.context import Actor
from ioguide.services.plot_cache import PlotCache

RAD = Actor("rita", "radiologist")
VIEWER = Actor("vic", "viewer")
# RECIST 1.1 (Eisenhauer et al. 2009) §4.3.1: sum 50 -> 30 mm (-40%) is PR; 50 -> 62 mm (+24%, +12 mm) is PD.
CASE: dict[str, Any] = {
    "criteria": "recist1.1",
    "lesions": [{"id": "T1", "role": "target", "organ": "liver"}, {"id": "T2", "role": "target", "organ": "lung"}],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 30, "T2": 20}},
        {"date": "2026-03-02", "diameters_mm": {"T1": 20, "T2": 10}},
    ],
}


def _case(second: dict[str, float], injected: bool = False) -> dict[str, Any]:
    case = copy.deepcopy(CASE)
    case["timepoints"][1]["diameters_mm"] = second
    case["lesions"][1]["injected"] = injected
    return case


PR = {"T1": 20, "T2": 10}
PD = {"T1": 37, "T2": 25}


def _add(db: Database, study_id: str, program: str, case: dict[str, Any] | None) -> int:
    pid = int(patients.create_patient(db, RAD, patients.PatientIn(study_id=study_id, program=program))["id"])
    if case is not None:
        cases.put_case(db, RAD, pid, case, expected_version=1)
    return pid


@pytest.fixture
def cohort(db: Database) -> Database:
    _add(db, "A_1", "alpha", _case(PR, injected=True))
    _add(db, "A-2", "alpha", _case(PD))
    _add(db, "AX1", "alpha", None)
    _add(db, "b-1", "beta", _case(PR))
    _add(db, "B-2", "beta", _case(PD, injected=True))
    return db


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["study_id"] for item in page["items"]]


def test_filters_count_in_the_database(cohort: Database):
    def ids(**kw: Any) -> set[str]:  # a set: the order of study ids follows the database's collation
        return set(_ids(query_patients(cohort, VIEWER, PatientQuery(**kw))))

    assert ids(program="alpha") == {"A-2", "AX1", "A_1"}
    assert ids(response="PR") == {"A_1", "b-1"}
    assert ids(response="PD", program="beta") == {"B-2"}
    assert ids(response="none") == {"AX1"}  # no follow-up yet: listed, not dropped
    assert ids(injected=True) == {"A_1", "B-2"}
    assert ids(injected=False) == {"A-2", "AX1", "b-1"}
    assert ids(search="b-") == {"b-1", "B-2"}  # case-insensitive
    assert ids(search="A_") == {"A_1"}  # '_' is not a wildcard
    assert ids(criteria="mesothelioma") == ids()  # no pleural site: listed with the reason, not dropped
    page = query_patients(cohort, VIEWER, PatientQuery(response="PD", limit=1))
    assert page["total"] == 2 and len(page["items"]) == 1


def test_sort_orders_and_puts_missing_values_last(cohort: Database):
    by_id = _ids(query_patients(cohort, VIEWER, PatientQuery(sort="-id")))
    assert by_id == ["B-2", "b-1", "AX1", "A-2", "A_1"]
    by_response = _ids(query_patients(cohort, VIEWER, PatientQuery(sort="response")))
    assert by_response[-1] == "AX1" and set(by_response[:2]) == {"A-2", "B-2"}  # "PD" < "PR" < none


def test_pages_cover_every_patient_once(cohort: Database):
    seen: list[str] = []
    offset = 0
    while True:
        page = query_patients(cohort, VIEWER, PatientQuery(limit=2, offset=offset))
        assert page["total"] == 5
        if not page["items"]:
            break
        seen += _ids(page)
        offset += 2
    assert sorted(seen) == sorted(["A_1", "A-2", "AX1", "b-1", "B-2"]) and len(seen) == 5


def test_items_carry_the_stored_response_and_say_when_it_is_stale(cohort: Database):
    item = query_patients(cohort, VIEWER, PatientQuery(search="A_1"))["items"][0]
    assert item["injected"] is True
    assert item["response"]["criteria"] == "recist1.1" and item["response"]["current"] == "PR"
    assert item["response"]["stale"] is False and "result" not in item["response"]
    with write_transaction(cohort) as session:
        session.execute(sa.update(DerivedResult).values(ruleset="sha256:older-rules"))
    assert query_patients(cohort, VIEWER, PatientQuery(search="A_1"))["items"][0]["response"]["stale"] is True
    with write_transaction(cohort) as session:
        session.execute(sa.delete(DerivedResult))
    item = query_patients(cohort, VIEWER, PatientQuery(search="A_1"))["items"][0]
    assert item["response"] is None  # said, not guessed


def test_bad_queries_name_the_field(db: Database):
    with pytest.raises(InputError) as err:
        query_patients(db, VIEWER, PatientQuery(criteria="who", response="XX", limit=501))
    assert [p.field for p in err.value.problems] == ["criteria", "response", "limit"]


def test_plots_read_every_matching_patient_in_batches(cohort: Database, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cohort_query, "MAX_PAGE", 2)  # three batches for five patients
    series = cohort_query.plot_inputs(cohort, VIEWER, PatientQuery(limit=1), "overall", "waterfall")
    assert sorted(s.label for s in series) == ["A-2", "A_1", "B-2", "b-1"]  # AX1 has no follow-up: no bar
    assert {s.label: round(s.best_change_pct or 0) for s in series}["A_1"] == -40
    lanes = cohort_query.plot_inputs(cohort, VIEWER, PatientQuery(limit=1, program="beta"), "overall", "swimmer")
    assert sorted(lane.label for lane in lanes) == ["B-2", "b-1"]


def test_the_data_version_moves_with_every_write(db: Database):
    before = cohort_query.data_version(db, VIEWER)
    _add(db, "C-1", "gamma", None)
    assert cohort_query.data_version(db, VIEWER) > before


def test_plot_cache_is_a_bounded_lru():
    cache = PlotCache(size=2)
    made: list[str] = []

    def make(name: str) -> bytes:
        made.append(name)
        return name.encode()

    assert cache.get_or_make("a", lambda: make("a")) == b"a"
    assert cache.get_or_make("a", lambda: make("a")) == b"a"
    cache.get_or_make("b", lambda: make("b"))
    cache.get_or_make("a", lambda: make("a"))  # a is now the most recent
    cache.get_or_make("c", lambda: make("c"))  # evicts b
    cache.get_or_make("b", lambda: make("b"))
    assert made == ["a", "b", "c", "b"] and (cache.hits, cache.misses) == (2, 4)


def test_the_injected_filter_is_the_case_rule_any_injected(db: Database):
    """A lesion injected from a date (itRECIST, Goldmacher et al. 2020: a non-injected lesion the team began to
    inject) counts once that date is reached by the latest scan, as ``ioguide.case.facts.any_injected`` says; one
    whose first injection is after the latest scan does not yet."""
    from ioguide.case.document import case_of
    from ioguide.case.facts import any_injected

    later = copy.deepcopy(CASE)
    later["lesions"][1]["injected_from"] = "2026-02-01"  # before the 2026-03-02 scan: injected by then
    future = copy.deepcopy(CASE)
    future["lesions"][1]["injected_from"] = "2026-04-01"  # after the latest scan: not yet
    for study_id, case in (("L-1", later), ("F-1", future), ("N-1", CASE)):
        _add(db, study_id, "gamma", case)
    injected = _ids(query_patients(db, VIEWER, PatientQuery(program="gamma", injected=True)))
    expected = [s for s, c in (("F-1", future), ("L-1", later), ("N-1", CASE)) if any_injected(case_of(c))]
    assert sorted(injected) == sorted(expected) == ["L-1"]
