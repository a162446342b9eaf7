"""The shipped DICOM PS3.15 Table E.1-1 (``ioguide/data/dicom/ps3.15-e.1-1.csv``): checksum, provenance, codes.

Source: DICOM PS3.15 2026c Table E.1-1 (Basic Profile column) via dicom-anonymizer 2.1.0, option columns via
dicom-standard 0.1.0 (``scripts/build_dicom_deid_table.py``).
"""

from __future__ import annotations

import hashlib
from importlib import resources

from ioguide.imaging.deid_table import BASIC_CODES, OPTION_COLUMNS, profile_table, row_for, table_source


def test_the_table_matches_its_recorded_checksum_and_provenance() -> None:
    data = resources.files("ioguide").joinpath("data", "dicom", "ps3.15-e.1-1.csv").read_bytes()
    source = table_source()
    assert hashlib.sha256(data).hexdigest() == source["csv_sha256"]
    assert source["basic_profile_column"]["dicom_edition"] == "2026c"
    assert source["basic_profile_column"]["package"] == "dicom-anonymizer"
    assert source["option_columns"]["package"] == "dicom-standard"
    assert len(profile_table()) == source["rows"] == 655
    assert sum(r.options_known for r in profile_table()) == source["rows_with_options_known"]


def test_every_row_has_a_valid_code_and_a_unique_tag() -> None:
    rows = profile_table()
    assert len({r.tag for r in rows}) == len(rows)
    assert {r.basic for r in rows} == BASIC_CODES - {"K"}  # every choice code of the legend occurs
    for row in rows:
        assert all(column in OPTION_COLUMNS and code in ("K", "C", "X") for column, code in row.options), row.tag
    # the one X of the option columns: Referenced Patient Sequence under Retain UIDs (removed all the same)
    assert [(r.tag, r.options) for r in rows if ("rtn_uids", "X") in r.options] == [
        ("(0008,1120)", (("rtn_uids", "X"),))
    ]


def test_rows_known_from_the_standard() -> None:
    """Spot checks against PS3.15 Table E.1-1: name, Basic Profile code and option codes."""
    expected = {
        0x00100010: ("Patient's Name", "Z"),
        0x00100020: ("Patient ID", "Z/D"),
        0x00080018: ("SOP Instance UID", "U"),
        0x00321060: ("Requested Procedure Description", "X/Z"),
        0x00081140: ("Referenced Image Sequence", "X/Z/U*"),
        0x00080080: ("Institution Name", "X/Z/D"),
        0x00080021: ("Series Date", "X/D"),
    }
    for tag, (name, code) in expected.items():
        row = row_for(tag)
        assert row is not None and (row.name, row.basic) == (name, code)
    study_date = row_for(0x00080020)
    assert study_date is not None and study_date.option("rtn_long_modified_dates") == "C"
    series_description = row_for(0x0008103E)
    assert series_description is not None and series_description.option("clean_descriptors") == "C"
    assert row_for(0x00280301) is None  # Burned In Annotation is not in the table (handled by quarantine)


def test_repeating_groups_match_every_group_of_theirs() -> None:
    overlay_comments = row_for(0x60024000)
    assert overlay_comments is not None and overlay_comments.tag == "(60xx,4000)"
    curve = row_for(0x501E0030)
    assert curve is not None and curve.tag == "(50xx,xxxx)"
    assert row_for(0x60020010) is None  # overlay rows: only data and comments are in the table
