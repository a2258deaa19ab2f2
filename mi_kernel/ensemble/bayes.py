"""HierarchicalIC: shrink each signal's IC in each group toward the signal's own mean (pymc).

A signal's IC measured in one sector or regime is noisy; measured in all of them it tells
how much to trust each one. The model pools partially, per signal ``s`` and group ``g``::

    mu_s ~ Normal(0, prior_scale)               the signal's IC across groups
    tau_s ~ HalfNormal(prior_scale / 2)         how much its groups differ
    theta_sg = mu_s + tau_s * z_sg, z_sg ~ Normal(0, 1)
    mean daily IC_sg ~ Normal(theta_sg, se_sg)  se_sg = sd / sqrt(n) of the daily ICs

so a group with few or noisy days is pulled toward ``mu_s``, one with many steady days keeps
its own estimate. Posterior means and equal-tailed credible intervals come, by default, from
quadrature over ``tau_s`` (:mod:`mi_kernel.ensemble.quadrature`: given ``tau_s`` the model is
conjugate, so the posterior is exact to the grid's precision, in milliseconds and without
pymc), or from NUTS or ADVI (pymc); :meth:`HierarchicalIC.weights` turns them into ensemble
weights. Quadrature agrees with NUTS to NUTS's Monte-Carlo error (``tests/ensemble``).

For NUTS and ADVI, PyTensor compiles the model with the system C++ compiler (``g++``) when
there is one and falls back to its slower Python mode, with a warning, when there is none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from mi_kernel.ensemble import quadrature
from mi_kernel.ensemble.diversity import model_columns
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.model_selection import daily_rank_ic

IC_COLUMNS = ("signal", "group", "date", "ic")
METHODS = ("quadrature", "nuts", "advi")


def ic_table(
    predictions: pd.DataFrame, group: str = "group", models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Daily rank IC of each model within each group (a sector, a regime ...).

    Parameters
    ----------
    predictions : DataFrame
        ts, symbol, label, model columns and a ``group`` column (e.g. each symbol's sector,
        or each date's regime).
    group : str, default "group"
        Name of the group column.
    models : sequence of str, optional
        Model columns; default every float column but the label.

    Returns
    -------
    DataFrame
        Long table: signal, group, date, ic (dates with an IC only).
    """
    if group not in predictions.columns:
        raise DataError(f"predictions have no group column {group!r}")
    cols = model_columns(predictions, models)
    parts = []
    for g, sub in predictions.groupby(group, sort=True):
        for m in cols:
            ic = daily_rank_ic(sub["ts"], sub[m], sub["label"]).dropna()
            parts.append(pd.DataFrame({"signal": m, "group": g, "date": ic.index, "ic": ic}))
    return pd.concat(parts, ignore_index=True)[list(IC_COLUMNS)]


