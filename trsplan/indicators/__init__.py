"""Step 4 of the data flow: the indicator store, computed in one pass from a snapshot.

``inputs`` shapes snapshot tables into the theme modules' input frames; the theme modules
(``population``, ``economy``, ``industry``, ``technology``, ``business``, ``commuting``,
``casework``, ``attractiveness``, ``immigration``) are pure functions of frames
(``tech_extracts`` counts goal 4 from whole Enhetsregisteret extracts); ``compute``
runs them all into one tidy table (``store.STORE_COLUMNS``). Statuses and forecasts are the
next step, ``trsplan.evaluation``.
"""
