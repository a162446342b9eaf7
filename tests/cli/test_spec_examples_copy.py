"""The copy of the spec's worked examples in ``tests/data/spec_examples`` is the spec's, byte for byte: each file's
SHA-256 is the one its README lists, and, when the shared spec folder is beside the checkout, equal to it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from spec_examples import SPEC_EXAMPLES

ROW = re.compile(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", re.MULTILINE)
SHARED = Path(__file__).resolve().parents[3] / "shared" / "spec" / "examples"


def _listed() -> dict[str, str]:
    return dict(ROW.findall((SPEC_EXAMPLES / "README.md").read_text(encoding="utf-8")))


def test_every_example_file_is_listed_with_its_checksum() -> None:
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SPEC_EXAMPLES.glob("*.json")}
    assert len(files) >= 10
    assert files == _listed()

    if SHARED.is_dir():  # beside the shared spec folder: the copy has not drifted from it
        assert files == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SHARED.glob("*.json")}
