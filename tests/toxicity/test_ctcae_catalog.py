"""NCI's whole CTCAE v5.0 term table (NCI, Common Terminology Criteria for Adverse Events v5.0, 27 Nov 2017,
"CTCAE v5.0 Clean Copy" sheet) shipped as data with its checksum, and clinician-chosen grades for any of its terms
(spec/toxicity.md, CTCAE; issue 18 part 5)."""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.toxicity.ctcae import grade_ctcae, parse_ctcae
from ioguide.toxicity.ctcae_catalog import catalog_sources, load_catalog, term_key
from ioguide.toxicity.ctcae_tables import load_table
from ioguide.toxicity.timeline import build_timeline, parse_course


def chosen(**fields: Any) -> dict[str, Any]:
    return grade_ctcae(parse_ctcae(fields)).as_dict()


def test_the_shipped_table_is_nci_s_file_byte_for_byte() -> None:
    # data/ctcae/sources.yaml records the SHA-256 of NCI's sheet as CSV (shared/data/ctcae/README.md)
    entry = catalog_sources().catalogs["5.0"]
    raw = resources.files("ioguide").joinpath("data", "ctcae", entry.file).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == entry.sha256
    assert entry.sha256 == "daddbdf0e23ed8eb189931feacbf19984c7edb70da623f3aeee53061cb153ef9"
    assert "National Cancer Institute" in entry.source and "public domain" in entry.source


def test_837_terms_in_26_organ_classes_each_with_a_meddra_code() -> None:
    # NCI CTCAE v5.0: 837 terms in 26 MedDRA system organ classes
    catalog = load_catalog("5.0")
    assert len(catalog.terms) == 837
    assert len({t.soc for t in catalog.terms}) == 26
    assert len({t.meddra_code for t in catalog.terms}) == 837
    assert all(t.grades and 10_000_000 <= t.meddra_code < 11_000_000 for t in catalog.terms)


def test_look_up_by_key_name_or_meddra_code() -> None:
    catalog = load_catalog("5.0")
    by_name = catalog.find("Rash maculo-papular")
    assert by_name is not None and by_name.meddra_code == 10037868
    assert catalog.find("rash_maculo_papular") == by_name == catalog.find(10037868) == catalog.find("10037868")
    assert catalog.find("RASH MACULO-PAPULAR") == by_name
    assert catalog.find(99999999) is None and catalog.find("rash") is None
    # grades CTCAE does not define ("-") are absent: Rash maculo-papular has grades 1-3 only
    assert [g for g, _ in by_name.grades] == [1, 2, 3]
    assert by_name.grade_text(4) is None


def test_every_computed_term_is_the_nci_term_of_its_meddra_code() -> None:
    # the key a user types for a term (its NCI name in snake case) must reach the computed rule, not the chosen
    # grade path: e.g. "GGT increased" -> ggt_increased. Calcium is split (corrected / ionised) under one code.
    catalog = load_catalog("5.0")
    for key, term in load_table("5.0").terms.items():
        assert term.meddra_code is not None, key
        entry = catalog.find(term.meddra_code)
        assert entry is not None, key
        assert key == entry.key or key == f"{entry.key}_ionized", key


@pytest.mark.parametrize(
    ("term", "grade", "words"),
    [
        # NCI CTCAE v5.0 grade wording, one row per term the issue names (immune-related and procedural)
        ("Hypotension", 3, "Medical intervention indicated; hospitalization indicated"),
        ("Hypoxia", 2, "Decreased oxygen saturation with exercise"),
        ("Rash maculo-papular", 3, "Macules/papules covering >30% BSA with moderate or severe symptoms"),
        ("Myocarditis", 4, "Life-threatening consequences"),
        ("Adrenal insufficiency", 2, "Moderate symptoms; medical intervention indicated"),
        ("Hypophysitis", 3, "Severe or medically significant"),
        ("Arthralgia", 1, "Mild pain"),
        ("Fatigue", 3, "Fatigue not relieved by rest, limiting self care ADL"),
        ("Pain", 2, "Moderate pain; limiting instrumental ADL"),
        ("Intra-abdominal hemorrhage", 3, "Transfusion indicated"),
        ("Pneumothorax", 2, "Symptomatic; intervention indicated"),
        ("Wound infection", 3, "IV antibiotic, antifungal, or antiviral intervention indicated"),
        ("Cytokine release syndrome", 2, "Hypotension responding to fluids"),
        ("Acute kidney injury", 5, "Death"),
    ],
)
def test_a_chosen_grade_carries_nci_s_definition_of_that_grade(term: str, grade: int, words: str) -> None:
    out = chosen(term=term, grade=grade)
    entry = load_catalog("5.0").find(term)
    assert entry is not None
    assert (out["grade"], out["term"], out["name"], out["meddra_code"]) == (grade, entry.key, term, entry.meddra_code)
    assert words in out["grade_text"]
    assert out["grade_text"] == entry.grade_text(grade)
    assert out["drivers"] == ["grade"] and "chosen by the clinician" in out["reasons"][0]


def test_every_grade_of_every_term_can_be_chosen_and_carries_its_own_wording() -> None:
    # NCI CTCAE v5.0 table: each defined grade of each of the 837 terms, by name and by MedDRA code
    for entry in load_catalog("5.0").terms:
        for g, text in entry.grades:
            fields: dict[str, Any] = {"term": entry.name, "grade": g}
            if entry.name.endswith("Other, specify"):
                fields["specify"] = "verbatim"
            out = grade_ctcae(parse_ctcae(fields))
            assert (out.grade, out.grade_text, out.meddra_code) == (g, text, entry.meddra_code), entry.name
        absent = next((g for g in range(1, 6) if entry.grade_text(g) is None), None)
        if absent is not None:
            with pytest.raises(InputError):
                parse_ctcae({"meddra_code": entry.meddra_code, "grade": absent, "specify": "verbatim"})


