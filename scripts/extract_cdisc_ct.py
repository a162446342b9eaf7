#!/usr/bin/env python3
"""Extract the CDISC SDTM codelists the exports use from NCI EVS's SDTM Controlled Terminology file.

    python scripts/extract_cdisc_ct.py [ARCHIVE] [OUT]

ARCHIVE is ``sdtm-terminology.tar.xz`` holding ``SDTM Terminology.txt`` (NCI EVS, tab-delimited; default: the shared
copy beside the checkout, ``../shared/data/cdisc-ct/``); OUT defaults to ``src/ioguide/data/cdisc/sdtm-ct.json``.
The archive's SHA-256 must be the one recorded below (the release the exports cite in Define-XML); the output
records it with the release date, and ``sdtm-ct.json.sha256`` records the output's own checksum (both checked by
``tests/interop/test_ct.py``). Source: CDISC Controlled Terminology, NCI EVS (free of licence restrictions,
attribution asked).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cdisc-ct" / "sdtm-terminology.tar.xz"
OUT = ROOT / "src" / "ioguide" / "data" / "cdisc" / "sdtm-ct.json"
MEMBER = "SDTM Terminology.txt"
SHA256 = "e741707c9c90939981a251be05438cf5bb32d74fdb4b2d025e0160d8269109ac"
RELEASE = "2025-03-28"
#: Codelists (submission values) used by the SDTM export (TU, TR, RS, DM, EX) and its Define-XML.
CODELISTS = (
    "LOC", "LAT", "DIR", "PORTOT", "TUTESTCD", "TUTEST", "TUIDRS", "TRTESTCD", "TRTEST", "TRPROPRS", "ONCRTSCD",
    "ONCRTS", "ONCRSR", "ONCRSCAT", "EVAL", "MEDEVAL", "METHOD", "ROUTE", "NY", "ND", "SEX", "UNIT", "AGEU",
    "EPOCH",
)  # fmt: skip


def extract(archive: Path) -> dict[str, object]:
    """The codelists of :data:`CODELISTS` with their terms, and the source's identity."""
    data = archive.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{archive}: SHA-256 {digest} is not the expected release's {SHA256}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as tar:
        handle = tar.extractfile(MEMBER)
        if handle is None:
            raise SystemExit(f"{archive}: no {MEMBER!r}")
        rows = list(csv.reader(io.TextIOWrapper(handle, encoding="utf-8"), delimiter="\t"))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    lists = {r[col["CDISC Submission Value"]]: r for r in body if not r[col["Codelist Code"]]}
    out: dict[str, object] = {}
    for name in CODELISTS:
        head = lists[name]
        code = head[col["Code"]]
        terms = sorted(
            [
                r[col["CDISC Submission Value"]],
                r[col["Code"]],
                [s.strip() for s in r[col["CDISC Synonym(s)"]].split(";") if s.strip()],
            ]
            for r in body
            if r[col["Codelist Code"]] == code
        )
        out[name] = {
            "code": code,
            "name": head[col["Codelist Name"]],
            "extensible": head[col["Codelist Extensible (Yes/No)"]] == "Yes",
            "terms": terms,
        }
    return {
        "source": {
            "publisher": "CDISC Controlled Terminology, NCI EVS",
            "standard": "SDTM Controlled Terminology",
            "release": RELEASE,
            "file": MEMBER,
            "archive_sha256": SHA256,
            "rows": len(body),
        },
        "codelists": out,
    }


def main(argv: list[str]) -> int:
    archive = Path(argv[1]) if len(argv) > 1 else ARCHIVE
    out = Path(argv[2]) if len(argv) > 2 else OUT
    text = json.dumps(extract(archive), indent=1, sort_keys=True, ensure_ascii=True) + "\n"
    out.write_text(text, encoding="ascii")
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n", encoding="ascii")
    print(f"{out}: {len(text)} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
