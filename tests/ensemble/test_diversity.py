"""Diversity and turnover measures: hand cases and known relations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.ensemble import disagreement, prediction_correlation, score_turnover


def test_correlation_and_disagreement(preds) -> None:
    frame = preds.assign(twin=preds["good"], anti=-preds["good"])
    cols = ["good", "twin", "anti", "noise"]
    corr = prediction_correlation(frame, cols)
    assert corr.loc["good", "twin"] == pytest.approx(1.0)
    assert corr.loc["good", "anti"] == pytest.approx(-1.0)
    assert abs(corr.loc["good", "noise"]) < 0.05
    np.testing.assert_allclose(corr.to_numpy(), corr.to_numpy().T)
    dis = disagreement(frame, cols)
    assert dis.loc["good", "twin"] == 0.0 and dis.loc["good", "anti"] == 1.0
    assert dis.loc["good", "noise"] == pytest.approx(0.5, abs=0.03)
    assert (np.diag(dis) == 0).all()


def test_disagreement_hand_checked() -> None:
    frame = pd.DataFrame(
        {
            "ts": [0, 0, 0, 1, 1, 1],
            "symbol": list("abcabc"),
            "label": 0.0,
            "p": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
            "q": [3.0, 2.0, 1.0, 1.0, 2.0, 3.0],
        }
    )
    # Off-median samples: a, c on both dates; date 0 opposed (2 of 2), date 1 agreed.
    assert disagreement(frame).loc["p", "q"] == pytest.approx(0.5)
    assert prediction_correlation(frame).loc["p", "q"] == pytest.approx(0.0)


def test_score_turnover() -> None:
    ts = np.repeat([0, 1, 2], 4)
    symbol = np.tile(list("abcd"), 3)
    steady = np.tile([1.0, 2.0, 3.0, 4.0], 3)
    assert score_turnover(ts, symbol, steady) == pytest.approx(0.0)
    flip = np.concatenate([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0]])
    assert score_turnover(ts, symbol, flip) == pytest.approx(2.0)
    assert np.isnan(score_turnover(ts[:4], symbol[:4], steady[:4]))
