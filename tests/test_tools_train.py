"""train_model labels with the labels package: a NaN forward return is no sample, not a 0."""

from __future__ import annotations

import numpy as np

import mi_kernel as mi
from mi_kernel import labels, tools
from mi_kernel.runstore import RunStore

SYMBOLS = ["AAPL", "MSFT", "IBM", "GOOG", "XOM", "JPM"]


def test_nan_forward_returns_stay_out_of_a_classifier(store: RunStore) -> None:
    ctx = mi.session(runs_root=str(store.root))
    bars = mi.read_table(tools.fetch_market_data(SYMBOLS, None, None, source="sp500_ohlcv"))
    hole = bars.index[bars["symbol"] == "AAPL"][100]  # a missing close: two NaN 5-day returns
    bars.loc[hole, "close"] = np.nan
    holed = ctx.write_table(bars, "data/holed.parquet")
    ctx.write_json({"source": "sp500_ohlcv"}, "data/holed.meta.json")
    features = tools.compute_features(holed, "technical", market=None)
    version = tools.train_model(features, "fwd_up_5d", {"estimator": "logistic", "n_splits": 3})
    expected = labels.make_labels(bars, "fwd_up_5d")
    missing = expected.loc[expected["label"].isna(), ["ts", "symbol"]]
    assert len(missing) == 2
    rows = mi.read_table(features)[["ts", "symbol"]]
    n_samples = tools.load_model(version).card.params["n_samples"]
    assert n_samples == len(rows.merge(expected.dropna())) < len(rows.merge(expected))
    oos = mi.read_table(f"run://{ctx.run_id}/models/{version}/oos_predictions.parquet")
    assert oos.merge(missing).empty and set(oos["label"]) == {0.0, 1.0}
