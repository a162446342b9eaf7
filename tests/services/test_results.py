"""Stored derived results: every case write stores the responses under each criteria with the case version and
the rule set, in the write's own transaction; a failed write stores nothing; reads use the stored result."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from ioguide.records.db import Database, write_transaction
from ioguide.records.models import DerivedResult
from ioguide.services import cases, patients, results, toxicity
from ioguide.services.context import Actor
from ioguide.services.errors import StaleVersionError

RAD = Actor("rita", "radiologist")
VIEWER = Actor("vic", "viewer")
# RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-47) §4.3.1: a sum of 50 -> 30 mm is -40%, a partial
# response (>= 30% decrease); 30 -> 50 mm is +67% and +20 mm from the nadir, progression (>= 20% and >= 5 mm).
CASE = {
    "criteria": "recist1.1",
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver"},
        {"id": "T2", "role": "target", "organ": "lung", "injected": True},
    ],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"T1": 30, "T2": 20}},
        {"date": "2026-03-02", "diameters_mm": {"T1": 20, "T2": 10}},
    ],
}
PROGRESSION = {"date": "2026-05-04", "diameters_mm": {"T1": 30, "T2": 20}}


def _patient(db: Database, study_id: str = "S-1") -> int:
    return int(patients.create_patient(db, RAD, patients.PatientIn(study_id=study_id, program="P"))["id"])


def _rows(db: Database, pid: int) -> dict[tuple[str, str], DerivedResult]:
    with db.reader() as session:
        found = session.scalars(sa.select(DerivedResult).where(DerivedResult.patient_id == pid)).all()
        return {(r.kind, r.criteria): r for r in found}


def test_a_case_write_stores_every_criteria_with_its_versions(db: Database):
    pid = _patient(db)
    cases.put_case(db, RAD, pid, CASE, expected_version=1)
    rows = _rows(db, pid)
    assert sorted(c for k, c in rows if k == "response") == sorted(results.CRITERIA)
    recist = rows[("response", "recist1.1")]
    assert (recist.case_version, recist.ruleset) == (2, results.ruleset_version())
    assert recist.current_response == "PR" and recist.response_date == dt.date(2026, 3, 2)
    assert recist.last_scan == dt.date(2026, 3, 2)
    assert recist.result is not None and recist.result["timepoints"][1]["response"] == "PR"
    meso = rows[("response", "mesothelioma")]
    assert meso.result is None and meso.problems and "pleural" in meso.problems[0]

    cases.add_timepoint(db, RAD, pid, PROGRESSION)
    recist = _rows(db, pid)[("response", "recist1.1")]
    assert (recist.case_version, recist.current_response) == (3, "PD")
    assert recist.last_scan == dt.date(2026, 5, 4)


def test_a_rejected_write_leaves_the_stored_results_as_they_were(db: Database):
    pid = _patient(db)
    cases.put_case(db, RAD, pid, CASE, expected_version=1)
    with pytest.raises(StaleVersionError):
        cases.put_case(db, RAD, pid, {**CASE, "timepoints": CASE["timepoints"][:1]}, expected_version=1)
    recist = _rows(db, pid)[("response", "recist1.1")]
    assert (recist.case_version, recist.current_response) == (2, "PR")


def test_reads_use_the_stored_result_and_recompute_only_a_stale_one(db: Database):
    pid = _patient(db)
    cases.put_case(db, RAD, pid, CASE, expected_version=1)
    marker = {"marker": "stored"}
    with write_transaction(db) as session:
        session.execute(
            sa.update(DerivedResult)
            .where(DerivedResult.patient_id == pid, DerivedResult.criteria == "recist1.1")
            .values(result=marker)
        )
    assert cases.assess_patient(db, VIEWER, pid, None) == marker  # read, not recomputed
    with write_transaction(db) as session:
        session.execute(sa.update(DerivedResult).values(ruleset="sha256:older-rules"))
    fresh = cases.assess_patient(db, VIEWER, pid, "recist1.1")
    assert fresh["timepoints"][1]["response"] == "PR"  # a result of other rules is not served


def test_a_toxicity_write_stores_the_regraded_events(db: Database):
    pid = _patient(db)
    # ASTCT CRS (Lee et al., Biol Blood Marrow Transplant 2019;25:625-38): fever with hypotension needing one
    # vasopressor is grade 3.
    crs = {"temp_c": 39.2, "hypotension": "one_vasopressor", "oxygen": "none"}
    toxicity.record_toxicity(
        db, Actor("cora", "coordinator"), pid, toxicity.ToxicityIn(kind="crs", date=dt.date(2026, 1, 9), input=crs)
    )
    row = _rows(db, pid)[("toxicity", results.TOXICITY)]
    assert row.result is not None and row.result["highest_grade"] == {"crs": 3}
    assert row.result["events"][0]["grade"] == row.result["events"][0]["recorded_grade"] == 3


def test_a_second_toxicity_event_extends_the_row_or_regrades_all_under_new_rules(db: Database):
    pid = _patient(db)
    cora = Actor("cora", "coordinator")
    # ASTCT CRS (Lee et al. 2019): fever alone is grade 1; fever with hypotension on fluids only is grade 2.
    for temp, hypotension in ((38.4, "none"), (39.0, "no_vasopressor")):
        data = toxicity.ToxicityIn(
            kind="crs", date=dt.date(2026, 1, 9), input={"temp_c": temp, "hypotension": hypotension, "oxygen": "none"}
        )
        toxicity.record_toxicity(db, cora, pid, data)
    row = _rows(db, pid)[("toxicity", results.TOXICITY)]
    assert row.result is not None and [e["grade"] for e in row.result["events"]] == [1, 2]
    assert row.result["highest_grade"] == {"crs": 2}
    with write_transaction(db) as session:  # rows of older rules are re-graded whole, not extended
        session.execute(
            sa.update(DerivedResult)
            .where(DerivedResult.kind == "toxicity")
            .values(ruleset="sha256:older-rules", result={"events": [], "highest_grade": {}})
        )
    data = toxicity.ToxicityIn(
        kind="crs", date=dt.date(2026, 1, 10), input={"temp_c": 37.0, "oxygen": "none", "hypotension": "none"}
    )
    toxicity.record_toxicity(db, cora, pid, data)
    row = _rows(db, pid)[("toxicity", results.TOXICITY)]
    assert row.ruleset == results.ruleset_version()
    assert row.result is not None and [e["grade"] for e in row.result["events"]] == [1, 2, 0]


@pytest.mark.parametrize("subset", ["overall", "injected", "non_injected"])
def test_the_plot_summary_draws_what_the_full_result_draws(subset: str):
    """itRECIST subsets (Goldmacher et al., J Clin Oncol 2020;38:2667-76): the cut result gives the same series."""
    from ioguide.plots.cohort_data import change_series, swimmer_lane

    case = {**CASE, "criteria": "itrecist", "timepoints": [*CASE["timepoints"], PROGRESSION]}
    result, problems = results.assess_under(case, "itrecist")
    assert result is not None and not problems
    summary = results.plot_summary(result)
    assert len(json.dumps(summary)) < len(json.dumps(result)) / 3  # reasons are left out
    procs = [{"kind": "injection", "date": "2026-01-06", "lesions": [{"lesion_id": "T2"}]}]
    tox = [{"date": "2026-01-09", "grade": 3}]
    assert change_series("S", summary, subset) == change_series("S", result, subset)
    assert swimmer_lane("S", summary, subset, procs, tox) == swimmer_lane("S", result, subset, procs, tox)


def test_the_patient_page_reads_the_fresh_stored_responses(db: Database):
    pid = _patient(db)
    cases.put_case(db, RAD, pid, CASE, expected_version=1)
    stored = results.patient_responses(db, VIEWER, pid)
    assert sorted(stored) == sorted(results.CRITERIA)
    assert stored["recist1.1"][0] is not None and stored["mesothelioma"][0] is None
    with write_transaction(db) as session:
        session.execute(sa.update(DerivedResult).where(DerivedResult.criteria == "irecist").values(case_version=1))
    assert "irecist" not in results.patient_responses(db, VIEWER, pid)  # stale: the page assesses it anew
