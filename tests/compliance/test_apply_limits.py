"""apply_limits(): hand-computed reductions and the property that its output passes check()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.compliance import Book, apply_limits, check
from mi_kernel.errors import ComplianceError
from mi_kernel.portfolio import as_book_definition, signals_to_weights
from mi_kernel.schemas import validate

D1 = pd.Timestamp("2024-01-31", tz="UTC")
D2 = pd.Timestamp("2024-02-29", tz="UTC")
PIPELINES = Path(__file__).resolve().parents[2] / "notebooks" / "pipelines.yml"


def _weights(rows: dict[str, float], ts: pd.Timestamp = D1) -> pd.DataFrame:
    return pd.DataFrame({"ts": ts, "symbol": list(rows), "weight": list(rows.values())})


def _book(out: pd.DataFrame) -> dict[str, float]:
    return dict(zip(out["symbol"], out["weight"], strict=True))


def test_restricted_names_are_zeroed_not_removed() -> None:
    out = apply_limits(_weights({"A": 0.1, "BAC": 0.2, "C": -0.1}), Book(restricted=("BAC", "C")))
    assert _book(out) == {"A": 0.1, "BAC": 0.0, "C": 0.0}


def test_positions_are_clipped() -> None:
    out = apply_limits(_weights({"A": 0.05, "B": -0.03, "C": 0.01}), Book(max_position=0.02))
    assert _book(out) == {"A": 0.02, "B": -0.02, "C": 0.01}


def test_sector_over_its_cap_is_scaled_down() -> None:
    book = Book(max_sector=0.3, sectors={"A": "Tech", "B": "Tech", "C": "Energy"})
    out = _book(apply_limits(_weights({"A": 0.4, "B": -0.2, "C": 0.2, "D": 0.1}), book))
    assert out == pytest.approx({"A": 0.2, "B": -0.1, "C": 0.2, "D": 0.1})  # Tech x 0.5


def test_gross_is_scaled_down() -> None:
    out = _book(apply_limits(_weights({"A": 0.8, "B": -0.8}), Book(max_gross=1.0)))
    assert out == pytest.approx({"A": 0.5, "B": -0.5})


def test_net_band_reduces_the_heavier_side() -> None:
    book = Book(max_net=0.1, min_net=-0.05)
    long_heavy = _book(apply_limits(_weights({"A": 0.4, "B": 0.2, "C": -0.3}), book))
    assert long_heavy == pytest.approx({"A": 0.4 * 2 / 3, "B": 0.2 * 2 / 3, "C": -0.3})
    short_heavy = _book(apply_limits(_weights({"A": 0.2, "C": -0.5}), book))
    assert short_heavy == pytest.approx({"A": 0.2, "C": -0.25})


def test_each_date_is_limited_on_its_own_and_rows_keep_their_order() -> None:
    w = pd.concat([_weights({"A": 0.8, "B": -0.8}, D2), _weights({"A": 0.2, "B": -0.2}, D1)])
    out = apply_limits(w, Book(max_gross=1.0))
    validate(out, "weights")
    assert list(zip(out["ts"], out["symbol"], strict=True)) == list(
        zip(w["ts"], w["symbol"], strict=True)
    )
    assert out["weight"].tolist() == pytest.approx([0.5, -0.5, 0.2, -0.2])


def test_compliant_weights_are_unchanged_and_limits_are_idempotent() -> None:
    book = Book(max_position=0.3, max_gross=1.0, max_net=0.2)
    ok = _weights({"A": 0.3, "B": -0.2, "C": 0.1})
    pd.testing.assert_frame_equal(apply_limits(ok, book), ok)
    messy = _weights({"A": 0.9, "B": -0.1, "C": 0.5})
    once = apply_limits(messy, book)
    pd.testing.assert_frame_equal(apply_limits(once, book), once)


def test_a_table_without_ts_is_one_book() -> None:
    w = pd.DataFrame({"symbol": ["A", "B"], "weight": [0.9, 0.9]})
    out = apply_limits(w, Book(max_gross=1.0))
    assert list(out.columns) == ["symbol", "weight"]
    assert out["weight"].tolist() == pytest.approx([0.5, 0.5])


def test_unreachable_net_band_raises_naming_the_date() -> None:
    book = Book(min_net=0.5, max_net=1.0, max_position=0.1)
    with pytest.raises(ComplianceError, match=r"\[0.5, 1\].*2024-01-31"):
        apply_limits(_weights({"A": 0.3, "B": 0.3}), book)


def test_demo_pipeline_book_passes_after_limits() -> None:
    params = yaml.safe_load(PIPELINES.read_text())["demo"]["parameters"]["book"]
    sectors = {f"S{i:03d}": f"G{i % 4}" for i in range(99)}
    book = as_book_definition(params).with_sectors(sectors).book()  # the limits of the book
    rng = np.random.default_rng(0)
    syms = ["BAC", "C", *[f"S{i:03d}" for i in range(198)]]
    dates = pd.bdate_range("2024-01-01", periods=5, tz="UTC")
    idx = pd.MultiIndex.from_product([dates, syms], names=["ts", "symbol"])
    sig = pd.DataFrame({"score": rng.normal(size=len(idx))}, index=idx).reset_index()
    sig.loc[sig["symbol"].isin(["BAC", "C"]), "score"] = 10.0  # the model loves them
    raw = signals_to_weights(sig, **{**params["construction"], "max_weight": 1.0})
    assert not check(raw, book).ok
    limited = apply_limits(raw, book)
    assert check(limited, book).ok and len(limited) == len(raw)
    assert (limited.loc[limited["symbol"].isin(["BAC", "C"]), "weight"] == 0.0).all()


SYMBOLS = [f"S{i}" for i in range(8)]
limit_st = st.floats(0.01, 2.0)


@st.composite
def books(draw: st.DrawFn) -> Book:
    """Books whose net band contains 0 (reachable by reducing positions alone)."""
    return Book(
        restricted=tuple(draw(st.lists(st.sampled_from(SYMBOLS), max_size=3, unique=True))),
        max_position=draw(limit_st),
        max_sector=draw(limit_st),
        max_gross=draw(limit_st),
        max_net=draw(st.floats(0.0, 2.0)),
        min_net=draw(st.floats(-2.0, 0.0)),
        sectors={s: draw(st.sampled_from(["X", "Y", "Z"])) for s in SYMBOLS[:5]},
    )


weights_st = st.lists(
    st.lists(st.floats(-3.0, 3.0), min_size=len(SYMBOLS), max_size=len(SYMBOLS)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(weights_st, books())
def test_output_always_passes_check(rows: list[list[float]], book: Book) -> None:
    dates = pd.bdate_range("2024-01-01", periods=len(rows), tz="UTC")
    w = pd.DataFrame(
        {
            "ts": np.repeat(dates, len(SYMBOLS)),
            "symbol": SYMBOLS * len(rows),
            "weight": np.ravel(rows),
        }
    )
    out = apply_limits(w, book)
    result = check(out, book)
    assert result.ok, [v.message for v in result.violations]
    assert len(out) == len(w)
    assert (out["symbol"].to_numpy() == w["symbol"].to_numpy()).all()
    before, after = w["weight"].to_numpy(), out["weight"].to_numpy()
    assert (np.abs(after) <= np.abs(before) + 1e-15).all()  # only ever reduces
    assert (after * before >= 0).all()  # never flips a side
