r"""A user's own data from a CSV file, in the lecture's layout ``X (n_x, m)``, ``Y (1, m)``.

The file has a header line of column names and one example per line (rows are examples
in the file, as in every spreadsheet); the loader transposes to the lecture's columns.
Every problem is reported as a ``ValueError`` naming the line of the file (line 1 is
the header) and the column, so a user can open the file and fix it:

- a missing target (or feature) column, listing the columns there are;
- a line with too few or too many fields;
- a value that is not a number, is empty, NaN or infinite;
- more than two label values (two labels that are not 0/1, such as ``B``/``M`` or
  ``1``/``2``, are mapped to 0/1 in sorted order, and the mapping is returned in
  ``Dataset.label_mapping`` so that the caller can report it).
"""

from __future__ import annotations

import csv as _csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograd_lr.datasets.synthetic import Dataset
from autograd_lr.files import atomic_write_bytes

SHOWN_VALUES = 5  # how many offending label values an error message lists


@dataclass(frozen=True)
class Table:
    """A CSV file's cells as text: ``header`` names, ``rows`` and each row's line number."""

    path: Path
    header: tuple[str, ...]
    rows: list[list[str]]
    lines: list[int]

    def column(self, name: str, role: str = "column") -> int:
        """Index of column ``name``; a ``ValueError`` listing the columns if it is absent."""
        try:
            return self.header.index(name)
        except ValueError:
            shown = ", ".join(repr(c) for c in self.header)
            raise ValueError(
                f"{self.path}: no {role} column {name!r} in the header (line 1); "
                f"the columns are {shown}"
            ) from None


def read_table(path: str | Path) -> Table:
    """Read ``path`` as CSV text: a header line, then one line per example.

    Blank lines are skipped; a line whose field count differs from the header's is an
    error naming the line. A UTF-8 byte-order mark is ignored.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such data file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = _csv.reader(handle)
        header: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        try:
            for record in reader:
                if not record or all(not cell.strip() for cell in record):
                    continue
                if header is None:
                    header = [cell.strip() for cell in record]
                    header_line = reader.line_num
                    continue
                if len(record) != len(header):
                    raise ValueError(
                        f"{path}, line {reader.line_num}: {len(record)} fields but the header "
                        f"(line {header_line}) has {len(header)} columns; every line needs one "
                        f"value per column"
                    )
                rows.append(record)
                lines.append(reader.line_num)
        except _csv.Error as exc:
            raise ValueError(f"{path}, line {reader.line_num}: not valid CSV ({exc})") from None
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if header is None:
        raise ValueError(f"{path}: the file is empty; it needs a header line of column names")
    empty = [i + 1 for i, name in enumerate(header) if not name]
    if empty:
        raise ValueError(f"{path}, line 1: column {empty[0]} has no name in the header")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ValueError(f"{path}, line 1: column name {name!r} appears twice in the header")
        seen.add(name)
    if not rows:
        raise ValueError(f"{path}: the header has no examples below it (no data lines)")
    return Table(path, tuple(header), rows, lines)


def _number(text: str, table: Table, row: int, column: int) -> float:
    """The cell as a finite float, or a ``ValueError`` naming its line and column."""
    where = f"{table.path}, line {table.lines[row]}, column {table.header[column]!r}"
    cell = text.strip()
    if not cell:
        raise ValueError(f"{where}: the value is missing (empty); fill it in or drop the line")
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(
            f"{where}: {cell!r} is not a number; features must be numeric "
            f"(encode categories as numbers, or leave the column out)"
        ) from None
    if math.isnan(value):
        raise ValueError(f"{where}: the value is NaN (missing); fill it in or drop the line")
    if math.isinf(value):
        raise ValueError(f"{where}: the value {cell!r} is infinite; features must be finite")
    return value


def _features(table: Table, names: Sequence[str]) -> np.ndarray:
    """The named columns as ``X (n_x, m)``, float64, one column per line of the file."""
    indices = [table.column(name, "feature") for name in names]
    X = np.empty((len(indices), len(table.rows)), dtype=np.float64)
    for i, record in enumerate(table.rows):
        for j, column in enumerate(indices):
            X[j, i] = _number(record[column], table, i, column)
    return X


def _label_key(text: str) -> str:
    """A label's canonical text: numbers in ``%g`` form (``"1.0"`` and ``"1"`` are one label)."""
    try:
        value = float(text)
    except ValueError:
        return text
    return f"{value:g}" if math.isfinite(value) else text


