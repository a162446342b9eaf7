"""Which criteria a disease allows (criteria/applicability.py): mRECIST for HCC only (Lencioni & Llovet, Semin Liver
Dis 2010: a method for hepatocellular carcinoma), modified RECIST for mesothelioma only with pleural disease (Armato
& Nowak, J Thorac Oncol 2018)."""

from __future__ import annotations

from ioguide.criteria.applicability import DISEASES, offered_criteria


def test_mrecist_is_offered_for_hcc_only() -> None:
    assert "mrecist" in offered_criteria("hcc").criteria
    for disease in DISEASES:
        if disease != "hcc":
            offer = offered_criteria(disease)
            assert "mrecist" not in offer.criteria
            assert any("hepatocellular" in r for r in offer.reasons)


def test_mesothelioma_criteria_need_pleural_disease() -> None:
    assert "mesothelioma" in offered_criteria("pleural_mesothelioma").criteria
    assert "mesothelioma" not in offered_criteria("melanoma", ["lung", "liver"]).criteria
    assert "mesothelioma" in offered_criteria("solid_tumour", ["Pleura"]).criteria  # pleural disease, any primary


def test_recist_and_its_immune_variants_are_always_offered_in_the_spec_order() -> None:
    assert offered_criteria("melanoma").criteria == ("recist1.1", "irecist", "itrecist")
    assert offered_criteria("hcc", ["pleura"]).criteria == (
        "recist1.1",
        "irecist",
        "itrecist",
        "mrecist",
        "mesothelioma",
    )
