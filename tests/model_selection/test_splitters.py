"""Purged splitters: hand-checked folds, Hypothesis properties, sklearn integration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_score

from mi_kernel.errors import ConfigError
from mi_kernel.model_selection import PurgedKFold, PurgedWalkForward

DATES = pd.date_range("2020-01-01", periods=20, tz="UTC")
TS = np.repeat(DATES, 3)  # three samples per date


def _dates_of(idx: np.ndarray) -> list[int]:
    return sorted({int(i) // 3 for i in idx})


def test_kfold_hand_checked_fold() -> None:
    folds = list(PurgedKFold(4, embargo=1, label_horizon=2).split(np.zeros((60, 1)), groups=TS))
    train, test = folds[1]
    assert _dates_of(test) == [5, 6, 7, 8, 9]
    # Test labels reach date 11: purge dates 3..11 (3's label ends at 5); embargo is date 10.
    assert _dates_of(train) == [0, 1, 2, *range(12, 20)]


def test_walk_forward_hand_checked_fold() -> None:
    cv = PurgedWalkForward(4, embargo=1, label_horizon=2)
    folds = list(cv.split(np.zeros((60, 1)), groups=TS))
    assert [_dates_of(te) for _, te in folds] == [
        [4, 5, 6, 7],
        [8, 9, 10, 11],
        [12, 13, 14, 15],
        [16, 17, 18, 19],
    ]
    # min_train = 20 // 5 = 4; dates 2, 3 have labels ending at or after the test start 4.
    assert _dates_of(folds[0][0]) == [0, 1]
    rolling = PurgedWalkForward(4, min_train=4, expanding=False).split(None, groups=TS)
    assert [_dates_of(tr) for tr, _ in rolling][-1] == [12, 13, 14, 15]


@st.composite
def samples(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer dates (with gaps, several samples each), positions of label ends per sample."""
    n_dates = draw(st.integers(36, 80))
    dates = np.sort(
        draw(st.lists(st.integers(0, 400), min_size=n_dates, max_size=n_dates, unique=True))
    )
    counts = draw(st.lists(st.integers(1, 4), min_size=n_dates, max_size=n_dates))
    pos = np.repeat(np.arange(n_dates), counts)
    horizons = np.array(draw(st.lists(st.integers(0, 4), min_size=len(pos), max_size=len(pos))))
    end_pos = np.minimum(pos + horizons, n_dates - 1)
    order = np.random.default_rng(draw(st.integers(0, 99))).permutation(len(pos))
    return dates[pos][order], dates[end_pos][order], dates


@settings(max_examples=60, deadline=None)
@given(data=samples(), n_splits=st.integers(2, 5), embargo=st.integers(0, 3))
def test_kfold_properties(data, n_splits: int, embargo: int) -> None:
    ts, ts_end, dates = data
    cv = PurgedKFold(n_splits=n_splits, embargo=embargo)
    folds = list(cv.split(None, groups=ts, label_end=ts_end))
    assert len(folds) == cv.get_n_splits() == n_splits
    tested = np.concatenate([te for _, te in folds])
    assert sorted(tested) == list(range(len(ts)))  # every sample (so date) tested once
    for train, test in folds:
        test_dates = set(ts[test])
        assert not test_dates & set(ts[train])
        lo, hi = ts[test].min(), max(ts[test].max(), ts_end[test].max())
        overlaps = (ts[train] <= hi) & (ts_end[train] >= lo)
        assert not overlaps.any(), "a training label window overlaps the test window"
        after = dates[dates > ts[test].max()][:embargo]
        assert not set(after) & set(ts[train]), "embargoed dates in training"


