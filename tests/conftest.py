import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _outputs_to_tmp(tmp_path_factory):
    """Tests write figures and the result store to temporary folders, never into the
    repository's figures/ or .simlab-cache/ (a fresh store per session: a test never reads a
    result computed by another version of the code)."""
    os.environ["SIMLAB_FIGURES"] = str(tmp_path_factory.mktemp("figures"))
    os.environ["SIMLAB_CACHE"] = str(tmp_path_factory.mktemp("store"))
    yield
