"""PurgedKFold: K contiguous blocks of dates, each tested once, purged and embargoed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mi_kernel.errors import ConfigError
from mi_kernel.model_selection._base import Block, PurgedSplitter


class PurgedKFold(PurgedSplitter):
    """K-fold cross-validation by date, with purging and an embargo (López de Prado, 2018).

    The sorted unique sample dates are cut into ``n_splits`` contiguous blocks; fold ``k``
    tests every sample dated in block ``k`` and trains on the others, less

    - **purge**: every sample whose label window ``[ts, ts_end]`` meets the test window
      ``[first test date, last date any test label uses]``;
    - **embargo**: every sample dated in the ``embargo`` unique dates right after the test
      block (serial correlation can carry test information into them).

    Parameters
    ----------
    n_splits : int, default 5
        Number of folds (>= 2).
    embargo : int, default 0
        Unique dates after each test block removed from training.
    label_horizon : int, default 0
        When no ``label_end`` is given, a sample's label is taken to end ``label_horizon``
        unique dates after its own (0 = labels known on their date: no purge).

    Notes
    -----
    Dates come from ``groups`` (or an index level / column ``"ts"`` of ``X``); exact label
    ends from ``split(..., label_end=ts_end)`` (or ``"ts_end"`` on ``X``). Works with
    ``cross_val_score(est, X, y, groups=ts, cv=PurgedKFold(...))``.
    """

    def __init__(self, n_splits: int = 5, embargo: int = 0, label_horizon: int = 0) -> None:
        self.n_splits = n_splits
        self.embargo = embargo
        self.label_horizon = label_horizon

    def _blocks(self, n_dates: int) -> Iterator[Block]:
        if n_dates < self.n_splits:
            raise ConfigError(
                f"PurgedKFold with n_splits={self.n_splits} needs at least that many unique "
                f"dates, got {n_dates}; lower n_splits"
            )
        for block in np.array_split(np.arange(n_dates), self.n_splits):
            first, last = int(block[0]), int(block[-1])
            candidates = np.ones(n_dates, dtype=bool)
            candidates[first : last + 1 + int(self.embargo)] = False
            yield Block(candidates, first, last, cutoff=first)
