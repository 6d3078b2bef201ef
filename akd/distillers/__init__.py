"""akd's distillers (registered in MMRazor's ``MODELS``)."""
from .checked_distiller import CheckedDistiller

__all__ = ['CheckedDistiller']
