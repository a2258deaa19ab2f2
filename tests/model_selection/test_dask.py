"""The Dask path gives the serial path's results, and leaves no cluster running."""

from __future__ import annotations

import numpy as np
import pytest
from distributed import get_task_stream
from distributed.core import Status
from optuna.distributions import FloatDistribution
from sklearn.linear_model import Lasso
from sklearn.model_selection import GridSearchCV

from mi_kernel.model_selection import OptunaSearchCV, PurgedKFold, on_dask, rank_ic_score


def _searches() -> tuple[GridSearchCV, OptunaSearchCV]:
    cv = PurgedKFold(3, embargo=1, label_horizon=2)
    grid = GridSearchCV(Lasso(), {"alpha": [1e-3, 1e-2, 0.1, 1.0]}, cv=cv, n_jobs=2)
    space = {"alpha": FloatDistribution(1e-4, 1.0, log=True)}
    bayes = OptunaSearchCV(
        Lasso(), space, n_trials=6, cv=cv, batch_size=3, scoring=rank_ic_score, random_state=0
    )
    return grid, bayes


def test_dask_matches_serial_and_closes(signal_panel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MI_DASK_ADDRESS", raising=False)
    X, y, _ = signal_panel
    grid, bayes = _searches()
    serial_grid = grid.set_params(n_jobs=1).fit(X, y).cv_results_["mean_test_score"]
    serial_bayes = bayes.fit(X, y).cv_results_
    grid, bayes = _searches()
    with on_dask() as client, get_task_stream(client) as stream:
        cluster = client.cluster
        assert len(client.scheduler_info()["workers"]) == 2
        dask_grid = grid.fit(X, y).cv_results_["mean_test_score"]
        dask_bayes = bayes.fit(X, y).cv_results_  # n_jobs=None: -1 under on_dask
    assert len({task["worker"] for task in stream.data}) == 2  # both workers did folds
    np.testing.assert_array_equal(dask_grid, serial_grid)
    assert dask_bayes["params"] == serial_bayes["params"]
    np.testing.assert_array_equal(dask_bayes["mean_test_score"], serial_bayes["mean_test_score"])
    assert client.status == "closed" and cluster.status == Status.closed


def test_cluster_closes_when_the_block_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MI_DASK_ADDRESS", raising=False)
    with pytest.raises(KeyError), on_dask(n_workers=1) as client:
        cluster = client.cluster
        client.submit(dict.__getitem__, {}, "missing").result()
    assert client.status == "closed" and cluster.status == Status.closed
