"""GaussianRegimeHMM: a Gaussian HMM whose states are ordered by volatility and filtered.

A scikit-learn estimator around :class:`hmmlearn.hmm.GaussianHMM`. After each fit the
states are sorted by the variance of one feature (state 0 = calmest), so labels mean the
same thing across refits, and probabilities are *filtered* (forward algorithm, data up to
t only), never hmmlearn's smoothed posteriors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import multivariate_normal
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.regimes.filtering import forward_filter, safe_log

Array = NDArray[np.float64]
_COVARIANCE_TYPES = ("full", "diag")


@dataclass(frozen=True, eq=False)
class HMMParams:
    """Parameters of a fitted HMM, states sorted by volatility (state 0 = calmest).

    Attributes
    ----------
    startprob : ndarray, shape (n_states,)
    transmat : ndarray, shape (n_states, n_states)
        Row i holds P(s_{t+1} = j | s_t = i).
    means : ndarray, shape (n_states, n_features)
    covars : ndarray, shape (n_states, n_features, n_features)
        Full covariance matrices (a diagonal model has diagonal ones).
    """

    startprob: Array
    transmat: Array
    means: Array
    covars: Array

    def log_likelihood(self, X: Array) -> Array:
        """Return the log density of each row of ``X`` under each state, (n_samples, n_states)."""
        cols = [
            multivariate_normal(mean=m, cov=c, allow_singular=True).logpdf(X)
            for m, c in zip(self.means, self.covars, strict=True)
        ]
        return np.column_stack(cols).reshape(len(X), len(self.means))

    def filter(self, X: Array) -> tuple[Array, float]:
        """Return filtered probabilities (n_samples, n_states) and ``log P(X)``."""
        log_post, evidence = forward_filter(
            safe_log(self.startprob), safe_log(self.transmat), self.log_likelihood(X)
        )
        return np.exp(log_post), float(evidence)


@cache
def _thread_pools() -> Any:
    """The process's BLAS and OpenMP pools, found once (a scan costs ~7 ms; EM is ~30 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def _quiet_single_thread() -> Iterator[None]:
    """Silence hmmlearn's convergence chatter and run its fit on one thread.

    The model is a few states of a few features: BLAS (OpenBLAS) and OpenMP (k-means) threads
    only add hand-offs, and on a busy machine their spin-waits cost several times the work
    (a walk-forward fit of the S&P 500 took 3 to 40 s wall, depending on the load). One
    thread gives the same numbers (``tests/regimes``) in steady time.
    """
    logger = logging.getLogger("hmmlearn")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with _thread_pools().limit(limits=1):
            yield
    finally:
        logger.setLevel(level)


