"""Physics of the water, energy, waste and flood systems: pure, vectorised numpy functions.

Nothing here imports Mesa or knows about agents; the model calls these functions once per
year with arrays over regions, basins or technologies.
"""
