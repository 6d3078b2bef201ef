"""Guards of a run: checks, hooks and checkpoint files (``akd.engine``)."""
from . import hooks  # noqa: F401  (registers the hooks)
from .guard_error import GuardError

__all__ = ['GuardError']
