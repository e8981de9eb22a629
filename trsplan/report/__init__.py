"""Step 6 of the data flow: reports from the evaluated store.

``build`` validates the request, computes the store and the evaluation once and runs the jobs;
``runner`` is the one place that executes a notebook (papermill) and exports HTML/PDF; ``pages``,
``scorecard``, ``sections``, ``figures`` and ``text`` are what the notebooks call; ``excel``
writes the workbook; ``register_template`` writes the qualitative register's Excel template.
"""
