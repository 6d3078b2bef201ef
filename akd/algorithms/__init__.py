"""akd's distillation algorithms (registered in MMRazor's ``MODELS``)."""
from .frskd_distill import FRSKDDistill
from .maskd_token_learning import MasKDTokenLearning
from .multi_teacher_distill import MultiTeacherDistill

__all__ = ['FRSKDDistill', 'MasKDTokenLearning', 'MultiTeacherDistill']
