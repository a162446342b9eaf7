"""The CDISC controlled terminology shipped as data (``data/cdisc/sdtm-ct.json``): its checksum, its source (NCI
EVS SDTM Terminology, release 2025-03-28, the archive's SHA-256) and a fresh extraction equal to it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ioguide.interop.ct import terminology

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "ioguide" / "data" / "cdisc" / "sdtm-ct.json"
SOURCE = ROOT.parent / "shared" / "data" / "cdisc-ct" / "sdtm-terminology.tar.xz"


def test_the_shipped_file_has_its_recorded_checksum() -> None:
    recorded = (DATA.parent / "sdtm-ct.json.sha256").read_text().split()[0]
    assert hashlib.sha256(DATA.read_bytes()).hexdigest() == recorded


def test_source_release_and_archive_checksum_are_recorded() -> None:
    ct = terminology()
    assert ct.release == "2025-03-28"
    assert ct.archive_sha256 == "e741707c9c90939981a251be05438cf5bb32d74fdb4b2d025e0160d8269109ac"
    assert ct.publisher == "CDISC Controlled Terminology, NCI EVS"


def test_a_fresh_extraction_from_the_nci_file_equals_the_shipped_data(tmp_path: Path) -> None:
    """scripts/extract_cdisc_ct.py run on the NCI EVS archive gives the shipped file byte for byte."""
    import runpy

    script = runpy.run_path(str(ROOT / "scripts" / "extract_cdisc_ct.py"))
    out = tmp_path / "ct.json"
    assert script["main"](["x", str(SOURCE), str(out)]) == 0
    assert out.read_bytes() == DATA.read_bytes()


def test_the_codelists_hold_the_terms_the_issue_names() -> None:
    """NCI EVS codes as printed in the file: LOC C74456, ROUTE C66729 (INTRATUMOR C38269, not "INTRATUMORAL"),
    TRTESTCD LPERP (the only short-axis code), ONCRTSCD NEWLPROG, ONCRSR iUPD, EVAL INDEPENDENT ASSESSOR."""
    ct = terminology()
    assert ct["LOC"].code == "C74456" and len(ct["LOC"].terms) == 1397
    assert ct["ROUTE"].terms["INTRATUMOR"].code == "C38269" and "INTRATUMORAL" not in ct["ROUTE"]
    assert {"LDIAM", "LPERP", "LESTHICK", "VDIAM", "SUMDIAM", "SUMVDIAM", "TUMSTATE"} <= set(ct["TRTESTCD"].terms)
    assert "SAXIS" not in ct["TRTESTCD"] and "BESTRSP" not in ct["ONCRTSCD"]
    assert {"NEWLPROG", "OVRLRESP", "BESTRESP"} <= set(ct["ONCRTSCD"].terms)
    assert {"iUPD", "iCPD", "NON-iCR/NON-iUPD", "UNEQUIVOCAL"} <= set(ct["ONCRSR"].terms)
    assert "INDEPENDENT ASSESSOR" in ct["EVAL"] and "RADIOLOGIST 1" in ct["MEDEVAL"]
    raw = json.loads(DATA.read_text())
    assert raw["source"]["rows"] == 44856
