"""The demo program as data: six fictional patients and one demo user per role (``spec/api.md``, ``--demo``).

Each patient is a case document in the ``ioguide assess`` input format (``spec/response.md``), plus the procedures
and toxicity events of ``spec/api.md`` / ``spec/toxicity.md``. The stories, and the responses the response engine
gives them (checked by ``tests/demo``):

- IT-001 T-VEC melanoma (itRECIST): injected lesions respond first, the non-injected ones follow (abscopal); PR
  confirmed.
- IT-002 PV-10 melanoma (itRECIST): injected lesion shrinks while the non-injected ones grow and a new lung lesion
  appears: progression overall and in the non-injected subset.
- IT-003 checkpoint + ablation, colorectal liver metastases (iRECIST): iUPD confirmed as iCPD 4 weeks later.
- IT-004 tilsotolimod + ipilimumab (iRECIST): iUPD from a new lesion that resolves (pseudoprogression), the iUPD
  resets and the response becomes a confirmed iPR.
- IT-005 intrapleural CAR-T, mesothelioma-adjacent lung disease (RECIST 1.1): CRS grade 1 then 2, ICANS grade 1
  then 2, stable disease then progression of the pleural effusion.
- IT-006 microwave ablation + pembrolizumab, HCC (RECIST 1.1): biopsy and ablation with a CIRSE grade 2
  complication (overnight stay), confirmed PR; a CTCAE ALT increase.

Names are study pseudonyms; dates are fictional.
"""

from __future__ import annotations

from typing import Any

PROGRAM = "HIT-IT demo program"

#: One demo user per role (spec/api.md, "Users and roles"); ``ioguide serve --demo`` prints them.
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("viewer", "viewer-demo-pass", "viewer"),
    ("coordinator", "coordinator-demo-pass", "coordinator"),
    ("radiologist", "radiologist-demo-pass", "radiologist"),
    ("admin", "admin-demo-pass", "admin"),
)


def _tp(date: str, diameters: dict[str, Any], non_target: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"date": date, "diameters_mm": diameters, "non_target": non_target, **extra}


def _injection(date: str, agent: str, volumes: dict[str, float], **extra: Any) -> dict[str, Any]:
    lesions = [{"lesion_id": lesion, "volume_ml": volume} for lesion, volume in volumes.items()]
    return {"kind": "injection", "date": date, "agent": agent, "lesions": lesions, **extra}


TVEC = "talimogene_laherparepvec"

