"""The statistical-analysis-plan options of the best overall response, each on a worked example, with RECIST 1.1's
behaviour as the default (docs/response.md, "Settings a sponsor chooses").

Sources: RECIST 1.1 (Eisenhauer 2009) §4.4.1 (best response recorded), §4.6.1 (the minimum interval for SD is defined
in the protocol), §4.6.3 (SD is measured from the start of treatment), Table 3 and its note a (CR then PR).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from response_cases import TWO_TARGETS, build_case, responses, run_case

from ioguide.criteria.assess import assess_json
from ioguide.errors import InputError

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/schema/assess-output.schema.json").read_text())
BASE = (0, {"T1": 30, "T2": 20})  # 50 mm, baseline scan 2026-01-05
PR = {"T1": 20, "T2": 10}  # 30 mm, -40 %
SD = {"T1": 28, "T2": 20}
NE = {"T1": 20}
CR = {"T1": 0, "T2": 0}


def assess(visits: list[tuple[Any, ...]], treatment_start: str | None = None, **settings: Any) -> dict[str, Any]:
    case = build_case(TWO_TARGETS, [BASE, *visits], **settings)
    if treatment_start is not None:
        case["treatment_start"] = treatment_start
    result: dict[str, Any] = assess_json(case)
    return result


def best(visits: list[tuple[Any, ...]], treatment_start: str | None = None, **settings: Any) -> str:
    response: str = assess(visits, treatment_start, **settings)["best_overall_response"]["response"]
    return response


def test_sd_minimum_counted_from_the_first_treatment() -> None:
    # Baseline scan 2026-01-05, treatment from 2026-01-19 (day 14). SD on day 49 is 49 days after the baseline scan
    # but only 35 after the first treatment: with a 42-day minimum it counts from baseline (the default), not from
    # the first treatment.
    visits = [(49, SD)]
    assert best(visits) == "SD"
    assert best(visits, "2026-01-19") == "SD"  # treatment_start alone changes nothing
    result = assess(visits, "2026-01-19", sd_min_reference="first_treatment")
    assert result["best_overall_response"]["response"] == "NE"
    assert any("day 35 from the first treatment" in r for r in result["best_overall_response"]["reasons"])
    assert best([(49, SD), (63, SD)], "2026-01-19", sd_min_reference="first_treatment") == "SD"  # day 49 from it


def test_the_most_ne_timepoints_between_a_response_and_its_confirmation() -> None:
    # PR, NE, PR: confirmed by default (the spec skips NE timepoints); a plan allowing no NE in between leaves the
    # PR unconfirmed (SD); one allowed NE confirms it; two NE with one allowed do not.
    one_ne = [(56, PR), (84, NE), (112, PR)]
    assert best(one_ne) == "PR"
    assert best(one_ne, confirmation_max_ne=0) == "SD"
    assert best(one_ne, confirmation_max_ne=1) == "PR"
    two_ne = [(56, PR), (84, NE), (98, NE), (112, PR)]
    assert best(two_ne, confirmation_max_ne=1) == "SD"
    reasons = assess(two_ne, confirmation_max_ne=1)["best_overall_response"]["reasons"]
    assert any("2 NE timepoints after it exceed confirmation_max_ne 1" in r for r in reasons)
    # The continuing-response rule starts only from a confirmation the plan accepts: the later -20 % is SD, not PR.
    continuing = [(56, PR), (84, NE), (112, PR), (168, {"T1": 23.5, "T2": 12})]  # 35.5 mm: -29 %, +18 %
    assert responses(assess(continuing))[-1] == "PR"
    assert responses(assess(continuing, confirmation_max_ne=0))[-1] == "SD"


def test_whether_sd_at_the_last_assessment_counts() -> None:
    # Default: an SD past the minimum counts wherever it is. With the option false, an SD with no later evaluable
    # assessment does not; one followed by another assessment (even PD) does.
    assert best([(56, SD)]) == "SD"
    assert best([(56, SD)], sd_last_assessment_counts=False) == "NE"
    assert best([(56, SD), (84, NE)], sd_last_assessment_counts=False) == "NE"
    assert best([(56, SD), (112, SD)], sd_last_assessment_counts=False) == "SD"
    assert best([(56, SD), (112, {"T1": 40, "T2": 30})], sd_last_assessment_counts=False) == "SD"
    # An unconfirmed PR at the last assessment counts as SD (Table 3), so the option applies to it too.
    result = assess([(56, PR)], sd_last_assessment_counts=False)
    assert result["best_overall_response"]["response"] == "NE"
    assert any("sd_last_assessment_counts is false" in r for r in result["best_overall_response"]["reasons"])


def test_whether_a_pr_after_a_cr_confirms_it() -> None:
    # RECIST 1.1 Table 3, CR then PR: "SD, PD or PR". The spec's default counts it as a confirmed PR; a plan may
    # refuse it, and the CR is then unconfirmed (SD once the minimum duration is met).
    lesions = [*TWO_TARGETS, {"id": "N1", "role": "non_target", "organ": "bone"}]
    visits = [
        (0, {"T1": 30, "T2": 20}, {"N1": "present"}),
        (56, CR, {"N1": "absent"}),
        (112, CR, {"N1": "not_evaluated"}),  # target CR, non-target not evaluated: PR (Table 1)
    ]
    assert responses(run_case(lesions, visits)) == ["CR", "PR"]
    assert run_case(lesions, visits)["best_overall_response"]["response"] == "PR"
    refused = run_case(lesions, visits, pr_after_cr_confirms=False)["best_overall_response"]
    assert (refused["response"], refused["confirmed"]) == ("SD", None)
    assert any("pr_after_cr_confirms is false" in r for r in refused["reasons"])


def test_options_given_are_echoed_and_the_output_validates() -> None:
    plain = assess([(56, SD)])
    assert set(plain["settings"]) == {"require_confirmation", "confirmation_min_days", "sd_min_days"}
    chosen = assess(
        [(56, SD)],
        "2026-01-12",
        sd_min_reference="first_treatment",
        confirmation_max_ne=1,
        sd_last_assessment_counts=False,
        pr_after_cr_confirms=False,
    )
    assert chosen["settings"]["sd_min_reference"] == "first_treatment"
    assert chosen["settings"]["confirmation_max_ne"] == 1
    assert chosen["settings"]["sd_last_assessment_counts"] is False
    assert chosen["settings"]["pr_after_cr_confirms"] is False
    jsonschema.validate(chosen, SCHEMA)
    jsonschema.validate(assess([(56, SD)], confirmation_max_ne=None), SCHEMA)


@pytest.mark.parametrize(
    ("treatment_start", "settings", "expected"),
    [
        (None, {"sd_min_reference": "first_treatment"}, "treatment_start: missing: settings.sd_min_reference"),
        ("2026-01-04", {}, "treatment_start: 2026-01-04 is before the baseline scan 2026-01-05 (RECIST 1.1 §3.2"),
        ("2026-03-02", {}, "treatment_start: 2026-03-02 is not before the first follow-up 2026-03-02"),
        ("2026-13-01", {}, "treatment_start: '2026-13-01' is not an ISO 8601 date"),
        (None, {"sd_min_reference": "randomisation"}, "settings.sd_min_reference: 'randomisation' is not one of"),
        (None, {"confirmation_max_ne": -1}, "settings.confirmation_max_ne: -1"),
        (None, {"confirmation_max_ne": 1.5}, "settings.confirmation_max_ne: 1.5"),
        (None, {"sd_last_assessment_counts": "no"}, "settings.sd_last_assessment_counts: 'no'"),
    ],
)
def test_settings_that_are_refused(treatment_start: str | None, settings: dict[str, Any], expected: str) -> None:
    with pytest.raises(InputError) as err:
        assess([(56, SD)], treatment_start, **settings)
    found = [str(p) for p in err.value.problems]
    assert any(p.startswith(expected) for p in found), found
