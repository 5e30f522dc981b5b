"""matplotlib's inline backend (``matplotlib_inline``) under a module name of our own.

Activating ``"inline"`` or ``"module://matplotlib_inline.backend_inline"`` makes
matplotlib load every backend entry point of the environment, which fails where an
environment lists a distribution twice (seen in Dask workers started from pytest). A
``module://`` name matplotlib does not know is accepted as it is.
"""

from matplotlib_inline.backend_inline import (
    FigureCanvas,
    flush_figures,
    new_figure_manager,
    new_figure_manager_given_figure,
    show,
)

__all__ = [
    "FigureCanvas",
    "flush_figures",
    "new_figure_manager",
    "new_figure_manager_given_figure",
    "show",
]
