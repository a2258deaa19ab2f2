"""`mi run intraday` on a small session: sealed, verifiable, and honest about its model."""

from __future__ import annotations

import json

import pytest

from mi_kernel.pipeline import run_pipeline
from mi_kernel.runstore import RunStore, verify_run

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("intraday")]


def test_intraday_pipeline_replays_a_session_into_a_sealed_run(tmp_path) -> None:
    store = RunStore(tmp_path / "runs")
    params = {"n_symbols": "6", "trades_per_day": "200", "batch_ms": "2000"}
    manifest = run_pipeline("intraday", params, store=store, echo=None)
    assert manifest.status == "succeeded" and verify_run(store, manifest.run_id).ok
    run = store.sealed_dir(manifest.run_id)
    summary = json.loads((run / "intraday/summary.json").read_text())
    assert summary["model"]["approved"] is False and "NOT approved" in summary["model_note"]
    assert summary["rows"]["bars"] > 0 and summary["rows"]["signals"] > 0
    ingest, made = summary["ingest"], summary["generated"]
    assert ingest["duplicate"] == made["duplicate"] and ingest["dead"] == made["malformed"]
    review = json.loads((run / "intraday_review/review.json").read_text())
    assert review["stream_equals_batch"] is True
    assert list((run / "intraday/session/bars").glob("date=*/part-*.parquet"))


def test_the_declared_intraday_parameters_pass_and_a_bad_bus_is_named() -> None:
    from mi_kernel.errors import ParameterError
    from mi_kernel.pipeline.spec import load_pipeline
    from mi_kernel.pipeline.validate import check_parameters, validate_pipeline

    spec = load_pipeline("intraday")
    assert check_parameters(spec, spec.parameters, changed=None) == []
    with pytest.raises(ParameterError, match="bus=kafka"):
        validate_pipeline("intraday", {"bus": "kafka"})
