"""The audit trail is append-only, keyed (HMAC-SHA256 with a key outside the database), numbered and anchored:
every tampering of issue 14 is found, on SQLite and on PostgreSQL.

The attacker has the database (SQL, DDL: they can drop or disable the triggers) but not the key file nor the
anchor file; each test does one of the things the issue did and asserts the verdict names it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from ioguide.records import audit
from ioguide.records.anchors import AnchorError, append_anchor, make_anchor
from ioguide.records.audit_keys import LEGACY_KEY_ID, AuditKeyError, load_keyring
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.services import cases, patients
from ioguide.services.audit import AuditReport, anchor_audit, rotate_audit_key, verify_audit
from ioguide.services.context import Actor

RAD = Actor("rita", "radiologist")
ADMIN = Actor("ada", "admin", reason="yearly rotation")
CASE = {
    "lesions": [
        {"id": "T1", "role": "target", "organ": "skin"},
        {"id": "T2", "role": "target", "organ": "liver"},
    ],
    "timepoints": [{"date": "2026-01-05", "diameters_mm": {"T1": 25, "T2": 14.5}}],
}


def _append(db: Database, n: int) -> None:
    for i in range(n):
        with write_transaction(db) as session:
            audit.append(
                session,
                username="ann",
                action="note",
                entity="note",
                entity_id=i + 1,
                patient_id=None,
                before=None,
                after={"n": i, "diameter_mm": 12.5},
                reason="test" if i % 2 else None,
            )


def _case(db: Database, patients_: int = 3) -> None:
    """Clinical writes through the services: each patient created and given a case (two audit rows each)."""
    for i in range(patients_):
        pid = int(patients.create_patient(db, RAD, patients.PatientIn(study_id=f"S-{i}", program="P"))["id"])
        cases.put_case(db, RAD, pid, CASE, expected_version=1)


def _anchor(db: Database, tmp_path: Path) -> Path:
    path = tmp_path / "anchors.jsonl"
    anchor_audit(db, path)
    return path


def _verify(db: Database, anchors: Path) -> AuditReport:
    return verify_audit(db, anchors)


def _sql(db: Database, *statements: str) -> None:
    """Run SQL behind the triggers' back, as an attacker with DDL rights on the database can."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            for name in ("no_update", "no_delete", "extends_head"):
                conn.execute(sa.text(f"DROP TRIGGER IF EXISTS audit_log_{name}"))
        for statement in statements:
            conn.execute(sa.text(statement))
        if db.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


def _row(db: Database, seq: int) -> dict[str, object]:
    with db.engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).mappings().one())


def test_rows_are_numbered_keyed_and_chained_from_genesis(db: Database, tmp_path: Path):
    _append(db, 4)
    result = _verify(db, _anchor(db, tmp_path))
    assert result.ok and result.chain.rows == 4 and result.chain.head_seq == 4
    with read_session(db) as session:
        rows = session.execute(sa.text("SELECT seq, prev_hash, hash, key_id FROM audit_log ORDER BY seq")).all()
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert rows[0][1] == audit.GENESIS
    assert [r[1] for r in rows[1:]] == [r[2] for r in rows[:-1]]
    assert {r[3] for r in rows} == {db.audit_keyring().current_id}
    # The stored hash is not a plain SHA-256 of the row: without the key it cannot be recomputed.
    first = _row(db, 1)
    assert first["hash"] != audit.legacy_hash(type("E", (), first)())  # type: ignore[arg-type]


def test_the_key_file_is_created_0600_outside_the_database(db: Database):
    _append(db, 1)
    assert db.audit_key_file.exists()
    assert db.audit_key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET reason = 'changed'", "DELETE FROM audit_log"])
def test_database_refuses_update_and_delete(db: Database, tmp_path: Path, sql: str):
    _append(db, 2)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text(sql))
    assert _verify(db, _anchor(db, tmp_path)).chain.rows == 2


def _copy_of_head(db: Database, **changes: object) -> dict[str, object]:
    row = {k: v for k, v in _row(db, 2).items() if k != "id"}
    return {**row, **changes}


def _insert(db: Database, row: dict[str, object], verb: str = "INSERT") -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{k}" for k in row)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"{verb} INTO audit_log ({columns}) VALUES ({values})"), row)


