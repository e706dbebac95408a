"""Checking: compare a learner's gradient with the oracles, name the mistake, grade a class.

This package compares and never derives (independence rule 4): it never imports the hand
math (:mod:`autograd_lr.gradients`, :mod:`autograd_lr.fast`), the training code or the
course. Every expected value comes from :mod:`autograd_lr.oracles` applied to the forward
model's cost, and every model of a wrong answer is built from those oracles too.

* :mod:`~autograd_lr.checking.check`: :func:`~autograd_lr.checking.check.check_gradients`, :func:`~autograd_lr.checking.check.prepare` and the report
* :mod:`~autograd_lr.checking.types`: the shared records (Call, Outputs, ProblemCheck, Diagnosis)
* :mod:`~autograd_lr.checking.calls`: run the learner's function, read its return contract
* :mod:`~autograd_lr.checking.expected`: the problems and the oracles' values on them, prepared
* :mod:`~autograd_lr.checking.mistakes`: models of wrong answers, costs the oracles differentiate
* :mod:`~autograd_lr.checking.compare`: one verdict per quantity (full and fast mode)
* :mod:`~autograd_lr.checking.diagnosis`: the mistake named, by family, at three hint levels
* :mod:`~autograd_lr.checking.report`: the report's text, HTML and JSON views
* :mod:`~autograd_lr.checking.thresholds`: the thresholds, each with its reason
* :mod:`~autograd_lr.checking.grading`: the grader, submitted code run apart, the verdict here
  (:mod:`~autograd_lr.checking.submissions` files and notebooks,
  :mod:`~autograd_lr.checking.sandbox` bubblewrap and limits,
  :mod:`~autograd_lr.checking.processes` a run's processes,
  :mod:`~autograd_lr.checking.child` the submission's process,
  :mod:`~autograd_lr.checking.answers` its answer read strictly,
  :mod:`~autograd_lr.checking.gradebook` a class; ``schema/``)
* :mod:`~autograd_lr.checking.pytest_plugin`: the ``assert_gradients_correct`` fixture
* :mod:`~autograd_lr.checking.recipes`: a notebook's function, with its helpers, as a file to grade
"""
