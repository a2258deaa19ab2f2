"""Concentration and liquidity: hand-computed cases, properties, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk import concentration, liquidity


def test_concentration_hand_computed() -> None:
    # gross 1.0, shares 0.5 0.3 0.2: HHI 0.25 + 0.09 + 0.04 = 0.38, effective N 1 / 0.38
    c = concentration(pd.Series({"A": 0.5, "B": -0.3, "C": 0.2, "D": 0.0}), top=2)
    assert (c.n_positions, c.gross, c.top) == (3, 1.0, 2)
    assert c.hhi == pytest.approx(0.38)
    assert c.effective_n == pytest.approx(1 / 0.38)
    assert c.top_share == pytest.approx(0.8)
    assert (c.largest_share, c.largest_symbol) == (pytest.approx(0.5), "A")
    assert json.loads(json.dumps(c.to_dict()))["largest_symbol"] == "A"


def test_concentration_of_equal_and_empty_books() -> None:
    eq = concentration(pd.Series(0.02, index=[f"S{i}" for i in range(50)]))
    assert eq.hhi == pytest.approx(1 / 50) and eq.effective_n == pytest.approx(50)
    assert eq.top_share == pytest.approx(10 / 50)
    empty = concentration(pd.Series({"A": 0.0}))
    assert (empty.n_positions, empty.hhi, empty.largest_symbol) == (0, 0.0, None)
    with pytest.raises(ConfigError, match="top"):
        concentration(pd.Series({"A": 1.0}), top=0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1, 1).filter(lambda x: abs(x) > 1e-4), min_size=1, max_size=30),
    st.floats(0.01, 100),
)
def test_concentration_bounds_and_invariances(w, c) -> None:
    weights = pd.Series(w, index=[f"S{i}" for i in range(len(w))])
    base = concentration(weights)
    assert 1 / len(w) - 1e-12 <= base.hhi <= 1 + 1e-12
    assert 1 - 1e-9 <= base.effective_n <= len(w) + 1e-9
    other = concentration(-c * weights[::-1])  # scale, sign and order do not matter
    assert (other.hhi, other.top_share, other.largest_share) == pytest.approx(
        (base.hhi, base.top_share, base.largest_share)
    )


def _book() -> dict[str, pd.Series]:
    return {
        "adv": pd.Series({"A": 10_000.0, "B": 2_000.0, "C": 1.0}),
        "price": pd.Series({"A": 10.0, "B": 20.0, "C": 1.0}),
        "shares": pd.Series({"A": 1_000.0, "B": -5_000.0}),
    }


def test_liquidity_hand_computed() -> None:
    # A: value 1,000 x 10 = 10,000; capacity 0.1 x 10,000 x 10 = 10,000 / day -> 1 day
    # B: value 5,000 x 20 = 100,000; capacity 0.1 x 2,000 x 20 = 4,000 / day -> 25 days
    # liquidatable in d days: (min(10,000, d x 10,000) + min(100,000, d x 4,000)) / 110,000
    b = _book()
    out = liquidity(b["adv"], b["price"], shares=b["shares"], participation=0.1)
    assert out.positions["days"].to_dict() == pytest.approx({"B": 25.0, "A": 1.0})
    assert list(out.positions.index) == ["B", "A"]  # slowest first
    assert out.max_days == pytest.approx(25.0)
    assert out.liquidatable == pytest.approx(
        {1: 14_000 / 110_000, 5: 30_000 / 110_000, 10: 50_000 / 110_000}
    )
    assert json.loads(json.dumps(out.to_dict()))["max_days"] == pytest.approx(25.0)


def test_liquidity_from_weights_and_capital_matches_shares() -> None:
    b = _book()
    by_shares = liquidity(b["adv"], b["price"], shares=b["shares"])
    w = pd.Series({"A": 10_000 / 1e6, "B": -100_000 / 1e6})
    by_weights = liquidity(b["adv"], b["price"], weights=w, capital=1e6)
    pd.testing.assert_frame_equal(by_shares.positions, by_weights.positions)


def test_zero_adv_is_infinite_days_and_json_none() -> None:
    b = _book()
    adv = b["adv"].copy()
    adv["A"] = 0.0
    out = liquidity(adv, b["price"], shares=b["shares"])
    assert math.isinf(out.max_days) and out.to_dict()["max_days"] is None
    assert out.liquidatable[10] == pytest.approx(40_000 / 110_000)


def test_liquidity_errors_name_the_input() -> None:
    b = _book()
    with pytest.raises(DataError, match=r"adv is missing or NaN for held symbol\(s\) \['B'\]"):
        liquidity(b["adv"].drop("B"), b["price"], shares=b["shares"])
    with pytest.raises(DataError, match=r"price must be finite and positive; check \['A'\]"):
        liquidity(b["adv"], b["price"].replace(10.0, -1.0), shares=b["shares"])
    with pytest.raises(ConfigError, match="either shares"):
        liquidity(b["adv"], b["price"], shares=b["shares"], weights=b["shares"], capital=1.0)
    with pytest.raises(ConfigError, match="either shares"):
        liquidity(b["adv"], b["price"])
    with pytest.raises(ConfigError, match="capital"):
        liquidity(b["adv"], b["price"], weights=pd.Series({"A": 0.1}))
    with pytest.raises(ConfigError, match="participation"):
        liquidity(b["adv"], b["price"], shares=b["shares"], participation=0.0)
    with pytest.raises(DataError, match=r"shares of \['A'\] are NaN"):
        liquidity(b["adv"], b["price"], shares=pd.Series({"A": np.nan}))
