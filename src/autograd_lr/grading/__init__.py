"""Grading: run a class's submitted code apart, judge its answers here, write the gradebook.

Submitted code is hostile. The grader prepares every expected value and every module it will
import before the first submission runs, starts each submission in a sandbox under a uid of
its own, reads back plain numbers only, and judges them with :mod:`autograd_lr.checking`,
which never imports this package.

* :mod:`~autograd_lr.grading.grader`: one submission graded, from file to report
  (:class:`~autograd_lr.grading.grader.Grader`, its options and the report's schema)
* :mod:`~autograd_lr.grading.submissions`: files, folders and notebooks opened without
  following links, the function found in them
* :mod:`~autograd_lr.grading.sandbox`: bubblewrap, the fallback, the run's uid and limits
* :mod:`~autograd_lr.grading.processes`: a run's processes, reaped and killed
* :mod:`~autograd_lr.grading.child`: the program the submission runs in
* :mod:`~autograd_lr.grading.answers`: its answer read strictly, as untrusted data
* :mod:`~autograd_lr.grading.gradebook`: a class graded; CSV, JSON and Gradescope's results
* :mod:`~autograd_lr.grading.summary`: what the class got wrong, by mistake and step;
  ``summary.html`` and ``mistakes.png``
* :mod:`~autograd_lr.grading.recipes`: a notebook's function, with its helpers, as a file
* ``schema/``: the JSON Schemas of the child's answer, the report, the gradebook and
  Gradescope's results
"""
