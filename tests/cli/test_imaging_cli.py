"""``ioguide measure`` and ``ioguide radiomics`` through the CLI (spec/imaging.md): output shape, exit codes and
the error lines (argument + reason) for bad input; the batch continues past a bad case (exit 3)."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imaging.support import lesion_ct, write_ct_series, write_nifti
from ioguide.cli.main import app

runner = CliRunner()
SPACING, ORIGIN = (0.8, 0.8, 2.5), (-25.0, -30.0, 10.0)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("cli")
    hu, labels = lesion_ct()
    return {
        "base": base,
        "series": write_ct_series(base / "series", hu, SPACING, ORIGIN),
        "image": write_nifti(base / "ct.nii.gz", hu, SPACING, ORIGIN),
        "mask": write_nifti(base / "mask.nii.gz", labels.astype(np.uint8), SPACING, ORIGIN),
        "empty": write_nifti(base / "empty.nii.gz", np.zeros_like(labels, dtype=np.uint8), SPACING, ORIGIN),
        "shifted": write_nifti(base / "shifted.nii.gz", labels.astype(np.uint8), SPACING, (-25.0, -30.0, 11.0)),
    }


def _json(args: list[str]) -> tuple[int, object, str]:
    run = runner.invoke(app, [*args, "--format", "json"])
    return run.exit_code, json.loads(run.stdout) if run.stdout.strip() else None, run.stderr


def test_measure_every_label_as_an_array(study: dict[str, Path]) -> None:
    code, out, _ = _json(["measure", str(study["series"]), str(study["mask"])])
    assert code == 0
    assert isinstance(out, list) and [m["label"] for m in out] == [1, 2]
    box = out[1]  # label 2: 3 slices x 5 rows x 8 columns block, 0.8 mm pixels, 2.5 mm slices
    assert box["voxels"] == 120
    assert box["volume_ml"] == round(120 * 0.8 * 0.8 * 2.5 / 1000, 3)
    assert box["long_axis_mm"] == round(float(np.hypot(8 * 0.8, 4 * 0.8)), 1)
    assert set(box) == {
        "label", "voxels", "volume_ml", "mesh_volume_ml", "long_axis_mm", "short_axis_mm", "slice_index",
        "long_axis_endpoints_patient_mm", "short_axis_endpoints_patient_mm", "max_3d_diameter_mm", "reasons",
    }  # fmt: skip
    assert box["slice_index"] in (3, 4, 5)
    z = ORIGIN[2] + box["slice_index"] * SPACING[2]
    assert all(p[2] == pytest.approx(z) for p in box["long_axis_endpoints_patient_mm"])


def test_measure_one_label_as_an_object(study: dict[str, Path]) -> None:
    code, out, _ = _json(["measure", str(study["image"]), str(study["mask"]), "--label", "1"])
    assert code == 0 and isinstance(out, dict) and out["label"] == 1
    assert any("RECIST 1.1" in r for r in out["reasons"])


def test_measure_text(study: dict[str, Path]) -> None:
    run = runner.invoke(app, ["measure", str(study["image"]), str(study["mask"]), "--label", "2", "--format", "text"])
    assert run.exit_code == 0 and run.stdout.startswith("label 2: long axis ")


@pytest.mark.parametrize(
    ("mask_key", "extra", "expected"),
    [
        ("empty", [], "mask: the mask is empty"),
        ("mask", ["--label", "3"], "--label: label 3 is not in the mask (labels present: [1, 2])"),
        ("shifted", [], "mask: mask grid does not match the image grid (origin differ"),
    ],
)
def test_measure_rejects_bad_masks(study: dict[str, Path], mask_key: str, extra: list[str], expected: str) -> None:
    code, out, err = _json(["measure", str(study["image"]), str(study[mask_key]), *extra])
    assert code == 2
    assert err.startswith(expected)
    assert isinstance(out, dict) and out["errors"][0]["field"] == expected.split(":")[0]


def test_geometry_message_names_both_grids(study: dict[str, Path]) -> None:
    _, _, err = _json(["measure", str(study["image"]), str(study["shifted"])])
    assert "image: size 64x64x12, spacing (0.8, 0.8, 2.5) mm, origin (-25.000, -30.000, 10.000)" in err
    assert "mask: size 64x64x12, spacing (0.8, 0.8, 2.5) mm, origin (-25.000, -30.000, 11.000)" in err


def test_corrupt_dicom_file_in_the_series_is_rejected(study: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "series"
    shutil.copytree(study["series"], broken)
    (broken / "ct005.dcm").write_bytes(b"DICM" + b"\x00" * 50)
    code, _, err = _json(["measure", str(broken), str(study["mask"])])
    assert code == 2
    assert err.startswith("image: ") and "ct005.dcm is not a readable DICOM file" in err


def test_missing_files_are_the_inputs_fault(study: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = _json(["measure", str(tmp_path / "nope.nii.gz"), str(study["mask"])])
    assert code == 2 and err.startswith("image: file not found")


def test_radiomics_one_lesion(study: dict[str, Path]) -> None:
    code, out, _ = _json(["radiomics", str(study["image"]), str(study["mask"]), "--label", "1"])
    assert code == 0 and isinstance(out, dict)
    assert out["label"] == 1 and out["settings"]["binWidth"] == 25.0
    assert out["native_names"]["morph_volume"] == "original_shape_MeshVolume"
    assert out["stat_mean"] == pytest.approx(100, abs=10)  # lesion is 40 + 60 HU with noise


def test_radiomics_params_unknown_key_is_rejected(study: dict[str, Path], tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("setting:\n  binwidth: 10\n", encoding="utf-8")
    code, _, err = _json(["radiomics", str(study["image"]), str(study["mask"]), "--params", str(params)])
    assert code == 2
    assert err.startswith("setting.binwidth: unknown field")


def _manifest(study: dict[str, Path], tmp_path: Path) -> Path:
    (tmp_path / "bad.dcm").write_bytes(b"not dicom at all")
    rows = [
        "case_id,image,mask,label",
        f"good,{study['image']},{study['mask']},",
        f"corrupt,{tmp_path / 'bad.dcm'},{study['mask']},",
        f"emptymask,{study['image']},{study['empty']},",
        f"one,{study['series']},{study['mask']},2",
    ]
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_continues_past_bad_cases(study: dict[str, Path], tmp_path: Path, jobs: str) -> None:
    out_csv = tmp_path / "features.csv"
    code, out, _ = _json(
        ["radiomics", "--manifest", str(_manifest(study, tmp_path)), "--out", str(out_csv), "--jobs", jobs]
    )
    assert code == 3
    assert isinstance(out, dict) and out["failed_cases"] == ["corrupt", "emptymask"] and out["lesions"] == 3
    with out_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["case_id"], r["label"]) for r in rows] == [
        ("good", "1"), ("good", "2"), ("corrupt", ""), ("emptymask", ""), ("one", "2"),
    ]  # fmt: skip
    assert rows[2]["error"].endswith("bad.dcm: give a DICOM series folder or a NIfTI file")
    assert rows[3]["error"].startswith("mask: the mask is empty")
    assert float(rows[4]["stat_mean"]) == pytest.approx(float(rows[1]["stat_mean"]))


def test_batch_on_a_dask_cluster(study: dict[str, Path], tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        code, out, _ = _json(
            ["radiomics", "--manifest", str(_manifest(study, tmp_path)), "--out", str(tmp_path / "f.csv"),
             "--scheduler", cluster.scheduler_address],
        )  # fmt: skip
    assert code == 3 and isinstance(out, dict) and out["lesions"] == 3


def test_batch_manifest_with_unknown_column_is_rejected(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("case_id,image,mask,lable\n", encoding="utf-8")
    code, _, err = _json(["radiomics", "--manifest", str(manifest), "--out", str(tmp_path / "o.csv")])
    assert code == 2 and "manifest: unknown column 'lable'" in err
