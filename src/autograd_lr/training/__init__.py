"""Training: the solvers, the scikit-learn estimator, the ``train(...)`` pipeline, persistence.

:mod:`~autograd_lr.training.solvers`
    gradient descent (default step 1/L) and Newton, on numpy or dask, both driven by the
    hand gradient through :func:`autograd_lr.fast.kernel.cost_and_gradients`.
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