def test_an_insert_that_does_not_extend_the_head_is_refused(db: Database):
    _append(db, 2)
    head = _row(db, 2)
    # Wrong sequence number; right number but a link to an older row; a legacy (unkeyed) row.
    for row in (
        _copy_of_head(db, seq=5, prev_hash=head["hash"], hash="a" * 64),
        _copy_of_head(db, seq=3, prev_hash=_row(db, 1)["hash"], hash="a" * 64),
        _copy_of_head(db, seq=3, prev_hash=head["hash"], hash="a" * 64, key_id=LEGACY_KEY_ID),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="must extend the head"):
            _insert(db, row)


def test_replace_and_upsert_cannot_touch_the_trail(db: Database, tmp_path: Path):
    """SQLite's INSERT OR REPLACE deletes the colliding row without running DELETE triggers; PostgreSQL's
    ON CONFLICT DO UPDATE is an UPDATE. Both are refused."""
    _append(db, 3)
    anchors = _anchor(db, tmp_path)
    forged = {**_copy_of_head(db, seq=4, prev_hash=_row(db, 3)["hash"], hash="b" * 64), "id": 2}
    if db.dialect == "sqlite":
        with pytest.raises(sa.exc.DatabaseError, match="must extend the head"):
            _insert(db, forged, verb="INSERT OR REPLACE")
        with pytest.raises(sa.exc.DatabaseError, match="must extend the head"):
            _insert(db, {**forged, "id": 4, "hash": _row(db, 1)["hash"]}, verb="REPLACE")
    else:
        columns = ", ".join(forged)
        values = ", ".join(f":{k}" for k in forged)
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"INSERT INTO audit_log ({columns}) VALUES ({values}) "
                    "ON CONFLICT (id) DO UPDATE SET username = 'mallory'"
                ),
                forged,
            )
    assert _verify(db, anchors).ok


def test_a_doubled_diameter_is_named_by_the_replay(db: Database, tmp_path: Path):
    """Issue 14: one SQL UPDATE doubled a stored target diameter; nothing in the trail explains the new value."""
    _case(db)
    anchors = _anchor(db, tmp_path)
    _sql(db, "UPDATE measurements SET diameter_mm = diameter_mm * 2 WHERE id = (SELECT min(id) FROM measurements)")
    result = _verify(db, anchors)
    assert result.chain.ok and not result.ok
    assert result.unexplained == (
        "patient 1 case: timepoints[2026-01-05].diameters_mm.T1: stored 50, the audit trail says 25",
    )


def test_rows_added_or_removed_behind_the_application_are_named(db: Database, tmp_path: Path):
    _case(db)
    anchors = _anchor(db, tmp_path)
    _sql(
        db,
        "DELETE FROM measurements WHERE id = (SELECT max(id) FROM measurements)",
        "INSERT INTO patients (program_id, study_id, version) VALUES (1, 'GHOST', 1)",
    )
    result = _verify(db, anchors)
    assert "patient 3 case: timepoints[2026-01-05].diameters_mm.T2: missing, the audit trail says 14.5" in (
        result.unexplained
    )
    assert "patient 4 (GHOST): no audit row records its creation" in result.unexplained


def test_tail_truncation_after_dropping_the_triggers_is_found_by_the_anchor(db: Database, tmp_path: Path):
    """Issue 14: the last 5 rows were removed after dropping the triggers; the rest still chains."""
    _append(db, 8)
    anchors = _anchor(db, tmp_path)
    _sql(db, "DELETE FROM audit_log WHERE seq > 3")
    result = _verify(db, anchors).chain
    assert not result.ok and result.head_seq == 3
    assert "ends at sequence number 3" in (result.problem or "") and "recorded 8" in (result.problem or "")


def test_deleting_the_whole_trail_is_found(db: Database, tmp_path: Path):
    _append(db, 3)
    anchors = _anchor(db, tmp_path)
    _sql(db, "DELETE FROM audit_log")
    result = _verify(db, anchors).chain
    assert not result.ok and "every row" in (result.problem or "")


def test_a_row_rewritten_with_a_recomputed_sha256_does_not_verify(db: Database, tmp_path: Path):
    """Issue 14: a row rewritten with a recomputed SHA-256 verified. Now the stored value is a MAC; a plain hash
    (whether the row keeps its key id or claims to be a legacy row) is found."""
    _append(db, 5)
    anchors = _anchor(db, tmp_path)
    row = _row(db, 3)
    row.update(after=json.dumps({"n": 2, "diameter_mm": 25.0}))
    fake = hashlib.sha256(
        audit.canonical_json({k: row[k] for k in row if k not in ("id", "hash")}).encode()
    ).hexdigest()
    _sql(db, f"UPDATE audit_log SET after = '{row['after']}', hash = '{fake}' WHERE seq = 3")
    result = _verify(db, anchors).chain
    assert result.broken_id == row["id"] and "changed after it was written" in (result.problem or "")
    _sql(db, f"UPDATE audit_log SET key_id = '{LEGACY_KEY_ID}' WHERE seq = 3")
    assert "legacy SHA-256 hash after keyed rows" in (_verify(db, anchors).chain.problem or "")


