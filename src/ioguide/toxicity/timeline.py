"""A patient's toxicity course: dated observations -> per-day CRS, ICANS and CTCAE grades, onset day, maximum
grade, duration, resolution and fired alerts. Pure: the same observations (after corrections) give the same course.

Rules: each day is graded with the single-assessment graders (:mod:`crs`, :mod:`icans`, :mod:`ctcae`) on the
day's worst values. The masked-fever rule of Lee et al. 2019 (ASTCT CRS table, fever footnote: once a patient with
CRS has had antipyretic or anti-cytokine therapy, fever is no longer required) is applied from the day after such
therapy was given during an open CRS episode, for as long as the episode stays open, and only to a day that has
hypotension or hypoxia (ioguide design decision: an afebrile day without either ends the episode, grade 0).
A correction (an observation with ``corrects``) replaces the observation it names before anything is graded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from ioguide.errors import InputError, json_path
from ioguide.toxicity.alerts import FiredAlert, fired_alerts, load_alert_rules
from ioguide.toxicity.checks import Checks
from ioguide.toxicity.crs import HYPOTENSION_GRADE, OXYGEN_GRADE, CrsGrade, CrsInput, grade_crs, parse_crs
from ioguide.toxicity.ctcae import CtcaeGrade, CtcaeInput, grade_ctcae, parse_ctcae
from ioguide.toxicity.icans import IcansGrade, IcansInput, grade_icans, parse_icans
from ioguide.validation import STRICT_INPUT, parse_model

Kind = Literal["vitals", "neuro", "treatment", "lab"]
MASKING_AGENTS = ("tocilizumab", "corticosteroid", "antipyretic", "anakinra", "other_anticytokine")


class CourseHeader(BaseModel):
    """The course's fixed facts; ``observations`` are validated one by one (each by its kind's grader)."""

    model_config = STRICT_INPUT
    patient_id: str
    day0_date: date
    day0_event: Literal["car_t_infusion", "intratumoral_injection", "regional_car_t_infusion"]
    age_years: float
    developmental_delay: bool = False
    ctcae_version: Literal["5.0", "6.0"] = "5.0"
    observations: list[dict[str, Any]]


class Envelope(BaseModel):
    """What every observation carries besides its kind's own fields."""

    model_config = STRICT_INPUT
    id: str
    at: datetime
    kind: Kind
    corrects: str | None = None


class Treatment(BaseModel):
    model_config = STRICT_INPUT
    agent: Literal["tocilizumab", "corticosteroid", "antipyretic", "anakinra", "other_anticytokine"]


@dataclass(frozen=True, slots=True)
class Observation:
    id: str
    at: datetime
    day: int
    kind: str
    payload: CrsInput | IcansInput | CtcaeInput | Treatment


@dataclass(frozen=True, slots=True)
class Course:
    patient_id: str
    day0_date: date
    day0_event: str
    observations: tuple[Observation, ...]
    corrections: tuple[tuple[str, str], ...]


def parse_course(data: Any) -> Course:
    """Validate a course document: the header, then each observation with its kind's rules, then corrections
    (a correction must name an earlier observation of the same kind). Every problem is reported at once."""
    header = parse_model(CourseHeader, data)
    checks = Checks()
    checks.within("age_years", header.age_years, 0, 120, "age in years")
    parsed: list[Observation] = []
    corrections: list[tuple[str, str]] = []
    by_id: dict[str, int] = {}
    for i, raw in enumerate(header.observations):
        prefix: tuple[str | int, ...] = ("observations", i)
        try:
            obs = _parse_observation(raw, prefix, header)
        except InputError as exc:  # collect and continue, so every bad observation is reported at once
            checks.problems.extend(exc.problems)
            continue
        if obs.id in by_id:
            checks.fail((*prefix, "id"), f"{obs.id!r} is used twice (ids are unique; use corrects to amend)")
            continue
        target = (raw.get("corrects") if isinstance(raw, dict) else None) or None
        if target is not None:
            if target not in by_id:
                checks.fail((*prefix, "corrects"), f"{target!r} is not an earlier observation id")
                continue
            old = parsed[by_id[target]]
            if old.kind != obs.kind:
                checks.fail((*prefix, "corrects"), f"{target!r} is a {old.kind} observation, not {obs.kind}")
                continue
            parsed[by_id[target]] = obs
            by_id[obs.id] = by_id.pop(target)
            corrections.append((obs.id, target))
            continue
        by_id[obs.id] = len(parsed)
        parsed.append(obs)
    checks.done()
    ordered = tuple(sorted(parsed, key=lambda o: o.at))
    return Course(header.patient_id, header.day0_date, header.day0_event, ordered, tuple(corrections))


