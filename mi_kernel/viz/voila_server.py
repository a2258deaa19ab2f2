"""Voila, as ``mi dashboards`` runs it: ``python -m mi_kernel.viz.voila_server <voila args>``.

One change to how the server talks to its kernels. Voila renders each preheated kernel's
notebook with nbclient, whose wait for a cell's reply is one asyncio poll on the kernel's
ZMQ socket with no timeout. ZMQ signals a socket's readiness on an edge-triggered file
descriptor; with several kernel clients in one event loop (Voila's pool renders while visitors'
pages run), that edge is now and then consumed without waking the poll. The reply then sits
in the socket and the poll waits for ever: the kernel is idle, the page stays on "Executing 3
of 3" and Voila never finishes it (measured: about 1 render in 10 on a loaded 2-core machine,
with ipykernel 7 and 6 alike; pyzmq 27.3, jupyter_client 8.10, nbclient 0.11).

Here the wait is sliced: each poll lasts at most :data:`SLICE` seconds, and pyzmq ends a poll
that times out with a direct ``zmq_poll`` of the socket, which sees a waiting message whether
or not its edge was seen. A missed wake-up costs at most a slice instead of the page.
"""

from __future__ import annotations

import sys
import time
from typing import Any

#: the longest one poll of a kernel socket waits before looking at the socket directly (s)
SLICE = 0.25


def patch_kernel_channels() -> None:
    """Make jupyter_client's asyncio channels wait for a message in slices (idempotent)."""
    from queue import Empty

    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, "_mi_sliced", False):
        return

    async def get_msg(self: Any, timeout: float | None = None) -> dict[str, Any]:
        """Gets a message if there is one that is ready (waiting at most ``timeout`` s)."""
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            if await self.socket.poll(int(min(SLICE, left) * 1000)):
                return await self._recv()  # type: ignore[no-any-return]
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty

    get_msg._mi_sliced = True  # type: ignore[attr-defined]
    AsyncZMQSocketChannel.get_msg = get_msg  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    patch_kernel_channels()
    from voila.app import main as voila_main

    sys.argv = ["voila", *(sys.argv[1:] if argv is None else argv)]
    return int(voila_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
