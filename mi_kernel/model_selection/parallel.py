"""Fan joblib-parallel work (CV folds, searches, trials) out on a Dask cluster.

Everything here that runs folds in parallel goes through joblib (scikit-learn's searches,
:class:`~mi_kernel.model_selection.OptunaSearchCV`, :func:`nested_cross_validate`), so one
context manager moves it onto Dask with no change to the code inside::

    with on_dask():
        search.fit(X, y, groups=ts)

The results are those of the serial path: the same tasks run, only elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import joblib

from mi_kernel.cluster import ADDRESS_ENV, dask_client


@contextmanager
def on_dask(
    address: str | None = None, n_workers: int = 2, processes: bool = False
) -> Iterator[Any]:
    """Connect to (or start) a Dask cluster and route joblib's parallel work to it.

    Parameters
    ----------
    address : str, optional
        Scheduler address. Default: ``MI_DASK_SCHEDULER`` (or ``MI_DASK_ADDRESS``), else a
        new ``LocalCluster`` on 127.0.0.1 (no dashboard) that lives for the block
        (:func:`mi_kernel.cluster.dask_client`).
    n_workers : int, default 2
        Workers of a local cluster, one thread each.
    processes : bool, default False
        Local workers as processes listening on 127.0.0.1 (True) or threads of this
        process talking in-process, opening no port (False).

    Yields
    ------
    distributed.Client
        The client; inside the block joblib uses the ``"dask"`` backend with ``n_jobs=-1``
        (every worker), so estimators left at ``n_jobs=None`` fan out too.

    Notes
    -----
    The client, and the local cluster if one was started, are closed on exit, also when
    the block raises.
    """
    with (
        dask_client(address, n_workers=n_workers, processes=processes) as client,
        joblib.parallel_config(backend="dask", n_jobs=-1),
    ):
        yield client


__all__ = ["ADDRESS_ENV", "on_dask"]
