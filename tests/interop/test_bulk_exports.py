"""``ioguide export fhir --program`` writes FHIR bulk data (Bulk Data Access IG v2.0.0: one NDJSON file per
resource type, ``Type/id`` references); ``ioguide export sdtm --program`` reads the store batch by batch and
writes the same datasets as the one-pass export."""

from __future__ import annotations

import json
from pathlib import Path

import argon2
import pytest
from typer.testing import CliRunner

from ioguide.cli.main import app
from ioguide.demo.loader import load_demo
from ioguide.demo.program import PROGRAM
from ioguide.interop.files import write_study
from ioguide.interop.ndjson import bulk_lines
from ioguide.records.db import open_database
from ioguide.records.migrate import upgrade
from ioguide.services import jobs
from ioguide.services.context import cli_actor
from ioguide.services.exports import load_study_export

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('bulk') / 'demo.db'}"
    upgrade(url)
    db = open_database(url)
    load_demo(db, argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    db.dispose()
    return url


def test_fhir_bulk_from_the_store(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "fhir"
    args = ["export", "fhir", "--program", PROGRAM, "--study", "HITIT", "--db", demo_url, "--out", str(out)]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["patients"] == 6
    ids: set[str] = set()
    references: list[str] = []
    for item in summary["output"]:
        lines = (out / item["file"]).read_text().splitlines()
        assert len(lines) == item["count"]
        for line in lines:
            resource = json.loads(line)
            ids.add(f"{resource['resourceType']}/{resource['id']}")
            references += [m.split('"')[0] for m in line.split('"reference":"')[1:]]
    assert references and set(references) <= ids
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_fhir_bulk_needs_an_out_folder(demo_url: str) -> None:
    result = runner.invoke(app, ["export", "fhir", "--program", PROGRAM, "--db", demo_url])
    assert result.exit_code == 2 and "--out" in result.stderr


def test_bulk_lines_refuse_a_dangling_reference() -> None:
    bundle = {
        "entry": [{"resource": {"resourceType": "Observation", "id": "o1", "subject": {"reference": "urn:uuid:p9"}}}]
    }
    with pytest.raises(ValueError, match="p9"):
        list(bulk_lines(bundle))


def test_sdtm_in_batches_equals_the_one_pass_export(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "EXPORT_BATCH", 4)  # six patients: batches of 4 and 2
    db = open_database(demo_url)
    try:
        seen: list[tuple[int, int]] = []
        summary = jobs.export_sdtm(
            db, cli_actor(), PROGRAM, "HITIT", tmp_path / "batched", lambda d, t: seen.append((d, t))
        )
        write_study(load_study_export(db, cli_actor(), PROGRAM, "HITIT"), tmp_path / "one")
    finally:
        db.dispose()
    assert seen == [(4, 6), (6, 6)] and summary["patients"] == 6
    one = sorted(p.relative_to(tmp_path / "one").as_posix() for p in (tmp_path / "one").rglob("*.csv"))
    assert "adam/adsl.csv" in one and "adam/adrs.csv" in one  # the program export carries ADaM too
    assert sorted(summary["files"]) == sorted(
        p.relative_to(tmp_path / "one").as_posix() for p in (tmp_path / "one").rglob("*") if p.is_file()
    )
    for name in one:
        assert (tmp_path / "batched" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name


def test_sdtm_of_an_itrecist_case_without_injected_lesion() -> None:
    """itRECIST (Goldmacher et al., J Clin Oncol 2020) subsets: a patient with no injected lesion has no injected
    subset (null in the assessment); RS then carries the overall and non-injected rows only (found at scale)."""
    from ioguide.interop.inputs import StudyExport, parse_patient_export
    from ioguide.interop.sdtm import study_datasets

    case = {
        "criteria": "itrecist",
        "lesions": [{"id": "T1", "role": "target", "organ": "liver"}],
        "timepoints": [
            {"date": "2026-01-05", "diameters_mm": {"T1": 30}},
            {"date": "2026-03-02", "diameters_mm": {"T1": 20}},
        ],
    }
    patient = parse_patient_export({"study": "S", "subject": "P1", "case": case})
    rs = study_datasets(StudyExport(study="S", patients=(patient,)))["RS"]
    groups = set(rs.column("RSSCAT"))
    assert groups == {None, "NON-INJECTED LESIONS"}
