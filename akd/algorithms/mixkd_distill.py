"""MixKD: distillation on mixed-up images, the task loss on clean ones.

Choi et al., "Understanding the Role of Mixup in Knowledge Distillation:
An Empirical Study", WACV 2023. https://arxiv.org/abs/2211.03946
Zhang et al., "mixup: Beyond Empirical Risk Minimization", ICLR 2018.
"""
import torch
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS
from torch import Tensor
from torch.distributions import Beta

from .frozen_teacher_distill import FrozenTeacherDistill
from .teacher_forward import tensor_forward

# teacher forwards that need no labels, so they can run on mixed images
MIXED_TEACHER_MODES = ('auto', 'tensor', 'extract_feat')


@MODELS.register_module()
class MixKDDistill(FrozenTeacherDistill):
    """Mixup inside the distiller.

    Each step, the student first takes its task loss on the clean batch.
    Then round(``mix_ratio`` * N) of the batch's N images, drawn at random,
    are each mixed with another image of the batch, drawn at random:

        x~_i = lam * x_i + (1 - lam) * x_j,   lam ~ Beta(alpha, alpha),

    with one lam per batch; the other images stay clean. The teacher
    (frozen, under no_grad, in its ``teacher_forward`` precision) and the
    student then both run on that batch without labels: ``extract_feat``
    for the teacher when ``teacher_forward='extract_feat'``, otherwise a
    tensor-mode forward through the heads. The distiller's losses
    (label-free ones, such as CWD, KD or DIST; label recorders record
    nothing here) are taken on these forwards:

        L = L_task(student, x) + L_kd(student(x~), teacher(x~)).

    ``mix_ratio`` < 1 is the study's partial mixup. A batch of one image
    has no partner, so it is distilled clean. The student runs twice per
    step (clean and mixed), the teacher once.

    Args:
        mix_alpha (float): alpha of Beta(alpha, alpha). Defaults to 1.0
            (lam uniform in [0, 1]).
        mix_ratio (float): Fraction of the batch's images mixed, in
            (0, 1]. Defaults to 1.0.
        **kwargs: ``FrozenTeacherDistill``'s arguments.
    """

    def __init__(self,
                 mix_alpha: float = 1.0,
                 mix_ratio: float = 1.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not mix_alpha > 0:
            raise ValueError(f'model.mix_alpha must be > 0, got '
                             f'{mix_alpha!r}')
        if not 0 < mix_ratio <= 1:
            raise ValueError(f'model.mix_ratio must be in (0, 1], got '
                             f'{mix_ratio!r}')
        mode = self.teacher_forward.mode
        if self.teacher_trainable or mode not in MIXED_TEACHER_MODES:
            raise ValueError(
                'MixKDDistill runs a frozen teacher on mixed images, which '
                "have no labels: keep model.teacher_trainable=False and "
                f"model.teacher_forward in {MIXED_TEACHER_MODES}, got "
                f'{mode!r}.')
        self.mixed_teacher_mode = ('extract_feat'
                                   if mode == 'extract_feat' else 'tensor')
        self.beta = Beta(torch.tensor(float(mix_alpha)),
                         torch.tensor(float(mix_alpha)))
        self.mix_alpha = mix_alpha
        self.mix_ratio = mix_ratio

    def mix(self, inputs: Tensor) -> Tensor:
        """The batch with round(mix_ratio * N) images mixed with others."""
        N = inputs.shape[0]
        if N < 2:
            return inputs
        count = max(1, round(self.mix_ratio * N))
        chosen = torch.randperm(N, device=inputs.device)[:count]
        offsets = torch.randint(1, N, (count, ), device=inputs.device)
        partners = (chosen + offsets) % N  # never the image itself
        lam = self.beta.sample().to(inputs.device, inputs.dtype)
        mixed = inputs.clone()
        mixed[chosen] = lam * inputs[chosen] + (1 - lam) * inputs[partners]
        return mixed

    def loss(self, batch_inputs: Tensor, data_samples=None) -> dict:
        """Task loss on the clean batch, distillation on the mixed one."""
        losses = add_prefix(
            self.student(batch_inputs, data_samples, mode='loss'), 'student')
        if self.distillation_stopped:
            return losses
        mixed = self.mix(batch_inputs)
        distiller = self.distiller
        distiller.set_deliveries_override(False)  # the teacher's calls record
        self.teacher_forward.run_mode(self, self.mixed_teacher_mode, mixed,
                                      data_samples)
        distiller.set_deliveries_override(True)  # the student's replay them
        with distiller.student_recorders, distiller.deliveries:
            tensor_forward(self.student, mixed, data_samples)
        losses.update(add_prefix(distiller.compute_distill_losses(),
                                 'distill'))
        return losses
