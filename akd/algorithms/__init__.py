"""akd's distillation algorithms (registered in MMRazor's ``MODELS``)."""
from .frskd_distill import FRSKDDistill
from .maskd_token_learning import MasKDTokenLearning
from .multi_teacher_distill import MultiTeacherDistill
from .online_distill import OnlineDistill

__all__ = [
    'FRSKDDistill', 'MasKDTokenLearning', 'MultiTeacherDistill',
    'OnlineDistill'
]
