"""FRSKD: self-knowledge distillation from a BiFPN self-teacher.

Ji et al., "Refine Myself by Teaching Myself: Feature Refinement via
Self-Knowledge Distillation", CVPR 2021. https://arxiv.org/abs/2103.08273
Official code (read, not copied): https://github.com/MingiJi/FRSKD
"""
import copy
import math
from typing import Dict, List, Optional, Union

from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmrazor.models.algorithms import BaseAlgorithm
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..utils.mmrazor_scope import build_in_mmrazor_scope

RAMP_SHAPES = ('sigmoid', 'linear')


@MODELS.register_module()
class FRSKDDistill(BaseAlgorithm):
    """A detector or segmentor taught by a self-teacher built on itself.

    The network (``architecture``: a single-stage dense detector with a
    ``bbox_head``, or an mmseg encoder-decoder with a ``decode_head``)
    trains as usual. Its features F (the neck's levels, or the backbone's
    stages without a neck) are refined by ``self_teacher`` (a
    ``BiFPNSelfTeacher``) into R, and a copy of its own head, the
    self-teacher head, predicts from R and trains on the task loss. The
    loss is

        L = L_task(net) + L_task(self-teacher head on R)
            + r(t) * sum_l [ soft_label_loss(z^S_l, sg(z^T_l))
                             + feature_loss(F_l, sg(R_l)) ],

    z^S, z^T the classification logits of the network's and the
    self-teacher's heads (per level for detectors, reshaped to
    ``(N*A, C, H, W)`` so every anchor is a sample; the decode logits for
    segmentors), sg stop-gradient, and r(t) the ramp: 0 for
    ``warmup_iters`` iterations, then rising to 1 over ``ramp_iters``,
    with u = (t - warmup_iters) / ramp_iters in [0, 1], either as the
    original segmentation code's r = exp(-5 (1 - u)^2) (``'sigmoid'``) or
    as r = u (``'linear'``). The losses' ``loss_weight``s are FRSKD's alpha
    and beta. The self-teacher's task loss trains the self-teacher and, through
    F, the network (as in the original); the soft-label and feature terms
    reach only the network. At test time only the network runs, and
    ``tools/model_converters/convert_kd_ckpt_to_student.py`` turns a
    checkpoint into a plain mmdet/mmseg one.

    Teacher-free AKD: wrap either loss in ``AvatarKDLoss`` and its targets,
    the self-teacher's outputs, become weighted avatars.

    Args:
        architecture (dict | BaseModel): The network.
        self_teacher (dict): Config of the self-teacher, e.g.
            ``dict(type='BiFPNSelfTeacher', in_channels=[256] * 5)``.
        soft_label_loss (dict): Loss between logits, called
            ``(student, teacher)``, e.g. ``DenseKLDivergence``.
        feature_loss (dict): Loss between features, called
            ``(student, teacher)``, e.g. MMRazor's ``ATLoss``.
        warmup_iters (int): Iterations with the distillation at 0.
            Defaults to 0.
        ramp_iters (int): Iterations of the ramp to full weight after
            the warm-up. Defaults to 0.
        ramp_shape (str): ``'sigmoid'`` or ``'linear'``. Defaults to
            ``'sigmoid'``.
        data_preprocessor (dict, optional): Defaults to the network's.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 architecture: Union[BaseModel, Dict],
                 self_teacher: dict,
                 soft_label_loss: dict,
                 feature_loss: dict,
                 warmup_iters: int = 0,
                 ramp_iters: int = 0,
                 ramp_shape: str = 'sigmoid',
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None):
        super().__init__(architecture, data_preprocessor, init_cfg)
        for key, value in (('warmup_iters', warmup_iters),
                           ('ramp_iters', ramp_iters)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(
                    f'model.{key} must be an integer >= 0, got {value!r}')
        if ramp_shape not in RAMP_SHAPES:
            raise ValueError(
                f'model.ramp_shape must be one of {RAMP_SHAPES}, got '
                f'{ramp_shape!r}')
        self.is_segmentor = hasattr(self.architecture, 'decode_head')
        head_name = 'decode_head' if self.is_segmentor else 'bbox_head'
        head = getattr(self.architecture, head_name, None)
        if head is None:
            raise ValueError(
                f'FRSKDDistill needs a dense detector with a bbox_head '
                f'(RetinaNet, FCOS, ...) or an mmseg encoder-decoder with a '
                f'decode_head; {type(self.architecture).__name__} has '
                'neither.')
        self.feature_module = ('neck' if getattr(
            self.architecture, 'with_neck', False) else 'backbone')
        self.self_teacher = build_in_mmrazor_scope(self_teacher)
        self.self_teacher_head = copy.deepcopy(head)
        self.soft_label_loss = build_in_mmrazor_scope(soft_label_loss)
        self.feature_loss = build_in_mmrazor_scope(feature_loss)
        self._check_soft_label_mode(head)
        self._check_refined_levels(head)
        self.warmup_iters = warmup_iters
        self.ramp_iters = ramp_iters
        self.ramp_shape = ramp_shape
        self._recorded: Dict[str, object] = {}
        self._recording = False
        getattr(self.architecture, self.feature_module).register_forward_hook(
            self._recorder('features'))
        self._logits_module(head).register_forward_hook(
            self._recorder('student_logits'))
        self._logits_module(self.self_teacher_head).register_forward_hook(
            self._recorder('teacher_logits'))

    def _check_soft_label_mode(self, head: nn.Module) -> None:
        loss = getattr(self.soft_label_loss, 'base_loss',
                       self.soft_label_loss)
        head_sigmoid = (not self.is_segmentor
                        and getattr(head, 'use_sigmoid_cls', False))
        if getattr(loss, 'sigmoid', head_sigmoid) != head_sigmoid:
            raise ValueError(
                f'model.soft_label_loss.sigmoid={loss.sigmoid} but the '
                f'head {type(head).__name__} classifies with '
                f'{"sigmoids" if head_sigmoid else "a softmax"}: set '
                f'sigmoid={head_sigmoid}.')

    def _check_refined_levels(self, head: nn.Module) -> None:
        """The self-teacher projects exactly the levels the head reads.

        A projection no head reads gets no gradient (its map is only a
        stop-gradient target), which DDP rejects and which would make the
        feature loss chase an untrained map.
        """
        num_levels = len(self.self_teacher.out_channels)
        read = set(range(num_levels))
        if self.is_segmentor:
            in_index = head.in_index
            read = set(in_index if isinstance(in_index, (list, tuple)) else
                       [in_index % num_levels])
        expected = [
            channels if level in read else None
            for level, channels in enumerate(self.self_teacher.in_channels)
        ]
        if list(self.self_teacher.out_channels) != expected:
            raise ValueError(
                f'model.self_teacher.out_channels='
                f'{list(self.self_teacher.out_channels)} does not fit '
                f'{type(head).__name__}, which reads levels {sorted(read)}: '
                f'set out_channels={expected} (None where no head reads).')

    def _logits_module(self, head: nn.Module) -> nn.Module:
        """The module whose output holds the class logits: mmseg's
        ``decode_head.loss`` calls ``forward`` directly, so its hook sits on
        the final classifier ``conv_seg``; mmdet heads are called."""
        return head.conv_seg if self.is_segmentor else head

    def _recorder(self, key: str):

        def record(module: nn.Module, inputs, output) -> None:
            if self._recording:
                self._recorded[key] = output

        return record

    def ramp(self) -> float:
        """r(t): 0 in the warm-up, then up to 1 over ``ramp_iters``."""
        iteration = MessageHub.get_current_instance().get_info('iter', 0)
        if iteration < self.warmup_iters:
            return 0.0
        if self.ramp_iters == 0:
            return 1.0
        u = min(1.0, (iteration - self.warmup_iters) / self.ramp_iters)
        return u if self.ramp_shape == 'linear' else math.exp(-5 *
                                                              (1 - u)**2)

    def _head_loss(self, head: nn.Module, feats: tuple,
                   data_samples) -> Dict[str, Tensor]:
        if self.is_segmentor:
            return head.loss(feats, data_samples, self.architecture.train_cfg)
        return head.loss(feats, data_samples)

    def _class_logits(self, head_output) -> List[Tensor]:
        """Logits with classes on dim 1, every position (anchor) a sample."""
        if self.is_segmentor:
            return [head_output]  # (N, C, H, W)
        head = self.self_teacher_head
        A, C = head.num_base_priors, head.cls_out_channels
        return [
            level.reshape(level.shape[0] * A, C, *level.shape[2:])
            for level in head_output[0]  # (N, A*C, H, W) -> (N*A, C, H, W)
        ]

    def loss(self, batch_inputs: Tensor, data_samples=None) -> Dict:
        """Task losses of the network and the self-teacher, distillation."""
        self._recording = True
        try:
            student_losses = self.architecture(batch_inputs, data_samples,
                                               mode='loss')
            features = self._recorded['features']
            refined = self.self_teacher(features)
            teacher_losses = self._head_loss(self.self_teacher_head, refined,
                                             data_samples)
            student_logits = self._class_logits(
                self._recorded['student_logits'])
            teacher_logits = self._class_logits(
                self._recorded['teacher_logits'])
        finally:
            self._recording = False
            self._recorded = {}
        ramp = self.ramp()
        soft_label = sum(
            self.soft_label_loss(s, t.detach())
            for s, t in zip(student_logits, teacher_logits))
        feature = sum(
            self.feature_loss(s, t.detach())
            for s, t in zip(features, refined))
        losses = add_prefix(student_losses, 'student')
        losses.update(add_prefix(teacher_losses, 'self_teacher'))
        losses.update({
            'distill.loss_soft_label': ramp * soft_label,
            'distill.loss_feature': ramp * feature,
            'distill.ramp': soft_label.new_tensor(ramp),
        })
        return losses
