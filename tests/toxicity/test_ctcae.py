"""CTCAE grading from the shipped tables (NCI CTCAE v5.0, 27 Nov 2017; v6.0, 22 Jul 2025), term by term, at the
band edges written in CTCAE ("> 3.0 - 5.0 x ULN": exactly 3.0 x ULN is still grade 1)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ioguide.errors import InputError
from ioguide.toxicity.ctcae import grade_ctcae, parse_ctcae
from ioguide.toxicity.ctcae_tables import VERSIONS, load_table


def grade(**fields: Any) -> int | None:
    return grade_ctcae(parse_ctcae(fields)).grade


@pytest.mark.parametrize(
    ("value", "expected"),
    # CTCAE v5.0 ALT increased, baseline normal: >ULN-3.0, >3.0-5.0, >5.0-20.0, >20.0 x ULN (ULN 40 U/L)
    [(40, 0), (40.1, 1), (120, 1), (120.1, 2), (200, 2), (200.1, 3), (800, 3), (800.1, 4)],
)
def test_alt_baseline_normal_edges(value: float, expected: int) -> None:
    assert grade(term="alanine_aminotransferase_increased", value=value, uln=40) == expected
    assert grade(term="aspartate_aminotransferase_increased", value=value, uln=40) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    # CTCAE v5.0 ALT, baseline abnormal: 1.5-3.0, >3.0-5.0, >5.0-20.0, >20.0 x baseline (baseline 60, ULN 40)
    [(89.9, 0), (90, 1), (180, 1), (180.1, 2), (300, 2), (300.1, 3), (1200, 3), (1200.1, 4)],
)
def test_alt_baseline_abnormal_edges(value: float, expected: int) -> None:
    fields = {"value": value, "uln": 40, "baseline": 60, "baseline_abnormal": True}
    assert grade(term="alanine_aminotransferase_increased", **fields) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    # CTCAE v5.0 blood bilirubin increased, baseline normal: >ULN-1.5, >1.5-3.0, >3.0-10.0, >10.0 x ULN (ULN 1.2)
    [(1.2, 0), (1.21, 1), (1.8, 1), (1.81, 2), (3.6, 2), (3.61, 3), (12.0, 3), (12.01, 4)],
)
def test_bilirubin_edges(value: float, expected: int) -> None:
    assert grade(term="blood_bilirubin_increased", value=value, uln=1.2) == expected


def test_creatinine_takes_the_higher_of_baseline_and_uln_criteria() -> None:
    # CTCAE v5.0 creatinine: grade 2 ">1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN", grade 3 ">3.0 x baseline; ..."
    assert grade(term="creatinine_increased", value=1.3, uln=1.2) == 1
    assert grade(term="creatinine_increased", value=1.3, uln=1.2, baseline=0.6) == 2  # 2.17 x baseline
    assert grade(term="creatinine_increased", value=1.9, uln=1.2, baseline=0.6) == 3  # 3.17 x baseline
    assert grade(term="creatinine_increased", value=1.8, uln=1.2, baseline=0.6) == 2  # exactly 3.0 x baseline
    assert grade(term="creatinine_increased", value=7.3, uln=1.2) == 4


@pytest.mark.parametrize(
    ("term", "value", "expected"),
    # CTCAE v5.0 cytopenias (LLN given): "< a - b" means b <= value < a
    [
        ("neutrophil_count_decreased", 1.8, 0),
        ("neutrophil_count_decreased", 1.5, 1),
        ("neutrophil_count_decreased", 1.49, 2),
        ("neutrophil_count_decreased", 1.0, 2),
        ("neutrophil_count_decreased", 0.99, 3),
        ("neutrophil_count_decreased", 0.5, 3),
        ("neutrophil_count_decreased", 0.49, 4),
        ("platelet_count_decreased", 75.0, 1),
        ("platelet_count_decreased", 74.9, 2),
        ("platelet_count_decreased", 50.0, 2),
        ("platelet_count_decreased", 25.0, 3),
        ("platelet_count_decreased", 24.9, 4),
        ("lymphocyte_count_decreased", 0.8, 1),
        ("lymphocyte_count_decreased", 0.79, 2),
        ("lymphocyte_count_decreased", 0.2, 3),
        ("lymphocyte_count_decreased", 0.19, 4),
        ("white_blood_cell_decreased", 3.0, 1),
        ("white_blood_cell_decreased", 2.99, 2),
        ("white_blood_cell_decreased", 0.99, 4),
        ("anemia", 10.0, 1),
        ("anemia", 9.99, 2),
        ("anemia", 8.0, 2),
        ("anemia", 7.9, 3),
    ],
)
def test_cytopenia_edges(term: str, value: float, expected: int) -> None:
    lln = {"platelet_count_decreased": 150.0, "anemia": 12.0, "white_blood_cell_decreased": 4.0}.get(term, 1.8)
    assert grade(term=term, value=value, lln=lln) == expected


def test_baseline_abnormal_false_is_accepted_for_any_term() -> None:
    assert grade(term="neutrophil_count_decreased", value=1.2, baseline_abnormal=False) == 2


def test_without_lln_a_grade_0_or_1_value_is_not_guessed() -> None:
    # spec/toxicity.md: no LLN and a value at or above the grade-2 bound -> grade null, grade_range [0, 1]
    result = grade_ctcae(parse_ctcae({"term": "neutrophil_count_decreased", "value": 1.6}))
    assert (result.grade, result.grade_range) == (None, (0, 1))
    assert result.as_dict()["grade_range"] == [0, 1]
    assert grade(term="neutrophil_count_decreased", value=1.2) == 2  # below the grade-2 bound: LLN not needed


@pytest.mark.parametrize(
    ("temp_c", "duration_h", "expected"),
    # CTCAE v5.0 fever: 38.0-39.0 -> 1, >39.0-40.0 -> 2, >40.0 for <= 24 h -> 3, > 24 h -> 4
    [
        (37.9, None, 0),
        (38.0, None, 1),
        (39.0, None, 1),
        (39.1, None, 2),
        (40.0, None, 2),
        (40.1, 24, 3),
        (40.1, 24.5, 4),
    ],
)
def test_fever_edges(temp_c: float, duration_h: float | None, expected: int) -> None:
    fields: dict[str, Any] = {"term": "fever", "temp_c": temp_c}
    if duration_h is not None:
        fields["duration_h"] = duration_h
    assert grade(**fields) == expected


def test_fever_above_40_needs_duration() -> None:
    with pytest.raises(InputError) as err:
        grade(term="fever", temp_c=40.5)
    assert err.value.problems[0].field == "duration_h"


@pytest.mark.parametrize(("stools", "expected"), [(0, 0), (1, 1), (3, 1), (4, 2), (6, 2), (7, 3)])
def test_diarrhea_stool_bands(stools: int, expected: int) -> None:
    # CTCAE v5.0 diarrhea: increase of < 4, 4 - 6, >= 7 stools per day over baseline
    assert grade(term="diarrhea", stools_over_baseline_per_day=stools) == expected


def test_diarrhea_finding_can_raise_the_grade() -> None:
    assert grade(term="diarrhea", stools_over_baseline_per_day=2, finding="hospitalization_indicated") == 3


@pytest.mark.parametrize(
    ("term", "finding", "expected"),
    [
        ("pneumonitis", "severe_oxygen_indicated", 3),
        ("colitis", "abdominal_pain_or_mucus_or_blood_in_stool", 2),
        ("hypothyroidism", "symptomatic_replacement_indicated", 2),
        ("injection_site_reaction", "ulceration_necrosis_or_operative_intervention", 3),
        ("injection_site_reaction", "tenderness", 1),
    ],
)
def test_clinical_terms_by_finding(term: str, finding: str, expected: int) -> None:
    assert grade(term=term, finding=finding) == expected


def test_v6_changes_grades_where_ctcae_v6_changed_thresholds() -> None:
    # CTCAE v6.0 neutrophil count decreased: <1.5-1.0 -> 1 (no LLN), <0.1 -> 4; v5.0 grades 1.2 as 2
    assert grade(term="neutrophil_count_decreased", value=1.2) == 2
    assert grade(term="neutrophil_count_decreased", value=1.2, version="6.0") == 1
    assert grade(term="neutrophil_count_decreased", value=0.3, version="6.0") == 3
    assert grade(term="neutrophil_count_decreased", value=0.09, version="6.0") == 4
    # CTCAE v6.0 Thrombocytopenia: grade 4 is < 10.0 x 10^9/L (v5.0: < 25.0)
    assert grade(term="platelet_count_decreased", value=20, lln=150) == 4
    assert grade(term="platelet_count_decreased", value=20, lln=150, version="6.0") == 3
    # CTCAE v6.0 ALT with baseline > ULN: >1.5-2.0 x baseline is grade 2 (v5.0: 1.5-3.0 x baseline is grade 1)
    abnormal = {"term": "alanine_aminotransferase_increased", "value": 110, "uln": 40, "baseline": 60}
    assert grade(**abnormal, baseline_abnormal=True) == 1
    assert grade(**abnormal, baseline_abnormal=True, version="6.0") == 2


def test_v6_lipase_and_ggt_follow_their_v6_wording() -> None:
    # CTCAE v6.0 Lipase increased: ">1.5 - 3.0 x ULN" is grade 2 whatever the symptoms (v5.0: >2.0 - 5.0 x ULN
    # "with signs or symptoms" is grade 3); ULN 60 U/L, value 2.5 x ULN
    assert grade(term="lipase_increased", value=150, uln=60, symptomatic=True) == 3
    assert grade(term="lipase_increased", value=150, uln=60, symptomatic=True, version="6.0") == 2
    assert grade(term="lipase_increased", value=181, uln=60, symptomatic=True, version="6.0") == 3
    # CTCAE v6.0 GGT, baseline > ULN: "1.0 - 1.5 x baseline" 1, ">1.5 - 3.0" 2, ">3.0 - 10.0" 3, ">10.0" 4
    # (v5.0: "2.0 - 2.5 x baseline" is grade 1); baseline 150, ULN 100
    abnormal = {"term": "ggt_increased", "uln": 100, "baseline": 150, "baseline_abnormal": True}
    assert grade(**abnormal, value=230) == 0
    assert grade(**abnormal, value=230, version="6.0") == 2
    assert grade(**abnormal, value=1501, version="6.0") == 4


def test_v6_takes_the_same_units_as_v5() -> None:
    # CTCAE v6.0 Neutrophil count decreased prints "<500 - 100/mm3; <0.5 - 0.1 x 10^9/L" for grade 3
    assert grade(term="neutrophil_count_decreased", value=300, unit="/mm3", version="6.0") == 3
    assert grade(term="neutrophil_count_decreased", value=0.3, version="6.0") == 3
    assert grade(term="anemia", value=79, unit="g/L", lln=120, version="6.0") == 3


def test_v6_falls_back_to_v5_for_terms_it_does_not_hold_and_says_so() -> None:
    result = grade_ctcae(parse_ctcae({"term": "fever", "temp_c": 38.4, "version": "6.0"}))
    assert (result.grade, result.version) == (1, "5.0")
    assert any("graded with CTCAE v5.0" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"term": "troponin_increased", "value": 1}, "term", "Cardiac troponin T increased"),
        ({"term": "platelet_count_decreased", "value": -3}, "value", "outside"),
        ({"term": "alanine_aminotransferase_increased", "value": 80}, "uln", "required"),
        (
            {"term": "alanine_aminotransferase_increased", "value": 80, "uln": 40, "baseline_abnormal": True},
            "baseline",
            "required",
        ),
        (
            {
                "term": "alanine_aminotransferase_increased",
                "value": 80,
                "uln": 40,
                "baseline": 30,
                "baseline_abnormal": True,
            },
            "baseline_abnormal",
            "not above the ULN",
        ),
        ({"term": "neutrophil_count_decreased", "value": 1, "uln": 4}, "uln", "not used"),
        (
            {"term": "neutrophil_count_decreased", "value": 1, "baseline_abnormal": True},
            "baseline_abnormal",
            "not used",
        ),
        ({"term": "pneumonitis", "finding": "cough"}, "finding", "not one of"),
        ({"term": "pneumonitis"}, "finding", "required"),
        ({"term": "fever", "temp_c": 25}, "temp_c", "outside"),
        ({"term": "anemia", "value": 9, "lln": 0}, "lln", "above 0"),
        ({"term": "anemia", "value": 9, "version": "4.03"}, "version", "not one of"),
    ],
)
def test_bad_input_is_rejected_with_its_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        parse_ctcae(data)
    problem = next(p for p in err.value.problems if p.field == field)
    assert words in problem.message


@pytest.mark.parametrize("version", VERSIONS)
def test_tables_load_and_grades_rise_with_severity(version: str) -> None:
    table = load_table(version)
    for term in table.terms.values():
        # every grade a band, an escalation or a finding can give has CTCAE wording to show
        bands = [b for c in term.criteria for b in c.bands]
        reachable = {b.grade for b in bands} | {b.escalate.grade for b in bands if b.escalate}
        reachable |= {g for g in term.findings.values() if g > 0}
        assert reachable <= set(term.text), term.name
        for criterion in term.criteria:
            grades = [band.grade for band in criterion.bands]
            assert grades == sorted(grades), term.name
            below = [band.threshold for band in criterion.bands if band.below is not None and band.of == "absolute"]
            assert below == sorted(below, reverse=True), term.name


@given(
    low=st.floats(min_value=0.0, max_value=200.0, allow_nan=False),
    step=st.floats(min_value=0.0, max_value=50.0, allow_nan=False),
    term=st.sampled_from(
        ["neutrophil_count_decreased", "platelet_count_decreased", "lymphocyte_count_decreased", "anemia"]
    ),
    version=st.sampled_from(VERSIONS),
)
def test_a_lower_count_never_has_a_lower_grade(low: float, step: float, term: str, version: str) -> None:
    # CTCAE "decreased" terms: every band is "< threshold", so grade cannot fall as the value falls
    def g(value: float) -> int:
        fields = {"term": term, "value": value, "lln": 2.0, "version": version}
        if "lln" not in load_table(version).terms.get(term, load_table("5.0").terms[term]).inputs():
            del fields["lln"]  # CTCAE v6.0 neutrophil count has no LLN band
        result = grade_ctcae(parse_ctcae(fields))
        assert result.grade is not None
        return result.grade

    assert g(low) >= g(low + step)


@given(
    ratio=st.floats(min_value=0.0, max_value=40.0, allow_nan=False),
    term=st.sampled_from(["alanine_aminotransferase_increased", "blood_bilirubin_increased", "creatinine_increased"]),
)
def test_increased_terms_never_fall_as_the_value_rises(ratio: float, term: str) -> None:
    def g(value: float) -> int | None:
        return grade_ctcae(parse_ctcae({"term": term, "value": value, "uln": 40.0})).grade

    first, second = g(40.0 * ratio), g(40.0 * ratio + 1.0)
    assert first is not None and second is not None and first <= second
