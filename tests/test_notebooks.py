"""The notebooks: paired with jupytext, committed without outputs, executed in quick mode."""

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))


def test_there_are_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"zhang2020", "zhiyi_ziyin", "preprints", "byo"}


@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda p: p.stem)
def test_paired_ipynb_matches_and_has_no_outputs(script):
    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: run jupytext --sync {script}"
    notebook = nbformat.read(paired, as_version=4)
    text = jupytext.read(script)
    assert [c.source for c in notebook.cells] == [c.source for c in text.cells]
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


@pytest.mark.notebook
@pytest.mark.parametrize("script", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_in_quick_mode(script, tmp_path):
    notebook = jupytext.read(script)
    os.environ["SIMLAB_QUICK"] = "1"
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
