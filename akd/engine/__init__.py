"""The runtime of a run: hooks, loops and optimizer constructors, registered
in MMRazor's registries (``akd.engine``)."""
from . import hooks, loops, optimizers  # noqa: F401  (registers them)
