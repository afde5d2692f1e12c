import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _figures_to_tmp(tmp_path_factory):
    """Tests write figures to a temporary folder, never into the repository's figures/."""
    os.environ["SIMLAB_FIGURES"] = str(tmp_path_factory.mktemp("figures"))
    yield
