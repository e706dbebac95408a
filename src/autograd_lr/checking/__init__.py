"""Checking: compare a learner's gradient with the oracles, and name the mistake.

This package compares and never derives (independence rule 4): it never imports the hand
math (:mod:`autograd_lr.gradients`, :mod:`autograd_lr.fast`), the training code or the
course. Every expected value comes from :mod:`autograd_lr.oracles` applied to the forward
model's cost, and every model of a wrong answer is built from those oracles too. It never
imports the grader (:mod:`autograd_lr.grading`), which runs submitted code and calls this package.

* :mod:`~autograd_lr.checking.check`: :func:`~autograd_lr.checking.check.check_gradients`, :func:`~autograd_lr.checking.check.prepare` and the report
* :mod:`~autograd_lr.checking.findings`: the feedback core of every checker: the finding
  (Diagnosis is its name here), the hint levels, the report's layout and its one text,
  HTML and versioned JSON renderer
* :mod:`~autograd_lr.checking.types`: the shared records (Call, Outputs, ProblemCheck)
* :mod:`~autograd_lr.checking.calls`: run the learner's function, read its return contract
* :mod:`~autograd_lr.checking.expected`: the problems and the oracles' values on them, prepared
* :mod:`~autograd_lr.checking.stored`: jax's values kept on disk, so a fresh process need not start jax
* :mod:`~autograd_lr.checking.mistakes`: models of wrong answers, costs the oracles differentiate
* :mod:`~autograd_lr.checking.compare`: one verdict per quantity (full and fast mode)
* :mod:`~autograd_lr.checking.diagnosis`: the mistake named, by family, at three hint levels
* :mod:`~autograd_lr.checking.report`: the gradient check's report, laid out for the core
* :mod:`~autograd_lr.checking.thresholds`: the thresholds, each with its reason
* the feedback engine: :mod:`~autograd_lr.checking.tracing` (the learner's lines run and
  recorded), :mod:`~autograd_lr.checking.alignment` (each value matched with the reference's),
  :mod:`~autograd_lr.checking.error_model` and :mod:`~autograd_lr.checking.edits` (the
  correction rules), :mod:`~autograd_lr.checking.candidates` and
  :mod:`~autograd_lr.checking.repair` (the smallest repair that passes),
  :mod:`~autograd_lr.checking.explain` (the finding in words)
* :mod:`~autograd_lr.checking.exercises`: the rest of the assignment (``initialize_with_zeros``,
  ``optimize``, ``predict``, ``model``, ``sigmoid``), one module per exercise, behind
  :func:`~autograd_lr.checking.exercises.check_exercise`
* :mod:`~autograd_lr.checking.pytest_plugin`: the ``assert_gradients_correct`` fixture
"""