def test_by_meddra_code_alone() -> None:
    out = chosen(meddra_code=10035759, grade=2)  # NCI CTCAE v5.0: Pneumothorax
    assert (out["term"], out["name"], out["grade_text"]) == (
        "pneumothorax",
        "Pneumothorax",
        "Symptomatic; intervention indicated",
    )


def test_grade_5_is_death_and_grade_0_records_absence() -> None:
    # NCI CTCAE v5.0 general rule: grade 5 is death related to the adverse event
    assert chosen(term="Myocarditis", grade=5)["grade_text"] == "Death"
    zero = chosen(term="Myocarditis", grade=0)
    assert zero["grade"] == 0 and "absent" in zero["grade_text"]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        # NCI CTCAE v5.0: Rash maculo-papular has no grade 4 or 5 ("-" in the table)
        ({"term": "Rash maculo-papular", "grade": 4}, "grade", "has grades 1, 2, 3"),
        ({"term": "Arthralgia", "grade": 6}, "grade", "not a grade"),
        ({"term": "Arthralgia"}, "grade", "choose the grade from NCI's definitions: 1 'Mild pain'"),
        ({"term": "Arthralgia", "grade": 1, "value": 3}, "value", "not used with a chosen grade"),
        ({"meddra_code": 12345678, "grade": 1}, "meddra_code", "not the MedDRA code"),
        ({"term": "Fatigue", "meddra_code": 10002272, "grade": 1}, "meddra_code", "not the code of Fatigue"),
        ({"term": "Vascular disorders - Other, specify", "grade": 2}, "specify", "required"),
        ({"term": "Vascular disorders - Other, specify", "grade": 2, "specify": "x" * 201}, "specify", "at most 200"),
        ({"term": "hepatitis", "grade": 3}, "term", "Alanine aminotransferase increased"),
        ({"term": "nephritis", "grade": 2}, "term", "Creatinine increased"),
        ({"term": "haemorrhage", "grade": 2}, "term", "Intra-abdominal hemorrhage"),
        ({"term": "pnuemothorax", "grade": 2}, "term", "did you mean: Pneumothorax"),
    ],
)
def test_bad_chosen_grades_and_unknown_terms_are_named(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        parse_ctcae(data)
    problem = next(p for p in err.value.problems if p.field == field)
    assert words in problem.message


def test_unknown_term_explains_when_ctcae_has_no_such_term() -> None:
    # CTCAE v5.0 has no "Hepatitis": immune-related hepatitis is graded by AST/ALT and bilirubin (ASCO 2021 irAE
    # guideline, Schneider et al., J Clin Oncol 2021;39:4073-126)
    with pytest.raises(InputError) as err:
        parse_ctcae({"term": "hepatitis", "grade": 3})
    assert "has no 'Hepatitis' term" in err.value.problems[0].message


def test_other_specify_is_stored_with_the_clinician_s_words() -> None:
    out = chosen(term="Vascular disorders - Other, specify", grade=2, specify="access-site pseudoaneurysm")
    assert out["term"] == "vascular_disorders_other_specify"
    assert "access-site pseudoaneurysm" in out["reasons"][0]


def test_a_chosen_grade_of_a_computed_term_is_recorded_and_says_it_could_be_computed() -> None:
    # NCI CTCAE v5.0 Anemia grade 4 ("Life-threatening consequences") is clinical, not a haemoglobin value
    out = chosen(term="anemia", grade=4)
    assert (out["grade"], out["term"], out["grade_text"]) == (
        4,
        "anemia",
        "Life-threatening consequences; urgent intervention indicated",
    )
    assert any("can also compute" in r for r in out["reasons"])


def test_version_6_chosen_grade_says_the_v5_definition_was_used() -> None:
    # No machine-readable CTCAE v6.0 term table was found (shared/data/ctcae/README.md)
    out = chosen(term="Fatigue", grade=2, version="6.0")
    assert out["scale"] == "CTCAE v5.0"
    assert any("v6.0's whole term table is not shipped" in r for r in out["reasons"])


def test_computed_results_carry_the_meddra_code_and_grade_wording() -> None:
    out = grade_ctcae(parse_ctcae({"term": "Platelet count decreased", "value": 40, "lln": 150})).as_dict()
    assert (out["term"], out["grade"], out["meddra_code"]) == ("platelet_count_decreased", 3, 10035528)
    assert out["grade_text"].startswith("<50,000 - 25,000/mm3")


def test_term_key_is_snake_case_of_the_name() -> None:
    assert term_key("Injury, poisoning and procedural complications - Other, specify") == (
        "injury_poisoning_and_procedural_complications_other_specify"
    )
    assert term_key("CD4 lymphocytes decreased") == "cd4_lymphocytes_decreased"


def test_a_timeline_records_any_term_with_a_chosen_grade() -> None:
    course = {
        "patient_id": "P1",
        "day0_date": "2026-03-02",
        "day0_event": "intratumoral_injection",
        "age_years": 61,
        "observations": [
            {"id": "a", "at": "2026-03-03T08:00", "kind": "lab", "term": "Pneumothorax", "grade": 2},
            {"id": "b", "at": "2026-03-05T08:00", "kind": "lab", "term": "pneumothorax", "grade": 0},
        ],
    }
    result = build_timeline(parse_course(course)).as_dict()
    summary = result["summary"]["ctcae.pneumothorax"]
    assert (summary["onset_day"], summary["max_grade"], summary["resolution_day"]) == (1, 2, 3)
