"""Batch runs and evaluation: task suites run headless in isolated workspaces, checked by
commands, and scored with AgencyBench's metrics (FTFC, SR@R, RC@R).

- :mod:`evaluation.task`: the task format (:class:`Task`, :class:`Suite`) and suite loading
- :mod:`evaluation.exercism`: an Exercism-style folder as a suite
- :mod:`evaluation.workspace`: a fresh, git-initialised copy of a task's workspace
- :mod:`evaluation.check`: commands with timeouts and process-group kill
- :mod:`evaluation.runner`: one task, one or more rounds, one :class:`RunResult`
- :mod:`evaluation.batch`: many tasks in worker processes, results appended as they finish
- :mod:`evaluation.metrics`, :mod:`evaluation.compare`, :mod:`evaluation.report`: scores
"""
