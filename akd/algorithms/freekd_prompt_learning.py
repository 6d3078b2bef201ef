"""FreeKD (stage 1: learning the frequency prompts).

Zhang et al., "FreeKD: Knowledge Distillation via Semantic Frequency
Prompt", CVPR 2024. https://arxiv.org/abs/2311.12079
Official code (read, not copied): https://github.com/Gumpest/FreeKD
Stage 2, the distillation, is ``akd.losses.FreeKDLoss``.
"""
from typing import Dict, Optional, Sequence, Union

from mmengine.model import BaseModel
from mmrazor.registry import MODELS

from ..models.frequency_prompts import FrequencyPrompts
from .teacher_mask_learning import TeacherMaskLearning


@MODELS.register_module()
class FreeKDPromptLearning(TeacherMaskLearning):
    """Learn FreeKD's frequency prompts on a frozen, trained teacher.

    Each level F_l of ``feature_module``'s output is decomposed into Haar
    wavelet bands, each band b is multiplied by the sum of its prompt masks
    sum_t M_lbt, and the level rebuilt (``FrequencyPrompts``); only the
    prompts are trained, on

        L = L_task(teacher with masked features)
            + diversity_weight * sum_l sum_b D_lb,

    D_lb the mean Dice similarity between band b's masks, the paper's
    prompt-dissimilarity loss; see ``TeacherMaskLearning``. The official
    stage-1 code is not released: this follows the paper's description and
    the official ``MaskModule``, trained as MasKD's tokens are (the
    ``freekd-prompts`` configs). ``FreeKDLoss`` loads the result by its
    ``frequency_prompts`` keys.

    Args:
        architecture (dict | BaseModel): The teacher (detector or segmentor).
        teacher_ckpt (str, optional): Its trained weights. None keeps its
            initialisation (tests only).
        channels (Sequence[int]): Channels of each level of
            ``feature_module``'s output.
        num_prompts (int): Prompts per band. Defaults to 6.
        wavelet_levels (int): Levels of the Haar decomposition. Defaults
            to 3.
        feature_module (str): Name of the teacher's module whose output is
            masked. Defaults to ``'neck'``.
        diversity_weight (float): Weight of the dissimilarity loss.
            Defaults to 1.0.
        data_preprocessor (dict, optional): Defaults to the teacher's.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 architecture: Union[BaseModel, Dict],
                 teacher_ckpt: Optional[str],
                 channels: Sequence[int],
                 num_prompts: int = 6,
                 wavelet_levels: int = 3,
                 feature_module: str = 'neck',
                 diversity_weight: float = 1.0,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None):
        super().__init__(
            architecture, teacher_ckpt, 'frequency_prompts',
            [FrequencyPrompts(c, num_prompts, wavelet_levels)
             for c in channels], feature_module, diversity_weight,
            data_preprocessor, init_cfg)
