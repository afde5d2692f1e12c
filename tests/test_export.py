"""Data out (issue 20 item 3): Result.to_xarray, summary labelled by checkpoint, and
``simlab cache export --format netcdf|parquet``.

The tiny store: two engine cells (GClip and SGD on a 3-d quadratic, Pareto(2.5) noise, 8
replicas x 50 steps, seeds derived from the specs) and one task cell. The checks are exact
(equality of the stored arrays after the round trip), not statistical.
"""

import json
import sys

import numpy as np
import pytest

from simlab.cli import main
from simlab.errors import InputError
from simlab.problems import Quadratic
from simlab.noise import Pareto
from simlab.run.engine import simulate
from simlab.run.result import METRICS, Result
from simlab.run.spec import Spec, Task
from simlab.run.store import Store
from simlab.schedules import constant


def _spec(algorithm):
    return Spec.of(Quadratic(dim=3), Pareto(tail=2.5), algorithm, constant(0.05, 1.0), steps=50,
                   replicas=8, checkpoints=[1, 10, 50])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("store"))
    for algorithm in ("gclip", "sgd"):
        spec = _spec(algorithm)
        store.put(spec, simulate(**spec.build(), show_progress=False))
    store.put(Task(function="numpy:arange", params={"stop": 3}, seed=False),
              {"values": np.arange(3.0), "matrix": np.ones((2, 2)), "name": np.array("x")})
    return store


def _result(store, algorithm="gclip"):
    return store.get(_spec(algorithm))


def test_to_xarray_round_trip(store, tmp_path):
    xr = pytest.importorskip("xarray")
    result = _result(store)
    ds = result.to_xarray()
    assert dict(ds.sizes) == {"replica": 8, "checkpoint": 3, "coordinate": 3}
    assert ds["checkpoint"].values.tolist() == [1, 10, 50]
    assert set(METRICS) <= set(ds.data_vars)
    assert ds["error"].dims == ("replica", "checkpoint")
    assert ds["diverged_step"].dims == ("replica",)
    assert ds["error"].attrs["description"] == "f(x_k) - f*"
    assert ds.attrs["algorithm"] == "gclip" and ds.attrs["steps"] == 50
    assert json.loads(ds.attrs["schedule"]) == result.params["schedule"]
    for back in (Result.from_xarray(ds), Result.from_xarray(_netcdf_round_trip(xr, ds, tmp_path))):
        assert back.params == result.params
        np.testing.assert_array_equal(back.checkpoints, result.checkpoints)
        for name in METRICS:
            np.testing.assert_array_equal(back.metrics[name], result.metrics[name])
        np.testing.assert_array_equal(back.diverged_step, result.diverged_step)
        np.testing.assert_array_equal(back.final_iterates, result.final_iterates)
        assert back.quantiles == result.quantiles
    with pytest.raises(InputError, match="simlab_params"):
        Result.from_xarray(xr.Dataset())


def _netcdf_round_trip(xr, ds, tmp_path):
    pytest.importorskip("h5netcdf")
    path = tmp_path / "one.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as opened:
        return opened.load()


def test_summary_is_labelled_by_checkpoint(store):
    result = _result(store)
    summary = result.summary("error")
    assert summary["checkpoints"].tolist() == [1, 10, 50]
    assert len(summary["mean"]) == len(summary["checkpoints"])
    # to_dict keeps its fields: the checkpoints once, at the top
    as_dict = result.to_dict()
    assert "checkpoints" not in as_dict["metrics"]["error"]
    assert as_dict["checkpoints"].tolist() == [1, 10, 50]


def test_export_netcdf(store, tmp_path, capsys):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    path = tmp_path / "store.nc"
    assert main(["cache", "export", str(path), "--format", "netcdf", "--store",
                 str(store.root), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cells"] == 3 and out["format"] == "netcdf"
    gclip = _spec("gclip")
    with xr.open_dataset(path, group=gclip.key, engine="h5netcdf") as ds:
        back = Result.from_xarray(ds.load())
        assert json.loads(ds.attrs["cell"]) == gclip.spec()
    np.testing.assert_array_equal(back.metrics["error"], _result(store).metrics["error"])
    task = Task(function="numpy:arange", params={"stop": 3}, seed=False)
    with xr.open_dataset(path, group=task.key, engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds["values"].values, np.arange(3.0))
        assert ds["matrix"].shape == (2, 2) and ds.attrs["kind"] == "task"


def test_export_parquet(store, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "store.parquet"
    assert main(["cache", "export", str(path), "--format", "parquet", "--store",
                 str(store.root)]) == 0
    assert "exported 2 cells, 48 rows" in capsys.readouterr().out
    table = pq.read_table(path).to_pylist()
    assert len(table) == 2 * 8 * 3  # cells x replicas x checkpoints
    result = _result(store)
    key = _spec("gclip").key
    rows = [row for row in table if row["key"] == key]
    got = np.array([[row["error"] for row in rows if row["replica"] == r] for r in range(8)])
    np.testing.assert_array_equal(got, result.metrics["error"])
    assert {row["checkpoint"] for row in rows} == {1, 10, 50}
    assert rows[0]["param_algorithm"] == "gclip" and rows[0]["param_steps"] == 50
    assert rows[0]["diverged_step"] == result.diverged_step[0]


def test_export_skips_what_it_cannot_write(store, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    assert main(["cache", "export", str(tmp_path / "t.parquet"), "--format", "parquet",
                 "--store", str(store.root), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["kind"] for s in out["skipped"]] == ["task"]


@pytest.mark.parametrize("missing, argv", [
    ("xarray", ["--format", "netcdf"]), ("h5netcdf", ["--format", "netcdf"]),
    ("pyarrow", ["--format", "parquet"])])
def test_missing_package_is_one_line_exit_2(store, tmp_path, capsys, monkeypatch, missing, argv):
    for name in [m for m in sys.modules if m == missing or m.startswith(missing + ".")]:
        monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError
    monkeypatch.setitem(sys.modules, missing, None)
    path = tmp_path / "out"
    assert main(["cache", "export", str(path), *argv, "--store", str(store.root)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"optional package {missing}" in err
    assert "simlab[data]" in err and not path.exists()


def test_to_xarray_without_xarray_is_an_input_error(store, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(InputError, match="Result.to_xarray needs the optional package xarray"):
        _result(store).to_xarray()


def test_export_usage_errors(store, tmp_path, capsys):
    assert main(["cache", "export", "--store", str(store.root)]) == 2
    assert "needs --format" in capsys.readouterr().err
    assert main(["cache", "export", str(tmp_path), "--format", "parquet",
                 "--store", str(store.root)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["cache", "list", "x.nc", "--store", str(store.root)]) == 2
