"""Checking: compare a learner's gradient with the oracles, name the mistake, grade a class.

This room compares and never derives (DESIGN.md, rule 4): it never imports the hand
math (:mod:`autograd_lr.gradients`, :mod:`autograd_lr.fast`), the training code or the
course. Every expected value comes from :mod:`autograd_lr.oracles` applied to the forward
model's cost, and every model of a wrong answer is built from those oracles too.

:mod:`~autograd_lr.checking.check`       :func:`check_gradients` and its report
:mod:`~autograd_lr.checking.diagnosis`   models of learners' mistakes, matched to a wrong answer
:mod:`~autograd_lr.checking.grading`     the grader: submitted code run apart, verdict here
    (:mod:`.submissions` files and notebooks, :mod:`.sandbox` bubblewrap and limits,
    :mod:`.processes` a run's processes, :mod:`.child` the submission's process,
    :mod:`.answers` its answer read strictly, :mod:`.gradebook` a class; ``schema/``)
:mod:`~autograd_lr.checking.pytest_plugin`  the ``assert_gradients_correct`` fixture
"""
