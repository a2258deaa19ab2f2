"""Voila, as ``mi dashboards`` runs it: ``python -m mi_kernel.viz.voila_server <voila args>``.

One change to how the server talks to its kernels. Voila renders each preheated kernel's
notebook with nbclient, whose wait for a cell's reply is one asyncio poll on the kernel's
ZMQ socket with no timeout. ZMQ signals a socket's readiness on an edge-triggered file
descriptor; with several kernel clients in one event loop (Voila's pool renders while visitors'
pages run), that edge is now and then consumed without waking the poll. The reply then sits
in the socket and the poll waits for ever: the kernel is idle, the page stays on "Executing 3
of 3" and Voila never finishes it (measured: about 1 render in 10 on a loaded 2-core machine,
with ipykernel 7 and 6 alike; pyzmq 27.3, jupyter_client 8.10, nbclient 0.11).

Here the wait is sliced (:func:`mi_kernel.pipeline.kernels.patch_kernel_channels`, which the
pipeline's kernels use too): a missed wake-up costs at most a quarter second, not the page.
"""

from __future__ import annotations

import sys

from mi_kernel.pipeline.kernels import SLICE, patch_kernel_channels

__all__ = ["SLICE", "main", "patch_kernel_channels"]


def main(argv: list[str] | None = None) -> int:
    patch_kernel_channels()
    from voila.app import main as voila_main

    sys.argv = ["voila", *(sys.argv[1:] if argv is None else argv)]
    return int(voila_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
