"""Shared fixtures: an isolated runs root per test."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mi_kernel.runstore import RunStore
from mi_kernel.runstore.context import _CURRENT


def _writable(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        if p.exists() and not p.is_symlink():
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    """A run store under a fresh temporary folder (sealed runs are made writable at teardown)."""
    s = RunStore(tmp_path / "runs")
    yield s
    if s.root.exists():
        _writable(s.root)
        shutil.rmtree(s.root, ignore_errors=True)


#: the demo pipeline on a small universe (tests that use ``demo`` share one run: give them the
#: ``xdist_group("notebooks")`` mark so that they run on the worker that made it)
SMALL = {
    "symbols": "AAPL,MSFT,IBM,GOOG,ORCL,INTC,CSCO,HPQ,JPM,BAC,C,WFC,GS,MS,XOM,CVX,COP,SLB,PFE,MRK,"
    "JNJ,ABT,AMGN,KO,PEP,PG,WMT,HD,MCD,DIS,GE,MMM,CAT,BA,UNP,T,VZ,DUK,SO,EXC",
    "estimators": "ridge,lgbm",
    "n_splits": "3",
}


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, _isolated_cache: None) -> tuple[RunStore, str]:
    """One sealed demo run (the pipeline every agent notebook is in), made once per worker."""
    from mi_kernel.pipeline import run_pipeline

    store = RunStore(tmp_path_factory.mktemp("demo") / "runs")
    manifest = run_pipeline("demo", SMALL, store=store, echo=None)
    return store, manifest.run_id


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Synthetic markets are generated into a per-worker cache, never the user's; signing keys
    live in a per-worker folder, never ~/.config/mi. Module and session fixtures (which run
    before the per-test isolation below) get a per-worker runs root and witness too: `make
    test` exports the project's MI_WITNESS_DIR, and a fixture's ledger checkpointed there made
    the next `make demo` report the project's ledger as rewritten."""
    os.environ["MI_CACHE_DIR"] = str(tmp_path_factory.mktemp("mi-cache"))
    os.environ["MI_KEYS_DIR"] = str(tmp_path_factory.mktemp("mi-keys"))
    os.environ["MI_RUNS_ROOT"] = str(tmp_path_factory.mktemp("mi-runs"))
    os.environ["MI_WITNESS_DIR"] = str(tmp_path_factory.mktemp("mi-witness"))
    os.environ["MI_IDENTITY"] = "ada"  # the researcher of roles.yml (module fixtures too)


@pytest.fixture(autouse=True)
def _isolated_runs_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes into the project's runs/ folder by accident."""
    monkeypatch.setenv("MI_RUNS_ROOT", str(tmp_path / "runs"))
    monkeypatch.setenv("MI_WITNESS_DIR", str(tmp_path / "witness"))
    monkeypatch.setenv("MI_IDENTITY", "ada")  # the researcher of roles.yml
    monkeypatch.delenv("MI_ENV", raising=False)
    os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _no_current_run() -> Iterator[None]:
    """A run a test made current (``mi.session``) is not current in the next test."""
    token = _CURRENT.set(None)
    yield
    _CURRENT.reset(token)
