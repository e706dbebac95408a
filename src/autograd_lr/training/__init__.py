"""Training: the solvers, the scikit-learn estimator, the ``train(...)`` pipeline, persistence.

:mod:`~autograd_lr.training.solvers`
    gradient descent (default step 1/L) and Newton, on numpy or dask, both driven by the
    hand gradient through :class:`~autograd_lr.training.objective.LogisticLoss`.
:mod:`~autograd_lr.training.objective`
    :class:`~autograd_lr.training.objective.LogisticLoss`, the cost on one data set and
    the one choice of how it is evaluated (the formula, the single-pass kernel, Dask).
:mod:`~autograd_lr.training.estimator`
    :class:`~autograd_lr.training.estimator.LogisticRegressionGD`, scikit-learn's API.
:mod:`~autograd_lr.training.pipeline`
    :func:`~autograd_lr.training.pipeline.train`: data set -> model -> files, the one
    pipeline the CLI and the notebooks both call.
:mod:`~autograd_lr.training.persistence`
    checksummed JSON models, atomic writes, no pickle.
:mod:`~autograd_lr.training.plots`, :mod:`~autograd_lr.training.figures`
    cost curves and decision boundaries; reproducible PNGs.
"""
