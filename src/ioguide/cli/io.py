"""Shared plumbing for computing commands: read one JSON document, write JSON or text, map errors to exit 2.

The contract (``spec/README.md``): input from a path or ``-``; ``--format json`` is the default when standard
output is not a terminal; input errors exit 2 with one ``path: message`` line per problem on standard error and,
with ``--format json``, ``{"errors": [...]}`` on standard output. Exit 1 is for failures that are not the input's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ioguide.errors import InputError
from ioguide.services.errors import ServiceError, outcome, problems_of


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


FORMAT_OPTION = typer.Option(
    None, "--format", help="json (default when output is not a terminal) or text (a table with the reasons)."
)


def resolve_format(fmt: OutputFormat | None) -> OutputFormat:
    if fmt is not None:
        return fmt
    return OutputFormat.text if sys.stdout.isatty() else OutputFormat.json


def read_json(source: str) -> Any:
    """Read one JSON document from a file path or ``-`` (standard input); a bad file is the input's fault."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.one("$", f"file not found: {source}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InputError.one("$", f"cannot read {source}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.one("$", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def dumps(result: Any) -> str:
    return json.dumps(result, indent=1, ensure_ascii=False)


def report_input_error(err: InputError | ServiceError, out_format: OutputFormat) -> typer.Exit:
    """Print each problem as ``path: message`` on standard error (and ``{"errors": [...]}`` as JSON output);
    return the exit to raise, by the one table (:data:`ioguide.services.errors.OUTCOMES`: 2 for bad input, an
    unknown id, a conflict or a refused role)."""
    found = problems_of(err)
    for problem in found:
        typer.echo(str(problem), err=True)
    if out_format is OutputFormat.json:
        typer.echo(dumps({"errors": [p.as_dict() for p in found]}))
    return typer.Exit(outcome(err).exit_code)


def run_produced(fmt: OutputFormat | None, produce: Callable[[], Any], render_text: Callable[[Any], str]) -> Any:
    """Call ``produce`` (a command whose input is its options, not a document), print and return the result."""
    out_format = resolve_format(fmt)
    try:
        result = produce()
    except (InputError, ServiceError) as err:
        raise report_input_error(err, out_format) from None
    typer.echo(dumps(result) if out_format is OutputFormat.json else render_text(result))
    return result


def run_computation(
    source: str,
    fmt: OutputFormat | None,
    compute: Callable[[Any], dict[str, Any]],
    render_text: Callable[[dict[str, Any]], str],
) -> None:
    """Read ``source``, call ``compute`` on the parsed JSON and print the result; exit 2 on bad input."""
    run_produced(fmt, lambda: compute(read_json(source)), render_text)
