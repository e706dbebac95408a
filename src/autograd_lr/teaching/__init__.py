"""Teaching: the exercises (one skeleton source) and ``verify``, the main job of ``make demo``.

:mod:`~autograd_lr.teaching.exercises`
    the lecture's exercises and their checks, for the notebooks.
:mod:`~autograd_lr.teaching.verify`
    the hand gradients against jax.grad and finite differences on the embedded data set.
"""
