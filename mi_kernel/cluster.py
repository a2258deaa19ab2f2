"""One way to get a Dask cluster: the user's, or a LocalCluster on 127.0.0.1.

The same code runs on a laptop and on a cluster. With no address, a ``distributed.LocalCluster``
is started for the block (no dashboard, bound to 127.0.0.1) and closed after it. With an
address — ``address=``, ``mi ... --dask tcp://host:8786``, or the ``MI_DASK_SCHEDULER``
environment variable — the client connects to that scheduler: a cluster started by
``dask-scheduler``/``dask-worker``, dask-kubernetes or dask-jobqueue. The platform never
writes its own scheduler. Workers of a user's cluster need this package installed (the same
lock file) and, for pipeline sweeps, the runs root on a shared file system.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

#: Environment variables naming an existing scheduler (the second is the older name).
ADDRESS_ENV = ("MI_DASK_SCHEDULER", "MI_DASK_ADDRESS")


def scheduler_address(address: str | None = None) -> str | None:
    """``address``, else the first of :data:`ADDRESS_ENV` set, else None (a local cluster)."""
    return address or next((os.environ[k] for k in ADDRESS_ENV if os.environ.get(k)), None)


@contextmanager
def dask_client(
    address: str | None = None, n_workers: int = 2, processes: bool = True
) -> Iterator[Any]:
    """Yield a ``distributed.Client`` to the user's cluster or to a new LocalCluster.

    Parameters
    ----------
    address : str, optional
        Scheduler address (see :func:`scheduler_address`).
    n_workers : int, default 2
        Workers of a local cluster, one thread each.
    processes : bool, default True
        Local workers as processes listening on 127.0.0.1 (True), or threads of this process
        talking in-process, opening no port (False).

    The client, and the local cluster if one was started, are closed on exit, also when the
    block raises.
    """
    from distributed import Client, LocalCluster  # heavy: imported only when used

    address = scheduler_address(address)
    with ExitStack() as stack:
        if address:
            yield stack.enter_context(Client(address))
            return
        where = {"host": "127.0.0.1"} if processes else {"protocol": "inproc"}
        cluster = stack.enter_context(
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                **where,
            )
        )
        yield stack.enter_context(Client(cluster))


@contextmanager
def on_dask(
    address: str | None = None, n_workers: int = 2, processes: bool = False
) -> Iterator[Any]:
    """Connect to (or start) a Dask cluster and route joblib's parallel work to it.

    Everything in the kernel that runs in parallel goes through joblib — CV folds and searches
    (scikit-learn, :class:`~mi_kernel.model_selection.OptunaSearchCV`), Monte Carlo chunks
    (:func:`mi_kernel.risk.var_es`) — so this one block moves it onto Dask unchanged::

        with on_dask():
            search.fit(X, y, groups=ts)

    The results are those of the serial path: the same tasks run, only elsewhere.

    Parameters
    ----------
    address : str, optional
        Scheduler address (see :func:`scheduler_address`); else a new ``LocalCluster`` on
        127.0.0.1 (no dashboard) that lives for the block.
    n_workers : int, default 2
        Workers of a local cluster, one thread each.
    processes : bool, default False
        Local workers as processes listening on 127.0.0.1 (True) or threads of this
        process talking in-process, opening no port (False).

    Yields
    ------
    distributed.Client
        The client; inside the block joblib uses the ``"dask"`` backend with ``n_jobs=-1``
        (every worker), so work left at ``n_jobs=None`` fans out too.
    """
    import joblib

    with (
        dask_client(address, n_workers=n_workers, processes=processes) as client,
        joblib.parallel_config(backend="dask", n_jobs=-1),
    ):
        yield client


__all__ = ["ADDRESS_ENV", "dask_client", "on_dask", "scheduler_address"]
