r"""The data records: examples in the lecture's layout, and what a data set says about them.

:class:`LectureLayout` gives every record that holds ``X (n_x, m)`` (one column per
example) its sizes :math:`n_x` and :math:`m`; :class:`DatasetRecord` adds the metadata a
data set carries from its file to a saved model and a prediction: the feature names, the
name and description, how the labels were mapped to 0/1, the names of the two classes and
the label column. :class:`~autograd_lr.problems.Problem`,
:class:`~autograd_lr.datasets.Dataset` and :class:`~autograd_lr.datasets.ChunkedDataset`
are built on them, so each of these fields has one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any


class LectureLayout:
    """Sizes of data in the lecture's layout: ``X (n_x, m)``, one column per example."""

    if TYPE_CHECKING:

        @property
        def X(self) -> Any: ...  # a field, or a property of the subclass

    @property
    def n_x(self) -> int:
        """The number of features, the rows of ``X``."""
        return int(self.X.shape[0])

    @property
    def m(self) -> int:
        """The number of examples, the columns of ``X``."""
        return int(self.X.shape[1])


@dataclass(frozen=True, kw_only=True)
class DatasetRecord(LectureLayout):
    """What a data set says about its examples, given by keyword after the data itself.

    ``feature_names`` name the rows of ``X``. ``label_mapping`` says how the labels read
    from a file were turned into 0/1 (for example ``{"B": 0, "M": 1}``); it is empty when
    the file held 0/1 already. ``class_names`` are the names of class 0 and class 1, for
    reports and predictions; ``target`` is the name of the label column when the data is
    written to a file.
    """

    feature_names: tuple[str, ...]
    name: str = ""
    description: str = ""
    label_mapping: dict[str, int] = field(default_factory=dict)
    class_names: tuple[str, str] = ("0", "1")
    target: str = "y"
