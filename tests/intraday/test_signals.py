"""Intraday signals: the ridge finds a planted relation, scores only complete rows, and is
never presented as approved; the inventory has no approved intraday model to offer."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from mi_kernel.intraday.signals import UNAPPROVED, approved_model, forward_return, train_model


def _planted(n_bars: int = 400, n_sym: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-02 14:30", periods=n_bars, freq="1min", tz="UTC")
    rows = []
    for s in range(n_sym):
        signal = rng.standard_normal(n_bars)
        ret = np.zeros(n_bars)
        ret[1:] = 0.002 * signal[:-1] + 0.0005 * rng.standard_normal(n_bars - 1)
        close = 100 * np.exp(np.cumsum(ret))
        noise = rng.standard_normal(n_bars)
        rows.append(pd.DataFrame({"ts": ts, "symbol": f"S{s}", "close": close, "good": signal,
                                  "noise": noise}))  # fmt: skip
    data = pd.concat(rows, ignore_index=True)
    return data[["ts", "symbol", "good", "noise"]], data[["ts", "symbol", "close"]]


def test_forward_return_is_per_symbol_and_nan_at_the_end() -> None:
    bars = pd.DataFrame({"ts": [1, 2, 3, 1, 2], "symbol": list("aaabb"),
                         "close": [10.0, 11.0, 12.1, 5.0, 4.0]})  # fmt: skip
    np.testing.assert_allclose(forward_return(bars, 1), [0.1, 0.1, np.nan, -0.2, np.nan])


def test_ridge_finds_the_planted_feature_and_says_it_is_not_approved() -> None:
    feats, bars = _planted()
    model = train_model(feats, bars, ["good", "noise"], horizon=1, alpha=1.0)
    assert model.coef[0] > 10 * abs(model.coef[1]) and model.coef[0] > 0
    assert model.approved is False and model.status == UNAPPROVED
    assert model.card()["approved"] is False
    cols = {"ts": np.array([1, 2, 3]), "symbol": np.array([0, 1, 2]),
            "good": np.array([1.0, np.nan, -1.0]), "noise": np.array([0.0, 0.0, 0.0])}  # fmt: skip
    sig = model.score(cols)
    assert list(sig["symbol"]) == [0, 2] and sig["score"][0] > sig["score"][1]
    assert ((sig["confidence"] >= 0) & (sig["confidence"] <= 1)).all()
    assert next(iter(json.loads(sig["top_features"][0]))) == "good"


def test_no_approved_intraday_model_in_an_empty_inventory(tmp_path) -> None:
    assert approved_model(tmp_path / "ledger.jsonl", ["good"]) is None
