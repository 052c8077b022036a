"""Analysis of batch results on plain data (no files, no Mesa): sensitivity, discovery, robustness.

As in EMA Workbench, these functions take ``x`` (a DataFrame of inputs) and ``y`` (an
array of outputs) and never run the model; :mod:`wecsim.experiments.store` turns a results
folder into such data.
"""

from wecsim.experiments.analysis.discovery import Box, Restriction, cart_boxes, prim_boxes
from wecsim.experiments.analysis.sensitivity import morris_indices, plot_indices, sobol_indices

__all__ = ["Box", "Restriction", "cart_boxes", "morris_indices", "plot_indices", "prim_boxes", "sobol_indices"]
