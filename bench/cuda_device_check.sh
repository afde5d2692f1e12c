#!/usr/bin/env bash
# The CUDA backend's checks on a machine with a GPU (issue 19), in one short run:
# the GPU-marked tests (bit identity under Pareto noise, the Gaussian ulp bound) and the
# benchmark, its JSON written to ${OUT:-.}/bench-cuda.json. Needs numba-cuda (pip install
# 'simlab[cuda]' or the machine's own); about 2-4 minutes on an H200.
set -u
out="${OUT:-.}"
export PYTHONPATH="${PYTHONPATH:-}:$(pwd)"
python -m pytest -q -p no:cacheprovider -m "cuda" tests/test_cuda.py -rs 2>&1 | tail -25
python bench/engine.py --backend cuda --json --rounds 3 > "$out/bench-cuda.json"
status=$?
cat "$out/bench-cuda.json"
exit $status
