"""Large scripts are stored once per run, hashed, and put back exactly for viewers needing them."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from mi_kernel.errors import DataError
from mi_kernel.reporting.assets import (
    SCRIPT_MIMES,
    externalize_notebook,
    internalize_html,
    internalize_notebook,
    link_html,
    loader,
)

BIG = "(function(root){ /* bokeh */ })(window);\n" + "//" + "x" * 40_000
SMALL = "console.log('plot embed');"


def _output(code: str) -> dict:
    return new_output("display_data", data={mime: code for mime in SCRIPT_MIMES})


def _notebook() -> dict:
    return new_notebook(
        cells=[
            new_code_cell("a", outputs=[_output(BIG), _output(SMALL)]),
            new_code_cell("b", outputs=[_output(BIG)]),
        ]
    )


def test_each_large_script_is_stored_once_and_replaced_by_a_loader(tmp_path: Path) -> None:
    nb = _notebook()
    assets = externalize_notebook(nb, tmp_path / "static")
    sha = hashlib.sha256(BIG.encode()).hexdigest()
    assert assets == {sha: len(BIG)}
    assert [p.name for p in (tmp_path / "static").iterdir()] == [f"{sha}.js"]
    assert (tmp_path / "static" / f"{sha}.js").read_text() == BIG
    first, small = nb.cells[0].outputs
    for mime in SCRIPT_MIMES:
        assert first.data[mime] == loader(sha)
        assert small.data[mime] == SMALL  # small scripts stay inline
        assert nb.cells[1].outputs[0].data[mime] == loader(sha)
    assert f"'../static/{sha}.js'" in loader(sha)  # relative to notebooks/ and report/


def test_internalizing_restores_the_notebook_exactly(tmp_path: Path) -> None:
    original = _notebook()
    nb = copy.deepcopy(original)
    externalize_notebook(nb, tmp_path / "static")
    assert nb != original
    sha = hashlib.sha256(BIG.encode()).hexdigest()
    assert internalize_notebook(nb, tmp_path / "static") == {sha}
    assert nb == original


def test_a_page_links_each_script_in_place_and_can_carry_it_again(tmp_path: Path) -> None:
    nb = _notebook()
    (sha,) = externalize_notebook(nb, tmp_path / "static")
    page = f"<script>var element = null;\n{BIG}</script><p>{SMALL}</p>"
    linked = link_html(page, tmp_path / "static", {sha})
    assert linked == (
        "<script>var element = null;\n</script>"
        f'<script src="../static/{sha}.js"></script><script></script><p>{SMALL}</p>'
    )
    assert internalize_html(linked, tmp_path / "static") == (
        f"<script>var element = null;\n</script><script>{BIG}</script><script></script>"
        f"<p>{SMALL}</p>"
    )


def test_a_changed_or_missing_asset_is_refused(tmp_path: Path) -> None:
    nb = _notebook()
    (sha,) = externalize_notebook(nb, tmp_path / "static")
    asset = tmp_path / "static" / f"{sha}.js"
    asset.write_text(BIG.replace("bokeh", "evil!"))
    with pytest.raises(DataError, match="does not match its hash"):
        internalize_notebook(copy.deepcopy(nb), tmp_path / "static")
    asset.unlink()
    with pytest.raises(DataError, match="is missing"):
        internalize_html(f'<script src="../static/{sha}.js"></script>', asset.parent)


def test_a_voila_kernel_links_its_large_scripts_from_the_served_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With MI_SCRIPTS_DIR/URL (set by `voila_command`) every display of the kernel carries a
    loader of /voila/files/… instead of the script; small scripts stay inline."""
    from types import SimpleNamespace

    from mi_kernel.viz import offline_outputs

    sent: list[dict] = []
    pub = SimpleNamespace(publish=lambda data, *a, **k: sent.append(data))
    fmt = SimpleNamespace(format=lambda obj, *a, **k: ({m: obj for m in SCRIPT_MIMES}, {}))
    ip = SimpleNamespace(display_pub=pub, display_formatter=fmt)
    monkeypatch.setenv("MI_SCRIPTS_DIR", str(tmp_path))
    monkeypatch.setenv("MI_SCRIPTS_URL", "/voila/files/_scripts/")
    offline_outputs(ip)
    ip.display_pub.publish({m: BIG for m in SCRIPT_MIMES})
    formatted, _ = ip.display_formatter.format(SMALL)
    sha = hashlib.sha256(BIG.encode()).hexdigest()
    assert sent[0]["application/javascript"] == loader(sha, "/voila/files/_scripts/")
    assert (tmp_path / f"{sha}.js").read_text() == BIG
    assert formatted["application/javascript"] == SMALL
    assert [p.name for p in tmp_path.iterdir()] == [f"{sha}.js"]
