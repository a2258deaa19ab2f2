"""PurgedWalkForward: train on the past, test on the next block of dates, purged."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mi_kernel.errors import ConfigError
from mi_kernel.model_selection._base import Block, PurgedSplitter


class PurgedWalkForward(PurgedSplitter):
    """Walk-forward validation by date, with purging and a gap before each test block.

    The first ``min_train`` unique dates only train; the remaining dates are cut into
    ``n_splits`` contiguous test blocks. Fold ``k`` trains on the dates before block ``k``
    (all of them if ``expanding``, else the last ``min_train``), less

    - **purge**: every sample whose label ends on or after the first test date;
    - **embargo**: every sample dated in the ``embargo`` unique dates right before the test
      block. Training never follows the test block here, so the embargo acts as a gap
      (like ``TimeSeriesSplit(gap=...)``) to keep it meaningful.

    With ``refit_every = r > 1`` the model is refit only at the start of every ``r``-th test
    block and kept for the next ``r`` blocks: the folds of one refit share the training set
    of the first of them, purged at that refit date (no training label ends on or after
    it), as a model refit monthly but scored daily would be.

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
    refit_every : int, default 1
        Test blocks per refit (>= 1); 1 refits before every block.

    Examples
    --------
    >>> import numpy as np
    >>> cv = PurgedWalkForward(n_splits=4, min_train=4, refit_every=2)
    >>> [(int(tr.max()), int(te.min())) for tr, te in cv.split(None, groups=np.arange(12))]
    [(3, 4), (3, 6), (7, 8), (7, 10)]
    """

    def __init__(
        self,
        n_splits: int = 5,
        embargo: int = 0,
        min_train: int | None = None,
        expanding: bool = True,
        label_horizon: int = 0,
        refit_every: int = 1,
    ) -> None:
        self.n_splits = n_splits
        self.embargo = embargo
        self.min_train = min_train
        self.expanding = expanding
        self.label_horizon = label_horizon
        self.refit_every = refit_every

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

    def _blocks(self, n_dates: int) -> Iterator[Block]:
        every = self.refit_every
        if int(every) != every or every < 1:
            raise ConfigError(f"refit_every must be an integer >= 1 block, got {every!r}")
        start = self.first_test_date(n_dates)
        refit = start
        for k, block in enumerate(np.array_split(np.arange(start, n_dates), self.n_splits)):
            first, last = int(block[0]), int(block[-1])
            if k % int(every) == 0:
                refit = first
            lo = 0 if self.expanding else max(refit - start, 0)
            candidates = np.zeros(n_dates, dtype=bool)
            candidates[lo : max(refit - int(self.embargo), lo)] = True
            yield Block(candidates, first, last, cutoff=refit)
