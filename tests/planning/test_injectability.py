"""Injectability against the rule file: SIR 2019 platelet/INR thresholds by procedure bleeding-risk class
(Patel et al., J Vasc Interv Radiol 2019, Part II: low risk platelets >= 20 x10^9/L, INR <= 2.0-3.0; high risk
platelets >= 50, INR <= 1.5-1.8), guidance choice and proximity rules (Tselikas et al., Clin Cancer Res 2021),
and the IMLYGIC label's lesion sites."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.planning.catalog import load_rules
from ioguide.planning.injectability import InjectabilityRequest, InjectabilityRules, assess_injectability
from ioguide.planning.protocol import AgentProtocol

RULES = load_rules(InjectabilityRules, "planning", "injectability")


def _assess(lesion: dict[str, Any], patient: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    base = {"id": "L1", "site": "liver", "longest_diameter_mm": 24, "depth_mm": 60, "visible_on": ["ultrasound"]}
    payload: dict[str, Any] = {"lesion": {**base, **lesion}, **extra}
    payload["patient"] = {"platelets_10e9_l": 150, "inr": 1.0, "anticoagulated": False, **(patient or {})}
    return assess_injectability(RULES, InjectabilityRequest.model_validate(payload)).as_dict()


def test_spec_example_liver_near_vessel_is_caution_under_ultrasound() -> None:
    """spec/planning.md input: liver, 4 mm from a major vessel (< 5 mm), platelets 85, INR 1.3 -> caution, US."""
    out = _assess(
        {
            "depth_mm": 85,
            "visible_on": ["ultrasound", "ct"],
            "distance_to_major_vessel_mm": 4,
            "distance_to_critical_structure_mm": 15,
        },
        {"platelets_10e9_l": 85, "inr": 1.3},
    )
    assert (out["injectable"], out["guidance"], out["procedure_bleeding_risk"]) == ("caution", "ultrasound", "high")
    assert any("4 mm from a major vessel (< 5 mm)" in r for r in out["reasons"])


@pytest.mark.parametrize(("platelets", "level"), [(49, "no"), (50, "yes"), (51, "yes")])
def test_high_risk_platelet_threshold_50(platelets: float, level: str) -> None:
    """SIR 2019 high-risk procedures: platelet transfusion considered below 50 x10^9/L."""
    assert _assess({}, {"platelets_10e9_l": platelets})["injectable"] == level


@pytest.mark.parametrize(("platelets", "level"), [(19, "no"), (20, "yes"), (21, "yes")])
def test_low_risk_platelet_threshold_20(platelets: float, level: str) -> None:
    """SIR 2019 low-risk procedures (superficial): threshold 20 x10^9/L."""
    lesion = {"site": "subcutaneous", "visible_on": ["palpation"], "depth_mm": 5}
    out = _assess(lesion, {"platelets_10e9_l": platelets})
    assert out["procedure_bleeding_risk"] == "low" and out["injectable"] == level


@pytest.mark.parametrize(("inr", "level"), [(1.5, "yes"), (1.51, "caution"), (1.8, "caution"), (1.81, "no")])
def test_high_risk_inr_range(inr: float, level: str) -> None:
    """SIR 2019 high risk: correct INR to within 1.5-1.8 or less."""
    assert _assess({}, {"inr": inr})["injectable"] == level


@pytest.mark.parametrize(("inr", "level"), [(2.0, "yes"), (2.5, "caution"), (3.0, "caution"), (3.01, "no")])
def test_low_risk_inr_range(inr: float, level: str) -> None:
    """SIR 2019 low risk: correct INR to within 2.0-3.0 or less."""
    lesion = {"site": "cutaneous", "visible_on": ["visual"], "depth_mm": 2}
    assert _assess(lesion, {"inr": inr})["injectable"] == level


@pytest.mark.parametrize(("depth", "risk"), [(30, "low"), (31, "high")])
def test_node_depth_sets_procedure_class(depth: float, risk: str) -> None:
    """SIR 2019: superficial node = low risk, deep non-organ = high risk (program depth limit 30 mm)."""
    out = _assess({"site": "lymph_node", "depth_mm": depth}, {"platelets_10e9_l": 30})
    assert out["procedure_bleeding_risk"] == risk
    assert out["injectable"] == ("yes" if risk == "low" else "no")


def test_missing_labs_for_high_risk_are_said_not_guessed() -> None:
    payload = {"lesion": {"id": "L", "site": "lung", "longest_diameter_mm": 20, "visible_on": ["ct"]}}
    out = assess_injectability(RULES, InjectabilityRequest.model_validate(payload)).as_dict()
    assert out["injectable"] == "caution" and out["guidance"] == "ct_fluoroscopy"
    assert any("platelets not given: not evaluated" in r for r in out["reasons"])
    assert any("INR not given" in r for r in out["reasons"])


def test_anticoagulated_high_risk_is_caution() -> None:
    out = _assess({}, {"anticoagulated": True})
    assert out["injectable"] == "caution"
    assert any("withhold" in r for r in out["reasons"])


@pytest.mark.parametrize(("distance", "level"), [(4.9, "caution"), (5, "yes")])
def test_vessel_distance_boundary(distance: float, level: str) -> None:
    assert _assess({"distance_to_major_vessel_mm": distance})["injectable"] == level


@pytest.mark.parametrize(("distance", "level"), [(9.9, "caution"), (10, "yes")])
def test_critical_structure_boundary(distance: float, level: str) -> None:
    assert _assess({"distance_to_critical_structure_mm": distance})["injectable"] == level


@pytest.mark.parametrize(("diameter", "level"), [(9.9, "caution"), (10, "yes"), (100, "yes"), (100.1, "caution")])
def test_size_rules_for_deep_lesions(diameter: float, level: str) -> None:
    assert _assess({"longest_diameter_mm": diameter})["injectable"] == level


def test_small_superficial_lesion_is_fine() -> None:
    out = _assess({"site": "cutaneous", "longest_diameter_mm": 4, "visible_on": ["visual"], "depth_mm": 1})
    assert (out["injectable"], out["guidance"]) == ("yes", "palpation")


def test_liver_lesion_invisible_on_ultrasound_goes_to_ct() -> None:
    """Tselikas 2021: CT when the lesion is not seen on ultrasound."""
    assert _assess({"visible_on": ["ct", "mri"]})["guidance"] == "ct"


def test_lesion_seen_only_on_mri_is_not_injectable() -> None:
    out = _assess({"visible_on": ["mri", "pet"]})
    assert out["injectable"] == "no" and out["guidance"] is None


def test_tvec_label_excludes_visceral_sites(tvec: AgentProtocol) -> None:
    """IMLYGIC USPI section 1: cutaneous, subcutaneous and nodal lesions only."""
    payload = {
        "lesion": {"id": "L", "site": "liver", "longest_diameter_mm": 20, "visible_on": ["ultrasound"]},
        "agent": "talimogene_laherparepvec",
    }
    out = assess_injectability(RULES, InjectabilityRequest.model_validate(payload), tvec).as_dict()
    assert out["injectable"] == "no"
    payload["lesion"] = {
        "id": "N",
        "site": "lymph_node",
        "longest_diameter_mm": 20,
        "visible_on": ["ultrasound"],
        "depth_mm": 10,
    }
    out = assess_injectability(RULES, InjectabilityRequest.model_validate(payload), tvec).as_dict()
    assert any("22-26 G" in n for n in out["approach_notes"])


def test_negative_distance_and_zero_diameter_rejected() -> None:
    with pytest.raises(InputError) as err:
        _assess({"longest_diameter_mm": 0, "distance_to_major_vessel_mm": -1})
    assert {p.field for p in err.value.problems} == {"lesion.longest_diameter_mm", "lesion.distance_to_major_vessel_mm"}


def test_rule_file_sources_are_all_defined() -> None:
    """Every threshold cites a source key defined in the file (schema check on load)."""
    assert {"tselikas2021", "sir2019"} <= set(RULES.sources)
