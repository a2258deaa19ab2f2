"""Every agent on the synthetic market (technical recipe, no planted alpha): the honest answer.

The market is pure noise by construction, so the run must end sealed and verifiable, and
neither the research step nor the backtests may call the selected model skilful.
"""

from __future__ import annotations

import pytest

from mi_kernel.pipeline import run_pipeline
from mi_kernel.reporting import run_overview
from mi_kernel.runstore import RunStore, verify_run

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("synthetic")]


def test_noise_market_runs_end_to_end_and_finds_nothing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = RunStore(tmp_path_factory.mktemp("synthetic") / "runs")
    manifest = run_pipeline(
        "synthetic", {"estimators": "ridge", "n_splits": "3"}, store=store, echo=None
    )
    assert manifest.status == "succeeded" and verify_run(store, manifest.run_id).ok
    run = run_overview(store.sealed_dir(manifest.run_id))
    assert run.parameters["source"] == "synthetic_bars"
    assert run.research["headline"]["significant"] is False
    assert run.model_backtest["deflated_sharpe"] < 0.95
    assert run.quality["rows_in"] == run.quality["rows_clean"] + run.quality["rows_quarantined"]
