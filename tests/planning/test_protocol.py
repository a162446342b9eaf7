"""The agent-protocol schema (data/agents/*.yaml): every shipped file validates and cites its source; broken files
are refused with the file, the key and the rule; and properties of the planner that hold for any visit (the cap is
never exceeded, skip gives full volume or none, truncate makes at most one partial injection)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ioguide.errors import InputError
from ioguide.planning.catalog import load_agents, parse_file
from ioguide.planning.injection import InjectionRequest, plan_injection
from ioguide.planning.protocol import AgentProtocol, DiameterTable
from ioguide.planning.volumes import table_volume

MINIMAL = (
    "id: {id}\nname: x\nshort_source: program protocol\nsource: a program protocol v1\nstatus: program\n"
    "route: intratumoral\nvolume_rule: {{kind: fixed_per_lesion, volume_ml: 0.5}}\nvisit: {{max_volume_ml: 2}}\n"
    "concentration: {{unit: mg_per_ml, label: mg/mL, first: 1, subsequent: 1}}\n"
)


def test_every_shipped_protocol_validates_and_cites_a_source() -> None:
    agents = load_agents()
    assert {"talimogene_laherparepvec", "pv10_rose_bengal", "tilsotolimod"} <= set(agents)
    for agent in agents.values():
        assert len(agent.source) > 40 and agent.short_source


def test_tvec_file_matches_the_label() -> None:
    """IMLYGIC USPI: 4 mL per visit, 10^6 then 10^8 PFU/mL, 22-26 G, cutaneous/subcutaneous/nodal lesions."""
    tvec = load_agents()["talimogene_laherparepvec"]
    assert tvec.visit.max_volume_ml == 4.0
    assert (tvec.concentration.first, tvec.concentration.subsequent) == (1e6, 1e8)
    assert tvec.needle_gauge is not None and (tvec.needle_gauge.coarsest, tvec.needle_gauge.finest) == (22, 26)
    assert tvec.schedule is not None and tvec.schedule.injections.first_interval_days == 21
    assert tvec.schedule.injections.then_every_days == 14


def test_file_name_must_equal_id(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(MINIMAL.format(id="mine"))
    with pytest.raises(InputError) as err:
        load_agents([tmp_path])
    assert err.value.problems[0].field == f"{tmp_path.name}/other.yaml:id"


def test_a_program_file_cannot_redefine_a_shipped_agent(tmp_path: Path) -> None:
    (tmp_path / "tilsotolimod.yaml").write_text(MINIMAL.format(id="tilsotolimod"))
    with pytest.raises(InputError) as err:
        load_agents([tmp_path])
    assert "defined twice" in err.value.problems[0].message


def test_missing_agents_folder_is_an_input_error() -> None:
    with pytest.raises(InputError) as err:
        load_agents(["/no/such/folder"])
    assert err.value.problems[0].field == "--agents-dir"


def test_unknown_key_and_bad_yaml_are_refused() -> None:
    with pytest.raises(InputError) as err:
        parse_file(AgentProtocol, "agents/x.yaml", MINIMAL.format(id="x") + "colour: red\n")
    assert err.value.problems[0].field == "agents/x.yaml:colour"
    with pytest.raises(InputError) as err:
        parse_file(AgentProtocol, "agents/x.yaml", "id: [unclosed")
    assert "not valid YAML" in err.value.problems[0].message


@pytest.mark.parametrize(
    "rows",
    [
        [{"above_mm": 10, "max_volume_ml": 1}],  # gap below 10 mm
        [{"up_to_mm": 10, "max_volume_ml": 1}, {"above_mm": 5, "max_volume_ml": 2}],  # overlap 5-10 mm
    ],
)
def test_diameter_table_must_cover_every_diameter_once(rows: list[dict[str, float]]) -> None:
    with pytest.raises(ValidationError, match="exactly once"):
        DiameterTable.model_validate({"kind": "diameter_table", "rows": rows})


LESIONS = st.lists(
    st.tuples(st.floats(min_value=0.5, max_value=150, allow_nan=False), st.booleans(), st.booleans()),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(lesions=LESIONS, visit=st.sampled_from(["first", "subsequent"]), policy=st.sampled_from(["truncate", "skip"]))
def test_plan_properties(lesions: list[tuple[float, bool, bool]], visit: str, policy: str) -> None:
    tvec = load_agents()["talimogene_laherparepvec"]
    data = [
        {"id": f"L{i}", "longest_diameter_mm": d, "new": new, "injectable": inj}
        for i, (d, new, inj) in enumerate(lesions)
    ]
    plan = plan_injection(
        tvec, InjectionRequest.model_validate({"agent": tvec.id, "visit": visit, "cap_policy": policy, "lesions": data})
    )
    out = plan.as_dict()
    assert out["total_volume_ml"] <= 4.0
    assert len(out["injections"]) + len(out["not_injected"]) == len(lesions)
    rule = tvec.volume_rule
    assert isinstance(rule, DiameterTable)
    full = {les["id"]: (table_volume(rule, les["longest_diameter_mm"]).cml or 0) / 100 for les in data}
    partials = [i for i in out["injections"] if i["partial"]]
    if policy == "skip":
        assert not partials and all(i["volume_ml"] == full[i["lesion"]] for i in out["injections"])
    else:
        assert len(partials) <= 1
        assert all(i["volume_ml"] >= 0.1 for i in out["injections"])
    assert [i["order"] for i in out["injections"]] == list(range(1, len(out["injections"]) + 1))
