"""The 39 laboratory criteria of CTCAE v5.0 that the pharmaverse's lab grading metadata grades (admiral,
data-raw/adlb_grading/ncictcaev5.json), computed by ioguide from NCI's grade definitions (NCI CTCAE v5.0,
27 Nov 2017) in SI and conventional units, with the baseline-abnormal rules; each case quotes the NCI wording it
tests, at the band edges."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ioguide.errors import InputError
from ioguide.toxicity.ctcae import grade_ctcae, parse_ctcae
from ioguide.toxicity.ctcae_tables import Term, load_table

#: The 39 criteria (admiral's ncictcaev5.json terms; calcium split into corrected and ionised as it does).
LAB_CRITERIA = {
    "anemia",
    "leukocytosis",
    "activated_partial_thromboplastin_time_prolonged",
    "alanine_aminotransferase_increased",
    "alkaline_phosphatase_increased",
    "aspartate_aminotransferase_increased",
    "blood_bilirubin_increased",
    "cd4_lymphocytes_decreased",
    "cholesterol_high",
    "cpk_increased",
    "creatinine_increased",
    "fibrinogen_decreased",
    "ggt_increased",
    "haptoglobin_decreased",
    "hemoglobin_increased",
    "inr_increased",
    "lipase_increased",
    "lymphocyte_count_decreased",
    "lymphocyte_count_increased",
    "neutrophil_count_decreased",
    "platelet_count_decreased",
    "serum_amylase_increased",
    "white_blood_cell_decreased",
    "acidosis",
    "alkalosis",
    "hypercalcemia",
    "hypercalcemia_ionized",
    "hyperkalemia",
    "hypermagnesemia",
    "hypernatremia",
    "hypertriglyceridemia",
    "hyperuricemia",
    "hypoalbuminemia",
    "hypocalcemia",
    "hypocalcemia_ionized",
    "hypoglycemia",
    "hypokalemia",
    "hypomagnesemia",
    "hyponatremia",
}


def result(**fields: Any) -> tuple[int | None, tuple[int, int] | None]:
    graded = grade_ctcae(parse_ctcae(fields))
    return graded.grade, graded.grade_range


def grade(**fields: Any) -> int | None:
    return result(**fields)[0]


def test_all_39_criteria_are_computed() -> None:
    table = load_table("5.0")
    assert len(LAB_CRITERIA) == 39
    assert set(table.terms) >= LAB_CRITERIA
    assert all(table.terms[t].criteria for t in LAB_CRITERIA)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # aPTT prolonged: ">ULN - 1.5 x ULN", ">1.5 - 2.5 x ULN", ">2.5 x ULN; bleeding" (ULN 35 s)
        ({"term": "activated_partial_thromboplastin_time_prolonged", "value": 35, "uln": 35}, 0),
        ({"term": "activated_partial_thromboplastin_time_prolonged", "value": 52.5, "uln": 35}, 1),
        ({"term": "activated_partial_thromboplastin_time_prolonged", "value": 52.6, "uln": 35}, 2),
        ({"term": "activated_partial_thromboplastin_time_prolonged", "value": 87.5, "uln": 35}, 2),
        ({"term": "activated_partial_thromboplastin_time_prolonged", "value": 87.6, "uln": 35}, 3),
        ({"term": "activated_partial_thromboplastin_time_prolonged", "value": 40, "uln": 35, "finding": "bleeding"}, 3),
        # ALP / GGT, baseline normal: ">ULN - 2.5", ">2.5 - 5.0", ">5.0 - 20.0", ">20.0 x ULN" (ULN 100 U/L)
        ({"term": "alkaline_phosphatase_increased", "value": 250, "uln": 100}, 1),
        ({"term": "alkaline_phosphatase_increased", "value": 251, "uln": 100}, 2),
        ({"term": "alkaline_phosphatase_increased", "value": 500, "uln": 100}, 2),
        ({"term": "alkaline_phosphatase_increased", "value": 2001, "uln": 100}, 4),
        ({"term": "ggt_increased", "value": 501, "uln": 100}, 3),
        # ALP / GGT, baseline abnormal: "2.0 - 2.5 x baseline" (inclusive at 2.0), ">2.5 - 5.0", ... (baseline 150)
        ({"term": "ggt_increased", "value": 299, "uln": 100, "baseline": 150, "baseline_abnormal": True}, 0),
        ({"term": "ggt_increased", "value": 300, "uln": 100, "baseline": 150, "baseline_abnormal": True}, 1),
        ({"term": "ggt_increased", "value": 375.1, "uln": 100, "baseline": 150, "baseline_abnormal": True}, 2),
        (
            {
                "term": "alkaline_phosphatase_increased",
                "value": 3001,
                "uln": 100,
                "baseline": 150,
                "baseline_abnormal": True,
            },
            4,
        ),
        # CPK: ">ULN - 2.5", ">2.5 - 5", ">5 - 10", ">10 x ULN" (ULN 200 U/L)
        ({"term": "cpk_increased", "value": 500, "uln": 200}, 1),
        ({"term": "cpk_increased", "value": 1000, "uln": 200}, 2),
        ({"term": "cpk_increased", "value": 2000.5, "uln": 200}, 4),
        # lipase / amylase: ">1.5 - 2.0 x ULN" 2; ">2.0 - 5.0 x ULN and asymptomatic" 2, "with signs or symptoms" 3;
        # ">5.0 x ULN and asymptomatic" 3, "with signs or symptoms" 4 (ULN 60 U/L)
        ({"term": "lipase_increased", "value": 90, "uln": 60}, 1),
        ({"term": "lipase_increased", "value": 120, "uln": 60}, 2),
        ({"term": "lipase_increased", "value": 121, "uln": 60, "symptomatic": False}, 2),
        ({"term": "lipase_increased", "value": 121, "uln": 60, "symptomatic": True}, 3),
        ({"term": "serum_amylase_increased", "value": 301, "uln": 60, "symptomatic": False}, 3),
        ({"term": "serum_amylase_increased", "value": 301, "uln": 60, "symptomatic": True}, 4),
        # CD4: "<LLN - 0.5", "<0.5 - 0.2", "<0.2 - 0.05", "<0.05 x 10e9/L"
        ({"term": "cd4_lymphocytes_decreased", "value": 0.5, "lln": 0.4}, 0),
        ({"term": "cd4_lymphocytes_decreased", "value": 0.5, "lln": 0.7}, 1),
        ({"term": "cd4_lymphocytes_decreased", "value": 0.49, "lln": 0.7}, 2),
        ({"term": "cd4_lymphocytes_decreased", "value": 0.05}, 3),
        ({"term": "cd4_lymphocytes_decreased", "value": 0.049}, 4),
        # leukocytosis: grade 3 ">100,000/mm3" only
        ({"term": "leukocytosis", "value": 100}, 0),
        ({"term": "leukocytosis", "value": 100.1}, 3),
        # lymphocyte count increased: ">4000/mm3 - 20,000/mm3" 2, ">20,000/mm3" 3
        ({"term": "lymphocyte_count_increased", "value": 4}, 0),
        ({"term": "lymphocyte_count_increased", "value": 4.1}, 2),
        ({"term": "lymphocyte_count_increased", "value": 20.1}, 3),
        # haemoglobin increased: "increase in >0 - 2", ">2 - 4", ">4 g/dL" above the ULN (ULN 17.5 g/dL)
        ({"term": "hemoglobin_increased", "value": 17.5, "uln": 17.5}, 0),
        ({"term": "hemoglobin_increased", "value": 19.5, "uln": 17.5}, 1),
        ({"term": "hemoglobin_increased", "value": 19.6, "uln": 17.5}, 2),
        ({"term": "hemoglobin_increased", "value": 21.6, "uln": 17.5}, 3),
        # fibrinogen: "<1.0 - 0.75 x LLN", "<0.75 - 0.5", "<0.5 - 0.25", "<0.25 x LLN; ... absolute value <50 mg/dL"
        ({"term": "fibrinogen_decreased", "value": 150, "lln": 200}, 1),
        ({"term": "fibrinogen_decreased", "value": 149, "lln": 200}, 2),
        ({"term": "fibrinogen_decreased", "value": 99, "lln": 200}, 3),
        ({"term": "fibrinogen_decreased", "value": 49, "lln": 150}, 4),
        # fibrinogen with an abnormal baseline: "if abnormal, <25%", "25 - <50%", "50 - <75%", "75% decrease"
        ({"term": "fibrinogen_decreased", "value": 150, "lln": 200, "baseline": 180, "baseline_abnormal": True}, 1),
        ({"term": "fibrinogen_decreased", "value": 135, "lln": 200, "baseline": 180, "baseline_abnormal": True}, 2),
        ({"term": "fibrinogen_decreased", "value": 90, "lln": 200, "baseline": 180, "baseline_abnormal": True}, 3),
        ({"term": "fibrinogen_decreased", "value": 45, "lln": 150, "baseline": 120, "baseline_abnormal": True}, 4),
        # haptoglobin: "<LLN" is grade 1, the only grade
        ({"term": "haptoglobin_decreased", "value": 0.2, "lln": 0.3}, 1),
        ({"term": "haptoglobin_decreased", "value": 0.3, "lln": 0.3}, 0),
        # INR: ">1.2 - 1.5", ">1.5 - 2.5", ">2.5"; on anticoagulation ">1 - 1.5", ">1.5 - 2.5", ">2.5 x baseline"
        ({"term": "inr_increased", "value": 1.2, "on_anticoagulation": False}, 0),
        ({"term": "inr_increased", "value": 1.3, "on_anticoagulation": False}, 1),
        ({"term": "inr_increased", "value": 2.6, "on_anticoagulation": False}, 3),
        ({"term": "inr_increased", "value": 2.6, "on_anticoagulation": True, "baseline": 2.5}, 1),
        ({"term": "inr_increased", "value": 3.75, "on_anticoagulation": True, "baseline": 2.5}, 1),
        ({"term": "inr_increased", "value": 3.76, "on_anticoagulation": True, "baseline": 2.5}, 2),
        ({"term": "inr_increased", "value": 2.0, "on_anticoagulation": False, "finding": "bleeding"}, 3),
        # cholesterol high: ">ULN - 300 mg/dL", ">300 - 400", ">400 - 500", ">500 mg/dL"
        ({"term": "cholesterol_high", "value": 300, "uln": 200}, 1),
        ({"term": "cholesterol_high", "value": 301}, 2),
        ({"term": "cholesterol_high", "value": 500}, 3),
        ({"term": "cholesterol_high", "value": 501}, 4),
        # acidosis "pH <normal, but >=7.3" 1, "pH <7.3" 3; alkalosis "pH >normal, but <=7.5" 1, "pH >7.5" 3
        ({"term": "acidosis", "value": 7.3, "lln": 7.35}, 1),
        ({"term": "acidosis", "value": 7.29}, 3),
        ({"term": "alkalosis", "value": 7.5, "uln": 7.45}, 1),
        ({"term": "alkalosis", "value": 7.51}, 3),
        # hypercalcemia (corrected): ">ULN - 11.5", ">11.5 - 12.5", ">12.5 - 13.5", ">13.5 mg/dL"
        ({"term": "hypercalcemia", "value": 11.5, "uln": 10.2}, 1),
        ({"term": "hypercalcemia", "value": 11.6}, 2),
        ({"term": "hypercalcemia", "value": 13.6}, 4),
        ({"term": "hypercalcemia", "value": 10.5, "uln": 10.2, "finding": "symptomatic"}, 2),
        # ionised calcium: ">ULN - 1.5", ">1.5 - 1.6", ">1.6 - 1.8", ">1.8 mmol/L"
        ({"term": "hypercalcemia_ionized", "value": 1.6}, 2),
        ({"term": "hypercalcemia_ionized", "value": 1.81}, 4),
        ({"term": "hypocalcemia_ionized", "value": 0.9}, 2),
        ({"term": "hypocalcemia_ionized", "value": 0.79}, 4),
        # hypocalcemia (corrected): "<LLN - 8.0", "<8.0 - 7.0", "<7.0 - 6.0", "<6.0 mg/dL"
        ({"term": "hypocalcemia", "value": 8.0, "lln": 8.5}, 1),
        ({"term": "hypocalcemia", "value": 7.0}, 2),
        ({"term": "hypocalcemia", "value": 5.9}, 4),
        # hyperkalemia: ">ULN - 5.5", ">5.5 - 6.0", ">6.0 - 7.0", ">7.0 mmol/L"
        ({"term": "hyperkalemia", "value": 5.5, "uln": 5.1}, 1),
        ({"term": "hyperkalemia", "value": 6.0}, 2),
        ({"term": "hyperkalemia", "value": 7.0}, 3),
        ({"term": "hyperkalemia", "value": 7.1}, 4),
        # hypokalemia: "<LLN - 3.0" 1, "Symptomatic with <LLN - 3.0; intervention indicated" 2, "<3.0 - 2.5" 3
        ({"term": "hypokalemia", "value": 3.0, "lln": 3.5, "symptomatic": False}, 1),
        ({"term": "hypokalemia", "value": 3.0, "lln": 3.5, "symptomatic": True}, 2),
        ({"term": "hypokalemia", "value": 2.9}, 3),
        ({"term": "hypokalemia", "value": 2.4}, 4),
        # hypernatremia: ">ULN - 150", ">150 - 155", ">155 - 160", ">160 mmol/L"
        ({"term": "hypernatremia", "value": 150, "uln": 145}, 1),
        ({"term": "hypernatremia", "value": 155}, 2),
        ({"term": "hypernatremia", "value": 160.5}, 4),
        # hyponatremia: "<LLN - 130" 1, "125-129 and asymptomatic" 2, "125-129 symptomatic; 120-124" 3, "<120" 4
        ({"term": "hyponatremia", "value": 130, "lln": 135}, 1),
        ({"term": "hyponatremia", "value": 129, "symptomatic": False}, 2),
        ({"term": "hyponatremia", "value": 125, "symptomatic": True}, 3),
        ({"term": "hyponatremia", "value": 124}, 3),
        ({"term": "hyponatremia", "value": 119}, 4),
        # hypermagnesemia: ">ULN - 3.0 mg/dL" 1, no grade 2, ">3.0 - 8.0" 3, ">8.0 mg/dL" 4
        ({"term": "hypermagnesemia", "value": 3.0, "uln": 2.4}, 1),
        ({"term": "hypermagnesemia", "value": 3.1}, 3),
        ({"term": "hypermagnesemia", "value": 8.1}, 4),
        # hypomagnesemia: "<LLN - 1.2", "<1.2 - 0.9", "<0.9 - 0.7", "<0.7 mg/dL"
        ({"term": "hypomagnesemia", "value": 1.2, "lln": 1.7}, 1),
        ({"term": "hypomagnesemia", "value": 0.9}, 2),
        ({"term": "hypomagnesemia", "value": 0.69}, 4),
        # hypoglycemia: "<LLN - 55", "<55 - 40", "<40 - 30", "<30 mg/dL"
        ({"term": "hypoglycemia", "value": 55, "lln": 70}, 1),
        ({"term": "hypoglycemia", "value": 40}, 2),
        ({"term": "hypoglycemia", "value": 29}, 4),
        # hypertriglyceridemia: "150 - 300 mg/dL" (150 inclusive), ">300 - 500", ">500 - 1000", ">1000"
        ({"term": "hypertriglyceridemia", "value": 149}, 0),
        ({"term": "hypertriglyceridemia", "value": 150}, 1),
        ({"term": "hypertriglyceridemia", "value": 300.1}, 2),
        ({"term": "hypertriglyceridemia", "value": 1000.1}, 4),
        # hyperuricemia: ">ULN without physiologic consequences" 1, ">ULN with physiologic consequences" 3
        ({"term": "hyperuricemia", "value": 9, "uln": 7, "physiologic_consequences": False}, 1),
        ({"term": "hyperuricemia", "value": 9, "uln": 7, "physiologic_consequences": True}, 3),
        # hypoalbuminemia: "<LLN - 3", "<3 - 2", "<2 g/dL"
        ({"term": "hypoalbuminemia", "value": 3, "lln": 3.5}, 1),
        ({"term": "hypoalbuminemia", "value": 2.9}, 2),
        ({"term": "hypoalbuminemia", "value": 1.9}, 3),
    ],
)
def test_nci_band_edges(fields: dict[str, Any], expected: int) -> None:
    assert grade(**fields) == expected


@pytest.mark.parametrize(
    ("term", "conventional", "si"),
    [
        # NCI CTCAE v5.0 prints both units; each pair sits on the same side of the same band edge
        ("anemia", {"value": 7.9, "unit": "g/dL"}, {"value": 79, "unit": "g/L"}),
        ("anemia", {"value": 8.0}, {"value": 4.9, "unit": "mmol/L"}),
        ("hypercalcemia", {"value": 12.6}, {"value": 3.11, "unit": "mmol/L"}),
        ("hypocalcemia", {"value": 6.9}, {"value": 1.74, "unit": "mmol/L"}),
        ("hypoglycemia", {"value": 39}, {"value": 2.1, "unit": "mmol/L"}),
        ("hypomagnesemia", {"value": 0.8}, {"value": 0.35, "unit": "mmol/L"}),
        ("hypermagnesemia", {"value": 8.1}, {"value": 3.31, "unit": "mmol/L"}),
        ("cholesterol_high", {"value": 401}, {"value": 10.35, "unit": "mmol/L"}),
        ("hypertriglyceridemia", {"value": 501}, {"value": 5.71, "unit": "mmol/L"}),
        ("hypoalbuminemia", {"value": 2.5}, {"value": 25, "unit": "g/L"}),
        ("fibrinogen_decreased", {"value": 49, "lln": 150}, {"value": 0.49, "unit": "g/L", "lln": 1.5}),
        ("hemoglobin_increased", {"value": 20.0, "uln": 17.5}, {"value": 200, "unit": "g/L", "uln": 175}),
        ("neutrophil_count_decreased", {"value": 0.49}, {"value": 490, "unit": "/mm3"}),
        ("platelet_count_decreased", {"value": 49}, {"value": 49000, "unit": "/mm3"}),
        ("leukocytosis", {"value": 101}, {"value": 101000, "unit": "/mm3"}),
        ("hyperkalemia", {"value": 6.5}, {"value": 6.5, "unit": "mEq/L"}),
        ("hyponatremia", {"value": 119}, {"value": 119, "unit": "mEq/L"}),
        ("blood_bilirubin_increased", {"value": 3.7, "uln": 1.2}, {"value": 63, "unit": "umol/L", "uln": 20.5}),
        ("creatinine_increased", {"value": 2.0, "uln": 1.2}, {"value": 177, "unit": "umol/L", "uln": 106}),
    ],
)
def test_si_and_conventional_units_give_the_same_grade(
    term: str, conventional: dict[str, Any], si: dict[str, Any]
) -> None:
    first, second = grade(term=term, **conventional), grade(term=term, **si)
    assert first is not None and first > 0 and first == second


def test_a_unit_the_term_is_not_graded_in_is_rejected() -> None:
    with pytest.raises(InputError) as err:
        parse_ctcae({"term": "hypercalcemia_ionized", "value": 5.2, "unit": "mg/dL"})
    assert err.value.problems[0].field == "unit"
    assert "mmol/L" in err.value.problems[0].message


@pytest.mark.parametrize(
    ("fields", "expected_range", "words"),
    [
        # admiral assumes "signs or symptoms" / "symptomatic" / "physiologic consequences"; ioguide does not guess
        ({"term": "lipase_increased", "value": 150, "uln": 60}, (2, 3), "symptomatic not given"),
        ({"term": "lipase_increased", "value": 400, "uln": 60}, (3, 4), "symptomatic not given"),
        ({"term": "hyponatremia", "value": 127}, (2, 3), "symptomatic not given"),
        ({"term": "hypokalemia", "value": 3.2, "lln": 3.5}, (1, 2), "symptomatic not given"),
        ({"term": "hyperuricemia", "value": 9, "uln": 7}, (1, 3), "physiologic_consequences not given"),
        # without the reference range a value that is grade 0 or 1 (or 0-2 for hypokalaemia) is not guessed
        ({"term": "hyperkalemia", "value": 5.3}, (0, 1), "ULN not given"),
        ({"term": "hypokalemia", "value": 3.2, "symptomatic": False}, (0, 1), "LLN not given"),
        ({"term": "haptoglobin_decreased", "value": 0.2}, (0, 1), "LLN not given"),
    ],
)
def test_undecidable_grades_are_a_range_said_out_loud(
    fields: dict[str, Any], expected_range: tuple[int, int], words: str
) -> None:
    graded = grade_ctcae(parse_ctcae(fields))
    assert (graded.grade, graded.grade_range) == (None, expected_range)
    assert any(words in r for r in graded.reasons)
    assert any("not evaluable" in r for r in graded.reasons)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"term": "inr_increased", "value": 2.0}, "on_anticoagulation", "required"),
        ({"term": "inr_increased", "value": 2.0, "on_anticoagulation": True}, "baseline", "required"),
        ({"term": "lipase_increased", "value": 100}, "uln", "required"),
        ({"term": "hemoglobin_increased", "value": 19}, "uln", "required"),
        (
            {"term": "fibrinogen_decreased", "value": 100, "lln": 200, "baseline": 250, "baseline_abnormal": True},
            "baseline_abnormal",
            "not below the LLN",
        ),
        ({"term": "hyperkalemia", "value": 60}, "value", "outside"),
        ({"term": "acidosis", "value": 5.1}, "value", "outside"),
        ({"term": "hyperkalemia", "value": 6, "finding": "seizure"}, "finding", "not one of"),
        ({"term": "hyperkalemia", "value": 6, "symptomatic": True}, "symptomatic", "not used"),
    ],
)
def test_bad_lab_input_is_rejected_with_its_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        parse_ctcae(data)
    problem = next(p for p in err.value.problems if p.field == field)
    assert words in problem.message


def test_reasons_name_the_rule_the_unit_and_the_numbers() -> None:
    graded = grade_ctcae(parse_ctcae({"term": "hypercalcemia", "value": 3.2, "unit": "mmol/L", "uln": 2.6}))
    assert graded.grade == 3
    assert graded.drivers == ("value",)
    assert "3.2 mmol/L" in graded.reasons[0] and "> 3.1" in graded.reasons[0] and "CTCAE v5.0" in graded.reasons[0]


def _rising(term: Term) -> bool:
    """True for an "increased" term: every band is above / at least a threshold."""
    return all(b.rising for c in term.criteria for b in c.bands)


def _span(term: Term) -> tuple[float, float]:
    """Where the value is drawn: the term's plausible range, or 0-2000 (past every absolute threshold) by default."""
    low, high = term.value_range
    return (low, high) if high < 1.0e6 else (0.0, 2000.0)


