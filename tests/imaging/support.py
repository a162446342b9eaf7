"""Test helpers: synthetic shapes, NIfTI and DICOM CT series writers, the IBSI reference data in ../shared."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import SimpleITK as sitk
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

ROOT = Path(__file__).resolve().parents[2]
#: IBSI phantoms and reference values (CC BY 4.0 / CC BY-NC 3.0): read from the shared folder, never copied.
IBSI = ROOT.parent / "shared" / "ibsi"
DIGITAL_IMAGE = IBSI / "ibsi_1_digital_phantom/nifti/image/phantom.nii.gz"
DIGITAL_MASK = IBSI / "ibsi_1_digital_phantom/nifti/mask/mask.nii.gz"
CT_DIR = IBSI / "ibsi_1_ct_radiomics_phantom"
REFERENCE_CSV = IBSI / "reference_values/ibsi_1_reference_values.csv"


def reference_values(data_set: str) -> dict[str, tuple[float, float]]:
    """IBSI reference ``tag -> (value, tolerance)`` for one data set (``digital_phantom``, ``config_C``, ...)."""
    with REFERENCE_CSV.open(encoding="utf-8") as fh:
        return {
            r["tag"]: (float(r["value"]), float(r["tolerance"]))
            for r in csv.DictReader(fh)
            if r["data_set"] == data_set
        }


def ellipse_slice(
    shape_ji: tuple[int, int], spacing_ij: tuple[float, float], a_mm: float, b_mm: float, angle_deg: float
) -> np.ndarray:
    """Boolean slice ``[j, i]`` of an ellipse (semi-axes a, b in mm) centred in the slice, rotated by ``angle``."""
    nj, ni = shape_ji
    j, i = np.mgrid[0:nj, 0:ni]
    x = (i - (ni - 1) / 2) * spacing_ij[0]
    y = (j - (nj - 1) / 2) * spacing_ij[1]
    t = np.deg2rad(angle_deg)
    u = x * np.cos(t) + y * np.sin(t)
    v = -x * np.sin(t) + y * np.cos(t)
    return (u / a_mm) ** 2 + (v / b_mm) ** 2 <= 1.0


def sphere(shape_kji: tuple[int, int, int], spacing: tuple[float, float, float], radius_mm: float) -> np.ndarray:
    nk, nj, ni = shape_kji
    k, j, i = np.mgrid[0:nk, 0:nj, 0:ni]
    r2 = (
        ((i - (ni - 1) / 2) * spacing[0]) ** 2
        + ((j - (nj - 1) / 2) * spacing[1]) ** 2
        + ((k - (nk - 1) / 2) * spacing[2]) ** 2
    )
    return r2 <= radius_mm**2


def write_nifti(
    path: Path, array_kji: np.ndarray, spacing: tuple[float, float, float], origin: Any = (0, 0, 0)
) -> Path:
    img = sitk.GetImageFromArray(array_kji)
    img.SetSpacing(tuple(float(s) for s in spacing))
    img.SetOrigin(tuple(float(o) for o in origin))
    sitk.WriteImage(img, str(path))
    return path


def write_ct_series(
    folder: Path, hu_kji: np.ndarray, spacing: tuple[float, float, float], origin: tuple[float, float, float]
) -> Path:
    """A complete CT Image Storage series (identity orientation) that dciodvfy accepts as a SEG/SR source."""
    folder.mkdir(parents=True, exist_ok=True)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    today = dt.date(2026, 3, 2).strftime("%Y%m%d")
    for k, plane in enumerate(hu_kji):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(str(folder / f"ct{k:03d}.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.PatientName = "Test^Patient"
        ds.PatientID = "P001"
        ds.PatientBirthDate = "19600101"
        ds.PatientSex = "F"
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = today
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = "120000"
        ds.StudyID, ds.AccessionNumber, ds.ReferringPhysicianName = "1", "A1", ""
        ds.Modality, ds.Manufacturer, ds.SeriesNumber, ds.InstanceNumber = "CT", "ioguide-tests", 1, k + 1
        ds.PositionReferenceIndicator, ds.PatientPosition, ds.Laterality = "", "HFS", ""
        ds.AcquisitionNumber = 1
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.KVP = 120
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [origin[0], origin[1], origin[2] + k * spacing[2]]
        ds.SliceThickness = spacing[2]
        ds.PixelSpacing = [spacing[1], spacing[0]]
        ds.Rows, ds.Columns = plane.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "HU"
        ds.PixelData = plane.astype(np.int16).tobytes()
        pydicom.dcmwrite(str(folder / f"ct{k:03d}.dcm"), ds, enforce_file_format=True)
    return folder


def lesion_ct(shape_kji: tuple[int, int, int] = (12, 64, 64), seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A small noisy CT (HU) with two lesions: label 1 an ellipsoid, label 2 a small box."""
    rng = np.random.default_rng(seed)
    nk, nj, ni = shape_kji
    k, j, i = np.mgrid[0:nk, 0:nj, 0:ni]
    labels = np.zeros(shape_kji, dtype=np.int16)
    labels[((i - 24) / 10.0) ** 2 + ((j - 30) / 7.0) ** 2 + ((k - 6) / 4.0) ** 2 <= 1] = 1
    labels[3:6, 45:50, 44:52] = 2
    hu = np.full(shape_kji, 40.0) + rng.normal(0, 12, shape_kji)
    hu[labels == 1] += 60
    hu[labels == 2] -= 30
    return np.round(hu).astype(np.int16), labels


def dciodvfy_errors(dciodvfy: str, path: Path) -> list[str]:
    """The ``Error`` lines of dicom3tools' ``dciodvfy`` on one file (warnings are not errors)."""
    done = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True, check=False)
    return [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("Error")]