class GaussianRegimeHMM(BaseEstimator):
    """Gaussian hidden Markov model of market regimes with filtered probabilities.

    Parameters
    ----------
    n_states : int, default 2
        Number of hidden regimes (2 or 3 is typical).
    covariance_type : {"full", "diag"}, default "full"
        Shape of each state's covariance.
    sort_feature : int, default 0
        Column whose per-state variance orders the states after each fit: state 0 has the
        lowest variance (calm), the last state the highest (turbulent).
    n_iter : int, default 100
        Maximum EM iterations.
    tol : float, default 1e-4
        EM convergence threshold on the log-likelihood gain.
    min_covar : float, default 1e-3
        Floor added to the covariance diagonal; scale features to order 1 (e.g. returns in
        percent), not fractions, or this floor dominates.
    init_stay : float, default 0.95
        Diagonal of the initial transition matrix (EM starts from persistent regimes, which
        avoids the "up day / down day" local optimum of a uniform start); means and
        covariances start from k-means.
    implementation : {"scaling", "log"}, default "scaling"
        hmmlearn's forward-backward in scaled probabilities (about half the time) or in log
        space; they give the same fit to ~1e-8 (``tests/regimes``). A scaled fit falls back to
        log space when an observation's likelihood underflows under every state.
    warm_start : bool, default False
        If True and already fitted, start EM from the current parameters (walk-forward
        refits converge faster and keep their state meaning).
    random_state : int, default 0
        Seed of the k-means initialisation, the one randomness knob.

    Attributes
    ----------
    startprob_, transmat_, means_, covars_ : ndarray
        Fitted parameters in sorted state order (see :class:`HMMParams`).
    params_ : HMMParams
        The same parameters as one frozen value.
    converged_ : bool
        Whether EM met ``tol`` within ``n_iter``.
    n_iter_ : int
        EM iterations run.
    n_features_in_ : int
    """

    params_: HMMParams

    def __init__(
        self,
        n_states: int = 2,
        covariance_type: str = "full",
        sort_feature: int = 0,
        n_iter: int = 100,
        tol: float = 1e-4,
        min_covar: float = 1e-3,
        init_stay: float = 0.95,
        implementation: str = "scaling",
        warm_start: bool = False,
        random_state: int = 0,
    ) -> None:
        self.n_states = n_states
        self.covariance_type = covariance_type
        self.sort_feature = sort_feature
        self.n_iter = n_iter
        self.tol = tol
        self.min_covar = min_covar
        self.init_stay = init_stay
        self.implementation = implementation
        self.warm_start = warm_start
        self.random_state = random_state

    def _check_params(self, n_samples: int, n_features: int) -> None:
        if int(self.n_states) < 1:
            raise ConfigError(f"n_states must be >= 1, got {self.n_states!r}")
        if self.covariance_type not in _COVARIANCE_TYPES:
            raise ConfigError(
                f"covariance_type={self.covariance_type!r} is not supported; use one of "
                f"{_COVARIANCE_TYPES}"
            )
        if self.implementation not in ("scaling", "log"):
            raise ConfigError(
                f"implementation={self.implementation!r} is not supported; use 'scaling' or 'log'"
            )
        if not 0.0 < float(self.init_stay) < 1.0:
            raise ConfigError(f"init_stay must be in (0, 1), got {self.init_stay!r}")
        if not 0 <= int(self.sort_feature) < n_features:
            raise ConfigError(
                f"sort_feature={self.sort_feature} is not a column of X with {n_features} "
                "feature(s); pass the index of the return (or volatility) column"
            )
        if n_samples < 5 * int(self.n_states):
            raise DataError(
                f"{n_samples} samples are too few to fit {self.n_states} states; pass at "
                f"least {5 * int(self.n_states)} rows (years of daily data in practice)"
            )

    def fit(self, X: Any, y: Any = None) -> GaussianRegimeHMM:
        """Fit the HMM by EM on the rows of ``X`` (one time step per row, in order).

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations in time order, no NaN (e.g. :func:`market_features`).
        y : None
            Ignored.

        Returns
        -------
        self
        """
        warm = (
            bool(self.warm_start)
            and hasattr(self, "params_")
            and len(self.params_.startprob) == int(self.n_states)
        )
        X = validate_data(self, X, dtype="float64", reset=not warm, ensure_min_samples=2)
        self._check_params(*X.shape)
        with _quiet_single_thread():
            try:
                model = self._em(X, warm, self.implementation)
            except ValueError as exc:  # an observation no state can produce (exp underflows)
                if self.implementation != "scaling" or "underflow" not in str(exc):
                    raise
                model = self._em(X, warm, "log")
        params = _sorted_params(model, int(self.sort_feature))
        if not all(np.isfinite(a).all() for a in vars(params).values()):
            raise DataError(
                "the HMM fit produced non-finite parameters; check X for constant columns or "
                "extreme values, scale features to order 1, or use fewer states"
            )
        self.params_ = params
        self.startprob_, self.transmat_ = params.startprob, params.transmat
        self.means_, self.covars_ = params.means, params.covars
        history = list(model.monitor_.history)
        self.n_iter_ = int(model.monitor_.iter)
        self.converged_ = len(history) >= 2 and history[-1] - history[-2] < self.tol
        return self

    def _em(self, X: Array, warm: bool, implementation: str) -> Any:
        """Run hmmlearn's EM from the previous fit (``warm``) or from k-means."""
        from hmmlearn.hmm import GaussianHMM  # imported when used

        model = GaussianHMM(
            n_components=int(self.n_states),
            covariance_type=self.covariance_type,
            min_covar=self.min_covar,
            n_iter=int(self.n_iter),
            tol=self.tol,
            random_state=self.random_state,
            init_params="" if warm else "mc",
            implementation=implementation,
        )
        if warm:
            _set_params(model, self.params_, self.covariance_type)
        else:
            k = int(self.n_states)
            off = (1.0 - float(self.init_stay)) / max(k - 1, 1)
            trans = np.full((k, k), off)
            np.fill_diagonal(trans, float(self.init_stay) if k > 1 else 1.0)
            model.startprob_ = np.full(k, 1.0 / k)
            model.transmat_ = trans
        return model.fit(X)

    def filter_proba(self, X: Any) -> Array:
        """Return filtered state probabilities P(s_t | x_0..x_t), shape (n_samples, n_states).

        The recursion starts at the first row of ``X`` from ``startprob_``; row t depends on
        rows 0..t only (never on later rows).
        """
        check_is_fitted(self, "params_")
        X = validate_data(self, X, dtype="float64", reset=False)
        return self.params_.filter(X)[0]

    def predict_proba(self, X: Any) -> Array:
        """Return the *filtered* probabilities (same as :meth:`filter_proba`), not smoothed."""
        return self.filter_proba(X)

    def predict(self, X: Any) -> NDArray[np.intp]:
        """Return the most probable state at each t given data up to t, shape (n_samples,)."""
        return np.argmax(self.filter_proba(X), axis=1)

    def score(self, X: Any, y: Any = None) -> float:
        """Return the log-likelihood ``log P(X)`` of the sequence under the fitted model."""
        check_is_fitted(self, "params_")
        X = validate_data(self, X, dtype="float64", reset=False)
        return self.params_.filter(X)[1]


def _sorted_params(model: Any, feature: int) -> HMMParams:
    covars = np.asarray(model.covars_, dtype="float64")
    order = np.argsort(covars[:, feature, feature], kind="stable")
    return HMMParams(
        startprob=np.asarray(model.startprob_, dtype="float64")[order],
        transmat=np.asarray(model.transmat_, dtype="float64")[np.ix_(order, order)],
        means=np.asarray(model.means_, dtype="float64")[order],
        covars=covars[order],
    )


def _set_params(model: Any, params: HMMParams, covariance_type: str) -> None:
    model.n_features = params.means.shape[1]
    model.startprob_ = params.startprob
    model.transmat_ = params.transmat
    model.means_ = params.means
    if covariance_type == "diag":
        model.covars_ = np.diagonal(params.covars, axis1=1, axis2=2)
    else:
        model.covars_ = params.covars
