"""The planners' browser app (Solara): ``uv run solara run app.py``.

Modules, one concept each:

``params``         slider controls generated from the lever registry
``runs``           worker processes, results cache, replicate ensembles
``state``          the per-tab state (levers, seeds, runs on screen)
``indicators``     headline numbers, labels, per-region map values (read from Results)
``charts``         matplotlib figures and PNG/SVG rendering
``tilemap``        the 20-region tile layout and colour scales
``scenario_io``    scenario upload (validated like the CLI) and YAML download
``exports``        CSV/Excel results, chart bundles, the HTML report
``batch_results``  reading ``wecsim batch`` results folders: fan charts, rankings
``components/``    lever panel, cards, chart images, map, status line, layout
``pages/``         Explore, Map, Projects and agents, Compare, Batch results, History, Save and share
"""