@settings(max_examples=60, deadline=None)
@given(
    data=samples(),
    n_splits=st.integers(2, 5),
    embargo=st.integers(0, 3),
    expanding=st.booleans(),
)
def test_walk_forward_properties(data, n_splits: int, embargo: int, expanding: bool) -> None:
    ts, ts_end, dates = data
    cv = PurgedWalkForward(n_splits=n_splits, embargo=embargo, expanding=expanding)
    folds = list(cv.split(None, groups=ts, label_end=ts_end))
    assert len(folds) == n_splits
    first = dates[len(dates) // (n_splits + 1)]
    tested = np.concatenate([te for _, te in folds])
    assert sorted(tested) == sorted(np.flatnonzero(ts >= first))
    for train, test in folds:
        start = ts[test].min()
        assert ts[train].max() < start
        assert ts_end[train].max() < start, "a training label reaches into the test block"
        gap = dates[dates < start][-embargo:] if embargo else []
        assert not set(gap) & set(ts[train])


@pytest.mark.parametrize(
    "cv", [PurgedKFold(3, embargo=1, label_horizon=2), PurgedWalkForward(3, label_horizon=2)]
)
def test_works_in_cross_val_score(cv) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = X @ [1.0, -2.0] + rng.normal(0, 0.01, 60)
    scores = cross_val_score(Ridge(alpha=1e-3), X, y, groups=TS, cv=cv)
    assert len(scores) == 3 and (scores > 0.9).all()
    index = pd.MultiIndex.from_arrays([TS, np.tile(["a", "b", "c"], 20)], names=["ts", "symbol"])
    frame = pd.DataFrame(X, index=index, columns=["x0", "x1"])
    np.testing.assert_allclose(cross_val_score(Ridge(alpha=1e-3), frame, y, cv=cv), scores)


def test_errors_say_what_to_do() -> None:
    with pytest.raises(ConfigError, match="groups"):
        next(PurgedKFold().split(np.zeros((5, 1))))
    with pytest.raises(ConfigError, match="n_splits"):
        next(PurgedKFold(5).split(None, groups=DATES[:3]))
    with pytest.raises(ConfigError, match="n_splits"):
        next(PurgedWalkForward(1).split(None, groups=DATES))
    with pytest.raises(ConfigError, match="label_end"):
        next(PurgedKFold(2).split(None, groups=DATES, label_end=DATES - pd.Timedelta("1D")))


def test_walk_forward_refit_cadence_hand_checked() -> None:
    cv = PurgedWalkForward(4, min_train=4, label_horizon=1, refit_every=2)
    folds = list(cv.split(np.zeros((60, 1)), groups=TS))
    assert [_dates_of(te) for _, te in folds] == [
        [4, 5, 6, 7],
        [8, 9, 10, 11],
        [12, 13, 14, 15],
        [16, 17, 18, 19],
    ]
    # Refits at dates 4 and 12; date 3's label ends at 4, the refit date: purged.
    assert [_dates_of(tr) for tr, _ in folds] == [[0, 1, 2]] * 2 + [list(range(11))] * 2
    rolling = PurgedWalkForward(4, min_train=4, refit_every=3, expanding=False)
    assert [_dates_of(tr) for tr, _ in rolling.split(None, groups=TS)] == [[0, 1, 2, 3]] * 3 + [
        [12, 13, 14, 15]
    ]
    with pytest.raises(ConfigError, match="refit_every"):
        next(PurgedWalkForward(4, refit_every=0).split(None, groups=TS))


@settings(max_examples=60, deadline=None)
@given(
    data=samples(),
    n_splits=st.integers(2, 6),
    embargo=st.integers(0, 3),
    refit_every=st.integers(1, 4),
    expanding=st.booleans(),
)
def test_walk_forward_refit_properties(
    data, n_splits: int, embargo: int, refit_every: int, expanding: bool
) -> None:
    ts, ts_end, dates = data
    cv = PurgedWalkForward(n_splits, embargo, expanding=expanding, refit_every=refit_every)
    folds = list(cv.split(None, groups=ts, label_end=ts_end))
    tested = np.concatenate([te for _, te in folds])
    assert sorted(tested) == sorted(np.flatnonzero(ts >= dates[len(dates) // (n_splits + 1)]))
    for k, (train, test) in enumerate(folds):
        refit_train, refit_test = folds[k - k % refit_every]
        np.testing.assert_array_equal(train, refit_train)  # one model per refit
        refit_date = ts[refit_test].min()
        assert not set(ts[train]) & set(ts[test])
        assert ts_end[train].max() < refit_date, "a label unknown at the refit date trained"
        gap = dates[dates < refit_date][-embargo:] if embargo else []
        assert not set(gap) & set(ts[train]), "embargoed dates in training"
        if not expanding:
            assert len(set(ts[train])) <= len(dates) // (n_splits + 1)
