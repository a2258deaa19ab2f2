"""walk_forward_blend: no look-ahead, the informative model wins, penalties act."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.ensemble import (
    AverageBlender,
    ICWeightedBlender,
    RidgeStacker,
    TurnoverAwareBlender,
    stack_predictions,
    walk_forward_blend,
)
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.model_selection import daily_rank_ic

KW = {"refit_every": 20, "min_history": 40, "label_horizon": 5}


def _ic(frame: pd.DataFrame, col: str) -> float:
    return float(daily_rank_ic(frame["ts"], frame[col], frame["label"]).mean())


@pytest.mark.parametrize(
    "blender", [ICWeightedBlender(), RidgeStacker(), TurnoverAwareBlender(stability_penalty=0.1)]
)
def test_blend_weights_the_informative_model(blender, preds) -> None:
    result = walk_forward_blend(preds, blender, models=["noise", "good"], **KW)
    w = result.weights
    assert len(w) == 6 and list(w.columns) == ["noise", "good"]
    assert (w["good"] > 4 * w["noise"]).all(), w
    blend_ic = result.summary()["ic_mean"]
    average = walk_forward_blend(preds, AverageBlender(), models=["noise", "good"], **KW)
    assert blend_ic > average.summary()["ic_mean"] + 0.05
    tested = preds[preds["ts"] >= w.index[0]]
    assert blend_ic == pytest.approx(_ic(tested, "good"), abs=0.03)
    assert len(result.scores) == len(tested)


@pytest.mark.parametrize("with_end", [False, True])
def test_no_look_ahead(preds, with_end: bool) -> None:
    """Changing labels and predictions from date t on changes no weight fitted before t."""
    data = preds.copy()
    dates = np.sort(data["ts"].unique())
    if with_end:  # the same 5-date horizon, given as exact label ends
        ends = dict(zip(dates, np.append(dates[5:], [dates[-1]] * 5), strict=True))
        data["ts_end"] = data["ts"].map(ends)
    blender = TurnoverAwareBlender(turnover_penalty=0.1, stability_penalty=0.1)
    base = walk_forward_blend(data, blender, models=["good", "slow", "noise"], **KW)
    cut = base.weights.index[3]  # the fourth refit date
    future = data["ts"] >= cut
    shaken = data.copy()
    rng = np.random.default_rng(1)
    for col in ("label", "good", "slow", "noise"):
        shaken.loc[future, col] = rng.normal(size=int(future.sum()))
    moved = walk_forward_blend(shaken, blender, models=["good", "slow", "noise"], **KW)
    pd.testing.assert_frame_equal(moved.weights.iloc[:4], base.weights.iloc[:4])
    before = base.scores["ts"] < cut
    pd.testing.assert_frame_equal(moved.scores[before], base.scores[before])
    assert not np.allclose(moved.weights.iloc[4:], base.weights.iloc[4:])
    # ... and the labels the refit at `cut` used all ended before it:
    labels_near = data["ts"].isin(dates[np.searchsorted(dates, cut) - 5 :])
    nearly = data.copy()
    nearly.loc[labels_near, "label"] = -nearly.loc[labels_near, "label"]
    again = walk_forward_blend(nearly, blender, models=["good", "slow", "noise"], **KW)
    pd.testing.assert_series_equal(again.weights.iloc[3], base.weights.iloc[3])


def test_stability_penalty_steadies_the_weights(preds) -> None:
    models = ["good", "fast"]  # equally good: free weights wander between refits
    kw = {**KW, "refit_every": 10}
    free = walk_forward_blend(preds, TurnoverAwareBlender(), models=models, **kw).summary()
    held = walk_forward_blend(
        preds, TurnoverAwareBlender(stability_penalty=2.0), models=models, **kw
    ).summary()
    assert held["weight_change"] < 0.5 * free["weight_change"]


def test_turnover_aware_blend_trades_ic_for_turnover(preds) -> None:
    models = ["fast", "slow"]
    free = walk_forward_blend(preds, TurnoverAwareBlender(), models=models, **KW).summary()
    taxed = walk_forward_blend(
        preds, TurnoverAwareBlender(turnover_penalty=0.5), models=models, **KW
    ).summary()
    assert taxed["turnover"] < 0.7 * free["turnover"]
    assert taxed["ic_mean"] < free["ic_mean"]


def test_stack_predictions_and_errors(preds) -> None:
    oos = {
        m: preds[["ts", "symbol", m, "label"]].rename(columns={m: "prediction"})
        for m in ("good", "noise")
    }
    oos["noise"] = oos["noise"].iloc[::-1].iloc[5:]  # order and coverage may differ
    wide = stack_predictions(oos)
    assert list(wide.columns) == ["ts", "symbol", "good", "label", "noise"]
    assert len(wide) == len(preds) - 5
    bad = {**oos, "other": oos["good"].assign(label=0.0)}
    with pytest.raises(DataError, match="'other'"):
        stack_predictions(bad)
    with pytest.raises(DataError, match="min_history"):
        walk_forward_blend(preds, AverageBlender(), min_history=500)
    with pytest.raises(ConfigError, match="refit_every"):
        walk_forward_blend(preds, AverageBlender(), refit_every=0)
