"""Guards of a run: checks, hooks and checkpoint files (``akd.engine``)."""
from . import hooks, loops, optimizers  # noqa: F401  (registers them)
from .guard_error import GuardError

__all__ = ['GuardError']
