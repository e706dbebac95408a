"""FittedModel files: bit-identical reload, atomic writes, and clear errors for damaged files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lr import files
from autograd_lr.problems import make_problem
from autograd_lr.training.persistence import FittedModel, load_model, save_model


def _model(n_x: int = 3, seed: int = 0) -> FittedModel:
    w, b, X, _ = make_problem(n_x, 20, seed=seed)
    return FittedModel(
        w=w,
        b=b,
        feature_names=tuple(f"feature {j}" for j in range(n_x)),
        target="diagnosis",
        mean=X.mean(axis=1, keepdims=True),
        std=X.std(axis=1, keepdims=True),
        label_mapping={"B": 0, "M": 1},
        class_names=("B", "M"),
        metadata={"solver": "gd", "iterations": 12, "final_cost": 0.1 + 0.2, "seed": None},
    )


def _bits(array: np.ndarray | None) -> bytes:
    assert array is not None
    return np.ascontiguousarray(array, dtype=np.float64).view(np.uint64).tobytes()


def test_save_and_load_is_bit_identical(tmp_path: Path) -> None:
    model = _model()
    path = save_model(model, tmp_path / "run")
    assert path == tmp_path / "run" / "model.json"
    back = load_model(tmp_path / "run")  # the directory or the file both work
    assert _bits(back.w) == _bits(model.w) and back.w.shape == (3, 1)
    assert np.float64(back.b).tobytes() == np.float64(model.b).tobytes()
    assert _bits(back.mean) == _bits(model.mean) and _bits(back.std) == _bits(model.std)
    assert back.feature_names == model.feature_names and back.target == "diagnosis"
    assert back.label_mapping == {"B": 0, "M": 1} and back.class_names == ("B", "M")
    assert back.metadata == model.metadata
    assert _bits(load_model(path).w) == _bits(back.w)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=2, max_size=6))
def test_any_finite_float64_survives_the_round_trip(values: list[float]) -> None:
    """Extremes, subnormals and -0.0 included: repr is the shortest exact decimal."""
    w = np.array(values[:-1]).reshape(-1, 1)
    model = FittedModel(w=w, b=values[-1], feature_names=tuple(f"x{j}" for j in range(w.shape[0])))
    with tempfile.TemporaryDirectory() as tmp:
        back = load_model(save_model(model, Path(tmp)))
    assert _bits(back.w) == _bits(w)
    assert np.float64(back.b).tobytes() == np.float64(values[-1]).tobytes()


def test_the_file_is_plain_json_never_pickle(tmp_path: Path) -> None:
    path = save_model(_model(), tmp_path)
    document = json.loads(path.read_text())
    assert document["format"] == "autograd-lr-model" and document["format_version"] == 1
    assert document["payload"]["parameters"]["w"] == [float(v) for v in _model().w.ravel()]
    assert not path.read_bytes().startswith(b"\x80")  # the pickle protocol marker


@pytest.mark.parametrize("keep", [0, 1, 40, 200, -3])
def test_a_truncated_file_gives_a_clear_error(tmp_path: Path, keep: int) -> None:
    path = save_model(_model(), tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    with pytest.raises(ValueError, match=r"model\.json: the model file is truncated or corrupted"):
        load_model(path)


def test_every_truncation_is_caught(tmp_path: Path) -> None:
    """Cut anywhere before the final ``}``: never a model, always the same ValueError."""
    path = save_model(FittedModel(w=np.array([[0.25]]), b=-1.5, feature_names=("x",)), tmp_path)
    data = path.read_bytes()
    end = data.rstrip().rfind(b"}")
    for keep in range(end):
        path.write_bytes(data[:keep])
        with pytest.raises(ValueError, match="truncated or corrupted"):
            load_model(path)


def test_a_changed_digit_fails_the_checksum(tmp_path: Path) -> None:
    model = _model()
    path = save_model(model, tmp_path)
    text = path.read_text()
    weight = repr(float(model.w[1, 0]))
    last = weight[-1]
    changed = weight[:-1] + ("1" if last != "1" else "2")
    assert text.count(weight) == 1
    path.write_text(text.replace(weight, changed))
    with pytest.raises(ValueError, match=r"do not match its SHA-256 checksum"):
        load_model(path)


def test_reformatting_the_json_is_not_corruption(tmp_path: Path) -> None:
    model = _model()
    path = save_model(model, tmp_path)
    document = json.loads(path.read_text())
    path.write_text(json.dumps(document, indent=None, sort_keys=True))
    assert _bits(load_model(path).w) == _bits(model.w)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format="other"), r"not an autograd-lr model file"),
        (lambda d: d.update(format_version=2), r"model format version 2"),
        (lambda d: d.pop("sha256"), r"corrupted \(no payload or checksum\)"),
        (lambda d: d["payload"]["parameters"].update(b=float("nan")), r"corrupted"),
    ],
)
def test_other_damage_is_named(tmp_path: Path, edit, message: str) -> None:
    path = save_model(_model(), tmp_path)
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message):
        load_model(path)


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_model(tmp_path)


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path, monkeypatch) -> None:
    old = _model(seed=1)
    path = save_model(old, tmp_path)
    before = path.read_bytes()

    def crash(fd: int) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(files.os, "fsync", crash)
    with pytest.raises(OSError, match="simulated"):
        save_model(_model(seed=2), tmp_path)
    assert path.read_bytes() == before  # the old model is intact
    assert sorted(os.listdir(tmp_path)) == ["model.json"]  # no temporary file left


def test_refuses_to_save_non_finite_or_unserializable_models(tmp_path: Path) -> None:
    model = _model()
    bad_w = FittedModel(**{**model.__dict__, "w": np.array([[np.nan], [0.0], [1.0]])})
    with pytest.raises(ValueError, match="w holds NaN or inf"):
        save_model(bad_w, tmp_path)
    bad_meta = FittedModel(**{**model.__dict__, "metadata": {"when": object()}})
    with pytest.raises(ValueError, match="metadata must be plain JSON"):
        save_model(bad_meta, tmp_path)
    assert not (tmp_path / "model.json").exists()


def test_model_predicts_with_the_stored_standardization() -> None:
    model = _model()
    X = np.random.default_rng(0).normal(size=(3, 7))
    assert model.mean is not None and model.std is not None
    Z = model.w.T @ ((X - model.mean) / model.std) + model.b
    np.testing.assert_allclose(model.probabilities(X), 1 / (1 + np.exp(-Z)), rtol=1e-14)
    np.testing.assert_array_equal(model.predict(X), (Z > 0).astype(float))
    with pytest.raises(ValueError, match=r"X must have shape \(n_x, m\) = \(3, m\)"):
        model.probabilities(X.T)


def test_the_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    """0666 minus the umask, as any file the user writes (not the 0600 of a temp file)."""
    import stat

    umask = os.umask(0o022)
    os.umask(umask)
    path = save_model(_model(), tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