def _cells(table: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Per (signal, group): days, mean IC and its standard error (n / horizon effective days)."""
    missing = [c for c in IC_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"the IC table lacks column(s) {missing}; build it with ic_table()")
    data = table.dropna(subset=["ic"])
    cells = data.groupby(["signal", "group"], sort=True)["ic"].agg(["count", "mean", "std"])
    pooled = data.groupby("signal")["ic"].std()
    sd = cells["std"].where(cells["std"] > 0)
    sd = sd.fillna(pooled.reindex(cells.index.get_level_values("signal")).set_axis(cells.index))
    if sd.isna().any() or not (sd > 0).all():
        bad = sorted(set(sd[~(sd > 0)].index.get_level_values("signal")))
        raise DataError(f"signal(s) {bad} need at least two distinct daily ICs to be weighed")
    effective = np.maximum(cells["count"] / horizon, 1.0)
    cells = cells.assign(se=sd / np.sqrt(effective)).reset_index()
    return cells.rename(columns={"count": "n_days", "mean": "raw_mean", "se": "raw_se"})


def _summary(draws: np.ndarray, credible: float) -> pd.DataFrame:
    """Mean, sd and equal-tailed interval of samples of shape (n_samples, n_params)."""
    lo, hi = np.quantile(draws, [(1 - credible) / 2, (1 + credible) / 2], axis=0)
    return pd.DataFrame(
        {
            "mean": draws.mean(axis=0),
            "sd": draws.std(axis=0, ddof=1),
            "lower": lo,
            "upper": hi,
            "covers_zero": (lo <= 0) & (hi >= 0),
        }
    )


class HierarchicalIC(BaseEstimator):
    """Posterior IC of every signal in every group, partially pooled across groups.

    Parameters
    ----------
    credible : float, default 0.9
        Mass of the equal-tailed credible intervals.
    method : {"quadrature", "nuts", "advi"}, default "quadrature"
        Quadrature over each signal's ``tau`` with the rest in closed form (exact to about
        1e-6 of an IC, milliseconds, no pymc), NUTS sampling (exact up to Monte-Carlo error;
        seconds, plus pymc's import and compile) or mean-field ADVI (approximate: its
        intervals tend to be too narrow).
    draws, tune, chains : int, default 300, 300, 2
        NUTS draws and tuning steps per chain (one core); ADVI draws ``draws * chains``
        samples from its fit of ``advi_iterations`` steps. Unused by quadrature.
    advi_iterations : int, default 20000
    prior_scale : float, default 0.1
        Prior sd of a signal's IC (ICs are a few hundredths).
    label_horizon : int, default 1
        Sessions each label spans: the daily ICs of h-session labels overlap, so a mean of
        n of them has the standard error of n / h independent days, not n.
    random_state : int, default 0
        Seeds the sampler.

    Attributes
    ----------
    posterior_ : DataFrame
        Per (signal, group): n_days, raw_mean, raw_se, mean, sd, lower, upper, covers_zero.
    signal_posterior_ : DataFrame
        Per signal (index): mean, sd, lower, upper, covers_zero of ``mu_s``, and
        ``spread`` (posterior mean of ``tau_s``).
    divergences_ : int
        Divergent NUTS transitions (0 for quadrature and ADVI); more than a few: distrust
        the intervals.
    """

    def __init__(
        self,
        credible: float = 0.9,
        method: str = "quadrature",
        draws: int = 300,
        tune: int = 300,
        chains: int = 2,
        advi_iterations: int = 20000,
        prior_scale: float = 0.1,
        label_horizon: int = 1,
        random_state: int = 0,
    ) -> None:
        self.credible = credible
        self.method = method
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.advi_iterations = advi_iterations
        self.prior_scale = prior_scale
        self.label_horizon = label_horizon
        self.random_state = random_state

    def _check_params(self) -> None:
        if not 0 < self.credible < 1:
            raise ConfigError(f"credible must be in (0, 1), got {self.credible!r}")
        if self.method not in METHODS:
            raise ConfigError(f"method must be one of {METHODS}, got {self.method!r}")
        if not self.prior_scale > 0:
            raise ConfigError(f"prior_scale must be > 0, got {self.prior_scale!r}")
        for name in ("draws", "tune", "chains", "advi_iterations", "label_horizon"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")

    def fit(self, ic: pd.DataFrame, y: Any = None) -> HierarchicalIC:
        """Fit the model to a long table of daily ICs.

        Parameters
        ----------
        ic : DataFrame
            Columns signal, group, date, ic (see :func:`ic_table`); NaN ICs are ignored.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._check_params()
        cells = _cells(ic, int(self.label_horizon))
        signals = np.asarray(sorted(cells["signal"].unique()), dtype=object)
        s_idx = np.searchsorted(signals, cells["signal"].to_numpy())
        if self.method == "quadrature":
            theta_post, mu_post, spread = quadrature.posterior(
                cells["raw_mean"].to_numpy(dtype="float64"),
                cells["raw_se"].to_numpy(dtype="float64"),
                s_idx,
                len(signals),
                float(self.prior_scale),
                float(self.credible),
            )
            self.divergences_ = 0
        else:
            theta, mu, tau, self.divergences_ = self._sample(cells, len(signals), s_idx)
            theta_post, mu_post = _summary(theta, self.credible), _summary(mu, self.credible)
            spread = tau.mean(axis=0)
        self.posterior_ = pd.concat(
            [cells[["signal", "group", "n_days", "raw_mean", "raw_se"]], theta_post], axis=1
        )
        signal_post = mu_post.assign(spread=spread)
        self.signal_posterior_ = signal_post.set_axis(pd.Index(signals, name="signal"))
        return self

    def _sample(
        self, cells: pd.DataFrame, n_signals: int, s_idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Return draws of theta (n, cells), mu (n, signals), tau (n, signals), divergences."""
        import pymc as pm  # heavy: imported only when a model is fitted

        quiet = logging.getLogger("pymc")
        level = quiet.level
        quiet.setLevel(logging.WARNING)
        try:
            with pm.Model():  # unit-scale parameters: easy geometry for NUTS and ADVI alike
                scale = float(self.prior_scale)
                mu = pm.Deterministic("mu", scale * pm.Normal("mu_unit", 0.0, 1.0, shape=n_signals))
                tau = pm.Deterministic(
                    "tau", scale / 2 * pm.HalfNormal("tau_unit", 1.0, shape=n_signals)
                )
                z = pm.Normal("z", 0.0, 1.0, shape=len(cells))
                theta = pm.Deterministic("theta", mu[s_idx] + tau[s_idx] * z)
                pm.Normal("obs", theta, cells["raw_se"].to_numpy(), observed=cells["raw_mean"])
                idata = self._draw(pm)
        finally:
            quiet.setLevel(level)
        post = idata.posterior

        def flat(name: str) -> np.ndarray:
            values = np.asarray(post[name].values, dtype="float64")
            return values.reshape(-1, values.shape[-1])

        stats = getattr(idata, "sample_stats", None)
        diverging = (
            0 if stats is None or "diverging" not in stats else int(stats["diverging"].sum())
        )
        return flat("theta"), flat("mu"), flat("tau"), diverging

    def _draw(self, pm: Any) -> Any:
        seed = int(self.random_state)
        if self.method == "advi":
            approx = pm.fit(
                n=int(self.advi_iterations),
                method="advi",
                obj_optimizer=pm.adam(learning_rate=0.01),
                random_seed=seed,
                progressbar=False,
            )
            return approx.sample(int(self.draws) * int(self.chains), random_seed=seed)
        return pm.sample(
            draws=int(self.draws),
            tune=int(self.tune),
            chains=int(self.chains),
            cores=1,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )

    def weights(self, group: Any = None) -> pd.Series:
        """Ensemble weights of the signals, from their posterior ICs.

        Rule: weight proportional to the posterior mean IC (of ``theta_sg`` in ``group``,
        or of ``mu_s`` across groups when ``group`` is None) where the credible interval
        lies entirely above 0, else 0; normalised to sum to 1. All zero means no signal
        is credibly positive: blend nothing.

        Returns
        -------
        Series
            Index signal (sorted), float weights.
        """
        check_is_fitted(self)
        if group is None:
            post = self.signal_posterior_
        else:
            rows = self.posterior_[self.posterior_["group"] == group]
            if rows.empty:
                raise ConfigError(f"group {group!r} was not in the IC table fitted")
            post = rows.set_index("signal").reindex(self.signal_posterior_.index)
        raw = post["mean"].where(post["lower"] > 0, 0.0).fillna(0.0)
        total = float(raw.sum())
        return (raw / total if total > 0 else raw * 0.0).rename("weight")
