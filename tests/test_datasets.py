"""Data sets: the shipped breast-cancer file, the CSV loader's errors, standardization, the split."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lr.datasets import (
    Dataset,
    Standardizer,
    load_breast_cancer,
    load_csv,
    load_dataset,
    load_features,
    make_two_feature,
    save_csv,
    standardize,
    train_test_split,
)
from autograd_lr.problems import make_problem

# Standardized columns: mean 0 and std 1 up to float64 rounding of sums of ~500 values
# of size ~5 (ε·m·|x| ≈ 1e-12 at worst).
STANDARDIZED_ATOL = 1e-12


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- the shipped breast-cancer data --------------------------------------------------------


def test_breast_cancer_equals_scikit_learn_value_for_value() -> None:
    from sklearn.datasets import load_breast_cancer as sklearn_breast_cancer

    ours = load_breast_cancer()
    theirs = sklearn_breast_cancer()
    assert ours.X.shape == (30, 569) and ours.Y.shape == (1, 569)
    # Exact: the numbers are the same text, parsed to the same float64.
    np.testing.assert_array_equal(ours.X, theirs.data.T)
    np.testing.assert_array_equal(ours.Y[0], theirs.target)
    assert ours.feature_names == tuple(theirs.feature_names)
    assert ours.class_names == tuple(theirs.target_names)  # ("malignant", "benign")
    assert int(ours.Y.sum()) == 357  # benign = 1, as the data's documentation counts


def test_breast_cancer_file_states_source_and_license() -> None:
    data_dir = resources.files("autograd_lr.datasets").joinpath("data")
    assert data_dir.joinpath("breast_cancer.csv").is_file()
    readme = data_dir.joinpath("README.md").read_text()
    for needed in ("UCI Machine Learning Repository", "Wolberg", "Street", "Mangasarian"):
        assert needed in readme
    assert "CC BY 4.0" in readme and "10.24432/C5DW2B" in readme


def test_loading_breast_cancer_does_not_import_scikit_learn() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from autograd_lr.datasets import load_breast_cancer; "
        "load_breast_cancer(); assert 'sklearn' not in sys.modules, 'sklearn imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- CSV: reading ---------------------------------------------------------------------------


def test_csv_round_trip_is_bit_identical(tmp_path: Path) -> None:
    problem = make_problem(3, 40, seed=7, z_max=5.0)
    dataset = Dataset(
        X=problem.X * 1e-7 + np.pi, Y=problem.Y, feature_names=("a", "b c", "d"), target="y"
    )
    path = save_csv(dataset, tmp_path / "round.csv")
    back = load_csv(path, target="y")
    assert back.X.tobytes() == dataset.X.tobytes()
    np.testing.assert_array_equal(back.Y, dataset.Y)
    assert back.feature_names == ("a", "b c", "d")
    assert back.label_mapping == {}


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=12)
)
def test_csv_reads_back_any_finite_float_exactly(values: list[float]) -> None:
    import tempfile

    X = np.array([values])
    Y = (np.arange(len(values)) % 2).reshape(1, -1).astype(float)
    with tempfile.TemporaryDirectory() as tmp:
        path = save_csv(Dataset(X=X, Y=Y, feature_names=("x",)), Path(tmp) / "v.csv")
        back = load_csv(path, target="y")
    assert back.X.tobytes() == X.tobytes()


def test_features_default_to_every_other_column_and_can_be_chosen(tmp_path: Path) -> None:
    path = _write(tmp_path, "x1,y,x2,x3\n1,0,2,3\n4,1,5,6\n")
    data = load_csv(path, target="y")
    assert data.feature_names == ("x1", "x2", "x3")
    np.testing.assert_array_equal(data.X, [[1, 4], [2, 5], [3, 6]])  # (n_x, m): columns
    chosen = load_csv(path, target="y", features=["x3", "x1"])
    np.testing.assert_array_equal(chosen.X, [[3, 6], [1, 4]])
    np.testing.assert_array_equal(load_features(path, ["x2"]), [[2, 5]])


def test_two_string_labels_are_mapped_in_sorted_order_and_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,diagnosis\n1,M\n2,B\n3,M\n")
    data = load_csv(path, target="diagnosis")
    assert data.label_mapping == {"B": 0, "M": 1}
    assert data.class_names == ("B", "M")
    np.testing.assert_array_equal(data.Y, [[1, 0, 1]])


@pytest.mark.parametrize(
    ("labels", "mapping", "Y"),
    [
        (["2", "10", "2"], {"2": 0, "10": 1}, [0, 1, 0]),  # numeric order, not string order
        (["-1", "1", "1"], {"-1": 0, "1": 1}, [0, 1, 1]),
        (["1.0", "0", "1"], {}, [1, 0, 1]),  # 0/1 written as floats: no mapping
        (["1", "1", "1"], {}, [1, 1, 1]),  # one class of 0/1 is fine (a test file)
    ],
)
def test_numeric_labels(tmp_path: Path, labels: list[str], mapping: dict, Y: list[int]) -> None:
    text = "x,y\n" + "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    data = load_csv(_write(tmp_path, text), target="y")
    assert data.label_mapping == mapping
    np.testing.assert_array_equal(data.Y, [Y])


def test_a_given_mapping_is_applied_and_unknown_labels_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,d\n1,M\n2,M\n")
    data = load_csv(path, target="d", label_mapping={"B": 0, "M": 1})
    np.testing.assert_array_equal(data.Y, [[1, 1]])
    with pytest.raises(
        ValueError, match=r"line 2, column 'd': label 'B' is not one of the expected"
    ):
        load_csv(_write(tmp_path, "x,d\n1,B\n2,M\n", "other.csv"), target="d", label_mapping={})


def test_blank_lines_and_a_byte_order_mark_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffx,y\n\n1,0\n\n2,1\n".encode())
    data = load_csv(path, target="y")
    np.testing.assert_array_equal(data.X, [[1, 2]])


# --- CSV: errors name the line and column ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x,label\n1,0\n",
            r"no target column 'y' in the header \(line 1\); the columns are 'x', 'label'",
        ),
        ("x,y\n1,0\nabc,1\n", r"line 3, column 'x': 'abc' is not a number"),
        ("x,y\n1,0\n,1\n", r"line 3, column 'x': the value is missing \(empty\)"),
        ("x,y\n1,0\nNaN,1\n", r"line 3, column 'x': the value is NaN"),
        ("x,y\n1,0\n-inf,1\n", r"line 3, column 'x': the value '-inf' is infinite"),
        ("x,y\n1,0\n2,1,7\n", r"line 3: 3 fields but the header \(line 1\) has 2 columns"),
        ("x,y\n1,0\n2,\n", r"line 3, column 'y': the label is missing"),
        (
            "x,y\n1,a\n2,b\n3,c\n",
            r"column 'y': 3 different label values 'a' \(first on line 2\), 'b' \(first on line 3\), "
            r"'c' \(first on line 4\); logistic regression is a binary classifier",
        ),
        ("x,y\n1,7\n2,7\n", r"column 'y': every label is '7'"),
        ("", r"the file is empty"),
        ("x,y\n", r"no examples below it"),
        ("x,x,y\n1,2,0\n", r"column name 'x' appears twice"),
        ("x,y\n1,0\n", r"no feature column 'z'"),
    ],
)
def test_bad_files_give_errors_naming_line_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    features = ["z"] if "'z'" in message else None
    with pytest.raises(ValueError, match=message):
        load_csv(path, target="y", features=features)


def test_more_than_five_label_values_are_summarized(tmp_path: Path) -> None:
    text = "x,y\n" + "".join(f"{i},{i + 2}\n" for i in range(9))
    with pytest.raises(ValueError, match=r"9 different label values .* and 4 more"):
        load_csv(_write(tmp_path, text), target="y")


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match="no such data file"):
        load_csv("/nonexistent/data.csv", target="y")


# --- standardization -------------------------------------------------------------------------


def test_standardizer_uses_training_statistics_on_test_data() -> None:
    data = load_breast_cancer()
    train, test = train_test_split(data, 0.25, seed=3)
    assert test is not None
    scaler, (train_s, test_s) = standardize(train, test)
    assert train_s is not None and test_s is not None
    np.testing.assert_allclose(train_s.X.mean(axis=1), 0.0, atol=STANDARDIZED_ATOL)
    np.testing.assert_allclose(train_s.X.std(axis=1), 1.0, atol=STANDARDIZED_ATOL)
    # Test data: the training mean/std, not its own (its own would centre it exactly).
    mu, sd = train.X.mean(axis=1, keepdims=True), train.X.std(axis=1, keepdims=True)
    np.testing.assert_array_equal(test_s.X, (test.X - mu) / sd)
    assert np.max(np.abs(test_s.X.mean(axis=1))) > 1e3 * STANDARDIZED_ATOL
    np.testing.assert_array_equal(scaler.mean, mu)
    assert scaler.mean.shape == scaler.std.shape == (30, 1)


def test_standardizer_keeps_a_constant_feature_finite() -> None:
    X = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    scaler = Standardizer.fit(X)
    np.testing.assert_array_equal(scaler.transform(X)[1], [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"X has 3 features .* fitted on 2"):
        scaler.transform(np.ones((3, 4)))


# --- split and catalogue ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_split_is_stratified_disjoint_and_seeded(seed: int) -> None:
    data = load_breast_cancer()
    train, test = train_test_split(data, 0.2, seed)
    assert test is not None
    assert train.m + test.m == data.m
    assert round(0.2 * 212) + round(0.2 * 357) == test.m  # per class
    assert int(test.Y.sum()) == round(0.2 * 357)
    together = np.sort(np.concatenate([train.X[0], test.X[0]]))
    np.testing.assert_array_equal(together, np.sort(data.X[0]))
    again, _ = train_test_split(data, 0.2, seed)
    np.testing.assert_array_equal(again.X, train.X)
    other, _ = train_test_split(data, 0.2, seed + 10)
    assert not np.array_equal(other.X, train.X)


def test_split_without_test_set_and_bad_fraction() -> None:
    data = make_two_feature(20, 0)
    train, test = train_test_split(data, 0.0, 0)
    assert test is None and train is data
    with pytest.raises(ValueError, match=r"test_fraction must be in \[0, 1\)"):
        train_test_split(data, 1.0, 0)


def test_load_dataset_by_name(tmp_path: Path) -> None:
    assert load_dataset("breast-cancer").X.shape == (30, 569)
    two = load_dataset("two-feature", seed=5)
    np.testing.assert_array_equal(two.X, make_two_feature(400, 5).X)
    with pytest.raises(ValueError, match="leave --target out"):
        load_dataset("breast-cancer", target="y")
    with pytest.raises(ValueError, match="--target COLUMN"):
        load_dataset(str(_write(tmp_path, "x,y\n1,0\n")))
    with pytest.raises(ValueError, match="unknown data set 'iris'"):
        load_dataset("iris")
