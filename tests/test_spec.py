"""The one route from a description to a run (issue 16): every registered kind builds from a
:class:`Spec`, ``Spec.of(objects)`` round-trips to equal objects and the same bits, and a
:class:`Task` is stored and reused like an engine run."""

import dataclasses

import numpy as np
import pytest

import simlab
from simlab import noise as noise_module
from simlab import problems as problem_module
from simlab.errors import InputError
from simlab.run import Spec, Store, Task, compute, using
from simlab.run.context import reset_tally, tally
from simlab.run.executors import identical
from simlab.schedules import constant, theorem4


def _subclasses(cls):
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_every_noise_law_and_problem_class_is_registered():
    laws = {c for c in _subclasses(noise_module.NoiseLaw) if c.name}
    assert laws == set(noise_module.LAWS.values())
    problems = {c for c in _subclasses(problem_module.Problem) if c.name}
    assert problems == set(problem_module.PROBLEMS.values())


CASES = [
    dict(problem=simlab.ConstrainedQuadratic(dim=2, radius=3.0),
         noise=simlab.Pareto(scale=0.7, tail=1.6, geometry="isotropic"),
         algorithm="proj-gclip", schedule=theorem4(2.0, 1.5, 1.0), alpha=1.5),
    dict(problem=simlab.Quadratic(dim=3), noise=simlab.TwoPoint(p=0.3, success=2.0, failure=-1.0),
         algorithm="gclip", schedule=constant(0.05, 1.0)),
    dict(problem=simlab.NonConvex(dim=1), noise=simlab.Stable(index=1.7, skew=0.5),
         algorithm="sgd", schedule=constant(0.01), x0=[0.3], track_min_grad=True),
    dict(problem=simlab.Quadratic(dim=2), noise=simlab.Gaussian(scale=0.5),
         algorithm=dataclasses.replace(simlab.make_algorithm("adam"), beta2=0.99),
         schedule=None, noise_schedule=np.linspace(1.0, 2.0, 41)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["noise"].name)
def test_spec_of_objects_round_trips_to_the_same_objects_and_bits(case):
    case = dict(case)
    objects = {k: case.pop(k) for k in ("problem", "noise", "algorithm", "schedule")}
    spec = Spec.of(**objects, steps=40, replicas=3, seed=5, checkpoints=[10, 40], **case)
    built = spec.build()
    assert built["problem"] == objects["problem"] and built["noise"] == objects["noise"]
    algorithm = objects["algorithm"]
    assert built["algorithm"] == (simlab.make_algorithm(algorithm)
                                  if isinstance(algorithm, str) else algorithm)
    if objects["schedule"] is not None:
        assert np.array_equal(built["schedule"].step_sizes(40),
                              objects["schedule"].step_sizes(40), equal_nan=True)
        assert np.array_equal(built["schedule"].thresholds(40),
                              objects["schedule"].thresholds(40), equal_nan=True)
    direct = simlab.simulate(**objects, steps=40, replicas=3, seed=5, checkpoints=[10, 40],
                             show_progress=False, **case)
    assert identical(spec.compute(), direct, ignore=("threads", "schedule"))
    # the spec survives its own JSON (the store's sidecar)
    from simlab.run.spec import spec_from_json

    assert spec_from_json(spec.spec()) == spec


def test_zero_chain_pairs_with_its_oracle():
    from simlab.lowerbounds import Theorem6Instance

    instance = Theorem6Instance(alpha=1.5, eps=0.005)
    problem = simlab.problems.ZeroChainProblem(instance=instance)
    oracle = noise_module.ZeroChainOracle.from_instance(instance)
    spec = Spec.of(problem, oracle, "sgd", constant(0.01), steps=5, replicas=2, seed=1)
    built = spec.objects()
    assert built["problem"].instance == instance and built["noise"] == oracle
    with pytest.raises(InputError, match="zero-chain"):
        Spec(problem="quadratic", noise="zero-chain-oracle", algorithm="sgd", steps=5,
             replicas=2)


def test_infinite_parameters_are_canonical_and_nan_is_refused():
    spec = Spec.of(simlab.Quadratic(dim=1), simlab.Gaussian(), "sgd", constant(0.1),
                   steps=3, replicas=1)
    assert dict(spec.schedule_params)["threshold_scale"] == "inf"
    assert np.all(np.isinf(spec.build()["schedule"].thresholds(3)[1:]))
    with pytest.raises(InputError, match="NaN"):
        Spec.from_flat({"problem": "quadratic", "noise": "gaussian", "algorithm": "sgd",
                        "steps": 3, "replicas": 1, "noise.scale": float("nan")})
    with pytest.raises(InputError):
        Spec.from_flat({"problem": "quadratic", "noise": "gaussian", "algorithm": "sgd",
                        "steps": True, "replicas": 1})


def draws(n: int, scale: float, seed: int) -> dict:
    """A tiny task for the tests: n normal draws (numpy's generator, seeded)."""
    return {"x": np.random.default_rng(seed).normal(0.0, scale, n), "label": "normal"}


def test_a_task_is_stored_reused_and_seeded_by_its_spec(tmp_path):
    task = Task("tests.test_spec:draws", {"n": 5, "scale": 2.0})
    same = Task("tests.test_spec:draws", {"scale": 2, "n": 5})
    assert task == same and task.key == same.key and task.seed == same.seed
    assert Task("tests.test_spec:draws", {"n": 5, "scale": 3.0}).seed != task.seed
    with using(store=str(tmp_path)):
        reset_tally()
        first = compute([task])[task]
        assert tally() == {"computed": 1, "cached": 0}
        again = compute([task])[task]
        assert tally() == {"computed": 1, "cached": 1}
    assert np.array_equal(first["x"], again["x"]) and str(again["label"]) == "normal"
    assert Store(tmp_path).status(task) == "ok"


def test_a_tampered_task_sidecar_is_detected(tmp_path):
    import json

    task = Task("tests.test_spec:draws", {"n": 3, "scale": 1.0})
    store = Store(tmp_path)
    store.put(task, task.compute())
    sidecar = tmp_path / f"{task.key}.json"
    meta = json.loads(sidecar.read_text())
    meta["arrays"] = ["x"]  # drop a result name: the checksum covers the sidecar's fields
    sidecar.write_text(json.dumps(meta))
    assert store.status(task) == "corrupt"


def test_bad_tasks_are_input_errors():
    with pytest.raises(InputError):
        Task("no_colon_here")
    with pytest.raises(InputError, match="cannot import"):
        Task("simlab.nothing_here:f").callable()
