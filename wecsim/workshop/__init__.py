"""Workshops: officials play the model's agents in rounds, on the real model, with a facilitator in charge.

One concept per module:

- :mod:`~wecsim.workshop.roles`: which agents a team plays and what it decides;
- :mod:`~wecsim.workshop.policies`: the decision policies a team's decision becomes;
- :mod:`~wecsim.workshop.events`: the events a facilitator injects (drought, flood, price shocks);
- :mod:`~wecsim.workshop.replay`: the rounds run on the model, replayed from scenario and seed;
- :mod:`~wecsim.workshop.codes`: join codes and the facilitator key, stored hashed;
- :mod:`~wecsim.workshop.store`: the state in SQLite;
- :mod:`~wecsim.workshop.service`: the actions and who may take them (:class:`Workshops`);
- :mod:`~wecsim.workshop.scores`: each role's score against the run without the teams, and the targets;
- :mod:`~wecsim.workshop.report`: the debrief report (HTML, PDF, decisions CSV);
- :mod:`~wecsim.workshop.cli`: ``wecsim workshop ...``.

See ``docs/workshop.md``.
"""
