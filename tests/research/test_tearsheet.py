"""The tear sheet finds a planted alpha of IC 0.05 with the right size, and nothing in noise."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.research import TearSheet, tearsheet


@pytest.fixture(scope="module")
def sheet(planted) -> TearSheet:
    alpha, bars = planted
    regime = pd.Series(
        np.where(pd.DatetimeIndex(alpha["ts"].unique()).month % 2 == 0, "even", "odd"),
        index=pd.DatetimeIndex(alpha["ts"].unique()),
    )
    return tearsheet(
        alpha, bars, horizons=(1, 5), max_decay=5, score="alpha_signal", regimes=regime
    )


def test_planted_alpha_is_found_with_its_size(sheet) -> None:
    s = sheet.summary.loc["rank_ic_1d"]
    assert s["mean"] == pytest.approx(0.05, abs=0.02)
    assert s["nw_t_stat"] > 5 and s["nw_p_value"] < 1e-6 and s["significant"]
    assert sheet.headline["significant"] and sheet.factor == "alpha_signal"
    assert sheet.ic["rank_ic_1d"].mean() == pytest.approx(s["mean"])
    assert set(sheet.ic.columns) == {"rank_ic_1d", "ic_1d", "rank_ic_5d", "ic_5d"}


def test_quantile_returns_are_monotone(sheet) -> None:
    q = sheet.quantile_returns["fwd_1d"]
    assert list(q.index) == [1, 2, 3, 4, 5]
    assert q[5] > q[1] and sheet.headline["monotonicity_1d"] >= 0.8
    assert sheet.spread["fwd_1d"].mean() == pytest.approx(q[5] - q[1])
    assert sheet.cumulative_spread.iloc[-1] > 1.0


def test_decay_precision_turnover_regimes(sheet) -> None:
    decay = sheet.decay
    assert list(decay.index) == [1, 2, 3, 4, 5]
    assert decay.loc[1, "marginal_rank_ic"] == pytest.approx(decay.loc[1, "rank_ic"])
    assert (decay["marginal_rank_ic"].iloc[1:].abs() < 0.015).all()  # a one-day alpha
    assert decay.loc[5, "rank_ic"] < decay.loc[1, "rank_ic"]
    assert sheet.hits["precision_at_10"].mean() > 0.5 and sheet.hits["hit_rate"].mean() > 0.5
    # the planted alpha's noise is redrawn every day: ranks do not persist
    assert abs(sheet.turnover["rank_autocorrelation"].mean()) < 0.05
    assert sheet.turnover["top_turnover"].mean() == pytest.approx(0.8, abs=0.05)
    reg = sheet.regime_ic
    assert set(reg["regime"]) == {"even", "odd"} and set(reg["horizon"]) == {1, 5}
    assert (reg.loc[reg["horizon"] == 1, "mean"] > 0.03).all()


def test_plots_render(sheet) -> None:
    layout = sheet.plots()
    assert isinstance(layout, hv.Layout) and len(layout) == 4
    hv.renderer("bokeh").get_plot(layout)


def test_noise_is_not_significant(noise) -> None:
    alpha, bars = noise
    sheet = tearsheet(alpha, bars, horizons=(1,), max_decay=2, score="alpha_signal")
    s = sheet.summary.loc["rank_ic_1d"]
    assert abs(s["mean"]) < 0.01
    assert s["nw_p_value"] > 0.05 and not s["significant"] and not sheet.headline["significant"]


def test_factor_column_and_input_errors(planted) -> None:
    alpha, bars = planted
    small = alpha[alpha["ts"] < alpha["ts"].unique()[30]]
    stacked = pd.concat(
        [
            small.rename(columns={"alpha_signal": "score"}).assign(factor="alpha"),
            small.assign(score=-small["alpha_signal"], factor="minus")[
                ["ts", "symbol", "score", "factor"]
            ],
        ]
    )
    with pytest.raises(ConfigError, match="choose one"):
        tearsheet(stacked, bars)
    minus = tearsheet(stacked, bars, factor="minus", horizons=(1,), max_decay=1)
    plus = tearsheet(stacked, bars, factor="alpha", horizons=(1,), max_decay=1)
    pd.testing.assert_series_equal(minus.ic["rank_ic_1d"], -plus.ic["rank_ic_1d"])
    with pytest.raises(DataError, match="lacks column"):
        tearsheet(small, bars)
    with pytest.raises(DataError, match="duplicate"):
        tearsheet(pd.concat([small, small]), bars, score="alpha_signal")
    with pytest.raises(DataError, match="share no"):
        tearsheet(small.assign(symbol="ZZZ" + small["symbol"]), bars, score="alpha_signal")
