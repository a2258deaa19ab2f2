"""feature_report: the informative feature ranks first, a duplicate is flagged as redundant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.features import feature_report, redundancy


def _data(seed: int = 0, n_dates: int = 60, n_symbols: int = 40):
    rng = np.random.default_rng(seed)
    ts = np.repeat(pd.bdate_range("2021-01-01", periods=n_dates, tz="UTC"), n_symbols)
    symbol = np.tile([f"S{i}" for i in range(n_symbols)], n_dates)
    n = len(ts)
    label = rng.normal(0, 1, n)
    noise_a = rng.normal(0, 1, n)
    features = pd.DataFrame(
        {
            "ts": ts,
            "symbol": symbol,
            "signal": label + 0.3 * rng.normal(0, 1, n),
            "noise_a": noise_a,
            "noise_a_copy": 2.0 * noise_a + 1.0,
            "noise_b": rng.normal(0, 1, n),
        }
    )
    labels = pd.DataFrame({"ts": ts, "symbol": symbol, "label": label})
    labels["ts_end"] = labels["ts"] + pd.Timedelta(days=1)
    return features, labels


def test_the_label_plus_noise_ranks_first_and_the_copy_is_redundant() -> None:
    features, labels = _data()
    report = feature_report(features, labels, n_repeats=3)
    assert report.task == "regression"
    assert report.importance.index[0] == "signal"
    for column in ("permutation", "impurity", "coef"):
        assert report.importance[column].idxmax() == "signal", column
    assert report.importance.loc["signal", "permutation"] > 0.5  # R^2 drop when shuffled
    assert report.redundant[["a", "b"]].values.tolist() == [["noise_a", "noise_a_copy"]]
    assert report.redundant["spearman"].iloc[0] == pytest.approx(1.0)
    assert report.correlation.shape == (4, 4)
    assert report.n_train > report.n_test > 0


def test_classification_labels_and_series_labels() -> None:
    features, labels = _data(1)
    up = (labels["label"] > 0).astype(float)
    report = feature_report(features, up, n_repeats=2)  # a Series aligned with features
    assert report.task == "classification"
    assert report.importance.index[0] == "signal"


def test_redundancy_threshold_and_order() -> None:
    corr = pd.DataFrame(
        [[1.0, 0.95, -0.99], [0.95, 1.0, 0.2], [-0.99, 0.2, 1.0]],
        index=list("abc"),
        columns=list("abc"),
    )
    out = redundancy(corr, threshold=0.9)
    assert out[["a", "b"]].values.tolist() == [["a", "c"], ["a", "b"]]
    assert redundancy(corr, threshold=0.99).empty


def test_bad_calls_are_refused() -> None:
    features, labels = _data(2, n_dates=3, n_symbols=3)
    with pytest.raises(DataError, match="complete rows"):
        feature_report(features, labels)
    with pytest.raises(ConfigError, match="test_size"):
        feature_report(features, labels, test_size=1.5)
    with pytest.raises(ConfigError, match="nope"):
        feature_report(features, labels, columns=["nope"])
