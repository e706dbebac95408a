r"""Save and load a trained model: its parameters and JSON metadata, in one checksummed file.

A model is :math:`w (n_x, 1)`, :math:`b`, and what is needed to use it on new data: the
feature names (which columns, in which order), the standardization's training mean and
standard deviation, and the label mapping / class names. The file is plain JSON
(``model.json``), so it can be read by eye and by any language; nothing is pickled, so
loading a file never runs code.

- **Bit-identical**: floats are written with Python's ``repr``, the shortest decimal that
  reads back to the same float64, so ``load_model(save_model(...))`` returns the very
  same bits (NaN and inf are refused: a trained model never holds them).
- **Atomic**: the file is written to a temporary file in the same directory, flushed to
  disk, then renamed over the target with ``os.replace``; a crash mid-write leaves
  either the old file or the new one, never half of one.
- **Checked**: the file stores the SHA-256 of its payload; a truncated or edited file
  gives a ``ValueError`` saying so, instead of a model with wrong numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr import forward
from autograd_lr.files import atomic_write_bytes

FORMAT = "autograd-lr-model"
FORMAT_VERSION = 1
MODEL_FILE = "model.json"


@dataclass(frozen=True)
class FittedModel:
    r"""A trained logistic regression, ready to predict.

    ``w (n_x, 1)``, scalar ``b``; ``mean`` and ``std`` ``(n_x, 1)`` (or ``None``) are the
    training statistics applied to new data first, :math:`x \mapsto (x - \mu)/s`.
    ``label_mapping`` maps the labels of the training file to 0/1 (empty when they were
    0/1 already); ``class_names`` name class 0 and class 1; ``metadata`` is free JSON
    (solver, λ, iterations, final cost, accuracies, ...).
    """

    w: np.ndarray
    b: float
    feature_names: tuple[str, ...]
    target: str = ""
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    label_mapping: dict[str, int] = field(default_factory=dict)
    class_names: tuple[str, str] = ("0", "1")
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def n_x(self) -> int:
        return int(self.w.shape[0])

    def probabilities(self, X: Any) -> np.ndarray:
        r""":math:`A = \sigma(w^\top \tilde X + b)` with :math:`\tilde X = (X - \mu)/s`; ``X (n_x, m)`` -> ``(1, m)``."""
        return np.asarray(forward.sigmoid(self.logits(X)))

    def logits(self, X: Any) -> np.ndarray:
        r""":math:`Z = w^\top \tilde X + b` with :math:`\tilde X = (X - \mu)/s`; ``X (n_x, m)`` -> ``(1, m)``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != self.n_x:
            raise ValueError(
                f"X must have shape (n_x, m) = ({self.n_x}, m), one column per example with "
                f"the model's {self.n_x} features; got {X.shape}"
            )
        if self.mean is not None and self.std is not None:
            X = (X - self.mean) / self.std
        return np.asarray(forward.logits(self.w, self.b, X))

    def predict(self, X: Any) -> np.ndarray:
        r"""Labels 0/1 by :func:`autograd_lr.forward.predict_labels`; ``X (n_x, m)`` -> ``(1, m)``."""
        return np.asarray(forward.predict_labels(self.logits(X)), dtype=np.float64)


def _floats(array: np.ndarray | None, name: str) -> list[float] | None:
    if array is None:
        return None
    values = [float(v) for v in np.asarray(array, dtype=np.float64).ravel()]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"cannot save the model: {name} holds NaN or inf")
    return values


def _payload(model: FittedModel) -> dict[str, Any]:
    if not math.isfinite(model.b):
        raise ValueError(f"cannot save the model: b is {model.b}")
    if len(model.feature_names) != model.n_x:
        raise ValueError(
            f"cannot save the model: {len(model.feature_names)} feature names for "
            f"w of shape {model.w.shape}"
        )
    return {
        "parameters": {"w": _floats(model.w, "w"), "b": float(model.b)},
        "features": list(model.feature_names),
        "target": model.target,
        "standardization": None
        if model.mean is None
        else {"mean": _floats(model.mean, "mean"), "std": _floats(model.std, "std")},
        "labels": {"mapping": dict(model.label_mapping), "class_names": list(model.class_names)},
        "metadata": model.metadata,
    }


def _canonical(payload: dict[str, Any]) -> bytes:
    """The bytes the checksum covers: sorted keys, no spaces, ASCII, floats by ``repr``."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def save_model(model: FittedModel, path: str | Path) -> Path:
    """Write ``model`` to ``path`` (a directory gets ``model.json`` inside), atomically.

    Returns the file written. The directory is created if needed.
    """
    path = Path(path)
    if path.suffix != ".json":
        path = path / MODEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = _payload(model)
    try:
        checksum = hashlib.sha256(_canonical(payload)).hexdigest()
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"cannot save the model: its metadata must be plain JSON (str, int, float, "
            f"bool, None, lists and dicts with str keys) and finite ({exc})"
        ) from None
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sha256": checksum,
        "payload": payload,
    }
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode())
    return path


def load_model(path: str | Path) -> FittedModel:
    """Read a model written by :func:`save_model` (a ``model.json`` file or its directory).

    Raises ``FileNotFoundError`` if there is none, and ``ValueError`` naming the problem
    if the file is truncated, corrupted (checksum mismatch) or not a model.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no model file (train one with `autograd-lr train`)")
    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{path}: the model file is truncated or corrupted ({len(raw)} bytes, not valid "
            f"JSON: {exc}); train the model again or restore the file"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'{path}: not an autograd-lr model file (no "format": "{FORMAT}")')
    if document.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path}: model format version {document.get('format_version')!r}; this "
            f"autograd-lr reads version {FORMAT_VERSION}"
        )
    payload = document.get("payload")
    expected = document.get("sha256")
    if not isinstance(payload, dict) or not isinstance(expected, str):
        raise ValueError(f"{path}: the model file is corrupted (no payload or checksum)")
    try:
        actual = hashlib.sha256(_canonical(payload)).hexdigest()
    except ValueError as exc:  # NaN/inf in an edited file
        raise ValueError(f"{path}: the model file is corrupted ({exc})") from None
    if actual != expected:
        raise ValueError(
            f"{path}: the model file is corrupted: its contents do not match its SHA-256 "
            f"checksum (stored {expected[:12]}…, computed {actual[:12]}…); it was changed "
            f"after it was written. Train the model again or restore the file"
        )
    try:
        return _model_from(payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: the model file is malformed ({exc!r})") from None


def _model_from(payload: dict[str, Any]) -> FittedModel:
    features = tuple(str(n) for n in payload["features"])
    n_x = len(features)
    w = np.array(payload["parameters"]["w"], dtype=np.float64).reshape(n_x, 1)
    std_block = payload["standardization"]
    mean = std = None
    if std_block is not None:
        mean = np.array(std_block["mean"], dtype=np.float64).reshape(n_x, 1)
        std = np.array(std_block["std"], dtype=np.float64).reshape(n_x, 1)
    names = payload["labels"]["class_names"]
    return FittedModel(
        w=w,
        b=float(payload["parameters"]["b"]),
        feature_names=features,
        target=str(payload["target"]),
        mean=mean,
        std=std,
        label_mapping={str(k): int(v) for k, v in payload["labels"]["mapping"].items()},
        class_names=(str(names[0]), str(names[1])),
        metadata=dict(payload["metadata"]),
    )
