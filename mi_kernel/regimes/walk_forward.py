"""Walk-forward regimes: refit on an expanding window every k sessions, filter forward.

At each refit date r (every ``refit_every`` rows from ``min_train``) the model is fitted on
rows ``[0, r)``; the probabilities of rows ``[r, r + refit_every)`` are then filtered with
that model from the first row up to each t. Row t therefore depends on rows 0..t only: on
parameters fitted before it and on observations up to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.regimes.features import market_features
from mi_kernel.regimes.filtering import forward_filter, safe_log
from mi_kernel.regimes.hmm import GaussianRegimeHMM, HMMParams


@dataclass(frozen=True, eq=False)
class RegimeResult:
    """Walk-forward filtered regime probabilities and the fits behind them.

    Attributes
    ----------
    probabilities : DataFrame
        Index = the observations' dates; columns ``state_0`` .. ``state_{k-1}`` (0 = calmest):
        P(state at t | data up to and including t). NaN before the first refit.
    refits : DataFrame
        One row per refit: ``start`` (first date it filters), ``train_end`` (last date it
        saw), ``n_train``, ``converged``, ``n_iter``, and per state ``mean_<j>`` of the
        sorting feature, ``vol_<j>`` (its std) and ``stay_<j>`` (P(stay in state j)).
    features : DataFrame
        The observations the model saw.
    params : tuple of HMMParams
        Fitted parameters of each refit, in refit order.
    """

    probabilities: pd.DataFrame
    refits: pd.DataFrame
    features: pd.DataFrame
    params: tuple[HMMParams, ...]

    def labels(self) -> pd.Series:
        """Return the most probable state per date (nullable Int64; NA before the first refit)."""
        p = self.probabilities
        known = p.notna().all(axis=1)
        out = pd.Series(pd.NA, index=p.index, dtype="Int64", name="regime")
        out[known] = np.argmax(p[known].to_numpy(), axis=1)
        return out


def walk_forward_regimes(
    features: pd.DataFrame,
    estimator: GaussianRegimeHMM | None = None,
    refit_every: int = 63,
    min_train: int = 504,
) -> RegimeResult:
    """Fit regimes walk-forward and return filtered (not smoothed) probabilities.

    Parameters
    ----------
    features : DataFrame, shape (n_dates, n_features)
        Observations on a sorted DatetimeIndex, no NaN (e.g. :func:`market_features`).
    estimator : GaussianRegimeHMM, optional
        Unfitted template (cloned); default ``GaussianRegimeHMM(warm_start=True)``. With
        ``warm_start`` each refit starts EM from the previous refit's parameters.
    refit_every : int, default 63
        Rows (sessions) between refits (63 = about a quarter).
    min_train : int, default 504
        Rows in the first training window (504 = about two years).

    Returns
    -------
    RegimeResult

    Raises
    ------
    ConfigError
        If ``refit_every`` or ``min_train`` is < 1.
    DataError
        If ``features`` has NaN, unsorted dates, or no more than ``min_train`` rows.
    """
    X = _check(features, refit_every, min_train)
    template = estimator if estimator is not None else GaussianRegimeHMM(warm_start=True)
    model = clone(template)
    starts = np.arange(min_train, len(X), refit_every)
    params, rows = [], []
    for r in starts:
        model.fit(X[:r])
        params.append(model.params_)
        rows.append(_refit_row(model, features.index, int(r)))
    proba = _filter_blocks(X, params, starts, refit_every)
    k = proba.shape[1]
    probabilities = pd.DataFrame(
        proba, index=features.index, columns=[f"state_{j}" for j in range(k)]
    )
    return RegimeResult(probabilities, pd.DataFrame(rows), features, tuple(params))


def fit_market_regimes(
    level: pd.Series,
    n_states: int = 2,
    vol_window: int = 21,
    refit_every: int = 63,
    min_train: int = 504,
    random_state: int = 0,
) -> RegimeResult:
    """Compute :func:`market_features` of an index level and fit :func:`walk_forward_regimes`.

    Examples
    --------
    >>> from mi_kernel import data, regimes  # doctest: +SKIP
    >>> result = regimes.fit_market_regimes(data.load_benchmark("sp500"), n_states=3)
    """
    feats = market_features(level, vol_window=vol_window)
    est = GaussianRegimeHMM(n_states=n_states, warm_start=True, random_state=random_state)
    return walk_forward_regimes(feats, est, refit_every=refit_every, min_train=min_train)


def _check(features: pd.DataFrame, refit_every: int, min_train: int) -> np.ndarray:
    if int(refit_every) < 1 or int(min_train) < 1:
        raise ConfigError(
            f"refit_every ({refit_every!r}) and min_train ({min_train!r}) must be >= 1 row"
        )
    if not isinstance(features, pd.DataFrame):
        raise DataError("features must be a DataFrame of observations on a DatetimeIndex")
    bad = [str(c) for c in features.columns if features[c].isna().any()]
    if bad:
        raise DataError(f"features have NaN in {bad}; drop those rows (dropna()) first")
    if not features.index.is_monotonic_increasing or features.index.has_duplicates:
        raise DataError("features must be indexed by sorted, unique dates; sort_index() first")
    if len(features) <= min_train:
        raise DataError(
            f"features have {len(features)} rows, not more than min_train={min_train}; pass a "
            "longer history or a smaller min_train"
        )
    return features.to_numpy(dtype="float64")


def _filter_blocks(
    X: np.ndarray, params: list[HMMParams], starts: np.ndarray, refit_every: int
) -> np.ndarray:
    """Filter all rows under every refit's model in one batched pass; keep each model's block."""
    k = len(params[0].startprob)
    log_start = np.stack([safe_log(p.startprob) for p in params])
    log_trans = np.stack([safe_log(p.transmat) for p in params])
    last = int(min(starts[-1] + refit_every, len(X)))
    log_lik = np.stack([p.log_likelihood(X[:last]) for p in params], axis=1)
    log_post, _ = forward_filter(log_start, log_trans, log_lik)
    out = np.full((len(X), k), np.nan)
    for j, r in enumerate(starts):
        stop = int(min(r + refit_every, len(X)))
        out[r:stop] = np.exp(log_post[r:stop, j])
    return out


def _refit_row(model: GaussianRegimeHMM, index: pd.Index, r: int) -> dict[str, object]:
    f = int(model.sort_feature)
    row: dict[str, object] = {
        "start": index[r],
        "train_end": index[r - 1],
        "n_train": r,
        "converged": model.converged_,
        "n_iter": model.n_iter_,
    }
    for j in range(len(model.means_)):
        row[f"mean_{j}"] = float(model.means_[j, f])
        row[f"vol_{j}"] = float(np.sqrt(model.covars_[j, f, f]))
        row[f"stay_{j}"] = float(model.transmat_[j, j])
    return row