PATIENTS: tuple[dict[str, Any], ...] = (
    {
        "patient": {"study_id": "IT-001", "birth_year": 1958, "sex": "female"},
        "case": {
            "criteria": "itrecist",
            "lesions": [
                {"id": "I1", "role": "target", "organ": "skin", "injected": True},
                {"id": "I2", "role": "target", "organ": "subcutaneous", "injected": True},
                {"id": "D1", "role": "target", "organ": "lung"},
                {"id": "D2", "role": "target", "organ": "liver"},
                {"id": "N1", "role": "non_target", "organ": "lymph_node", "nodal": True},
            ],
            "timepoints": [
                _tp("2026-01-05", {"I1": 32, "I2": 24, "D1": 18, "D2": 22}, {"N1": "present"}),
                _tp("2026-03-02", {"I1": 20, "I2": 14, "D1": 15, "D2": 18}, {"N1": "present"}),
                _tp("2026-03-30", {"I1": 12, "I2": 8, "D1": 12, "D2": 14}, {"N1": "present"}),
                _tp("2026-05-25", {"I1": 5, "I2": 0, "D1": 10, "D2": 11}, {"N1": "absent"}),
            ],
        },
        "procedures": [
            _injection("2026-01-05", TVEC, {"I1": 2.0, "I2": 1.0}, approach="percutaneous"),
            _injection("2026-01-26", TVEC, {"I1": 2.0, "I2": 1.0}, guidance="ultrasound"),
            _injection("2026-02-09", TVEC, {"I1": 1.0, "I2": 0.5}, guidance="ultrasound"),
            _injection("2026-02-23", TVEC, {"I1": 1.0, "I2": 0.5}, guidance="ultrasound"),
            {"kind": "biopsy", "date": "2026-02-23", "lesions": [{"lesion_id": "I1"}], "cores": 3},
        ],
        "toxicity": [
            {"kind": "ctcae", "date": "2026-01-06", "input": {"term": "fever", "temp_c": 38.4}},
            {
                "kind": "ctcae",
                "date": "2026-01-27",
                "input": {"term": "injection_site_reaction", "finding": "tenderness"},
            },
        ],
    },
    {
        "patient": {"study_id": "IT-002", "birth_year": 1966, "sex": "male"},
        "case": {
            "criteria": "itrecist",
            "lesions": [
                {"id": "I1", "role": "target", "organ": "skin", "injected": True},
                {"id": "D1", "role": "target", "organ": "liver"},
                {"id": "D2", "role": "target", "organ": "lung"},
            ],
            "timepoints": [
                _tp("2026-01-12", {"I1": 40, "D1": 25, "D2": 20}, {}),
                _tp("2026-03-09", {"I1": 30, "D1": 32, "D2": 26}, {}),
                _tp(
                    "2026-05-04",
                    {"I1": 22, "D1": 48, "D2": 36},
                    {},
                    new_lesions=[{"id": "X1", "organ": "lung", "diameter_mm": 11}],
                ),
            ],
        },
        "procedures": [
            _injection("2026-01-12", "pv10_rose_bengal", {"I1": 3.0}),
            _injection("2026-02-09", "pv10_rose_bengal", {"I1": 2.0}),
        ],
        "toxicity": [],
    },
    {
        "patient": {"study_id": "IT-003", "birth_year": 1971, "sex": "male"},
        "case": {
            "criteria": "irecist",
            "lesions": [
                {"id": "T1", "role": "target", "organ": "liver"},
                {"id": "T2", "role": "target", "organ": "lung"},
                {"id": "N1", "role": "non_target", "organ": "bone"},
            ],
            "timepoints": [
                _tp("2026-01-12", {"T1": 30, "T2": 25}, {"N1": "present"}),
                _tp("2026-02-23", {"T1": 36, "T2": 32}, {"N1": "present"}),
                _tp("2026-03-23", {"T1": 40, "T2": 35}, {"N1": "present"}),
            ],
        },
        "procedures": [
            {"kind": "ablation", "date": "2026-01-19", "lesions": [{"lesion_id": "T1"}], "modality": "microwave"},
        ],
        "toxicity": [
            {"kind": "ctcae", "date": "2026-02-16", "input": {"term": "diarrhea", "stools_over_baseline_per_day": 5}},
        ],
    },
    {
        "patient": {"study_id": "IT-004", "birth_year": 1962, "sex": "female"},
        "case": {
            "criteria": "irecist",
            "lesions": [
                {"id": "T1", "role": "target", "organ": "liver", "injected": True},
                {"id": "T2", "role": "target", "organ": "lymph_node", "nodal": True},
            ],
            "timepoints": [
                _tp("2026-01-19", {"T1": 40, "T2": 20}, {}),
                _tp(
                    "2026-03-02",
                    {"T1": 45, "T2": 22},
                    {},
                    new_lesions=[{"id": "X1", "organ": "lung", "diameter_mm": 12}],
                ),
                _tp("2026-04-13", {"T1": 28, "T2": 12}, {}),
                _tp("2026-05-25", {"T1": 24, "T2": 9}, {}),
            ],
        },
        "procedures": [
            _injection("2026-01-19", "tilsotolimod", {"T1": 1.0}, guidance="ct", approach="percutaneous"),
            _injection("2026-01-26", "tilsotolimod", {"T1": 1.0}, guidance="ct", approach="percutaneous"),
            _injection("2026-02-09", "tilsotolimod", {"T1": 1.0}, guidance="ct", approach="percutaneous"),
        ],
        "toxicity": [],
    },
    {
        "patient": {"study_id": "IT-005", "birth_year": 1955, "sex": "male"},
        "case": {
            "criteria": "recist1.1",
            "lesions": [
                {"id": "T1", "role": "target", "organ": "lung"},
                {"id": "T2", "role": "target", "organ": "lung"},
                {"id": "N1", "role": "non_target", "organ": "pleura"},
            ],
            "timepoints": [
                _tp("2026-01-26", {"T1": 35, "T2": 28}, {"N1": "present"}),
                _tp("2026-03-09", {"T1": 31, "T2": 24}, {"N1": "present"}),
                _tp("2026-04-20", {"T1": 33, "T2": 25}, {"N1": "unequivocal_progression"}),
            ],
        },
        "procedures": [
            {
                "kind": "infusion",
                "date": "2026-02-02",
                "agent": "mesothelin CAR-T (regional)",
                "route": "intrapleural",
                "dose_cells": 3e6,
                "approach": "intrapleural",
            },
        ],
        "toxicity": [
            {"kind": "crs", "date": "2026-02-03", "input": {"temp_c": 38.6, "hypotension": "none", "oxygen": "none"}},
            {
                "kind": "crs",
                "date": "2026-02-04",
                "input": {"temp_c": 39.1, "hypotension": "none", "oxygen": "low_flow", "oxygen_flow_l_min": 2},
            },
            {
                "kind": "icans",
                "date": "2026-02-06",
                "input": {
                    "age_years": 71,
                    "ice_score": 8,
                    "consciousness": "awake",
                    "seizure": "none",
                    "motor_weakness": False,
                    "cerebral_edema": "none",
                },
            },
            {
                "kind": "icans",
                "date": "2026-02-07",
                "input": {
                    "age_years": 71,
                    "ice_items": {"orientation": 2, "naming": 2, "commands": 1, "writing": 0, "attention": 0},
                    "consciousness": "awake",
                    "seizure": "none",
                    "motor_weakness": False,
                    "cerebral_edema": "none",
                },
            },
        ],
    },
    {
        "patient": {"study_id": "IT-006", "birth_year": 1960, "sex": "male"},
        "case": {
            "criteria": "recist1.1",
            "lesions": [
                {"id": "T1", "role": "target", "organ": "liver"},
                {"id": "T2", "role": "target", "organ": "lung"},
                {"id": "N1", "role": "non_target", "organ": "adrenal"},
            ],
            "timepoints": [
                _tp("2026-02-02", {"T1": 42, "T2": 16}, {"N1": "present"}),
                _tp("2026-03-30", {"T1": 30, "T2": 10}, {"N1": "present"}),
                _tp("2026-05-25", {"T1": 28, "T2": 8}, {"N1": "present"}),
            ],
        },
        "procedures": [
            {"kind": "biopsy", "date": "2026-02-10", "lesions": [{"lesion_id": "T1"}], "cores": 2, "guidance": "ct"},
            {
                "kind": "ablation",
                "date": "2026-02-10",
                "lesions": [{"lesion_id": "T1"}],
                "modality": "microwave",
                "guidance": "ct",
                "complication": {"unplanned_stay_h": 20},
                "notes": "subcapsular haematoma, observed overnight",
            },
        ],
        "toxicity": [
            {
                "kind": "ctcae",
                "date": "2026-03-16",
                "input": {"term": "alanine_aminotransferase_increased", "value": 180, "uln": 40},
            },
        ],
    },
)
