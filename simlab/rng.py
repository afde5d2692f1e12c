"""The one seed rule, and the key of a replica's counter-based stream.

**Seeds.** A run's seed is either given explicitly (common random numbers: give two runs the
same seed and they see the same draws) or derived from what the run *is*: :func:`seed_of` is the
first 63 bits of the sha256 of the canonical JSON of the run's spec (benchopt's lesson: never
from the order of execution). A spec's seed is derived from the spec *without* its seed and
without the simlab version, so a version bump changes store keys but not the streams. An
experiment that wants common random numbers across the cells of a comparison derives one seed
from a tag it names (``seed_of({"experiment": "rates", "tag": ...})``): the same rule, applied
to a description shared by the cells.

**Streams.** Word n of replica r is ``mix64(replica_key(seed_key(seed), r) + n * golden)``
(SplitMix64 finaliser; :mod:`simlab._kernels` holds the jitted pieces so that numba's cache sees
them beside the kernels that inline them). Every replica's stream depends only on
``(seed, r)``: results are bit-identical whatever the thread count, executor or chunking.
"""

from __future__ import annotations

import hashlib
import json
import numpy as np

from simlab import _kernels as kernels
from simlab.errors import InputError


def canonical_json(obj) -> str:
    """Sorted keys, no spaces, no NaN: the text every hash in simlab is taken of."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def seed_of(description) -> int:
    """The seed of a run (or of a family of runs sharing draws): the first 63 bits of the
    sha256 of ``canonical_json(description)``."""
    digest = hashlib.sha256(canonical_json(description).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def check_seed(seed) -> int:
    """A seed is a whole number (any sign; reduced modulo 2^64 by :func:`seed_key`)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be a whole number, got {seed!r}")
    return int(seed)


def seed_key(seed: int) -> np.uint64:
    """The 64-bit key of a user seed (any integer, reduced modulo 2^64)."""
    return np.uint64(kernels.mix64(np.uint64(check_seed(seed) % 2 ** 64)))


__all__ = ["canonical_json", "check_seed", "seed_key", "seed_of"]
