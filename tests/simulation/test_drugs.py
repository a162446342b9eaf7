"""Drug tables (data/drugs/*.yaml): schema-valid, every value sourced, unit conversions of the source papers."""

from __future__ import annotations

import pytest

from ioguide.errors import InputError
from ioguide.simulation.drugs import all_drugs, load_drug


def test_the_issue_asks_for_these_tables() -> None:
    assert {"ipilimumab", "pembrolizumab", "nivolumab", "tisagenlecleucel"} <= set(all_drugs())


@pytest.mark.parametrize(
    ("drug", "cl_l_day", "v1_l", "q_l_day", "v2_l"),
    [
        ("ipilimumab", 0.0150 * 24, 4.15, 0.0411 * 24, 3.11),  # Feng 2014 Table 2 (per hour x 24)
        ("pembrolizumab", 0.22, 3.48, 0.795, 4.06),  # Ahamadi 2017 Table 3
        ("nivolumab", 9.4 * 24 / 1000, 3.63, 32.1 * 24 / 1000, 2.78),  # Bajaj 2017 Table 1 (mL/h)
    ],
)
def test_published_plasma_pk(drug: str, cl_l_day: float, v1_l: float, q_l_day: float, v2_l: float) -> None:
    p = load_drug(drug).parameters
    assert p["cl_l_day"].value == pytest.approx(cl_l_day, rel=1e-12)
    assert p["v1_l"].value == v1_l
    assert p["q_l_day"].value == pytest.approx(q_l_day, rel=1e-12)
    assert p["v2_l"].value == v2_l


def test_every_value_names_its_source_and_published_values_are_not_assumptions() -> None:
    for drug in all_drugs().values():
        for name, value in {**drug.parameters, **drug.two_site}.items():
            assert value.source.strip(), (drug.name, name)
        assert not any(v.is_assumption for v in drug.parameters.values()), drug.name
        assert all(v.source for v in drug.variability.values())


def test_two_site_growth_and_exchange_rates_are_assumptions() -> None:
    two_site = load_drug("tisagenlecleucel").two_site
    for name in ("rho_regional_per_day", "rho_blood_per_day", "k_rb_per_day", "k_br_per_day"):
        assert two_site[name].is_assumption, name
    for name in ("tmax_days", "alpha_per_day", "beta_per_day", "fb"):
        assert two_site[name].source.startswith("Stein 2019 Table 1"), name


def test_stein_variability_reading_is_recorded() -> None:
    """Stein 2019 Table 1 random effects are read as variances of the log (omega2), as nlmixr2lib transcribes."""
    product = load_drug("tisagenlecleucel")
    assert product.variability_reading == "variance"
    assert product.variability["foldx"].omega2 == 2.4


def test_unknown_drug_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        load_drug("aspirin")
    problem = err.value.problems[0]
    assert problem.field == "drug"
    assert "ipilimumab, nivolumab, pembrolizumab, tisagenlecleucel" in problem.message
