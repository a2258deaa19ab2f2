"""Label definitions and forward returns on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from mi_kernel.errors import ConfigError
from mi_kernel.labels import LabelKind, forward_returns, make_labels, parse_label_def
from mi_kernel.schemas import validate

D = pd.bdate_range("2022-03-01", periods=5, tz="UTC")


def _bars(rows: list[tuple[pd.Timestamp, str, float]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["ts", "symbol", "close"])
    return df.assign(open=df["close"], high=df["close"], low=df["close"], volume=1.0)


@pytest.mark.parametrize(
    ("text", "kind", "horizon"),
    [
        ("fwd_ret_1d", "regression", 1),
        ("fwd_ret_5d", "regression", 5),
        ("fwd_ret_21d", "regression", 21),
        ("fwd_ret_63d", "regression", 63),
        ("fwd_ret_1w", "regression", 5),
        ("fwd_ret_2w", "regression", 10),
        ("fwd_ret_1m", "regression", 21),
        ("fwd_up_5d", "classification", 5),
    ],
)
def test_parse_label_def(text: str, kind: str, horizon: int) -> None:
    spec = parse_label_def(text)
    assert (spec.kind, spec.horizon, spec.text) == (kind, horizon, text)
    with pytest.raises(ValidationError):
        spec.horizon = 3  # frozen


@pytest.mark.parametrize("text", ["fwd_ret_0d", "ret_5d", "fwd_ret_5y", "fwd_ret_d", ""])
def test_bad_label_defs_show_examples(text: str) -> None:
    with pytest.raises(ConfigError, match="fwd_ret_5d"):
        parse_label_def(text)


def test_forward_returns_bps_and_ts_end() -> None:
    bars = _bars(
        [
            (D[0], "A", 100.0),
            (D[1], "A", 110.0),
            (D[2], "A", 99.0),
            (D[3], "A", 121.0),
            (D[0], "B", 50.0),  # B skips D[1] and D[3]
            (D[2], "B", 55.0),
            (D[4], "B", 44.0),
        ]
    )
    out = forward_returns(bars, 1)
    validate(out, "labels")
    got = out.set_index(["symbol", "ts"])
    assert got.loc[("A", D[0]), "label"] == pytest.approx(1000.0)
    assert got.loc[("A", D[1]), "label"] == pytest.approx(-1000.0)
    assert got.loc[("A", D[2]), "label"] == pytest.approx((121 / 99 - 1) * 1e4)
    assert got.loc[("B", D[0]), "ts_end"] == D[2]  # B's next own session
    assert got.loc[("B", D[2]), "label"] == pytest.approx(-2000.0)
    assert ("A", D[3]) not in got.index and ("B", D[4]) not in got.index
    assert len(out) == 5


def test_longer_horizon_and_past_the_end() -> None:
    bars = _bars([(d, "A", 100.0 + i) for i, d in enumerate(D)])
    two = forward_returns(bars, 2)
    assert list(two["ts_end"]) == list(D[2:])
    np.testing.assert_allclose(two["label"], [(102 / 100 - 1) * 1e4, 200 / 101 * 100, 2e4 / 102])
    empty = forward_returns(bars, 5)
    assert empty.empty
    validate(empty, "labels")
    with pytest.raises(ConfigError, match="horizon"):
        forward_returns(bars, 0)


def test_make_labels_classification_is_zero_one() -> None:
    bars = _bars([(D[0], "A", 10.0), (D[1], "A", 11.0), (D[2], "A", 9.0), (D[3], "A", 9.0)])
    up = make_labels(bars, "fwd_up_1d")
    assert list(up["label"]) == [1.0, 0.0, 0.0]
    assert parse_label_def("fwd_up_1d").kind is LabelKind.CLASSIFICATION