def _parse_observation(raw: Any, prefix: tuple[str | int, ...], header: CourseHeader) -> Observation:
    if not isinstance(raw, dict):
        parse_model(Envelope, raw, prefix)  # raises "expected a JSON object"
    envelope_keys = {"id", "at", "kind", "corrects"}
    envelope = parse_model(Envelope, {k: v for k, v in raw.items() if k in envelope_keys}, prefix)
    body = {k: v for k, v in raw.items() if k not in envelope_keys}
    payload: CrsInput | IcansInput | CtcaeInput | Treatment
    if envelope.kind == "vitals":
        payload = parse_crs(body, prefix)
    elif envelope.kind == "neuro":
        for field in ("age_years", "developmental_delay"):
            if field in body:
                raise InputError.one(json_path((*prefix, field)), "set once for the course, not per observation")
        body = {"age_years": header.age_years, "developmental_delay": header.developmental_delay, **body}
        payload = parse_icans(body, prefix)
    elif envelope.kind == "lab":
        payload = parse_ctcae({"version": header.ctcae_version, **body}, prefix)
    else:
        payload = parse_model(Treatment, body, prefix)
    day = (envelope.at.date() - header.day0_date).days
    return Observation(envelope.id, envelope.at, day, envelope.kind, payload)


@dataclass(frozen=True, slots=True)
class DayGrades:
    day: int
    date: date
    crs: CrsGrade | None
    icans: IcansGrade | None
    ctcae: tuple[CtcaeGrade, ...]
    signals: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "date": self.date.isoformat(),
            "crs": None if self.crs is None else self.crs.as_dict(),
            "icans": None if self.icans is None else self.icans.as_dict(),
            "ctcae": [g.as_dict() for g in self.ctcae],
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """One toxicity over the course: onset day (first day graded >= 1), maximum grade and its day, days graded
    >= 1, the first day graded 0 after the last positive day (resolution), and a status."""

    onset_day: int | None
    max_grade: int | None
    max_grade_day: int | None
    duration_days: int
    resolution_day: int | None
    status: str
    evaluated_days: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "onset_day": self.onset_day,
            "max_grade": self.max_grade,
            "max_grade_day": self.max_grade_day,
            "duration_days": self.duration_days,
            "resolution_day": self.resolution_day,
            "status": self.status,
            "evaluated_days": self.evaluated_days,
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    course: Course
    days: tuple[DayGrades, ...]
    summary: dict[str, Summary]
    alerts: tuple[FiredAlert, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.course.patient_id,
            "day0_date": self.course.day0_date.isoformat(),
            "day0_event": self.course.day0_event,
            "days": [d.as_dict() for d in self.days],
            "summary": {name: s.as_dict() for name, s in self.summary.items()},
            "alerts": [a.as_dict() for a in self.alerts],
            "corrections_applied": [{"id": new, "replaces": old} for new, old in self.course.corrections],
        }


def _worst_crs(vitals: list[CrsInput], fever_masked: bool) -> CrsInput:
    """The day's worst values: highest temperature, most support for hypotension and for oxygen."""
    temps = [v.temp_c for v in vitals if v.temp_c is not None]
    hypo = max(vitals, key=lambda v: HYPOTENSION_GRADE[v.hypotension]).hypotension
    oxy_obs = max(vitals, key=lambda v: (OXYGEN_GRADE[v.oxygen], v.oxygen_flow_l_min or 0.0))
    return CrsInput(
        temp_c=max(temps) if temps else None,
        fever_masked=fever_masked and (hypo != "none" or oxy_obs.oxygen != "none"),
        hypotension=hypo,
        oxygen=oxy_obs.oxygen,
        oxygen_flow_l_min=oxy_obs.oxygen_flow_l_min,
    )


