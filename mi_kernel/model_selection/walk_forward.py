"""PurgedWalkForward: train on the past, test on the next block of dates, purged."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from mi_kernel.errors import ConfigError
from mi_kernel.model_selection._base import PurgedSplitter


class PurgedWalkForward(PurgedSplitter):
    """Walk-forward validation by date, with purging and a gap before each test block.

    The first ``min_train`` unique dates only train; the remaining dates are cut into
    ``n_splits`` contiguous test blocks. Fold ``k`` trains on the dates before block ``k``
    (all of them if ``expanding``, else the last ``min_train``), less

    - **purge**: every sample whose label ends on or after the first test date;
    - **embargo**: every sample dated in the ``embargo`` unique dates right before the test
      block. Training never follows the test block here, so the embargo acts as a gap
      (like ``TimeSeriesSplit(gap=...)``) to keep it meaningful.

    Every training date precedes every test date; each date after the first ``min_train``
    is tested exactly once.

    Parameters
    ----------
    n_splits : int, default 5
        Number of folds (>= 2).
    embargo : int, default 0
        Unique dates before each test block removed from training.
    min_train : int, optional
        Unique dates of the first training window (and of every window if not
        ``expanding``). Default ``n_dates // (n_splits + 1)``.
    expanding : bool, default True
        Train on all past dates (True) or on a rolling window of ``min_train`` dates.
    label_horizon : int, default 0
        When no ``label_end`` is given, a sample's label is taken to end ``label_horizon``
        unique dates after its own.
    """

    def __init__(
        self,
        n_splits: int = 5,
        embargo: int = 0,
        min_train: int | None = None,
        expanding: bool = True,
        label_horizon: int = 0,
    ) -> None:
        self.n_splits = n_splits
        self.embargo = embargo
        self.min_train = min_train
        self.expanding = expanding
        self.label_horizon = label_horizon

    def first_test_date(self, n_dates: int) -> int:
        """Return the position of the first tested date among ``n_dates`` unique dates."""
        start = n_dates // (self.n_splits + 1) if self.min_train is None else self.min_train
        if int(start) != start or start < 1:
            raise ConfigError(f"min_train must be an integer >= 1 date, got {self.min_train!r}")
        if n_dates - start < self.n_splits:
            raise ConfigError(
                f"PurgedWalkForward needs min_train ({start}) + n_splits ({self.n_splits}) "
                f"unique dates, got {n_dates}; lower n_splits or min_train, or add dates"
            )
        return int(start)

    def _blocks(self, n_dates: int) -> Iterator[tuple[NDArray[np.bool_], int, int]]:
        start = self.first_test_date(n_dates)
        for block in np.array_split(np.arange(start, n_dates), self.n_splits):
            first, last = int(block[0]), int(block[-1])
            lo = 0 if self.expanding else max(first - start, 0)
            candidates = np.zeros(n_dates, dtype=bool)
            candidates[lo : max(first - int(self.embargo), lo)] = True
            yield candidates, first, last
