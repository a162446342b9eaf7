"""The records commands: ``ioguide db upgrade``, ``ioguide users add``, ``ioguide audit verify`` (spec/api.md)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from ioguide.cli.main import app

runner = CliRunner()


def _run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_upgrade_then_add_users_then_verify(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'records.db'}"
    refused = _run(
        "users", "add", "ann", "--role", "admin", "--password-stdin", "--db", url, stdin="long enough pass\n"
    )
    assert refused.exit_code == 1 and "ioguide db upgrade" in refused.output
    upgraded = _run("db", "upgrade", "--db", url)
    assert upgraded.exit_code == 0 and "revision 0007" in upgraded.output
    added = _run("users", "add", "ann", "--role", "admin", "--password-stdin", "--db", url, stdin="long enough pass\n")
    assert added.exit_code == 0, added.output
    again = _run("users", "add", "ann", "--role", "admin", "--password-stdin", "--db", url, stdin="long enough pass\n")
    assert again.exit_code == 2 and "username: a user 'ann' exists already" in again.output
    bad = _run("users", "add", "bob", "--role", "owner", "--password-stdin", "--db", url, stdin="short\n")
    assert bad.exit_code == 2
    assert "role: 'owner' is not one of viewer, coordinator, radiologist, admin" in bad.output
    assert "password: at least 12 characters" in bad.output
    anchors = str(tmp_path / "anchors.jsonl")
    unanchored = _run("audit", "verify", "--db", url, "--anchors", anchors, "--format", "json")
    assert unanchored.exit_code == 2 and "no anchor file" in unanchored.output
    anchored = _run("audit", "anchor", "--db", url, "--anchors", anchors)
    assert anchored.exit_code == 0 and "anchored sequence number 1" in anchored.output
    verified = _run("audit", "verify", "--db", url, "--anchors", anchors, "--format", "json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.output)
    assert report == {
        "ok": True,
        "rows_verified": 1,
        "legacy_rows": 0,
        "anchors_checked": 1,
        "broken_id": None,
        "problem": None,
        "head_seq": 1,
        "head": report["head"],
        "unexplained": [],
    }
    assert json.loads(_run("audit", "head", "--db", url).output) == {"seq": 1, "head": report["head"]}
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$") and "long enough" not in stored


def test_verify_exits_1_naming_the_broken_row(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'records.db'}"
    assert _run("db", "upgrade", "--db", url).exit_code == 0
    for name in ("ann", "bob", "cyd"):
        assert (
            _run(
                "users", "add", name, "--role", "viewer", "--password-stdin", "--db", url, stdin="reader pass phrase\n"
            ).exit_code
            == 0
        )
    anchors = str(tmp_path / "anchors.jsonl")
    assert _run("audit", "anchor", "--db", url, "--anchors", anchors).exit_code == 0
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        conn.execute(sa.text("UPDATE audit_log SET username = 'mallory' WHERE id = 2"))
    engine.dispose()
    result = _run("audit", "verify", "--db", url, "--anchors", anchors, "--format", "text")
    assert result.exit_code == 1
    assert "broken at row 2" in result.output


def test_verify_with_a_wrong_key_exits_2(tmp_path: Path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'records.db'}"
    assert _run("db", "upgrade", "--db", url).exit_code == 0
    added = _run(
        "users", "add", "ann", "--role", "viewer", "--password-stdin", "--db", url, stdin="reader pass phrase\n"
    )
    assert added.exit_code == 0
    anchors = str(tmp_path / "anchors.jsonl")
    assert _run("audit", "anchor", "--db", url, "--anchors", anchors).exit_code == 0
    monkeypatch.setenv("IOGUIDE_AUDIT_KEY_FILE", str(tmp_path / "elsewhere.key"))
    missing = _run("audit", "verify", "--db", url, "--anchors", anchors)
    assert missing.exit_code == 2 and "no audit key file" in missing.output
    (tmp_path / "elsewhere.key").write_text("not the key\n")
    (tmp_path / "elsewhere.key").chmod(0o600)
    wrong = _run("audit", "verify", "--db", url, "--anchors", anchors)
    assert wrong.exit_code == 2 and "holds no key with id" in wrong.output
