"""Fan CV folds, searches and trials out on a Dask cluster: :func:`mi_kernel.cluster.on_dask`.

Everything here that runs folds in parallel goes through joblib (scikit-learn's searches,
:class:`~mi_kernel.model_selection.OptunaSearchCV`, :func:`nested_cross_validate`), so one
context manager moves it onto Dask with no change to the code inside::

    with on_dask():
        search.fit(X, y, groups=ts)
"""

from __future__ import annotations

from mi_kernel.cluster import ADDRESS_ENV, on_dask

__all__ = ["ADDRESS_ENV", "on_dask"]
