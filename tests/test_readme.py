"""Every runnable command in README.md works: the lines that start with ``ioguide`` (or pipe JSON into it) and
name no placeholder (CASE.json, CT_SERIES_DIR, $SECRET, [--optional], --db URL, --patient) are run as written, from
the repository, and must exit 0. A README whose commands rot fails here."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioguide.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"[A-Z]{3,}_|CASE\.json|\$|\[|--db|--patient|NAME|DIR\b|mask\.nii|ct\.nii|cases\.csv|seg\.dcm")


def readme_commands() -> list[tuple[str, str | None]]:
    commands: list[tuple[str, str | None]] = []
    in_code = False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            continue
        code = line.split("  #", 1)[0].strip()
        piped = re.match(r"^echo '(.*)' \| (ioguide .*)$", code)
        stdin = None
        if piped:
            stdin, code = piped.group(1), piped.group(2)
        if code.startswith("ioguide ") and not PLACEHOLDER.search(code) and not code.startswith("ioguide serve"):
            commands.append((code, stdin))
    return commands


COMMANDS = readme_commands()


def test_the_readme_has_runnable_commands() -> None:
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize(("command", "stdin"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_readme_command_runs(command: str, stdin: str | None, tmp_path: Path) -> None:
    words = shlex.split(command.split(" > ", 1)[0])[1:]
    words = [str(ROOT / w) if w.startswith("examples/") else w for w in words]
    cwd = os.getcwd()
    os.chdir(tmp_path)  # files a command writes (--out, --plot) land in a temporary folder
    try:
        result = CliRunner().invoke(app, words, input=stdin)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip() or any(tmp_path.iterdir()), f"{command} printed and wrote nothing"
