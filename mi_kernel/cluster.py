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


__all__ = ["ADDRESS_ENV", "dask_client", "scheduler_address"]
