"""``ioguide users list|disable|enable|set-role|reset-password``: each change audited under ``cli:<login>``, each
revoking the user's tokens, bad input and refused changes exit 2 naming the rule (docs/operations.md, Accounts)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ioguide.cli.main import app
from ioguide.records.db import open_database
from ioguide.services import audit
from ioguide.services.context import cli_actor
from ioguide.services.users import authenticate, find_actor

runner = CliRunner()
PASSWORD = "first pass phrase"


def _run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def _setup(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    assert _run("db", "upgrade", "--db", url).exit_code == 0
    for name, role in (("root", "admin"), ("ann", "radiologist")):
        added = _run("users", "add", name, "--role", role, "--password-stdin", "--db", url, stdin=PASSWORD + "\n")
        assert added.exit_code == 0, added.output
    return url


def _token_version(url: str, name: str) -> int:
    import sqlalchemy as sa

    db = open_database(url)
    with db.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT token_version FROM users WHERE username = :n"), {"n": name}).scalar()
    db.dispose()
    return int(version)


def test_list_disable_enable_set_role_and_reset_password(tmp_path: Path):
    url = _setup(tmp_path)
    listed = _run("users", "list", "--db", url)
    assert listed.exit_code == 0
    assert [line.split()[:3] for line in listed.output.splitlines()[1:]] == [
        ["ann", "radiologist", "active"],
        ["root", "admin", "active"],
    ]
    versions = [_token_version(url, "ann")]
    assert _run("users", "disable", "ann", "--reason", "on leave", "--db", url).exit_code == 0
    versions.append(_token_version(url, "ann"))
    assert "disabled" in _run("users", "list", "--db", url).output
    db = open_database(url)
    assert find_actor(db, "ann") is None
    db.dispose()
    assert _run("users", "enable", "ann", "--db", url).exit_code == 0
    versions.append(_token_version(url, "ann"))
    assert _run("users", "set-role", "ann", "viewer", "--db", url).exit_code == 0
    versions.append(_token_version(url, "ann"))
    reset = _run("users", "reset-password", "ann", "--password-stdin", "--db", url, stdin="second pass phrase\n")
    assert reset.exit_code == 0, reset.output
    versions.append(_token_version(url, "ann"))
    assert versions == [1, 2, 3, 4, 5]  # every change revoked the tokens
    db = open_database(url)
    assert authenticate(db, "ann", PASSWORD) is None
    account = authenticate(db, "ann", "second pass phrase")
    assert account is not None and account.role == "viewer"
    rows = audit.list_audit(db, cli_actor(), None, 100, 0)["items"]
    db.dispose()
    changes = [(row["action"], row["user"].startswith("cli:"), row["reason"]) for row in rows[2:]]
    assert changes == [
        ("user.disable", True, "on leave"),
        ("user.enable", True, None),
        ("user.role", True, None),
        ("user.password", True, None),
    ]
    assert "second pass phrase" not in json.dumps(rows) and "argon2" not in json.dumps(rows)


def test_refused_changes_exit_2_and_name_the_rule(tmp_path: Path):
    url = _setup(tmp_path)
    bad_role = _run("users", "set-role", "ann", "owner", "--db", url)
    assert bad_role.exit_code == 2 and "role: 'owner' is not one of" in bad_role.output
    unknown = _run("users", "disable", "nobody", "--db", url)
    assert unknown.exit_code == 2 and "no user with name 'nobody'" in unknown.output
    last_admin = _run("users", "disable", "root", "--db", url)
    assert last_admin.exit_code == 2 and "last active admin" in last_admin.output
    weak = _run("users", "reset-password", "ann", "--password-stdin", "--db", url, stdin="password1234\n")
    assert weak.exit_code == 2 and "most common passwords" in weak.output
    assert _token_version(url, "ann") == 1 and _token_version(url, "root") == 1  # nothing changed
