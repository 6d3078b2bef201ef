"""akd's distillation algorithms (registered in MMRazor's ``MODELS``)."""
from .frskd_distill import FRSKDDistill
from .maskd_token_learning import MasKDTokenLearning

__all__ = ['FRSKDDistill', 'MasKDTokenLearning']
