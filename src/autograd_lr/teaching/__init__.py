"""Teaching: the exercises (one skeleton source) and ``verify``, the main job of ``make demo``.

:mod:`~autograd_lr.teaching.exercises`
    the lecture's exercises and their checks, for the notebooks.
:mod:`~autograd_lr.teaching.verify`
    the hand gradients against jax.grad and finite differences on the embedded data set.
:mod:`~autograd_lr.teaching.derivation`
    ``check_derivation``: a learner's derivation, step by step, against jax.grad
    (reading steps: :mod:`~autograd_lr.teaching.expressions`, :mod:`~autograd_lr.teaching.latex`,
    :mod:`~autograd_lr.teaching.notation`,
    :mod:`~autograd_lr.teaching.syntax`, :mod:`~autograd_lr.teaching.arrays`;
    references: :mod:`~autograd_lr.teaching.references`; the report:
    :mod:`~autograd_lr.teaching.report`, its slips named by the error model's corrections
    in ``autograd_lr.teaching.slips``; Markdown and notebooks:
    :mod:`~autograd_lr.teaching.documents`).
"""