def _worst(grades: Iterable[CtcaeGrade]) -> CtcaeGrade:
    def key(g: CtcaeGrade) -> int:
        return g.grade if g.grade is not None else (g.grade_range or (0, 0))[1]

    return max(grades, key=key)


def build_timeline(course: Course) -> Timeline:
    """Grade every day from the first to the last observed day; summarise each toxicity; evaluate the alerts."""
    if not course.observations:
        return Timeline(course, (), {}, ())
    first, last = course.observations[0].day, course.observations[-1].day
    by_day: dict[int, list[Observation]] = {d: [] for d in range(first, last + 1)}
    for obs in course.observations:
        by_day[obs.day].append(obs)
    baseline_ice = next(
        (
            g.score
            for o in course.observations
            if isinstance(o.payload, IcansInput)
            for g in [grade_icans(o.payload)]
            if g.assessment == "ice" and g.score is not None
        ),
        None,
    )
    days: list[DayGrades] = []
    masking = False  # masked-fever state carried from earlier days of an open CRS episode
    episode_open = False  # the last day with vitals had CRS grade >= 1
    for day in range(first, last + 1):
        todays = by_day[day]
        vitals = [o.payload for o in todays if isinstance(o.payload, CrsInput)]
        crs = grade_crs(_worst_crs(vitals, masking)) if vitals else None
        treated = any(isinstance(o.payload, Treatment) for o in todays)
        if crs is not None:
            episode_open = crs.grade >= 1
            masking = masking and episode_open
        masking = masking or (treated and episode_open)
        neuro = [grade_icans(o.payload) for o in todays if isinstance(o.payload, IcansInput)]
        icans = max(neuro, key=lambda g: g.grade) if neuro else None
        labs: dict[str, list[CtcaeGrade]] = {}
        for o in todays:
            if isinstance(o.payload, CtcaeInput):
                labs.setdefault(o.payload.term, []).append(grade_ctcae(o.payload))
        ctcae = tuple(_worst(grades) for _, grades in sorted(labs.items()))
        ice_scores = [g.score for g in neuro if g.assessment == "ice" and g.score is not None]
        temps = [v.temp_c for v in vitals if v.temp_c is not None]
        lab_grades = [g.grade for g in ctcae if g.grade is not None]
        signals: dict[str, float | None] = {
            "max_temp_c": max(temps) if temps else None,
            "crs_grade": None if crs is None else crs.grade,
            "icans_grade": None if icans is None else icans.grade,
            "ice_drop_points": (baseline_ice - min(ice_scores) if baseline_ice is not None and ice_scores else None),
            "ctcae_grade": max(lab_grades) if lab_grades else None,
            "crs_warnings": None if crs is None else len(crs.warnings),
        }
        days.append(DayGrades(day, course.day0_date + timedelta(days=day), crs, icans, ctcae, signals))
    summary = {
        "crs": summarise([(d.day, None if d.crs is None else d.crs.grade) for d in days]),
        "icans": summarise([(d.day, None if d.icans is None else d.icans.grade) for d in days]),
    }
    for term in sorted({g.term for d in days for g in d.ctcae}):
        summary[f"ctcae.{term}"] = summarise(
            [(d.day, next((g.grade for g in d.ctcae if g.term == term), None)) for d in days]
        )
    alerts = fired_alerts([(d.day, d.date.isoformat(), d.signals) for d in days], load_alert_rules())
    return Timeline(course, tuple(days), summary, alerts)


def summarise(series: list[tuple[int, int | None]]) -> Summary:
    """Onset, maximum, duration and resolution of one toxicity from its per-day grades (None = not evaluated)."""
    graded = [(day, g) for day, g in series if g is not None]
    positive = [(day, g) for day, g in graded if g >= 1]
    if not positive:
        status = "none" if graded else "not_evaluated"
        max_grade = 0 if graded else None
        return Summary(None, max_grade, None, 0, None, status, len(graded))
    onset = positive[0][0]
    max_day, max_grade = max(positive, key=lambda p: (p[1], -p[0]))
    last_positive = positive[-1][0]
    resolution = next((day for day, g in graded if day > last_positive and g == 0), None)
    status = "resolved" if resolution is not None else "ongoing"
    return Summary(onset, max_grade, max_day, len(positive), resolution, status, len(graded))
