"""Distillation in the teacher's tailored coordinate system (TCS).

Zhou, Zhu and Wu, "All You Need in Knowledge Distillation Is a Tailored
Coordinate System", AAAI 2025. https://arxiv.org/abs/2412.09388
No official code was found. The paper's abstract and published summaries of
its method were read, not its method section: ``TCSLoss`` says what follows
the paper, what is adapted to dense maps and what is left out.
"""
from typing import Sequence, Tuple, Union

import torch
from mmengine.dist import all_reduce
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, paired_levels
from ..utils.full_precision import autocast_off
from .utils.avatar_ensembles import avatar_form
from .utils.loss_args import check_non_negative


def pixel_moments(levels: Sequence[Tensor]) -> Tensor:
    """``_pixel_moments`` with autocast off: AMP would run its products in
    half precision and overflow."""
    with autocast_off(levels[0]):
        return _pixel_moments(levels)


def _pixel_moments(levels: Sequence[Tensor]) -> Tensor:
    """Count, sum and sum of outer products of all pixel vectors, in float64.

    Every position of a ``(N, C, ...)`` map is one C-vector x. Each level
    is centred on its float32 mean m before the float32 products, and with
    r = sum (x - m), sum x = M m + r and sum x x^T = sum (x - m)(x - m)^T
    + m r^T + r m^T + M m m^T are completed in float64: exact up to the
    rounding of the centred sums, however far the mean is from 0.

    Args:
        levels (Sequence[Tensor]): Maps ``(N, C, ...)`` with the same C.

    Returns:
        Tensor: ``[M, sum x (C), sum x x^T (C*C)]`` flattened, ``(1+C+C*C,)``,
        ready for one all-reduce.
    """
    C = levels[0].shape[1]
    count = levels[0].new_zeros((), dtype=torch.float64)
    total = levels[0].new_zeros(C, dtype=torch.float64)
    outer = levels[0].new_zeros(C, C, dtype=torch.float64)
    for feats in levels:
        if feats.numel() == 0:
            continue
        N = feats.shape[0]
        X = feats.detach().float().reshape(N, C, -1)  # (N, C, P)
        M = N * X.shape[2]
        mean = X.mean(dim=(0, 2))  # (C,)
        Xc = X - mean[None, :, None]  # (N, C, P)
        scatter = (Xc @ Xc.transpose(1, 2)).sum(0).double()  # (C, C)
        residual = Xc.sum(dim=(0, 2)).double()  # (C,)
        m = mean.double()
        count += M
        total += M * m + residual
        outer += (
            scatter + torch.outer(m, residual) + torch.outer(residual, m) +
            M * torch.outer(m, m))
    return torch.cat([count.reshape(1), total, outer.flatten()])


