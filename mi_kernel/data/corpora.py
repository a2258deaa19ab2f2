"""Text corpora extracted at setup time (``make corpora``), read offline.

The Reuters-21578 stories that R's ``tm`` package ships (Debian ``r-cran-tm``): 50 ``acq``
(acquisitions) and 20 ``crude`` (oil) stories plus the first 10 of the collection, one XML
file per story, with the wire time, title, body and the collection's topic labels. ``make
corpora`` downloads the .deb from the Debian archive and extracts them into
``.cache/corpora/reuters21578`` (or ``$MI_CORPORA_DIR``); nothing is fetched at run time.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pandas as pd

from mi_kernel.data.documents import document_table
from mi_kernel.errors import ConfigError

REUTERS = "reuters21578"
#: Tickers the wire put in angle brackets, e.g. ``COMPUTER TERMINAL SYSTEMS <CPML>``.
_WIRE_TICKER = re.compile(r"<([A-Z][A-Z.]{0,5})>")


def corpora_dir() -> Path:
    """Return the folder holding the extracted corpora (``$MI_CORPORA_DIR`` or ``.cache/``)."""
    env = os.environ.get("MI_CORPORA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / ".cache" / "corpora"


def reuters_dir() -> Path:
    """Return the extracted Reuters-21578 folder, or raise a ConfigError saying how to get it."""
    path = corpora_dir() / REUTERS
    if not (path / "acq").is_dir():
        raise ConfigError(
            f"the Reuters-21578 corpus is not extracted at {path}: run `make corpora` "
            "(it downloads Debian's r-cran-tm package once and extracts its texts), or set "
            "MI_CORPORA_DIR to a folder holding reuters21578/"
        )
    return path


def _stories(path: Path) -> list[tuple[str, ET.Element]]:
    """(subset/NEWID, element) of every story: acq, crude, then the collection sample."""
    out: list[tuple[str, ET.Element]] = []
    for subset in ("acq", "crude"):
        for file in sorted((path / subset).glob("*.xml")):
            out.append((subset, ET.parse(file).getroot()))
    sample = path / "reuters-21578.xml"
    if sample.exists():
        out += [("sample", e) for e in ET.parse(sample).getroot()]
    return [(f"{subset}/{int(e.get('NEWID', '0')):07d}", e) for subset, e in out]


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None else ""


def _body(element: ET.Element) -> str:
    found = element.find("TEXT/BODY")
    text = found.text or "" if found is not None else ""
    return re.sub(r"\s*\bReuter\s*$", "", text.strip()).strip()


@cache
def _reuters() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, labels = [], []
    for ref, story in _stories(reuters_dir()):
        when = pd.to_datetime(_text(story, "DATE"), format="%d-%b-%Y %H:%M:%S.%f", utc=True)
        title = _text(story, "TEXT/TITLE")
        body = _body(story)
        rows.append(
            {
                "source": REUTERS,
                "published_at": when,
                "known_at": when,
                "title": title,
                "body": body,
                "tickers": sorted(set(_WIRE_TICKER.findall(title))),
                "ref": f"{REUTERS}/{ref}",
            }
        )
        topics = [d.text or "" for d in story.findall("TOPICS/D")]
        labels.append({"ref": f"{REUTERS}/{ref}", "topics": topics, "newid": story.get("NEWID")})
    docs = document_table(rows)
    lab = pd.DataFrame(labels).merge(docs[["doc_id", "ref"]], on="ref")
    return docs, lab[["doc_id", "ref", "newid", "topics"]]


def reuters_documents() -> pd.DataFrame:
    """Return the Reuters-21578 stories as a ``documents`` table (known_at = wire time)."""
    return _reuters()[0].copy()


def reuters_topics() -> pd.DataFrame:
    """Return the collection's labels per story: doc_id, ref, newid, topics (list of str)."""
    return _reuters()[1].copy()
