"""Notebook 14 (news): on the synthetic market with its own text, and in the demo on Reuters."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import papermill as pm
import pytest

from mi_kernel import features
from mi_kernel.pipeline.kernels import ipc_kernel_manager
from mi_kernel.runstore import RunStore, verify_run
from mi_kernel.schemas.tables import validate

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("notebooks")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "14_news.ipynb"


def _products(d: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    docs = validate(pd.read_parquet(d / "news/documents.parquet"), "documents")
    clusters = pd.read_parquet(d / "news/duplicates.parquet")
    feats = pd.read_parquet(d / "news/features.parquet")
    summary = json.loads((d / "news/summary.json").read_text())
    assert set(clusters["doc_id"]) == set(docs["doc_id"])  # every document kept
    assert list(feats.columns) == ["ts", "symbol", *features.get_recipe("news").columns]
    return docs, clusters, feats, summary


def test_news_notebook_on_the_synthetic_market(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "news.ipynb"),
        parameters={"runs_root": str(runs), "source": "synthetic_bars", "n_topics": 6},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOK.parent),
        kernel_manager_class=ipc_kernel_manager(),
    )
    store = RunStore(runs)
    [manifest] = list(store.runs())
    assert manifest.status == "succeeded" and verify_run(store, manifest.run_id).ok
    docs, _, feats, summary = _products(store.sealed_dir(manifest.run_id))
    assert summary["linked_to_prices"] is True and len(feats) > 0
    validate(feats, "features")
    assert summary["quality"]["linking_precision"] >= 0.95
    assert {"synthetic_news", "synthetic_filing", "synthetic_call"} == set(docs["source"])


def test_news_step_of_the_demo_runs_the_reuters_text_only(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    docs, clusters, feats, summary = _products(store.sealed_dir(run_id))
    assert set(docs["source"]) == {"reuters21578"} and len(docs) == 80
    assert summary["linked_to_prices"] is False and summary["bars_source"] is None
    assert feats.empty  # 1987 stories, 2009-10 prices: no features, said so
    assert (~clusters["representative"]).sum() == 2
