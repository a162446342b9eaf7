"""Load rule data shipped in ``ioguide/data`` (and a program's own protocol folder), validated by its schema.

This is the one module of ``planning`` that reads files: read-only YAML, parsed once into frozen models; the
rule
functions take those models as arguments and stay pure. A file that breaks its schema raises
:class:`InputError`
whose field names the file and the key (``agents/x.yaml:visit.max_volume_ml``) and whose message names the
rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ioguide.errors import InputError, Problem
from ioguide.planning.protocol import AgentProtocol
from ioguide.validation import problems_from

M = TypeVar("M", bound=BaseModel)


def _data_dir(area: str) -> Path:
    return Path(str(resources.files("ioguide") / "data" / area))


def parse_file(model: type[M], label: str, text: str) -> M:
    """Parse one YAML document into ``model``; every problem's field is ``label:json.path``."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError.one(label, f"not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise InputError.one(label, "expected a mapping of keys at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [Problem(f"{label}:{p.field}", f"{p.message} (schema {model.__name__})") for p in problems_from(exc)]
        ) from None


N = TypeVar("N", bound=BaseModel)


def _load_folder(model: type[N], folders: Iterable[Path]) -> dict[str, N]:
    found: dict[str, N] = {}
    problems: list[Problem] = []
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            label = f"{folder.name}/{path.name}"
            try:
                item = parse_file(model, label, path.read_text(encoding="utf-8"))
            except InputError as err:
                problems.extend(err.problems)
                continue
            item_id = str(getattr(item, "id", ""))
            if item_id != path.stem:
                problems.append(Problem(f"{label}:id", f"{item_id!r} must equal the file name {path.stem!r}"))
            elif item_id in found:
                problems.append(Problem(f"{label}:id", f"{item_id!r} is defined twice (ids are unique)"))
            else:
                found[item_id] = item
    if problems:
        raise InputError(problems)
    return found


@lru_cache(maxsize=16)
def _cached(model: type[BaseModel], area: str, extra: tuple[str, ...]) -> dict[str, BaseModel]:
    return dict(_load_folder(model, [_data_dir(area), *(Path(p) for p in extra)]))


def load_collection(model: type[N], area: str, extra_dirs: Iterable[str | Path] = ()) -> dict[str, N]:
    """Every ``data/<area>/*.yaml`` file plus those in ``extra_dirs``, each validated by ``model``, by id."""
    extra = tuple(str(Path(p)) for p in extra_dirs)
    for folder in extra:
        if not Path(folder).is_dir():
            raise InputError.one(f"--{area}-dir", f"not a folder: {folder}")
    return {k: v for k, v in _cached(model, area, extra).items() if isinstance(v, model)}


def load_agents(extra_dirs: Iterable[str | Path] = ()) -> dict[str, AgentProtocol]:
    """Every agent protocol: the shipped ones plus those in ``extra_dirs`` (a program's own files)."""
    return load_collection(AgentProtocol, "agents", extra_dirs)


def pick(kind: str, name: str, known: dict[str, N], field: str) -> N:
    """The item called ``name``; an unknown name is an input error that lists the known ones."""
    if name not in known:
        raise InputError.one(field, f"unknown {kind} {name!r} (known {kind}s: {', '.join(sorted(known))})")
    return known[name]


def get_agent(agent_id: str, agents: dict[str, AgentProtocol], field: str = "agent") -> AgentProtocol:
    """The protocol named ``agent_id``; an unknown name is an input error that lists the known ones."""
    return pick("agent", agent_id, agents, field)


def load_rules(model: type[M], area: str, name: str) -> M:
    """One shipped rule file ``data/<area>/<name>.yaml`` validated by ``model``."""
    path = _data_dir(area) / f"{name}.yaml"
    return parse_file(model, f"{area}/{name}.yaml", path.read_text(encoding="utf-8"))
