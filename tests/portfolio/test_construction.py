"""signals_to_weights: hand-computed books, ties, NaN scores, caps, many dates, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError
from mi_kernel.portfolio import CONSTRUCTIONS, signals_to_weights
from mi_kernel.schemas import validate

DAY = pd.Timestamp("2024-01-31", tz="UTC")


def _signals(scores: dict[str, float], ts: pd.Timestamp = DAY) -> pd.DataFrame:
    return pd.DataFrame({"ts": ts, "symbol": list(scores), "score": list(scores.values())})


def _book(weights: pd.DataFrame) -> dict[str, float]:
    return dict(zip(weights["symbol"], weights["weight"], strict=True))


TEN = {f"S{i}": float(i) for i in range(10)}  # S9 best, S0 worst


def test_long_short_hand_computed() -> None:
    w = _book(signals_to_weights(_signals(TEN), top_frac=0.2, gross=1.0))
    assert w == {
        "S0": -0.25, "S1": -0.25, "S2": 0.0, "S3": 0.0, "S4": 0.0,
        "S5": 0.0, "S6": 0.0, "S7": 0.0, "S8": 0.25, "S9": 0.25,
    }  # fmt: skip


def test_long_only_hand_computed() -> None:
    w = _book(signals_to_weights(_signals(TEN), method="long_only", top_frac=0.3, gross=0.9))
    assert {s: v for s, v in w.items() if v} == pytest.approx({"S7": 0.3, "S8": 0.3, "S9": 0.3})
    assert sum(w.values()) == pytest.approx(0.9)


def test_k_is_floor_of_top_frac_times_n_and_at_least_one() -> None:
    w = signals_to_weights(_signals(TEN), top_frac=0.15)  # floor(1.5) = 1 per side
    assert (w["weight"] > 0).sum() == 1 and (w["weight"] < 0).sum() == 1
    w = signals_to_weights(_signals(TEN), top_frac=0.01)  # floor(0.1) = 0 -> 1
    assert (w["weight"] > 0).sum() == 1


def test_ties_break_by_symbol_whatever_the_row_order() -> None:
    scores = {"D": 1.0, "B": 1.0, "A": 1.0, "C": 1.0}
    w = _book(signals_to_weights(_signals(scores), top_frac=0.25))
    assert w == {"A": 0.5, "B": 0.0, "C": 0.0, "D": -0.5}
    reordered = _signals(dict(reversed(list(scores.items()))))
    assert _book(signals_to_weights(reordered, top_frac=0.25)) == w


def test_nan_scores_are_excluded_and_kept_at_zero() -> None:
    scores = {**TEN, "X": np.nan, "Y": np.nan}
    out = signals_to_weights(_signals(scores), top_frac=0.2)
    assert len(out) == 12  # every input row, NaN-scored ones at 0.0
    w = _book(out)
    assert w["X"] == 0.0 and w["Y"] == 0.0
    assert w == {**_book(signals_to_weights(_signals(TEN), top_frac=0.2)), "X": 0.0, "Y": 0.0}


def test_a_date_with_one_scored_name_is_flat_long_short() -> None:
    w = signals_to_weights(_signals({"A": 1.0, "B": np.nan}))
    assert (w["weight"] == 0.0).all()
    w = signals_to_weights(_signals({"A": 1.0}), method="long_only")
    assert w["weight"].tolist() == [1.0]


def test_max_weight_caps_without_redistributing() -> None:
    out = signals_to_weights(_signals(TEN), top_frac=0.2, gross=1.0, max_weight=0.1)
    w = out["weight"]
    assert w.abs().max() == pytest.approx(0.1)
    assert w.abs().sum() == pytest.approx(0.4)  # 4 names x 0.1: the 0.6 excess is cash
    assert w.sum() == pytest.approx(0.0)


def test_many_dates_each_get_their_own_book() -> None:
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2024-01-01", periods=20, tz="UTC")
    syms = [f"S{i:02d}" for i in range(30)]
    idx = pd.MultiIndex.from_product([dates, syms], names=["ts", "symbol"])
    sig = pd.DataFrame({"score": rng.normal(size=len(idx))}, index=idx).reset_index()
    out = signals_to_weights(sig, top_frac=0.1, gross=2.0)
    validate(out, "weights")
    assert len(out) == len(sig)
    per_date = out.groupby("ts")["weight"]
    assert np.allclose(per_date.sum(), 0.0)
    assert np.allclose(per_date.apply(lambda s: s.abs().sum()), 2.0)
    assert (per_date.apply(lambda s: (s > 0).sum()) == 3).all()
    one = sig[sig["ts"] == dates[7]]
    expected = signals_to_weights(one, top_frac=0.1, gross=2.0)
    got = out[out["ts"] == dates[7]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)


def test_output_is_canonical_and_sorted() -> None:
    sig = _signals(TEN).assign(ts=DAY.tz_localize(None), confidence=0.5, model_version="m1")
    out = signals_to_weights(sig.iloc[::-1])
    validate(out, "weights")
    assert list(out.columns) == ["ts", "symbol", "weight"]
    assert str(out["ts"].dt.tz) == "UTC"
    assert out["symbol"].tolist() == sorted(TEN)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "risk_parity"}, "unknown construction method 'risk_parity'"),
        ({"top_frac": 0.0}, "top_frac"),
        ({"top_frac": 0.6}, "top_frac"),
        ({"method": "long_only", "top_frac": 1.5}, "top_frac"),
        ({"gross": -1.0}, "gross"),
        ({"max_weight": 0.0}, "max_weight"),
    ],
)
def test_bad_parameters_raise_config_error(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        signals_to_weights(_signals(TEN), **kwargs)


def test_bad_tables_raise_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\['score'\]"):
        signals_to_weights(_signals(TEN).drop(columns="score"))
    doubled = pd.concat([_signals(TEN), _signals({"S3": 1.0})])
    with pytest.raises(ConfigError, match=r"duplicate.*'S3'"):
        signals_to_weights(doubled)


def test_registry_lists_both_methods() -> None:
    assert set(CONSTRUCTIONS) == {"long_short", "long_only"}


scores_st = st.lists(
    st.one_of(st.floats(-5, 5), st.just(np.nan), st.sampled_from([0.0, 1.0])),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    scores_st,
    st.floats(0.01, 0.5),
    st.floats(0.1, 3.0),
    st.one_of(st.none(), st.floats(0.001, 1.0)),
    st.randoms(use_true_random=False),
)
def test_long_short_properties(scores, top_frac, gross, cap, rnd) -> None:
    sig = _signals({f"S{i:02d}": s for i, s in enumerate(scores)})
    out = signals_to_weights(sig, top_frac=top_frac, gross=gross, max_weight=cap)
    w = out["weight"].to_numpy()
    n_valid = int(np.isfinite(sig["score"]).sum())
    k = min(max(1, int(np.floor(top_frac * n_valid + 1e-9))), n_valid // 2)
    assert (w > 0).sum() == k and (w < 0).sum() == k
    assert w.sum() == pytest.approx(0.0, abs=1e-12)
    side = gross / 2 if cap is None else min(gross / 2 / max(k, 1), cap) * k
    assert w[w > 0].sum() == pytest.approx(side if k else 0.0)
    if cap is not None:
        assert np.abs(w).max() <= cap
    # the highest-scored long name scores at least as high as any unpicked one
    picked = sig["score"].to_numpy()[w > 0]
    unpicked = sig["score"].to_numpy()[(w == 0) & np.isfinite(sig["score"].to_numpy())]
    if picked.size and unpicked.size:
        assert picked.min() >= unpicked.max()
    shuffled = sig.sample(frac=1.0, random_state=rnd.randint(0, 2**31))
    again = signals_to_weights(shuffled, top_frac=top_frac, gross=gross, max_weight=cap)
    pd.testing.assert_frame_equal(again, out)
