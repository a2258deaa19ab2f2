"""Model selection: scikit-learn CV splitters by date, purged and embargoed.

:class:`PurgedKFold` and :class:`PurgedWalkForward` split samples (many per date) into
blocks of dates and drop training samples whose label window overlaps the test window.
"""

from __future__ import annotations

from mi_kernel.model_selection._base import PurgedSplitter
from mi_kernel.model_selection.kfold import PurgedKFold
from mi_kernel.model_selection.walk_forward import PurgedWalkForward

__all__ = ["PurgedKFold", "PurgedSplitter", "PurgedWalkForward"]
