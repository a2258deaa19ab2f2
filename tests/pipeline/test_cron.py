"""Schedules: a real APScheduler fires a pipeline on a cron expression; firings, overlaps and
failures land in the ledger (a failed scheduled run is sealed failed and raises an alert)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.pipeline import run_pipeline
from mi_kernel.pipeline.cron import Schedule, fire, load_schedules, scheduler
from mi_kernel.runstore import RunStore, verify_run
from tests.pipeline.test_cache import folder  # noqa: F401 - the tiny notebooks, as a fixture
from tests.pipeline.test_runner import folder as runner_folder  # noqa: F401


def test_schedules_file_errors_name_the_schedule(tmp_path: Path) -> None:
    path = tmp_path / "schedules.yml"
    path.write_text("nightly:\n  pipeline: demo\n  cron: '61 * * * *'\n")
    with pytest.raises(ConfigError, match="nightly"):
        load_schedules(path)
    path.write_text("nightly:\n  pipeline: demo\n  cron: '* *'\n")
    with pytest.raises(ConfigError, match="five"):
        load_schedules(path)
    path.write_text("nightly:\n  cron: '30 21 * * mon-fri'\n")
    with pytest.raises(ConfigError, match="pipeline"):
        load_schedules(path)
    path.write_text("nightly:\n  pipeline: demo\n  cron: '30 21 * * mon-fri'\n")
    [s] = load_schedules(path)
    assert s.name == "nightly" and s.coalesce and s.misfire_grace_seconds == 3600
    with pytest.raises(ConfigError, match="no "):
        load_schedules(tmp_path / "absent.yml")


def test_a_schedule_fires_and_never_overlaps_itself(folder: Path, store: RunStore) -> None:  # noqa: F811
    every_second = Schedule(name="often", pipeline="two", cron="* * * * * *")

    def run(s: Schedule) -> object:
        return run_pipeline(s.pipeline, dict(s.parameters), store=store, folder=folder, echo=None)

    sched = scheduler(store, [every_second], run=run)
    sched.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not store.ledger.find("schedule.fired"):
            time.sleep(0.5)
    finally:
        sched.shutdown(wait=True)
    fired = store.ledger.find("schedule.fired")
    assert fired, "the schedule never fired"
    first = fired[0]
    assert first.subject == "often" and first.detail["status"] == "succeeded"
    assert verify_run(store, first.detail["run_id"]).ok
    # a run takes seconds; the firings due meanwhile were skipped, not stacked
    skipped = store.ledger.find("schedule.skipped")
    assert skipped and all("still going" in e.detail["reason"] for e in skipped)
    assert len(store.run_ids()) == len(fired)


def test_a_failed_scheduled_run_is_sealed_failed_and_alerts(
    runner_folder: Path,  # noqa: F811
    store: RunStore,
) -> None:
    s = Schedule(name="nightly-fails", pipeline="fails", cron="30 21 * * *")

    def run(sch: Schedule) -> object:
        return run_pipeline(sch.pipeline, {}, store=store, folder=runner_folder, echo=None)

    assert fire(store, s, run) == "failed"
    [alert] = store.ledger.find("alert")
    assert alert.subject == "nightly-fails" and "deliberate failure" in alert.detail["error"]
    run_id = alert.detail["run_id"]
    assert store.manifest(run_id).status == "failed" and verify_run(store, run_id).ok
    [entry] = store.ledger.find("schedule.fired")
    assert entry.detail["status"] == "failed" and entry.detail["run_id"] == run_id
