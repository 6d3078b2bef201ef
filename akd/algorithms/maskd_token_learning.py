"""Masked distillation with receptive tokens (stage 1: learning the tokens).

Huang et al., "Masked Distillation with Receptive Tokens", ICLR 2023.
https://arxiv.org/abs/2205.14589
Official code (read, not copied): https://github.com/hunto/MasKD
Stage 2, the distillation, is ``akd.losses.MasKDLoss``.
"""
from typing import Dict, List, Optional, Sequence, Union

from mmengine.model import BaseModel
from mmrazor.models.algorithms import BaseAlgorithm
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..engine.checkpoint_files import read_checkpoint
from ..engine.checkpoint_fit import load_teacher
from ..models.receptive_tokens import ReceptiveTokens


@MODELS.register_module()
class MasKDTokenLearning(BaseAlgorithm):
    """Learn MasKD's receptive tokens on a frozen, trained teacher.

    A forward hook replaces the output F_l of ``feature_module`` (a tuple of
    levels, e.g. the neck, or one tensor) by sum_t p_lt M_lt * F_l
    (``ReceptiveTokens``), so the teacher sees only what its masks keep.
    Only the tokens and their weighting heads are trained, on

        L = L_task(teacher with masked features)
            + diversity_weight * sum_l D_l,

    D_l the mean Dice similarity between level l's masks
    (``dice_similarity``). The teacher's weights stay frozen and its
    normalisation layers in eval mode. Validation evaluates the masked
    teacher. ``MasKDLoss`` loads the result by its ``receptive_tokens``
    keys.

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
        super().__init__(architecture, data_preprocessor, init_cfg)
        if teacher_ckpt:
            load_teacher(self.architecture,
                         read_checkpoint(teacher_ckpt, 'model.teacher_ckpt'),
                         'model.teacher_ckpt', teacher_ckpt,
                         'model.architecture')
            self.architecture._is_init = True  # keep the loaded weights
        self.architecture.requires_grad_(False)
        self.receptive_tokens = nn.ModuleList(
            ReceptiveTokens(c, num_tokens) for c in channels)
        self.diversity_weight = diversity_weight
        self._similarities: List[Tensor] = []
        try:
            masked_module = self.architecture.get_submodule(feature_module)
        except AttributeError as error:
            raise ValueError(
                f'model.feature_module={feature_module!r} is not a module '
                f'of {type(self.architecture).__name__}: give the name of '
                "the module whose output the tokens mask, e.g. 'neck'."
            ) from error
        masked_module.register_forward_hook(self._mask_output)
        self.feature_module = feature_module

    def _mask_output(self, module: nn.Module, inputs, output):
        levels = output if isinstance(output, Sequence) else (output, )
        if len(levels) != len(self.receptive_tokens):
            raise ValueError(
                f'model.channels has {len(self.receptive_tokens)} levels but '
                f'{self.feature_module} returned {len(levels)} tensors: give '
                'one channel count per level.')
        masked = []
        for tokens, feats in zip(self.receptive_tokens, levels):
            masked_feats, similarity = tokens(feats)
            masked.append(masked_feats)
            self._similarities.append(similarity)
        return tuple(masked) if isinstance(output, Sequence) else masked[0]

    def loss(self, batch_inputs: Tensor, data_samples=None) -> Dict:
        """The teacher's task losses through the masks, and the diversity."""
        self._similarities = []
        losses = self.architecture(batch_inputs, data_samples, mode='loss')
        losses['loss_mask_diversity'] = self.diversity_weight * sum(
            self._similarities)
        return losses

    def train(self, mode: bool = True) -> 'MasKDTokenLearning':
        """Train the tokens; the frozen teacher stays in eval mode."""
        super().train(mode)
        self.architecture.eval()
        return self
