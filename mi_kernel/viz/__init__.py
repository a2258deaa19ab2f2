"""Plotting set-up for notebooks and dashboards: Bokeh resources inline, so plots render offline."""

from __future__ import annotations

import contextlib
import logging
import warnings
from typing import Any


def notebook() -> None:
    """Load HoloViews/hvplot with Bokeh's JavaScript inline in this notebook; quiet library noise.

    The inline extension must load *before* ``hvplot.pandas`` is imported: that import loads
    the extension itself with CDN resources, after which an inline request is ignored and
    the saved notebook would show blank plots offline. Every call re-emits the resources (the
    pipeline then stores them once per run: :mod:`mi_kernel.reporting.assets`).

    Panel's loader still names a few stylesheets and a module shim by their CDN address; every
    output of this kernel gets them from the installed ``panel`` instead
    (:func:`offline_outputs`), so executed notebooks, Voila pages and Lab need no network.
    """
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    ip = _ipython()
    if ip is not None:
        offline_outputs(ip)
    import holoviews as hv

    hv.extension("bokeh", inline=True, logo=False)
    import hvplot
    import hvplot.pandas  # (registers .hvplot on pandas)

    # hvplot drops ``hvplot.pandas`` from sys.modules before every cell, so that the next
    # ``import hvplot.pandas`` (in a cell or in any function a cell calls) loads the
    # extension again — from the CDN, after which plots are blank offline. Loaded once
    # inline here, it must not be reloaded: take that hook out.
    hook = getattr(hvplot, "pre_run_cell", None)
    if hook is not None and ip is not None:
        with contextlib.suppress(ValueError):
            ip.events.unregister("pre_run_cell", hook)


def offline_outputs(ip: Any) -> None:
    """Make every display of the IPython shell ``ip`` carry Panel's CDN files inline.

    Both routes an output takes are covered: ``publish_display_data`` (Panel's loader) and the
    display formatter (``display(obj)`` and a cell's last value). Installed once per shell.
    With ``MI_SCRIPTS_DIR`` and ``MI_SCRIPTS_URL`` set (the Voila dashboard's kernels, by
    :func:`mi_kernel.viz.serve.voila_command`), each large script is stored once in that folder
    by its hash and the output loads it from that URL instead of carrying it inline.
    """
    import os
    from pathlib import Path

    from mi_kernel.reporting.assets import externalize_data
    from mi_kernel.reporting.offline import offline_bundle

    if getattr(ip, "_mi_offline", False):
        return
    folder, url = os.environ.get("MI_SCRIPTS_DIR"), os.environ.get("MI_SCRIPTS_URL")

    def clean(data: Any) -> Any:
        data = offline_bundle(data)
        if folder and url and isinstance(data, dict):
            externalize_data(data, Path(folder), base=url)
        return data

    pub, fmt = ip.display_pub, ip.display_formatter
    publish, format_ = pub.publish, fmt.format

    def publish_offline(data: Any, *args: Any, **kwargs: Any) -> Any:
        return publish(clean(data), *args, **kwargs)

    def format_offline(obj: Any, *args: Any, **kwargs: Any) -> Any:
        data, metadata = format_(obj, *args, **kwargs)
        return clean(data), metadata

    pub.publish = publish_offline
    fmt.format = format_offline
    ip._mi_offline = True


def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


__all__ = ["notebook", "offline_outputs"]