def _fields(key: str, term: Term, value: float) -> dict[str, Any]:
    """A complete input: the references the term reads (inside the span, so bands are reached), every yes/no
    qualifier false."""
    low, high = _span(term)
    refs = {"uln": low + (high - low) / 40, "lln": low + 0.6 * (high - low)}
    fields: dict[str, Any] = {"term": key, "value": value}
    inputs = term.inputs()
    fields.update({ref: v for ref, v in refs.items() if ref in inputs})
    if "baseline" in inputs:
        fields["baseline"] = refs["uln"]
    fields.update({q: False for q in ("symptomatic", "physiologic_consequences", "on_anticoagulation") if q in inputs})
    return fields


@settings(max_examples=400)
@given(
    key=st.sampled_from(sorted(LAB_CRITERIA)),
    at=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    step=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
def test_a_worse_lab_value_never_lowers_the_grade(key: str, at: float, step: float) -> None:
    # CTCAE v5.0 bands are nested ("> a - b", "< a - b"): a value further from normal (higher for an "increased"
    # term, lower for a "decreased" one) can only keep or raise the grade, for every one of the 39 criteria.
    term = load_table("5.0").terms[key]
    low, high = _span(term)

    def g(value: float) -> int:
        graded = grade_ctcae(parse_ctcae(_fields(key, term, round(value, 6))))
        assert graded.grade is not None, graded.reasons
        return graded.grade

    first = low + at * (high - low)
    worse = min(high, first + step * (high - low)) if _rising(term) else max(low, first - step * (high - low))
    assert g(worse) >= g(first)
