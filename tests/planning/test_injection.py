"""Injection plans against the IMLYGIC (T-VEC) US prescribing information, Table 1 (priority, cap,
concentration)
and Table 2 (volume by longest diameter), and the cap policies of spec/planning.md."""

from __future__ import annotations

from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.planning.injection import InjectionRequest, plan_injection
from ioguide.planning.protocol import AgentProtocol


def _plan(agent: AgentProtocol, visit: str, lesions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    request = InjectionRequest.model_validate({"agent": agent.id, "visit": visit, "lesions": lesions, **extra})
    return plan_injection(agent, request).as_dict()


@pytest.mark.parametrize(
    ("diameter_mm", "volume_ml"),
    [
        (4.9, 0.1),
        (5, 0.1),
        (5.1, 0.5),  # label Table 2: <= 0.5 cm -> 0.1 mL; > 0.5 to 1.5 cm -> 0.5 mL
        (14.9, 0.5),
        (15, 0.5),
        (15.1, 1.0),  # > 1.5 to 2.5 cm -> 1 mL
        (24.9, 1.0),
        (25, 1.0),
        (25.1, 2.0),  # > 2.5 to 5 cm -> 2 mL
        (49.9, 2.0),
        (50, 2.0),
        (50.1, 4.0),  # > 5 cm -> 4 mL
    ],
)
def test_tvec_label_table_2_boundaries(tvec: AgentProtocol, diameter_mm: float, volume_ml: float) -> None:
    """IMLYGIC USPI Table 2: each boundary (5, 15, 25, 50 mm) belongs to the lower row ("> a to b cm")."""
    out = _plan(tvec, "first", [{"id": "L1", "longest_diameter_mm": diameter_mm}])
    assert out["injections"][0]["volume_ml"] == volume_ml
    assert out["injections"][0]["partial"] is False


def test_first_visit_concentration_and_largest_first(tvec: AgentProtocol) -> None:
    """USPI Table 1, initial treatment: 10^6 PFU/mL, largest lesion(s) first; a 'new' flag does not matter
    yet."""
    out = _plan(
        tvec,
        "first",
        [
            {"id": "A", "longest_diameter_mm": 12},
            {"id": "B", "longest_diameter_mm": 30, "new": False},
            {"id": "C", "longest_diameter_mm": 20, "new": True},
        ],
    )
    assert out["concentration_pfu_per_ml"] == 1e6
    assert [i["lesion"] for i in out["injections"]] == ["B", "C", "A"]
    assert [i["volume_ml"] for i in out["injections"]] == [2.0, 1.0, 0.5]
    assert out["total_volume_ml"] == 3.5
    assert "new lesion: injected first" not in out["injections"][1]["reasons"]


def test_subsequent_visit_new_lesions_first_largest_among_them(tvec: AgentProtocol) -> None:
    """USPI Table 1, second and later treatments: 10^8 PFU/mL; new lesions first, then the rest by size."""
    out = _plan(
        tvec,
        "subsequent",
        [
            {"id": "old_big", "longest_diameter_mm": 40},
            {"id": "new_small", "longest_diameter_mm": 8, "new": True},
            {"id": "new_mid", "longest_diameter_mm": 18, "new": True},
        ],
    )
    assert out["concentration_pfu_per_ml"] == 1e8
    assert [i["lesion"] for i in out["injections"]] == ["new_mid", "new_small", "old_big"]
    assert [i["order"] for i in out["injections"]] == [1, 2, 3]


def test_ties_keep_input_order(tvec: AgentProtocol) -> None:
    """spec/planning.md: ties keep input order."""
    lesions = [{"id": x, "longest_diameter_mm": 20} for x in ("Z", "A", "M")]
    assert [i["lesion"] for i in _plan(tvec, "first", lesions)["injections"]] == ["Z", "A", "M"]


def test_spec_example_truncate(tvec: AgentProtocol) -> None:
    """spec/planning.md worked example: L2 (new, 31 mm) 2.0 mL, L1 (62 mm) the remaining 2.0 mL partial, L3
    none."""
    out = _plan(
        tvec,
        "subsequent",
        [
            {"id": "L1", "longest_diameter_mm": 62},
            {"id": "L2", "longest_diameter_mm": 31, "new": True},
            {"id": "L3", "longest_diameter_mm": 12},
        ],
    )
    assert [(i["lesion"], i["volume_ml"], i["partial"]) for i in out["injections"]] == [
        ("L2", 2.0, False),
        ("L1", 2.0, True),
    ]
    assert out["not_injected"] == [{"lesion": "L3", "reasons": ["visit maximum of 4.0 mL reached"]}]
    assert out["cap_policy"] == "truncate" and out["total_volume_ml"] == 4.0


def test_skip_policy_moves_on_to_lesions_that_fit(tvec: AgentProtocol) -> None:
    """Cap policy skip: the 62 mm lesion (4.0 mL) does not fit in 2.0 mL, the 12 mm one (0.5 mL) does."""
    out = _plan(
        tvec,
        "subsequent",
        [
            {"id": "L1", "longest_diameter_mm": 62},
            {"id": "L2", "longest_diameter_mm": 31, "new": True},
            {"id": "L3", "longest_diameter_mm": 12},
        ],
        cap_policy="skip",
    )
    assert [(i["lesion"], i["volume_ml"], i["partial"]) for i in out["injections"]] == [
        ("L2", 2.0, False),
        ("L3", 0.5, False),
    ]
    assert out["not_injected"][0]["lesion"] == "L1"
    assert "does not fit in the remaining 2.0 mL" in out["not_injected"][0]["reasons"][-1]
    assert out["total_volume_ml"] == 2.5 and out["cap_policy"] == "skip"


def test_cap_exactly_filled_then_reached(tvec: AgentProtocol) -> None:
    """Exactly 4.0 mL used (2 + 1 + 0.5 + 0.5): the next lesion meets the visit maximum, no partial."""
    lesions = [
        {"id": "a", "longest_diameter_mm": 40},
        {"id": "b", "longest_diameter_mm": 20},
        {"id": "c", "longest_diameter_mm": 10},
        {"id": "d", "longest_diameter_mm": 10},
        {"id": "e", "longest_diameter_mm": 3},
    ]
    out = _plan(tvec, "first", lesions)
    assert out["total_volume_ml"] == 4.0
    assert not any(i["partial"] for i in out["injections"])
    assert out["not_injected"] == [{"lesion": "e", "reasons": ["visit maximum of 4.0 mL reached"]}]


def test_truncate_remainder_below_minimum_useful_volume(tvec: AgentProtocol) -> None:
    """Truncate gives the remainder only if it is >= the minimum useful volume (program: cap 3.0, minimum 1.5
    mL)."""
    limits = tvec.visit.model_copy(update={"max_volume_ml": 3.0, "min_useful_volume_ml": 1.5})
    program = tvec.model_copy(update={"visit": limits})
    lesions = [
        {"id": "a", "longest_diameter_mm": 40},  # 2.0 mL, leaves 1.0
        {"id": "b", "longest_diameter_mm": 30},  # 2.0 mL does not fit; 1.0 < 1.5 -> not injected
        {"id": "c", "longest_diameter_mm": 10},  # after the cap closed: visit maximum reached
    ]
    out = _plan(program, "first", lesions)
    assert [i["lesion"] for i in out["injections"]] == ["a"]
    assert [n["lesion"] for n in out["not_injected"]] == ["b", "c"]
    assert "minimum useful volume 1.5 mL" in out["not_injected"][0]["reasons"][-1]
    assert out["not_injected"][1]["reasons"] == ["visit maximum of 3.0 mL reached"]


def test_not_injectable_lesion_listed_in_priority_order(tvec: AgentProtocol) -> None:
    """spec/planning.md: a non-injectable lesion is listed under not_injected with that reason, in priority
    order."""
    out = _plan(
        tvec,
        "first",
        [
            {"id": "small", "longest_diameter_mm": 60},
            {"id": "blocked", "longest_diameter_mm": 70, "injectable": False},
        ],
    )
    assert out["not_injected"][0]["lesion"] == "blocked"
    assert "not injectable" in out["not_injected"][0]["reasons"][0]
    assert out["injections"][0]["volume_ml"] == 4.0


def test_fraction_of_volume_protocol(agents: dict[str, AgentProtocol]) -> None:
    """PV-10, 0.5 mL per cm3 (Thompson 2008): 20 x 20 x 20 mm ellipsoid = 4.19 cm3 -> 2.09 mL."""
    out = _plan(
        agents["pv10_rose_bengal"],
        "first",
        [
            {"id": "a", "longest_diameter_mm": 20, "perpendicular_diameter_mm": 20},
            {"id": "b", "longest_diameter_mm": 30},
        ],
    )
    assert out["injections"] == [
        {
            "lesion": "a",
            "volume_ml": 2.09,
            "partial": False,
            "order": 1,
            "reasons": out["injections"][0]["reasons"],
        }
    ]
    assert out["not_injected"][0]["lesion"] == "b"
    assert "not evaluable" in out["not_injected"][0]["reasons"][0]
    assert out["concentration_mg_per_ml"] == 100.0


def test_fixed_per_lesion_one_lesion_per_visit(agents: dict[str, AgentProtocol]) -> None:
    """Tilsotolimod: one designated lesion per visit (ILLUMINATE-301); the second lesion is not injected."""
    out = _plan(
        agents["tilsotolimod"],
        "subsequent",
        [{"id": "a", "longest_diameter_mm": 20}, {"id": "b", "longest_diameter_mm": 30}],
    )
    assert [i["lesion"] for i in out["injections"]] == ["b"]
    assert out["not_injected"][0]["lesion"] == "a"


@pytest.mark.parametrize("bad", [0, -3])
def test_diameter_not_above_zero_rejected(tvec: AgentProtocol, bad: float) -> None:
    with pytest.raises(InputError) as err:
        _plan(tvec, "first", [{"id": "L1", "longest_diameter_mm": 10}, {"id": "L2", "longest_diameter_mm": bad}])
    assert err.value.problems[0].field == "lesions[1].longest_diameter_mm"
    assert "> 0 mm" in err.value.problems[0].message


def test_duplicate_ids_rejected(tvec: AgentProtocol) -> None:
    with pytest.raises(InputError) as err:
        _plan(tvec, "first", [{"id": "L1", "longest_diameter_mm": 10}, {"id": "L1", "longest_diameter_mm": 12}])
    assert err.value.problems[0].field == "lesions[1].id"
    assert "unique" in err.value.problems[0].message