def test_a_rechained_rewrite_with_a_stolen_key_is_found_by_the_anchor(db: Database, tmp_path: Path):
    """Even someone who has the key and re-chains every row after the changed one contradicts the anchor."""
    _append(db, 4)
    anchors = _anchor(db, tmp_path)
    keyring = db.audit_keyring()
    with db.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text("SELECT * FROM audit_log ORDER BY seq")).mappings()]
    rows[1]["username"] = "mallory"
    prev = rows[0]["hash"]
    statements = []
    for row in rows[1:]:
        row["prev_hash"] = prev
        entry = type("Entry", (), row)()
        row["hash"] = audit.row_mac(entry, keyring)  # type: ignore[arg-type]
        prev = row["hash"]
        statements.append(
            f"UPDATE audit_log SET username = '{row['username']}', prev_hash = '{row['prev_hash']}', "
            f"hash = '{row['hash']}' WHERE seq = {row['seq']}"
        )
    # Update from the head down, so that no two rows share a unique prev_hash/hash at any moment.
    _sql(db, *reversed(statements))
    result = _verify(db, anchors).chain
    assert not result.ok and "the anchor taken at" in (result.problem or "") and "rewritten" in (result.problem or "")


def test_a_wrong_key_and_a_missing_or_forged_anchor_are_errors_not_verdicts(db: Database, tmp_path: Path):
    _append(db, 2)
    anchors = _anchor(db, tmp_path)
    with pytest.raises(AnchorError, match="no anchor file"):
        _verify(db, tmp_path / "missing.jsonl")
    forged = tmp_path / "forged.jsonl"
    forged.write_text(anchors.read_text().replace('"seq": 2', '"seq": 1'))
    with pytest.raises(AnchorError, match="MAC does not verify"):
        _verify(db, forged)
    other_key = tmp_path / "other" / "audit.key"
    load_keyring(other_key, create=True)
    wrong = type(db)(db.url, db.engine, db.reader, db.writer, audit_key_file=other_key)
    with pytest.raises((AuditKeyError, AnchorError), match="holds no key with id"):
        _verify(wrong, anchors)
    alone = tmp_path / "alone.jsonl"
    append_anchor(alone, make_anchor(load_keyring(other_key, create=False), 2, _row(db, 2)["hash"]))  # type: ignore[arg-type]
    with pytest.raises(AuditKeyError, match="does not hold"):
        _verify(wrong, alone)


def test_anchor_refuses_to_bless_a_truncated_trail(db: Database, tmp_path: Path):
    _append(db, 4)
    anchors = _anchor(db, tmp_path)
    _sql(db, "DELETE FROM audit_log WHERE seq = 4")
    with pytest.raises(AnchorError, match="contradicts the anchor"):
        anchor_audit(db, anchors)
    assert len(anchors.read_text().splitlines()) == 1


def test_rotation_keeps_old_rows_verifiable_and_retires_the_old_key(db: Database, tmp_path: Path):
    _append(db, 2)
    old = db.audit_keyring().current_id
    rotated = rotate_audit_key(db, ADMIN)
    assert rotated["previous_key_id"] == old and rotated["key_id"] != old
    _append(db, 2)
    anchors = _anchor(db, tmp_path)
    result = _verify(db, anchors)
    assert result.ok and result.chain.rows == 5
    assert _row(db, 3)["action"] == audit.KEY_ROTATION and _row(db, 4)["key_id"] == rotated["key_id"]
    # A row written after the rotation with the retired key (a leaked old key) is refused by verify.
    row = _row(db, 5)
    row["key_id"] = old
    forged = audit.row_mac(type("Entry", (), row)(), db.audit_keyring())  # type: ignore[arg-type]
    _sql(db, f"UPDATE audit_log SET key_id = '{old}', hash = '{forged}' WHERE seq = 5")
    assert "retired at an earlier rotation" in (_verify(db, anchors).chain.problem or "")
