"""Stage 1 of the two-stage distillers: masks learned on a frozen teacher.

MasKD (``MasKDTokenLearning``) and FreeKD (``FreeKDPromptLearning``) first
learn, per feature level, queries whose masks keep what the teacher's task
needs; their stage-2 losses load them.
"""
from typing import Dict, List, Optional, Sequence, Union

from mmengine.model import BaseModel
from mmrazor.models.algorithms import BaseAlgorithm
from torch import Tensor, nn

from ..checkpoints.checkpoint_files import read_checkpoint
from ..checkpoints.checkpoint_fit import load_teacher


class TeacherMaskLearning(BaseAlgorithm):
    """Learn per-level masking modules on a frozen, trained teacher.

    A forward hook replaces each level F_l of ``feature_module``'s output (a
    tuple of levels, e.g. the neck, or one tensor) by the output of that
    level's masking module, which also returns the similarity D_l of its
    masks. Only the masking modules are trained, on

        L = L_task(teacher with masked features)
            + diversity_weight * sum_l D_l.

    The teacher's weights stay frozen and its normalisation layers in eval
    mode; validation evaluates the masked teacher. The modules are saved as
    ``<masks_name>.<level>.*``, where the stage-2 loss finds them.

    Args:
        architecture (dict | BaseModel): The teacher (detector or segmentor).
        teacher_ckpt (str, optional): Its trained weights. None keeps its
            initialisation (tests only).
        masks_name (str): Attribute (and checkpoint prefix) of the modules.
        level_masks (list[nn.Module]): One masking module per level, each
            mapping ``(N, C, H, W)`` to the masked map and D_l.
        feature_module (str): Name of the teacher's module whose output is
            masked.
        diversity_weight (float): Weight of the mask similarity.
        data_preprocessor (dict, optional): Defaults to the teacher's.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 architecture: Union[BaseModel, Dict],
                 teacher_ckpt: Optional[str],
                 masks_name: str,
                 level_masks: Sequence[nn.Module],
                 feature_module: str,
                 diversity_weight: float,
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
        self.masks_name = masks_name
        setattr(self, masks_name, nn.ModuleList(level_masks))
        self.diversity_weight = diversity_weight
        self._similarities: List[Tensor] = []
        try:
            masked_module = self.architecture.get_submodule(feature_module)
        except AttributeError as error:
            raise ValueError(
                f'model.feature_module={feature_module!r} is not a module '
                f'of {type(self.architecture).__name__}: give the name of '
                "the module whose output is masked, e.g. 'neck'.") from error
        masked_module.register_forward_hook(self._mask_output)
        self.feature_module = feature_module

    def _mask_output(self, module: nn.Module, inputs, output):
        levels = output if isinstance(output, Sequence) else (output, )
        level_masks = getattr(self, self.masks_name)
        if len(levels) != len(level_masks):
            raise ValueError(
                f'model.channels has {len(level_masks)} levels but '
                f'{self.feature_module} returned {len(levels)} tensors: give '
                'one channel count per level.')
        masked = []
        for masks, feats in zip(level_masks, levels):
            masked_feats, similarity = masks(feats)
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

    def train(self, mode: bool = True) -> 'TeacherMaskLearning':
        """Train the masks; the frozen teacher stays in eval mode."""
        super().train(mode)
        self.architecture.eval()
        return self
