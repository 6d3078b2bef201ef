"""akd's distillation algorithms (registered in MMRazor's ``MODELS``)."""
from .maskd_token_learning import MasKDTokenLearning

__all__ = ['MasKDTokenLearning']