def merge_moments(count: Tensor, mean: Tensor, cov: Tensor,
                  moments: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Add a batch's ``pixel_moments`` to a running count, mean, covariance.

    Chan et al.'s pairwise update: with delta = mean_b - mean_a and
    M = M_a + M_b, mean = mean_a + delta M_b / M and
    cov = (M_a cov_a + M_b cov_b) / M + delta delta^T M_a M_b / M^2
    (covariances normalised by the count, as PCA needs no unbiasing).
    """
    C = mean.shape[0]
    count_b = moments[0]
    mean_b = moments[1:1 + C] / count_b  # (C,)
    cov_b = (moments[1 + C:].reshape(C, C) / count_b -
             torch.outer(mean_b, mean_b))  # (C, C)
    total = count + count_b
    delta = mean_b - mean
    new_mean = mean + delta * count_b / total
    new_cov = ((count * cov + count_b * cov_b) / total +
               torch.outer(delta, delta) * count * count_b / total**2)
    return total, new_mean, new_cov


def principal_axes(cov: Tensor) -> Tuple[Tensor, Tensor]:
    """Variances ``(C,)`` in decreasing order and unit principal directions,
    the columns of U ``(C, C)``, of a covariance matrix.

    Each direction's sign is fixed (its largest-magnitude entry positive),
    so equal covariances give equal bases.
    """
    variances, U = torch.linalg.eigh(cov)  # ascending
    variances, U = variances.flip(0).clamp_min(0), U.flip(1)
    rows = U.abs().argmax(dim=0)  # (C,)
    signs = U.gather(0, rows[None]).sign()  # (1, C)
    return variances, U * torch.where(signs == 0, 1.0, signs)


def num_kept(variances: Tensor, num_components: Union[int, float]) -> int:
    """k: ``num_components`` if an int, else the fewest leading components
    whose variances sum to at least that fraction of the total (0 when the
    total is 0)."""
    if isinstance(num_components, int):
        return num_components
    total = variances.sum()
    if total <= 0:
        return 0
    explained = variances.cumsum(0) / total  # (C,)
    k = int((explained < num_components).sum()) + 1
    return min(k, variances.shape[0])


def coordinate_distance(preds_S: Tensor, preds_T: Tensor,
                        basis: Tensor) -> Tensor:
    """1/(N*P) sum_{n,p} ||U_k^T (S_np - T_np)||^2 over the P positions.

    Args:
        preds_S (Tensor): Student map S, ``(N, C, ...)``.
        preds_T (Tensor): Teacher map T, shaped as S.
        basis (Tensor): U_k, ``(C, k)``, orthonormal columns.

    Returns:
        Tensor: The scalar loss.
    """
    N, C = preds_S.shape[:2]
    with autocast_off(preds_S):  # squared coordinates overflow float16
        diff = (preds_S.float() - preds_T.float()).reshape(N, C, -1)
        P = diff.shape[2]  # diff: (N, C, P)
        coords = torch.einsum('ck,ncp->nkp', basis.float(), diff)
        return coords.pow(2).sum() / (N * P)  # coords: (N, k, P)


@MODELS.register_module()
class TCSLoss(nn.Module):
    """Match the teacher's coordinates in the principal axes of its features.

    TCS holds that a pretrained (e.g. self-supervised) teacher's dark
    knowledge lies in the coordinate system, the linear subspace, spanned
    by its features: a PCA of the teacher's features gives the axes, and
    the student learns to express itself in them. Here every pixel's
    C-vector of a dense map ``(N, C, H, W)`` is one PCA sample. With mu the
    teacher pixels' mean and U_k the k principal directions of largest
    variance (``(C, k)``), the coordinates of a pixel x are
    c(x) = U_k^T (x - mu), and

        L = loss_weight * 1/(N*H*W) * sum_{n,h,w} ||c(S_nhw) - c(T_nhw)||^2
          = loss_weight * 1/(N*H*W) * sum_{n,h,w} ||U_k^T (S_nhw - T_nhw)||^2,

    the squared coordinate differences summed over the k axes and averaged
    over the N*H*W pixels (mu cancels). The part of S orthogonal to the
    teacher's subspace is left free. The loss does not grow with H*W, and
    nearest-upsampling both maps leaves it, and the basis, unchanged; it is
    quadratic in the features' scale, like an MSE. Any ``(N, C, ...)`` shape
    works, ``(N, C)`` being the paper's one vector per image. A tuple of
    levels (FPN) gives the sum of the levels' losses, with one basis from
    the pooled pixels of all levels, which share their channels.

    The basis: mu, U (all C directions, in order of decreasing variance)
    and the variances are persistent buffers, pre-sized from ``channels``,
    so they are saved in and restored from checkpoints. The running mean
    and covariance of the teacher's pixels (summed over GPUs, so every rank
    has the same basis) are updated on each call until ``basis_samples``
    pixel vectors have been seen; meanwhile the loss uses the basis of the
    pixels so far. Then the basis is fixed, as the paper's single teacher
    pass over the data fixes it. k is ``num_components`` if an int, or, if
    a float, the fewest directions that explain that fraction of the
    teacher's variance (recomputed from the stored variances).

    From the paper, as published summaries describe it, and what differs:

    - The paper computes the PCA of the training set's image features in one
      teacher pass before training; here the teacher's pixel vectors of the
      first training batches, since MMRazor runs the teacher on every
      batch and augmented dense maps cannot be stored per image.
    - The paper maps the student's feature into the coordinate system with
      a learnable linear layer (merged into the classifier after training).
      Here that layer is a connector: the student map must have the
      teacher's ``channels`` (add a 1x1 conv to
      ``model.distiller.connectors``); composed with the fixed U_k^T it is
      any linear map to the k coordinates.
    - The paper tailors the axes to the task by iterative feature selection
      (a trainable mask over the coordinates, pruned with accumulated
      gradients during training) and can add an eLSH feature-mimicking
      loss. Neither is here: the axes kept are the leading ones by
      variance, fixed by ``num_components``; the defaults for it and for
      ``basis_samples`` are ours, not the paper's.

    Gradient: the student map receives it; the basis, built from detached
    teacher features, never does (and the teacher runs under ``no_grad``
    in akd's algorithms).

    Under ``AvatarKDLoss`` (``avatar_loss``), the loss is the weighted sum
    over the K avatars A_k, in one pass, exactly:
    sum_k w_k ||U_k^T (S - A_k)||^2 = ||U_k^T (S - A_bar)||^2 + sum_k w_k
    ||U_k^T (A_k - A_bar)||^2, A_bar = sum_k w_k A_k. The basis is built
    from A_bar, once per call (so ``basis_samples`` counts pixels, not
    avatars): for dropout or noise avatars A_bar is an unbiased teacher
    estimate, but its perturbation still adds variance to the covariance
    (dropout p adds p/(1-p) E[t_c^2] to each diagonal entry, divided by
    about K), which blurs the axes of small variance. With
    ``standardize=True`` the basis is that of the standardised avatars the
    loss compares. A zero-probability perturbation gives the plain loss.

    Args:
        channels (int): The teacher's channels C (and the student's, after
            its connector).
        num_components (int | float): k as an int in [1, channels], or the
            fraction of variance to keep, a float in (0, 1]. Defaults to
            0.95.
        basis_samples (int): Pixel vectors (over GPUs, batches and levels)
            the PCA is computed from before it is fixed. The default, 1e6,
            is about 45 images of RetinaNet's P3-P7 at 800x1333
            (100*167 + 50*84 + 25*42 + 13*21 + 7*11 = 22,300 pixels each).
            Defaults to 1_000_000.
        loss_weight (float): Scale of the loss. Defaults to 1.0.

    Example:
        >>> import torch
        >>> from akd.losses.tcs import TCSLoss
        >>> loss = TCSLoss(channels=8, num_components=4, basis_samples=100)
        >>> student, teacher = torch.randn(2, 8, 5, 6), torch.randn(2, 8, 5, 6)
        >>> loss(student, teacher).shape
        torch.Size([])
        >>> loss.basis_ready, loss.basis.shape  # 2*5*6 = 60 pixels seen
        (False, torch.Size([8, 8]))
        >>> _ = loss(student, teacher)
        >>> loss.basis_ready  # 120 >= 100: fixed from now on
        True
    """

    def __init__(self,
                 channels: int,
                 num_components: Union[int, float] = 0.95,
                 basis_samples: int = 1_000_000,
                 loss_weight: float = 1.0):
        super().__init__()
        name = type(self).__name__
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(
                f'{name}.channels must be an integer >= 1, got {channels!r}')
        count_ok = (
            isinstance(num_components, int)
            and not isinstance(num_components, bool)
            and 1 <= num_components <= channels)
        fraction_ok = (
            isinstance(num_components, float) and 0 < num_components <= 1)
        if not (count_ok or fraction_ok):
            raise ValueError(
                f'{name}.num_components must be an int in [1, channels='
                f'{channels}] or a float fraction of variance in (0, 1], '
                f'got {num_components!r}')
        if not isinstance(basis_samples, int) or basis_samples < 1:
            raise ValueError(
                f'{name}.basis_samples must be an integer >= 1, got '
                f'{basis_samples!r}')
        self.channels = channels
        self.num_components = num_components
        self.basis_samples = basis_samples
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        # running PCA statistics in float64; the basis in float32
        f64 = dict(dtype=torch.float64)
        self.register_buffer('num_samples', torch.zeros((), **f64))
        self.register_buffer('mean', torch.zeros(channels, **f64))
        self.register_buffer('covariance',
                             torch.zeros(channels, channels, **f64))
        self.register_buffer('variances', torch.zeros(channels))
        self.register_buffer('basis', torch.zeros(channels, channels))

    @property
    def basis_ready(self) -> bool:
        """Whether ``basis_samples`` pixels have been seen: no more updates."""
        return self.num_samples.item() >= self.basis_samples

    @torch.no_grad()
    def observe(self, preds_T: Sequence[Tensor]) -> None:
        """Add the teacher's pixel vectors to the PCA and recompute the basis.

        Called by ``forward`` until the basis is ready; it may also be called
        directly, e.g. over a teacher pass through the data before training.
        All ranks must call it together (it all-reduces).
        """
        moments = pixel_moments(preds_T).to(self.mean.device)
        all_reduce(moments)
        if moments[0] == 0:
            return
        count, mean, cov = merge_moments(self.num_samples, self.mean,
                                         self.covariance, moments)
        self.num_samples.copy_(count)
        self.mean.copy_(mean)
        self.covariance.copy_(cov)
        variances, basis = principal_axes(cov)
        self.variances.copy_(variances)
        self.basis.copy_(basis)

    def kept_basis(self) -> Tensor:
        """U_k, ``(C, k)``: the k leading principal directions."""
        return self.basis[:, :num_kept(self.variances, self.num_components)]

    def forward(self, preds_S: Levels, preds_T: Levels) -> Tensor:
        """Args: preds_S, preds_T (Tensor | Sequence[Tensor]): maps
        ``(N, channels, ...)`` of the same shape, or tuples of levels."""
        preds_S, preds_T = paired_levels(self, preds_S, preds_T)
        self._check(preds_S, preds_T)
        if not self.basis_ready:
            self.observe(preds_T)
        basis = self.kept_basis()
        return self.loss_weight * sum(
            coordinate_distance(student, teacher, basis)
            for student, teacher in zip(preds_S, preds_T))

    def avatar_loss(self, preds_S: Tensor, avatars: Tensor,
                    weights: Tensor) -> Tensor:
        """sum_k w_k L(S, A_k) for avatars ``(N, K, C, ...)``, in one pass;
        the basis is built from the mean avatar A_bar (see the class)."""
        self._check((preds_S, ), (avatars[:, 0], ))
        w = weights.to(avatars.dtype)
        mean_avatar = torch.einsum('nk...,k->n...', avatars, w)  # (N, C, ...)
        if not self.basis_ready:
            self.observe((mean_avatar, ))
        basis = self.kept_basis()
        N, K, C = avatars.shape[:3]
        deviation = (avatars - mean_avatar.unsqueeze(1)).reshape(
            N, K, C, -1)  # (N, K, C, P)
        with autocast_off(avatars):
            coords = torch.einsum('ck,nmcp->nmkp', basis.float(),
                                  deviation.float())  # (N, K, k, P)
            P = coords.shape[3]
            spread = (coords.pow(2).sum(dim=(2, 3)) * w.float()).sum() / (
                N * P)
        return self.loss_weight * (
            coordinate_distance(preds_S, mean_avatar, basis) + spread)

    def _check(self, preds_S: Sequence[Tensor],
               preds_T: Sequence[Tensor]) -> None:
        name = type(self).__name__
        for student, teacher in zip(preds_S, preds_T):
            if teacher.dim() < 2 or teacher.shape[1] != self.channels:
                raise ValueError(
                    f'{name}: teacher shape {tuple(teacher.shape)} does not '
                    f'have channels={self.channels} on dim 1: set channels '
                    "to the teacher's.")
            if student.shape != teacher.shape:
                raise ValueError(
                    f'{name}: student shape {tuple(student.shape)} != '
                    f'teacher shape {tuple(teacher.shape)}. Map the student '
                    "into the teacher's channels with a connector: add one "
                    'to model.distiller.connectors (e.g. '
                    "dict(type='ConvModuleConnector', in_channel=..., "
                    f'out_channel={self.channels}, kernel_size=1)), the '
                    "paper's linear layer into the coordinate system.")

    def extra_repr(self) -> str:
        return (f'channels={self.channels}, '
                f'num_components={self.num_components}, '
                f'basis_samples={self.basis_samples}, '
                f'loss_weight={self.loss_weight}')


avatar_form(TCSLoss)(TCSLoss.avatar_loss)
