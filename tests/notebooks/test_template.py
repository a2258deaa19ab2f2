"""The new-study template runs as an ad-hoc study: it starts, fills and seals its own run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import papermill as pm
import pytest

from mi_kernel.pipeline.kernels import ipc_kernel_manager
from mi_kernel.runstore import RunStore, verify_run

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("notebooks")]

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "new_study.ipynb"


def test_template_runs_as_an_adhoc_sealed_study(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    pm.execute_notebook(
        str(TEMPLATE),
        str(tmp_path / "study.ipynb"),
        parameters={"runs_root": str(runs), "symbols": ["AAPL", "IBM"]},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(TEMPLATE.parent),
        kernel_manager_class=ipc_kernel_manager(),
    )
    store = RunStore(runs)
    [manifest] = list(store.runs())
    assert manifest.status == "succeeded" and manifest.pipeline == "adhoc"
    bars = pd.read_parquet(store.sealed_dir(manifest.run_id) / "data/bars.parquet")
    assert set(bars["symbol"]) == {"AAPL", "IBM"}
    assert verify_run(store, manifest.run_id).ok
