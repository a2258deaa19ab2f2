"""A small trained model in a sealed run: the subject of the control-plane tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import mi_kernel as mi
from mi_kernel import tools
from mi_kernel.runstore import RunStore
from tests.conftest import _writable

SYMBOLS = ["AAPL", "MSFT", "IBM", "GOOG", "ORCL", "INTC", "CSCO", "JPM", "BAC", "XOM", "CVX", "PFE"]


@contextmanager
def acting_as(identity: str) -> Iterator[None]:
    """Act as ``identity`` (MI_IDENTITY) inside the block."""
    before = os.environ.get("MI_IDENTITY")
    os.environ["MI_IDENTITY"] = identity
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("MI_IDENTITY", None)
        else:
            os.environ["MI_IDENTITY"] = before


def train_into(store: RunStore, n_splits: int = 3) -> str:
    """Train a model in a new run of ``store`` (as ada) and seal it; return its version."""
    with acting_as("ada"):
        ctx = store.start("unit")
        with mi.use_run(ctx):
            bars = tools.fetch_market_data(SYMBOLS, None, None, source="sp500_ohlcv")
            clean = tools.quality_report(bars)["clean_uri"]
            feats = tools.compute_features(clean, "core", market=None)
            config = {"estimator": "ridge", "n_splits": n_splits}
            version = tools.train_model(feats, "fwd_ret_5d", config)
        store.seal(ctx.run_id)
    return version


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A runs root with one sealed training run; tests copy it (``fresh``)."""
    root = tmp_path_factory.mktemp("trained") / "runs"
    witness = root.parent / "witness"
    before = os.environ.get("MI_WITNESS_DIR")
    os.environ["MI_WITNESS_DIR"] = str(witness)
    try:
        version = train_into(RunStore(root))
    finally:  # the per-worker witness of tests/conftest.py again, not none
        if before is None:
            os.environ.pop("MI_WITNESS_DIR", None)
        else:
            os.environ["MI_WITNESS_DIR"] = before
    yield root, version
    _writable(root.parent)


@pytest.fixture
def fresh(
    trained: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[RunStore, str]:
    """A private copy of the trained runs root (and its witness) for one test."""
    src, version = trained
    shutil.copytree(src.parent, tmp_path / "copy", symlinks=True)
    monkeypatch.setenv("MI_WITNESS_DIR", str(tmp_path / "copy" / "witness"))
    monkeypatch.setenv("MI_RUNS_ROOT", str(tmp_path / "copy" / "runs"))
    return RunStore(tmp_path / "copy" / "runs"), version
