"""Honesty of the research path, end to end on the synthetic market.

- Pure noise: the best of several strategies tried is not significant once deflated.
- Planted alpha (IC 0.05): found, with the right sign and roughly the right size.
- A feature that peeks at t+1: caught by the leakage check with a clear error.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from mi_kernel import backtest, data, features, labels, metrics, models, portfolio
from mi_kernel.errors import LeakageError

MARKET = {"n_symbols": 120, "n_days": 500, "seed": 21}
TRIALS = {
    "alpha": ["alpha_signal"],
    "momentum": ["mom_5", "mom_20", "mom_60"],
    "reversal": ["mr_z_20", "mom_5_rank"],
    "everything": ["alpha_signal", "mom_5", "mom_20", "mom_60", "vol_20", "mr_z_20", "beta_60"],
}


@cache
def research(alpha_ic: float) -> dict[str, tuple[float, float, pd.Series]]:
    """Features → walk-forward model → long/short backtest, for every trial: (IC, t, returns)."""
    bars = data.read("synthetic_bars", **MARKET, alpha_ic=alpha_ic)
    alpha = data.read("synthetic_alpha", **MARKET, alpha_ic=alpha_ic)
    table = features.compute_features(bars, "core").merge(alpha, on=["ts", "symbol"], how="left")
    target = labels.forward_returns(bars, 1)
    out = {}
    for name, cols in TRIALS.items():
        cfg = models.TrainConfig(estimator="ridge", n_splits=4, features=cols, name=name)
        model = models.train(table, target, "fwd_ret_1d", cfg)
        ic = models.daily_ic(model.oos["ts"], model.oos["prediction"], model.oos["label"]).dropna()
        t_stat = float(ic.mean() / ic.std(ddof=1) * np.sqrt(ic.size))
        scores = model.oos.rename(columns={"prediction": "score"})[["ts", "symbol", "score"]]
        weights = portfolio.signals_to_weights(scores, top_frac=0.2)
        result = backtest.simulate(weights, bars, {"commission_bps": 0.0, "spread_bps": 0.0}, lag=0)
        out[name] = (float(ic.mean()), t_stat, result.returns)
    return out


def _deflated(trials: dict[str, tuple[float, float, pd.Series]]) -> tuple[str, float]:
    sharpes = {k: metrics.sharpe(r, periods_per_year=252) for k, (_, _, r) in trials.items()}
    best = max(sharpes, key=lambda k: sharpes[k])
    dsr = metrics.deflated_sharpe_ratio(
        trials[best][2], n_trials=len(trials), trial_sharpes=list(sharpes.values()),
        periods_per_year=252,
    )  # fmt: skip
    return best, dsr


def test_pure_noise_shows_no_significant_alpha() -> None:
    trials = research(0.0)
    best, dsr = _deflated(trials)
    assert dsr < 0.95, f"noise market: best trial {best!r} looks significant (DSR {dsr:.3f})"
    assert all(abs(t) < 3.0 for _, t, _ in trials.values()), {k: v[1] for k, v in trials.items()}


def test_planted_alpha_is_found_with_the_right_sign_and_size() -> None:
    trials = research(0.05)
    ic, t_stat, returns = trials["alpha"]
    assert 0.03 < ic < 0.07 and t_stat > 3.0, (ic, t_stat)
    assert metrics.sharpe(returns, periods_per_year=252) > 1.0  # a same-close oracle trade
    best, dsr = _deflated(trials)
    assert best in ("alpha", "everything") and dsr > 0.95, (best, dsr)  # survives deflation
    noise_ic = research(0.0)["alpha"][0]
    assert abs(noise_ic) < 0.02


def test_a_feature_that_peeks_at_tomorrow_is_caught() -> None:
    bars = data.read("synthetic_bars", n_symbols=10, n_days=120, seed=3)

    def leaky(b: pd.DataFrame) -> pd.DataFrame:
        out = features.compute_features(b, "core")[["ts", "symbol", "mom_5"]]
        nxt = b.groupby("symbol")["close"].shift(-1) / b["close"] - 1  # t+1 return: the leak
        return out.assign(tomorrow=nxt.to_numpy())

    features.check_no_lookahead(features.compute_features, bars)  # the real recipe is clean
    with pytest.raises(LeakageError, match="tomorrow"):
        features.check_no_lookahead(leaky, bars)
