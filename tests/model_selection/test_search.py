"""Grid and Bayesian-optimisation searches with purged splitters; nested CV."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Lasso, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.model_selection import (
    OptunaSearchCV,
    PurgedKFold,
    PurgedWalkForward,
    nested_cross_validate,
    rank_ic_score,
)

SPACE = {"alpha": FloatDistribution(1e-4, 10.0, log=True)}


@parametrize_with_checks([OptunaSearchCV(Ridge(), SPACE, n_trials=3, cv=3, random_state=0)])
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)


def _optuna(**kw) -> OptunaSearchCV:
    base = {"n_trials": 12, "cv": PurgedKFold(3, label_horizon=2), "random_state": 0}
    return OptunaSearchCV(Lasso(), SPACE, **{**base, **kw})


def test_grid_search_with_purged_kfold(signal_panel) -> None:
    X, y, _ = signal_panel
    grid = GridSearchCV(Lasso(), {"alpha": [1e-3, 0.3, 3.0]}, cv=PurgedKFold(4, embargo=1))
    grid.fit(X, y)  # dates and label ends come from X's index levels ts / ts_end
    assert grid.best_params_ == {"alpha": 1e-3}  # alpha >= 1 zeroes the true coefficient
    assert grid.cv_results_["mean_test_score"][2] < 0.01 < grid.best_score_
    by_ic = GridSearchCV(Lasso(), {"alpha": [1e-3, 0.1]}, cv=PurgedKFold(4), scoring=rank_ic_score)
    assert by_ic.fit(X, y).best_score_ > 0.5


def test_optuna_search_finds_the_good_region(signal_panel) -> None:
    X, y, ends = signal_panel
    x = X.to_numpy()
    search = _optuna().fit(x, y, groups=X.index.get_level_values("ts"), label_end=ends)
    res = search.cv_results_
    assert len(res["params"]) == 12 and search.n_splits_ == 3
    assert search.best_params_["alpha"] < 0.3 and search.best_score_ > 0.3
    assert res["rank_test_score"][search.best_index_] == 1
    assert search.best_score_ == res["mean_test_score"].max()
    np.testing.assert_allclose(
        res["mean_test_score"], np.mean([res[f"split{k}_test_score"] for k in range(3)], axis=0)
    )
    assert len(search.study_.trials) == 12
    np.testing.assert_allclose(search.predict(x), search.best_estimator_.predict(x))
    assert search.score(x, y) == pytest.approx(search.best_estimator_.score(x, y))


def test_optuna_search_is_deterministic_with_a_seed(signal_panel) -> None:
    X, y, _ = signal_panel
    a, b = _optuna(batch_size=3).fit(X, y), _optuna(batch_size=3).fit(X, y)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )
    c = _optuna(random_state=1).fit(X, y)
    assert c.cv_results_["params"] != a.cv_results_["params"]
    rnd = _optuna(sampler="random", n_trials=3).fit(X, y)
    assert len(rnd.cv_results_["params"]) == 3


def test_optuna_search_categorical_and_errors(signal_panel) -> None:
    X, y, _ = signal_panel
    space = {"fit_intercept": CategoricalDistribution([True, False])}
    search = OptunaSearchCV(Ridge(), space, n_trials=2, cv=PurgedKFold(2), random_state=0)
    assert set(search.fit(X, y).cv_results_["param_fit_intercept"]) <= {True, False}
    with pytest.raises(ConfigError, match=r"'gamma'.*alpha"):
        OptunaSearchCV(Ridge(), {"gamma": SPACE["alpha"]}).fit(X, y)
    with pytest.raises(ConfigError, match="optuna distribution"):
        OptunaSearchCV(Ridge(), {"alpha": [0.1, 1.0]}).fit(X, y)
    with pytest.raises(ConfigError, match="n_trials"):
        _optuna(n_trials=0).fit(X, y)
    with pytest.raises(ConfigError, match="sampler"):
        _optuna(sampler="grid").fit(X, y)


class _Failing(RegressorMixin, BaseEstimator):
    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, X, y):
        raise ValueError("boom")


def test_optuna_search_error_score(signal_panel) -> None:
    X, y, _ = signal_panel
    with pytest.raises(ValueError, match="boom"):
        OptunaSearchCV(_Failing(), SPACE, n_trials=1, cv=PurgedKFold(2)).fit(X, y)
    quiet = OptunaSearchCV(_Failing(), SPACE, n_trials=1, cv=PurgedKFold(2), error_score=np.nan)
    with (
        pytest.warns(FitFailedWarning, match="boom"),
        pytest.raises(DataError, match="all 1 trials"),
    ):
        quiet.fit(X, y)


class _SeenDates(Ridge):
    """A ridge that records the latest date of every training set it is fitted on."""

    seen: ClassVar[list] = []

    def fit(self, X, y, sample_weight=None):
        type(self).seen.append(X.index.get_level_values("ts").max())
        return super().fit(X, y, sample_weight)


def test_nested_cv_tunes_only_on_the_outer_training_dates(signal_panel) -> None:
    X, y, ends = signal_panel
    ts = X.index.get_level_values("ts")
    inner = GridSearchCV(_SeenDates(), {"alpha": [0.1, 1e4]}, cv=PurgedKFold(3, embargo=1))
    outer = PurgedWalkForward(3, label_horizon=2)
    _SeenDates.seen.clear()
    result = nested_cross_validate(inner, X, y, groups=ts, outer_cv=outer, label_end=ends)
    assert len(result.scores) == 3 and list(result.folds["fold"]) == [0, 1, 2]
    starts = [ts[te].min() for _, te in outer.split(X, groups=ts, label_end=ends)]
    per_fold = np.array_split(np.array(_SeenDates.seen), 3)  # 2 x 3 inner fits + 1 refit each
    for seen, start in zip(per_fold, starts, strict=True):
        assert max(seen) < start, "the inner search saw an outer test date"
    assert all(p == {"alpha": 0.1} for p in result.best_params)
    for (tr, te), score in zip(
        outer.split(X, groups=ts, label_end=ends), result.scores, strict=True
    ):
        refit = Ridge(alpha=0.1).fit(X.iloc[tr], y[tr])
        assert score == pytest.approx(refit.score(X.iloc[te], y[te]))
    by_ic = nested_cross_validate(inner, X, y, groups=ts, outer_cv=outer, scoring=rank_ic_score)
    assert (by_ic.scores > 0.4).all() and by_ic.mean_score == pytest.approx(by_ic.scores.mean())


def test_nested_cv_on_noise_is_honest() -> None:
    from tests.model_selection.conftest import panel

    X, y, ends = panel(3, signal=0.0)
    ts = X.index.get_level_values("ts")
    search = _optuna(n_trials=8, scoring=rank_ic_score)
    result = nested_cross_validate(
        search, X, y, groups=ts, outer_cv=PurgedWalkForward(3, label_horizon=2), label_end=ends
    )
    assert abs(result.mean_score) < 0.1
    assert result.inner_scores.mean() > result.mean_score  # the inner best is optimistic


def test_nested_cv_errors(signal_panel) -> None:
    X, y, ends = signal_panel
    ts = X.index.get_level_values("ts")
    with pytest.raises(ConfigError, match="cv parameter"):
        nested_cross_validate(Ridge(), X, y, groups=ts, outer_cv=PurgedWalkForward(2))
    grid = GridSearchCV(Ridge(), {"alpha": [1.0]}, cv=3)
    with pytest.raises(ConfigError, match="purged splitter"):
        nested_cross_validate(grid, X, y, groups=ts, outer_cv=PurgedWalkForward(2), label_end=ends)


def test_nested_cv_reads_dates_from_x(signal_panel) -> None:
    X, y, _ = signal_panel
    grid = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, cv=PurgedKFold(3))
    outer = PurgedWalkForward(2, label_horizon=2)
    from_index = nested_cross_validate(grid, X, y, outer_cv=outer)
    explicit = nested_cross_validate(grid, X, y, outer_cv=outer, groups=X.index.get_level_values(0))
    np.testing.assert_allclose(from_index.scores, explicit.scores)
    with pytest.raises(ConfigError, match="groups="):
        nested_cross_validate(grid, X.to_numpy(), y, outer_cv=outer)
