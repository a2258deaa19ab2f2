"""Voila, as ``mi dashboards`` runs it: ``python -m mi_kernel.viz.voila_server <voila args>``.

Voila, with its kernel replies waited for in slices
(:func:`mi_kernel.pipeline.kernels.patch_kernel_channels`, which says why): with one unbounded
wait, a lost ZMQ wake-up left about one page in ten on "Executing 3 of 3" for ever.
"""

from __future__ import annotations

import sys

from mi_kernel.pipeline.kernels import patch_kernel_channels

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    patch_kernel_channels()
    from voila.app import main as voila_main

    sys.argv = ["voila", *(sys.argv[1:] if argv is None else argv)]
    return int(voila_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
