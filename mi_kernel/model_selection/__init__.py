"""Model selection: purged CV splitters by date, searches, nested CV, Dask fan-out.

- :class:`PurgedKFold` and :class:`PurgedWalkForward` (expanding or rolling, with a refit
  cadence) split samples (many per date) into blocks of dates and drop training samples
  whose label window overlaps the test window; they are scikit-learn splitters
  (``cross_val_score``, ``GridSearchCV``).
- :class:`OptunaSearchCV` searches hyper-parameters by Bayesian optimisation (optuna).
- :func:`nested_cross_validate` tunes inside each outer fold and scores outside it.
- :func:`rank_ic_score` scores a model by its mean daily rank IC.
- :func:`on_dask` runs all of it on a Dask cluster (``MI_DASK_ADDRESS`` or a local one).
"""

from __future__ import annotations

from mi_kernel.model_selection._base import PurgedSplitter
from mi_kernel.model_selection._times import from_x
from mi_kernel.model_selection.kfold import PurgedKFold
from mi_kernel.model_selection.nested import NestedCVResult, nested_cross_validate
from mi_kernel.model_selection.parallel import on_dask
from mi_kernel.model_selection.scoring import daily_rank_ic, rank_ic_score
from mi_kernel.model_selection.search import OptunaSearchCV
from mi_kernel.model_selection.walk_forward import PurgedWalkForward

__all__ = [
    "NestedCVResult",
    "OptunaSearchCV",
    "PurgedKFold",
    "PurgedSplitter",
    "PurgedWalkForward",
    "daily_rank_ic",
    "from_x",
    "nested_cross_validate",
    "on_dask",
    "rank_ic_score",
]
