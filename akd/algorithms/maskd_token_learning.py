"""Masked distillation with receptive tokens (stage 1: learning the tokens).

Huang et al., "Masked Distillation with Receptive Tokens", ICLR 2023.
https://arxiv.org/abs/2205.14589
Official code (read, not copied): https://github.com/hunto/MasKD
Stage 2, the distillation, is ``akd.losses.MasKDLoss``.
"""
from typing import Dict, Optional, Sequence, Union

from mmengine.model import BaseModel
from mmrazor.registry import MODELS

from ..models.receptive_tokens import ReceptiveTokens
from .teacher_mask_learning import TeacherMaskLearning


@MODELS.register_module()
class MasKDTokenLearning(TeacherMaskLearning):
    """Learn MasKD's receptive tokens on a frozen, trained teacher.

    Each level F_l of ``feature_module``'s output is replaced by
    sum_t p_lt M_lt * F_l (``ReceptiveTokens``); only the tokens and their
    weighting heads are trained, on

        L = L_task(teacher with masked features)
            + diversity_weight * sum_l D_l,

    D_l the mean Dice similarity between level l's masks
    (``dice_similarity``); see ``TeacherMaskLearning``. ``MasKDLoss`` loads
    the result by its ``receptive_tokens`` keys.

    Args:
        architecture (dict | BaseModel): The teacher (detector or segmentor).
        teacher_ckpt (str, optional): Its trained weights. None keeps its
            initialisation (tests only).
        channels (Sequence[int]): Channels of each level of
            ``feature_module``'s output.
        num_tokens (int): Tokens per level. Defaults to 6.
        feature_module (str): Name of the teacher's module whose output is
            masked. Defaults to ``'neck'``.
        diversity_weight (float): Weight of the Dice diversity loss.
            Defaults to 1.0.
        data_preprocessor (dict, optional): Defaults to the teacher's.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 architecture: Union[BaseModel, Dict],
                 teacher_ckpt: Optional[str],
                 channels: Sequence[int],
                 num_tokens: int = 6,
                 feature_module: str = 'neck',
                 diversity_weight: float = 1.0,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None):
        super().__init__(architecture, teacher_ckpt, 'receptive_tokens',
                         [ReceptiveTokens(c, num_tokens) for c in channels],
                         feature_module, diversity_weight, data_preprocessor,
                         init_cfg)
