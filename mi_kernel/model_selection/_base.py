"""Shared machinery of the purged splitters: test blocks of dates in, index pairs out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import BaseCrossValidator

from mi_kernel.errors import ConfigError
from mi_kernel.model_selection._times import IntArray, SampleDates, sample_dates


class Block(NamedTuple):
    """One fold over the unique dates, as positions.

    Attributes
    ----------
    candidates : ndarray of bool, shape (n_dates,)
        Dates whose samples may train (before purging).
    first, last : int
        First and last test date.
    cutoff : int
        First date no training label may reach (``first``, or earlier for a model refit
        before its test block: then it is the refit date).
    """

    candidates: NDArray[np.bool_]
    first: int
    last: int
    cutoff: int


class PurgedSplitter(BaseCrossValidator):
    """Base of date-blocked, purged and embargoed splitters (not for direct use).

    Subclasses implement :meth:`_blocks`, yielding one :class:`Block` per fold.
    """

    n_splits: int
    embargo: int
    label_horizon: int

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Return the number of folds, ``n_splits``."""
        return int(self.n_splits)

    def split(
        self, X: Any, y: Any = None, groups: Any = None, label_end: Any = None
    ) -> Iterator[tuple[IntArray, IntArray]]:
        """Yield (train, test) integer indices of the samples, one pair per fold.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Samples; a DataFrame may carry the dates as index level or column ``"ts"`` and
            the label ends as ``"ts_end"``.
        y : array-like, optional
            Ignored.
        groups : array-like of timestamps (or orderable numbers), shape (n_samples,)
            Date of each sample; many samples may share one.
        label_end : array-like, shape (n_samples,), optional
            Last timestamp each sample's label uses (the labels table's ``ts_end``). It
            overrides ``label_horizon``.
        """
        self._check_params()
        dates = sample_dates(X, groups, label_end, self.label_horizon)
        for k, block in enumerate(self._blocks(dates.n_dates)):
            test_idx = np.flatnonzero((dates.pos >= block.first) & (dates.pos <= block.last))
            train_mask = block.candidates[dates.pos] & ~self._purged(dates, test_idx, block)
            train_idx = np.flatnonzero(train_mask)
            if len(train_idx) == 0 or len(test_idx) == 0:
                raise ConfigError(
                    f"fold {k} of {type(self).__name__} has {len(train_idx)} training and "
                    f"{len(test_idx)} test samples after purging and embargo; use fewer "
                    "splits, a smaller embargo or label horizon, or more dates"
                )
            yield train_idx.astype(np.intp), test_idx.astype(np.intp)

    def _purged(self, dates: SampleDates, test_idx: IntArray, block: Block) -> Any:
        """Mask of samples whose label window [pos, end] meets the test window.

        The test window runs from the block's cutoff (its first test date, or the earlier
        refit date) to the last date any test label uses, so training labels never share
        information with test labels on either side.
        """
        window_end = max(block.last, int(dates.end[test_idx].max()))
        return (dates.pos <= window_end) & (dates.end >= block.cutoff)

    def _blocks(self, n_dates: int) -> Iterator[Block]:
        raise NotImplementedError

    def _check_params(self) -> None:
        if int(self.n_splits) != self.n_splits or self.n_splits < 2:
            raise ConfigError(f"n_splits must be an integer >= 2, got {self.n_splits!r}")
        if int(self.embargo) != self.embargo or self.embargo < 0:
            raise ConfigError(f"embargo must be an integer >= 0 dates, got {self.embargo!r}")
