"""The run report opens with no network request and with the decision-support notice on top."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from mi_kernel.errors import ConfigError
from mi_kernel.pipeline import render_report
from mi_kernel.reporting import DECISION_SUPPORT, add_notice
from tests.reporting.offline_checks import (
    external_resources,
    runtime_loaders,
    urls_in_scripts,
)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An executed notebook with what makes the stock template fetch: math, Mermaid, widgets."""
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Run report\nThe Sharpe ratio $S = \\mu / \\sigma$, and $$x^2$$."),
            new_markdown_cell("```mermaid\ngraph LR\n  data --> model\n```"),
            new_code_cell(
                "Markdown(text)",
                execution_count=1,
                outputs=[
                    new_output(
                        "execute_result",
                        data={"text/markdown": "- **alpha** $\\alpha = 0.1$", "text/plain": "md"},
                        execution_count=1,
                    )
                ],
            ),
            new_code_cell(
                "table",
                execution_count=2,
                outputs=[
                    new_output(
                        "execute_result",
                        data={"text/html": "<table><tr><td>0.42</td></tr></table>"},
                        execution_count=2,
                    )
                ],
            ),
        ]
    )
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    path = tmp_path_factory.mktemp("report") / "09_report.ipynb"
    nbformat.write(nb, path)
    return path


def test_report_fetches_nothing_and_opens_with_the_notice(executed: Path) -> None:
    page = render_report(executed, executed.with_suffix(".html")).read_text(encoding="utf-8")
    assert external_resources(page) == []
    assert runtime_loaders(page) == []
    assert urls_in_scripts(page) == []  # no bundle in this page: no address in any script
    notice = page.index(DECISION_SUPPORT)
    assert page.index("<body") < notice < page.index("<main") < page.index(">Run report")
    assert "0.42" in page and "Sharpe ratio" in page  # outputs and text are still there


def test_the_checks_catch_the_stock_template_loaders(executed: Path) -> None:
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter(template_name="lab").from_filename(str(executed))
    assert any("require" in tag for tag in external_resources(page))
    assert any("mathjax" in tag.lower() for tag in external_resources(page))
    # MathJax config, Mermaid's module import, the widgets renderer's script address
    assert set(runtime_loaders(page)) == {"MathJax", "remote import", "remote script"}
    assert DECISION_SUPPORT not in page


def test_notice_needs_a_whole_page() -> None:
    page = add_notice('<html><body class="x"><h1>T</h1></body></html>')
    assert page.startswith('<html><body class="x"><aside')
    assert page.endswith("</aside><h1>T</h1></body></html>")
    with pytest.raises(ConfigError, match="no <body> tag"):
        add_notice("<h1>a fragment</h1>")
