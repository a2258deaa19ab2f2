"""Scheduled pipeline runs: cron expressions on APScheduler's in-process scheduler.

``schedules.yml`` (next to ``catalog.yml``) names each schedule::

    nightly-demo:
      pipeline: demo
      cron: "30 21 * * mon-fri"   # minute hour day month weekday; six fields: seconds first
      timezone: UTC
      parameters: {}
      misfire_grace_seconds: 3600  # a firing missed by less (the machine was off) runs late...
      coalesce: true               # ...and several missed firings run once

``mi schedule`` starts the scheduler and blocks. A schedule never overlaps itself (one instance
at a time: a firing due while the last run is still going is skipped and recorded). Every
firing is recorded in the ledger (``schedule.fired`` with the run it made, ``schedule.skipped``
or ``schedule.missed``); a failed run is sealed as failed by the runner and raises an
``alert`` entry naming the schedule, the run and the error — what an on-call reader watches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mi_kernel.errors import ConfigError, MIError
from mi_kernel.governance.roles import current_identity
from mi_kernel.runstore import RunStore

SCHEDULES_FILE = "schedules.yml"
log = logging.getLogger("mi.schedule")


class Schedule(BaseModel):
    """One scheduled pipeline."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    pipeline: str
    cron: str
    timezone: str = "UTC"
    parameters: dict[str, Any] = Field(default_factory=dict)
    misfire_grace_seconds: int = 3600
    coalesce: bool = True

    def trigger(self) -> Any:
        """The APScheduler trigger of :attr:`cron` (5 fields, or 6 with seconds first)."""
        from apscheduler.triggers.cron import CronTrigger

        fields = self.cron.split()
        try:
            if len(fields) == 5:
                return CronTrigger.from_crontab(self.cron, timezone=self.timezone)
            if len(fields) == 6:
                names = ("second", "minute", "hour", "day", "month", "day_of_week")
                return CronTrigger(**dict(zip(names, fields, strict=True)), timezone=self.timezone)
        except ValueError as exc:
            raise ConfigError(f"schedule {self.name!r}: cron {self.cron!r}: {exc}") from None
        raise ConfigError(
            f"schedule {self.name!r}: cron {self.cron!r} has {len(fields)} fields; give five "
            "(minute hour day month weekday, e.g. '30 21 * * mon-fri') or six (seconds first)"
        )


def load_schedules(path: Path) -> list[Schedule]:
    """Read ``schedules.yml``; a bad entry is a :class:`ConfigError` naming it."""
    if not path.exists():
        raise ConfigError(f"no {path}: declare schedules there (see `mi schedule --help`)")
    raw = yaml.safe_load(path.read_text()) or {}
    out = []
    for name, body in raw.items():
        try:
            sched = Schedule(name=name, **(body or {}))
        except (ValidationError, TypeError) as exc:
            raise ConfigError(f"{path}: schedule {name!r}: {exc}") from None
        sched.trigger()  # a bad cron expression fails here, not at the first firing
        out.append(sched)
    return out


Runner = Callable[[Schedule], Any]


def _default_runner(store: RunStore, folder: Path | None) -> Runner:
    def run(s: Schedule) -> Any:
        from mi_kernel.pipeline.runner import run_pipeline

        return run_pipeline(s.pipeline, dict(s.parameters), store=store, folder=folder, echo=None)

    return run


def fire(store: RunStore, schedule: Schedule, run: Runner, due: datetime | None = None) -> str:
    """Run ``schedule`` once now; record the firing (and an alert if it failed); return the
    run's status."""
    fired = datetime.now(UTC)
    detail: dict[str, Any] = {
        "pipeline": schedule.pipeline,
        "cron": schedule.cron,
        "due": (due or fired).isoformat(),
        "fired": fired.isoformat(),
    }
    try:
        manifest = run(schedule)
        detail |= {"run_id": manifest.run_id, "status": manifest.status}
    except MIError as exc:
        failed = [m for m in store.runs() if m.created >= fired and m.status == "failed"]
        run_id = failed[-1].run_id if failed else None
        detail |= {"run_id": run_id, "status": "failed", "error": str(exc)}
        store.ledger.append("alert", schedule.name, current_identity(), detail)
        log.error("schedule %s: run %s failed: %s", schedule.name, run_id, exc)
    store.ledger.append("schedule.fired", schedule.name, current_identity(), detail)
    return str(detail["status"])


def scheduler(
    store: RunStore,
    schedules: list[Schedule],
    folder: Path | None = None,
    run: Runner | None = None,
    background: bool = True,
) -> Any:
    """An APScheduler scheduler (not started) with one job per schedule, one instance each,
    recording skipped (overlap) and missed firings in the ledger."""
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    runner = run or _default_runner(store, folder)
    kind = BackgroundScheduler if background else BlockingScheduler
    sched = kind(timezone="UTC")
    by_id: Mapping[str, Schedule] = {s.name: s for s in schedules}
    for s in schedules:
        sched.add_job(
            fire,
            trigger=s.trigger(),
            args=(store, s, runner),
            id=s.name,
            name=s.name,
            max_instances=1,
            coalesce=s.coalesce,
            misfire_grace_time=s.misfire_grace_seconds,
        )

    def record(event: JobEvent) -> None:
        why = "overlap" if event.code == EVENT_JOB_MAX_INSTANCES else "missed"
        s = by_id[event.job_id]
        detail = {
            "pipeline": s.pipeline,
            "due": getattr(event, "scheduled_run_time", datetime.now(UTC)).isoformat(),
            "reason": (
                "the previous run of this schedule was still going"
                if why == "overlap"
                else f"missed by more than {s.misfire_grace_seconds} s"
            ),
        }
        kind_ = "schedule.skipped" if why == "overlap" else "schedule.missed"
        store.ledger.append(kind_, s.name, current_identity(), detail)

    sched.add_listener(record, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
    return sched


__all__ = ["SCHEDULES_FILE", "Schedule", "fire", "load_schedules", "scheduler"]
