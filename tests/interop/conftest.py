"""Shared fixtures: the demo study (examples/interop) and fhircraft models built offline from the vendored mCODE
4.0.0 StructureDefinitions (tests/interop/data/mcode-4.0.0, from ``npm pack hl7.fhir.us.mcode@4.0.0``, CC0-1.0)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from ioguide.interop.inputs import StudyExport, parse_study_export

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "interop" / "study-iog01.json"
MCODE_DIR = Path(__file__).parent / "data" / "mcode-4.0.0"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
#: Profiles whose base is R4 core, so that fhircraft can build them offline (US Core 6.1.0 is not obtainable).
BUILDABLE = (
    "mcode-tumor",
    "mcode-tumor-size",
    "mcode-cancer-disease-status",
    "mcode-cancer-related-medication-administration",
)
#: Only what these profiles need (registering all 53 mCODE definitions takes over a minute).
NEEDED = (
    "tumor", "tumor-size", "cancer-disease-status", "cancer-disease-status-evidence-type",
    "cancer-related-medication-administration", "procedure-intent", "normalization-basis", "related-condition",
    "body-structure-identifier",
)  # fmt: skip


@pytest.fixture(scope="session")
def demo_input() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def demo_study(demo_input: dict[str, Any]) -> StudyExport:
    return parse_study_export(demo_input)


class FhirModels:
    """fhircraft R4 models: mCODE profiles by canonical URL, R4 core resources by type (built on first use)."""

    def __init__(self) -> None:
        from fhircraft.fhir.resources.factory.core import FHIRModelFactory

        self.factory = FHIRModelFactory("R4")
        self.factory.disable_internet_access()
        for name in NEEDED:
            self.factory.register(json.loads((MCODE_DIR / f"StructureDefinition-mcode-{name}.json").read_text()))
        self.models: dict[str, Any] = {}

    def model(self, url: str) -> Any:
        if url not in self.models:
            self.models[url] = self.factory.build(canonical_url=url)
        return self.models[url]

    def core(self, resource_type: str) -> Any:
        return self.model(f"http://hl7.org/fhir/StructureDefinition/{resource_type}")

    def validate(self, resource: dict[str, Any]) -> Any:
        """Validate against the claimed mCODE profile when buildable, else against R4 core."""
        profiles = resource.get("meta", {}).get("profile", [])
        buildable = [p for p in profiles if p.removeprefix(MCODE) in BUILDABLE]
        url = buildable[0] if buildable else f"http://hl7.org/fhir/StructureDefinition/{resource['resourceType']}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.model(url).model_validate(resource)


@pytest.fixture(scope="session")
def fhir_models() -> FhirModels:
    return FhirModels()


@pytest.fixture(scope="session")
def cohort_input() -> dict[str, Any]:
    from sdtm_cohort import cohort

    return cohort(200)


@pytest.fixture(scope="session")
def packages(cohort_input: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The archives the issue names: the demo program and a generated cohort of 200 patients."""
    from sdtm_support import Package, demo_program_input

    root = tmp_path_factory.mktemp("packages")
    return {
        "demo": Package(parse_study_export(demo_program_input()), root / "demo"),
        "cohort": Package(parse_study_export(cohort_input), root / "cohort"),
    }
