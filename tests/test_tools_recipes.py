"""compute_features finds a recipe's extra inputs (fundamentals, sectors, macro) by itself."""

from __future__ import annotations

import pandas as pd

import mi_kernel as mi
from mi_kernel import data, tools
from mi_kernel.runstore import RunStore, sha256_frame


def test_recipes_get_their_inputs_from_the_bars_lineage(store: RunStore) -> None:
    ctx = mi.session(runs_root=str(store.root))
    bars_uri = tools.fetch_market_data(None, None, None, source="synthetic_bars")
    for recipe in ("technical", "fundamental", "macro"):
        uri = tools.compute_features(bars_uri, recipe)
        table = mi.read_table(uri)
        values = table.drop(columns=["ts", "symbol"])
        assert values.notna().any().any(), recipe
        meta = mi.read_meta(uri)
        assert meta["recipe_id"] == recipe and len(meta["recipe_digest"]) == 16
    fundamentals = mi.read_table(f"run://{ctx.run_id}/features/fundamental.parquet")
    assert {"bp", "ep", "roe", "bp_sn"} <= set(fundamentals.columns)
    inputs = {i.name: i for i in store.seal(ctx.run_id).inputs}  # every catalog read, hashed
    assert {"synthetic_bars", "synthetic_fundamentals", "fama_french", "factor_etfs"} <= set(inputs)
    assert inputs["synthetic_fundamentals"].sha256 == sha256_frame(data.load_fundamentals())
    assert isinstance(fundamentals["ts"].iloc[0], pd.Timestamp)
