"""OptunaSearchCV: Bayesian-optimisation hyper-parameter search as a scikit-learn estimator.

Optuna's TPE sampler proposes the parameters; each proposal is scored by cross-validation
with any splitter (purged ones included); the folds of a batch of proposals run through
joblib, so :func:`~mi_kernel.model_selection.on_dask` fans them out on Dask.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import numpy as np
import optuna
from joblib import Parallel, delayed
from optuna.distributions import BaseDistribution
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state, get_tags, indexable
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.model_selection._base import PurgedSplitter
from mi_kernel.model_selection._fold import check_error_score, fit_and_score

SAMPLERS = ("tpe", "random")


def _best_has(attr: str) -> Any:
    """available_if check: the refit best estimator (or the unfitted one) has ``attr``."""

    def check(self: OptunaSearchCV) -> bool:
        if hasattr(self, "best_estimator_"):
            return hasattr(self.best_estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


@contextmanager
def quiet_optuna() -> Iterator[None]:
    """Silence optuna's per-trial INFO logging for the block, then restore its verbosity."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


class OptunaSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Search hyper-parameters by Bayesian optimisation (optuna's TPE) with cross-validation.

    Parameters
    ----------
    estimator : estimator
        Cloned for every fit; ``param_distributions`` name its parameters.
    param_distributions : dict of str to optuna.distributions.BaseDistribution
        Search space, e.g. ``{"alpha": FloatDistribution(1e-3, 1e2, log=True)}``.
    n_trials : int, default 20
        Parameter sets to score.
    cv : int or CV splitter, default 5
        As in scikit-learn; pass :class:`PurgedKFold` / :class:`PurgedWalkForward` (and
        ``groups`` to :meth:`fit`) for time-series data.
    scoring : str or callable, optional
        Scorer (higher is better); default the estimator's ``score``. See
        :func:`~mi_kernel.model_selection.rank_ic_score`.
    sampler : {"tpe", "random"}, default "tpe"
        Optuna sampler; TPE starts with 10 random trials, then models the good region.
    batch_size : int, default 1
        Trials proposed together before their scores are told to the sampler: the folds of
        a whole batch run in parallel. Results depend on it (not on ``n_jobs``/backend).
    n_jobs : int, optional
        joblib workers for the (trial, fold) tasks; None = 1 unless a joblib context (e.g.
        :func:`on_dask`) says otherwise.
    refit : bool, default True
        Refit the best parameters on all of ``X`` as ``best_estimator_``.
    error_score : "raise" or float, default "raise"
        Score of a fold whose fit fails (with a warning), or raise.
    random_state : int, RandomState or None, default None
        Seeds the sampler; an int makes the search deterministic.

    Attributes
    ----------
    best_params_ : dict
        Parameters of the best mean CV score.
    best_score_ : float
        That score.
    best_index_ : int
        Its row in ``cv_results_``.
    best_estimator_ : estimator
        Refit on all of ``X`` (if ``refit``).
    cv_results_ : dict of str to ndarray
        One entry per trial, in the order tried: ``params``, ``param_<name>``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score`` (1 = best; failed trials last), ``mean_fit_time``,
        ``std_fit_time``.
    study_ : optuna.Study
        The in-memory study, for optuna's own plots and importances.
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Folds per trial.
    """

    def __init__(
        self,
        estimator: BaseEstimator,
        param_distributions: dict[str, BaseDistribution],
        *,
        n_trials: int = 20,
        cv: Any = 5,
        scoring: Any = None,
        sampler: str = "tpe",
        batch_size: int = 1,
        n_jobs: int | None = None,
        refit: bool = True,
        error_score: Any = "raise",
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.cv = cv
        self.scoring = scoring
        self.sampler = sampler
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.refit = refit
        self.error_score = error_score
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = deepcopy(sub.classifier_tags)
        tags.regressor_tags = deepcopy(sub.regressor_tags)
        tags.target_tags = deepcopy(sub.target_tags)
        tags.input_tags.pairwise = sub.input_tags.pairwise
        tags.input_tags.sparse = sub.input_tags.sparse
        tags.input_tags.allow_nan = sub.input_tags.allow_nan
        return tags

    def fit(
        self, X: Any, y: Any = None, groups: Any = None, label_end: Any = None
    ) -> OptunaSearchCV:
        """Run the search, then refit the best parameters on all the data.

        Parameters
        ----------
        X : array-like or DataFrame, shape (n_samples, n_features)
        y : array-like, shape (n_samples,), optional
        groups : array-like, shape (n_samples,), optional
            Passed to ``cv.split``: the sample dates for purged splitters.
        label_end : array-like, shape (n_samples,), optional
            Passed to ``cv.split`` when given (purged splitters only).

        Returns
        -------
        self
        """
        self._check_params()
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        if label_end is not None and not isinstance(cv, PurgedSplitter):
            raise ConfigError("label_end is given but cv is not PurgedKFold / PurgedWalkForward")
        split_kw = {} if label_end is None else {"label_end": label_end}
        folds = list(cv.split(X, y, groups, **split_kw))
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        self.n_splits_ = len(folds)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        with quiet_optuna():
            self.study_ = optuna.create_study(direction="maximize", sampler=self._sampler(seed))
            params, scores, times = self._run_trials(X, y, folds)
        self.cv_results_ = self._results(params, np.asarray(scores), np.asarray(times))
        finite = np.isfinite(self.cv_results_["mean_test_score"])
        if not finite.any():
            raise DataError(
                f"all {len(params)} trials of OptunaSearchCV failed or scored NaN; check the "
                "estimator on one fold, the scoring, and the search space"
            )
        self.best_index_ = int(np.argmin(self.cv_results_["rank_test_score"]))
        self.best_params_ = dict(params[self.best_index_])
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        if self.refit:
            best = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_ = best.fit(X, y)
            if hasattr(self.best_estimator_, "n_features_in_"):
                self.n_features_in_ = self.best_estimator_.n_features_in_
        return self

    def _check_params(self) -> None:
        for name, value in (("n_trials", self.n_trials), ("batch_size", self.batch_size)):
            if int(value) != value or value < 1:
                raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
        if self.sampler not in SAMPLERS:
            raise ConfigError(f"sampler must be one of {SAMPLERS}, got {self.sampler!r}")
        known = self.estimator.get_params(deep=True)
        for name, dist in dict(self.param_distributions).items():
            if name not in known:
                raise ConfigError(
                    f"param_distributions names {name!r}, not a parameter of "
                    f"{type(self.estimator).__name__}; choose from {sorted(known)}"
                )
            if not isinstance(dist, BaseDistribution):
                raise ConfigError(
                    f"param_distributions[{name!r}] must be an optuna distribution (e.g. "
                    f"FloatDistribution(1e-3, 1e2, log=True)), got {dist!r}"
                )
        check_error_score(self.error_score)

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        if self.sampler == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        return optuna.samplers.TPESampler(seed=seed)

    def _run_trials(
        self, X: Any, y: Any, folds: list[tuple[np.ndarray, np.ndarray]]
    ) -> tuple[list[dict[str, Any]], list[list[float]], list[list[float]]]:
        """Ask a batch of trials, score all their folds in parallel, tell, repeat."""
        all_params: list[dict[str, Any]] = []
        scores: list[list[float]] = []
        times: list[list[float]] = []
        space = dict(self.param_distributions)
        while len(all_params) < self.n_trials:
            size = min(int(self.batch_size), int(self.n_trials) - len(all_params))
            trials = [self.study_.ask(space) for _ in range(size)]
            out = Parallel(n_jobs=self.n_jobs)(
                delayed(fit_and_score)(
                    self.estimator, t.params, X, y, tr, te, self.scorer_, self.error_score
                )
                for t in trials
                for tr, te in folds
            )
            for i, trial in enumerate(trials):
                rows = out[i * len(folds) : (i + 1) * len(folds)]
                s = [r[0] for r in rows]
                mean = float(np.mean(s))
                if np.isfinite(mean):
                    self.study_.tell(trial, mean)
                else:
                    self.study_.tell(trial, state=optuna.trial.TrialState.FAIL)
                all_params.append(dict(trial.params))
                scores.append(s)
                times.append([r[1] for r in rows])
        return all_params, scores, times

    def _results(
        self, params: list[dict[str, Any]], scores: np.ndarray, times: np.ndarray
    ) -> dict[str, Any]:
        mean = scores.mean(axis=1)
        order = np.argsort(-np.where(np.isfinite(mean), mean, -np.inf), kind="stable")
        rank = np.empty(len(mean), dtype=np.int32)
        rank[order] = np.arange(1, len(mean) + 1)
        out: dict[str, Any] = {"params": params}
        for name in self.param_distributions:
            out[f"param_{name}"] = np.array([p[name] for p in params], dtype=object)
        for k in range(scores.shape[1]):
            out[f"split{k}_test_score"] = scores[:, k]
        out.update(
            mean_test_score=mean,
            std_test_score=scores.std(axis=1),
            rank_test_score=rank,
            mean_fit_time=times.mean(axis=1),
            std_fit_time=times.std(axis=1),
        )
        return out

    @available_if(_best_has("predict"))
    def predict(self, X: Any) -> Any:
        """Predict with ``best_estimator_``."""
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities from ``best_estimator_``."""
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """Decision function of ``best_estimator_``."""
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)

    @available_if(_best_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform with ``best_estimator_``."""
        check_is_fitted(self)
        return self.best_estimator_.transform(X)

    def score(self, X: Any, y: Any = None) -> float:
        """Score ``best_estimator_`` on ``(X, y)`` with ``scorer_``."""
        check_is_fitted(self)
        return float(self.scorer_(self.best_estimator_, X, y))