def _labels(
    table: Table, target: str, label_mapping: Mapping[str, int] | None
) -> tuple[np.ndarray, dict[str, int], tuple[str, str]]:
    """``Y (1, m)`` of 0/1 from the target column, the mapping used and the class names."""
    column = table.column(target, "target")
    keys: list[str] = []
    for i, record in enumerate(table.rows):
        cell = record[column].strip()
        where = f"{table.path}, line {table.lines[i]}, column {target!r}"
        if not cell or cell.lower() == "nan":
            raise ValueError(f"{where}: the label is missing; every example needs a label")
        keys.append(_label_key(cell))

    if label_mapping is None:
        distinct = sorted(set(keys), key=_sort_key)
        if set(distinct) <= {"0", "1"}:
            mapping: dict[str, int] = {}
        elif len(distinct) == 2:
            mapping = {distinct[0]: 0, distinct[1]: 1}
        elif len(distinct) == 1:
            raise ValueError(
                f"{table.path}, column {target!r}: every label is {distinct[0]!r}; a binary "
                f"classifier needs labels 0 and 1 (or two distinct values to map to 0/1)"
            )
        else:
            first: dict[str, int] = {}
            for i, key in enumerate(keys):
                first.setdefault(key, table.lines[i])
            shown = ", ".join(f"{k!r} (first on line {first[k]})" for k in distinct[:SHOWN_VALUES])
            more = (
                f" and {len(distinct) - SHOWN_VALUES} more" if len(distinct) > SHOWN_VALUES else ""
            )
            raise ValueError(
                f"{table.path}, column {target!r}: {len(distinct)} different label values "
                f"{shown}{more}; logistic regression is a binary classifier and needs exactly "
                f"two (merge the classes, or train one class against the rest)"
            )
    else:
        mapping = dict(label_mapping)
        allowed = mapping if mapping else {"0": 0, "1": 1}
        for i, key in enumerate(keys):
            if key not in allowed:
                raise ValueError(
                    f"{table.path}, line {table.lines[i]}, column {target!r}: label {key!r} is "
                    f"not one of the expected labels {sorted(allowed)}"
                )

    table_of = mapping if mapping else {"0": 0, "1": 1}
    Y = np.array([[float(table_of[key]) for key in keys]], dtype=np.float64)
    if mapping:
        inverse = {v: k for k, v in mapping.items()}
        names = (inverse[0], inverse[1])
    else:
        names = ("0", "1")
    return Y, mapping, names


def _sort_key(key: str) -> tuple[int, float, str]:
    """Numbers first, in numeric order (``2`` before ``10``), then text in string order."""
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


def load_csv(
    path: str | Path,
    target: str,
    *,
    features: Sequence[str] | None = None,
    label_mapping: Mapping[str, int] | None = None,
) -> Dataset:
    r"""Load a CSV file with one example per line as ``X (n_x, m)``, ``Y (1, m)``.

    ``target`` names the label column; ``features`` the feature columns (default: every
    other column, in file order). Labels 0/1 are used as they are; exactly two other
    values (``"B"``/``"M"``, ``1``/``2``, ``-1``/``1``) are mapped to 0 and 1 in sorted
    order (numbers numerically), and the mapping is returned as
    ``Dataset.label_mapping``. Pass ``label_mapping`` (for
    example a trained model's) to apply a given mapping instead; an empty mapping then
    means the labels must be 0/1.
    """
    table = read_table(path)
    if not target:
        raise ValueError(
            f"{table.path}: name the label column with target=...; the columns are "
            f"{', '.join(repr(c) for c in table.header)}"
        )
    Y, mapping, class_names = _labels(table, target, label_mapping)
    names = (
        tuple(features) if features is not None else tuple(c for c in table.header if c != target)
    )
    if not names:
        raise ValueError(f"{table.path}: no feature columns besides the target {target!r}")
    if target in names:
        raise ValueError(f"{table.path}: the target column {target!r} cannot also be a feature")
    X = _features(table, names)
    return Dataset(
        X=X,
        Y=Y,
        feature_names=names,
        name=table.path.name,
        description=f"{table.path}: m={X.shape[1]} examples, n_x={X.shape[0]} features, "
        f"target {target!r}",
        label_mapping=mapping,
        class_names=class_names,
        target=target,
    )


def load_features(path: str | Path, feature_names: Sequence[str]) -> np.ndarray:
    """The named feature columns of a CSV file as ``X (n_x, m)``; other columns are ignored.

    For prediction: the file needs every feature the model was trained on (by name, in
    any order), with or without a label column.
    """
    return _features(read_table(path), tuple(feature_names))


def save_csv(dataset: Dataset, path: str | Path) -> Path:
    """Write ``dataset`` as CSV, one example per line, readable by :func:`load_csv`.

    The columns are the features and then the label column ``dataset.target``, with the
    labels as the original file had them (``label_mapping`` undone). Floats are written
    with ``repr``, so they read back to the same bits. Written atomically.
    """
    path = Path(path)
    inverse = {v: k for k, v in dataset.label_mapping.items()}
    buffer = io.StringIO()
    writer = _csv.writer(buffer, lineterminator="\n")
    writer.writerow([*dataset.feature_names, dataset.target])
    for i in range(dataset.m):
        label = int(dataset.Y[0, i])
        writer.writerow(
            [repr(float(v)) for v in dataset.X[:, i]] + [inverse.get(label, str(label))]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue().encode())
    return path
