"""Step 5 of the data flow: from the indicator store to statuses and forecasts.

- ``targets``: the plan's goals and targets (``trsplan/data/targets.yaml``), loaded and validated;
- ``status``: the status rules (the only place values are compared with targets);
- ``forecast``: projections to a deadline and the probability of meeting a target;
- ``register``: the qualitative goals register — load, validation, storage and status
  (its Excel template is written by ``trsplan.report.register_template``);
- ``evaluate``: statuses and forecasts for every target and geography of the store.
"""
