"""Honesty of the research path, end to end on the synthetic market.

- Pure noise: the best of several strategies tried is not significant once deflated, judged
  gross of costs (costs alone make every noise strategy lose, so net of costs "nothing is
  significant" would pass even with a real signal) and net of costs.
- The same check flags a planted alpha: it can fail; net of costs alone it would not have.
- Planted alpha (IC 0.05): found, with the right sign and roughly the right size.
- A feature that peeks at t+1: caught by the leakage check with a clear error.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

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
SIGNIFICANT = 0.95  # deflated Sharpe ratio (a probability) above which a trial is significant


class Trial(NamedTuple):
    ic: float  # mean daily out-of-sample rank IC
    t_stat: float
    gross: pd.Series  # daily returns of a frictionless simulation (Costs.zero())
    net: pd.Series  # daily returns net of the default cost model (Costs.defaults())


@cache
def research(alpha_ic: float) -> dict[str, Trial]:
    """Features -> walk-forward model -> long/short backtest, gross and net, for every trial."""
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
        gross = backtest.simulate(weights, bars, backtest.Costs.zero(), lag=0)
        net = backtest.simulate(weights, bars, backtest.Costs.defaults(), lag=0)
        assert gross.costs.to_numpy().sum() == 0.0 < net.costs.to_numpy().sum()
        out[name] = Trial(float(ic.mean()), t_stat, gross.returns, net.returns)
    return out


def _deflated(trials: dict[str, Trial], side: str) -> tuple[str, float]:
    """The best trial by Sharpe on ``side`` ("gross" or "net") and its deflated Sharpe."""
    returns = {k: getattr(t, side) for k, t in trials.items()}
    sharpes = {k: metrics.sharpe(r, periods_per_year=252) for k, r in returns.items()}
    best = max(sharpes, key=lambda k: sharpes[k])
    dsr = metrics.deflated_sharpe_ratio(
        returns[best], n_trials=len(trials), trial_sharpes=list(sharpes.values()),
        periods_per_year=252,
    )  # fmt: skip
    return best, dsr


def check_nothing_significant(trials: dict[str, Trial]) -> None:
    """The noise-market verdict: no trial significant gross of costs, net of costs, or by IC."""
    for side in ("gross", "net"):
        best, dsr = _deflated(trials, side)
        assert dsr < SIGNIFICANT, f"best trial {best!r} significant {side} of costs (DSR {dsr:.3f})"
    assert all(abs(t.t_stat) < 3.0 for t in trials.values()), {
        k: t.t_stat for k, t in trials.items()
    }


def test_pure_noise_shows_no_significant_alpha() -> None:
    check_nothing_significant(research(0.0))


def test_the_noise_check_flags_a_planted_signal_which_costs_alone_would_hide() -> None:
    planted = research(0.05)
    with pytest.raises(AssertionError, match="significant gross of costs"):
        check_nothing_significant(planted)
    # net of costs the planted alpha is not significant: a net-only check would have passed
    best, dsr_net = _deflated(planted, "net")
    assert dsr_net < SIGNIFICANT, (best, dsr_net)


def test_planted_alpha_is_found_with_the_right_sign_and_size() -> None:
    trials = research(0.05)
    ic, t_stat, gross, net = trials["alpha"]
    assert 0.03 < ic < 0.07 and t_stat > 3.0, (ic, t_stat)
    assert metrics.sharpe(gross, periods_per_year=252) > 1.0  # a same-close oracle trade
    assert metrics.sharpe(net, periods_per_year=252) < metrics.sharpe(gross, periods_per_year=252)
    best, dsr = _deflated(trials, "gross")
    assert best in ("alpha", "everything") and dsr > SIGNIFICANT, (best, dsr)  # survives deflation
    noise_ic = research(0.0)["alpha"].ic
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
