"""akd's distillation algorithms (registered in MMRazor's ``MODELS``)."""
from .crosskd_distill import CrossKDDistill
from .freekd_prompt_learning import FreeKDPromptLearning
from .frozen_teacher_distill import FrozenTeacherDistill
from .frskd_distill import FRSKDDistill
from .maskd_token_learning import MasKDTokenLearning
from .mixkd_distill import MixKDDistill
from .multi_teacher_distill import MultiTeacherDistill
from .online_distill import OnlineDistill

__all__ = [
    'CrossKDDistill', 'FreeKDPromptLearning', 'FrozenTeacherDistill',
    'FRSKDDistill', 'MasKDTokenLearning', 'MixKDDistill',
    'MultiTeacherDistill', 'OnlineDistill'
]
