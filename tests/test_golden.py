"""Pins taken before the pipeline refactor (issue 16): every claim's verdict and the bits of a
few engine cells. A change that moves either must say so (and regenerate these files on purpose).

Regenerate only deliberately: the verdicts with ``simlab verify --json``, the hashes with the
``digest`` below. A mutation check: editing any recorded hash or verdict makes its test fail.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

GOLDEN = Path(__file__).parent / "golden"


def digest(result) -> str:
    """sha256 over every array of a Result (metrics by name, divergence, x_K, checkpoints)."""
    h = hashlib.sha256()
    for name in sorted(result.metrics):
        h.update(name.encode())
        h.update(np.ascontiguousarray(result.metrics[name]).tobytes())
    h.update(result.diverged_step.tobytes())
    h.update(np.ascontiguousarray(result.final_iterates).tobytes())
    h.update(np.asarray(result.checkpoints).tobytes())
    return h.hexdigest()


CELLS = json.loads((GOLDEN / "cell_hashes.json").read_text())


@pytest.mark.parametrize("case", CELLS, ids=[f"{c['spec']['algorithm']}-{c['spec']['noise']}"
                                             for c in CELLS])
def test_cell_bits_are_pinned(case):
    from simlab.sweep import Cell, run_cell

    assert digest(run_cell(Cell.from_flat(case["spec"]))) == case["sha256"]


def test_claim_verdicts_are_pinned():
    from simlab.claims import verify

    pinned = json.loads((GOLDEN / "claim_verdicts.json").read_text())
    got = {record["id"]: record["verdict"] for record in verify()}
    changed = {key: (pinned.get(key), got.get(key)) for key in set(pinned) | set(got)
               if pinned.get(key) != got.get(key)}
    assert not changed, f"claim verdicts moved (pinned, now): {changed}"
