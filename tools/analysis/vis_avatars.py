"""Show what AKD distils on one image: the teacher's map, its K avatars with
their uncertainties and weights, and the student's map.

    python tools/analysis/vis_avatars.py CONFIG CKPT IMAGE [--loss NAME]
        [--level L] [--channel C] [--seed S] [--out PNG]

``CONFIG`` is a distillation config with an ``AvatarKDLoss``, ``CKPT`` its
distillation checkpoint (student, teacher and distiller parts, as
``tools/train.py`` writes them). ``IMAGE`` goes through the student's test
pipeline; both models run in tensor mode and the loss's mapping records the
student's and the teacher's tensors (``--loss`` picks the entry, by default
the first AKD one; ``--level`` a level of a tuple such as the FPN's). The
loss then draws its K avatars of the teacher's map and their uncertainties
u_k and weights w_k (with ``--seed``), exactly as in training, and the
picture shows one channel of each map (``--channel``; by default the
teacher's channel of largest spatial variance), under the loss's own
transform (batch-standardised under ``standardize=True``), with a bar chart
of u_k and w_k.
"""
import argparse
import os.path as osp
import sys
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import akd  # noqa: E402,F401  (the stack's fixes, before mmengine loads)

# isort: split
import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from akd.losses import AvatarKDLoss  # noqa: E402
from akd.losses.utils.avatar_uncertainty import standardize  # noqa: E402
from akd.tooling.preflight import PreflightError, load_config  # noqa: E402
from akd.tooling.tool_args import exit_on_guard_error  # noqa: E402


@dataclass
class AvatarView:
    """One image's maps under an AKD loss, as the loss sees them."""
    name: str  # the loss's key in distill_losses
    loss: AvatarKDLoss
    image: np.ndarray  # (H, W, 3) RGB, after the test pipeline
    teacher: torch.Tensor  # (1, C, h, w)
    avatars: torch.Tensor  # (1, K, C, h, w)
    student: torch.Tensor  # (1, C, h, w)
    uncertainty: torch.Tensor  # u_k, (K, )
    weights: torch.Tensor  # w_k, (K, )


def avatar_view(config: str, checkpoint: str, image: str,
                loss_name: Optional[str] = None, level: int = 0,
                seed: int = 0) -> AvatarView:
    """Record ``image``'s student and teacher tensors for the AKD loss
    and draw its avatars, u_k and w_k with ``seed``."""
    cfg, model = build_distillation(config, checkpoint)
    name, loss, mapping = akd_entry(model.distiller, loss_name)
    inputs, student, teacher = record_pair(model, cfg, image, mapping)
    student = pick_level(student, level, 'student record')
    teacher = pick_level(teacher, level, 'teacher record')
    torch.manual_seed(seed)
    with torch.no_grad():
        avatars, uncertainty = loss.avatars(teacher)
        weights = loss.avatar_weights(uncertainty)
        if loss.standardize:
            teacher, student = standardize(teacher), standardize(student)
    rgb = inputs.permute(1, 2, 0).flip(-1).numpy()
    return AvatarView(name, loss, rgb, teacher, avatars, student,
                      uncertainty, weights)


def build_distillation(config: str, checkpoint: str):
    """The distillation of ``config`` with the weights of ``checkpoint``."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint
    from mmrazor.registry import MODELS

    from akd.tooling.random_weights import without_weights
    cfg = load_config(config)
    without_weights(cfg)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True,
                    logger='silent')
    return cfg, model.eval()


def akd_entry(distiller, name: str) -> Tuple[str, AvatarKDLoss, Dict]:
    """The AKD loss named ``name`` (or the first), and its mapping."""
    entries = {
        key: loss
        for key, loss in distiller.distill_losses.items()
        if isinstance(loss, AvatarKDLoss)
    }
    if not entries:
        raise PreflightError(
            'model.distiller.distill_losses has no AvatarKDLoss: give a '
            'config whose loss is wrapped by AKD (configs/akd/).')
    key = name or next(iter(entries))
    if key not in entries:
        raise PreflightError(
            f'--loss {key!r} is not an AvatarKDLoss of the config; its AKD '
            f'losses are {sorted(entries)}.')
    return key, entries[key], distiller.loss_forward_mappings[key]


def record_pair(model, cfg, image: str, mapping: Dict) -> Tuple:
    """The student's and teacher's tensors the mapping gives for ``image``."""
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import DefaultScope
    student_cfg = load_config(cfg.model.architecture.cfg_path)
    steps = [
        step for step in student_cfg.test_dataloader.dataset.pipeline
        if 'Annotations' not in step['type']
    ]
    with DefaultScope.overwrite_default_scope(student_cfg.default_scope):
        data = Compose(steps)(dict(img_path=image, img_id=0))
    batch = model.data_preprocessor(pseudo_collate([data]), False)
    distiller = model.distiller
    with torch.no_grad(), distiller.student_recorders, \
            distiller.teacher_recorders:
        model.architecture(batch['inputs'], batch['data_samples'],
                           mode='tensor')
        model.teacher(batch['inputs'], batch['data_samples'], mode='tensor')
        student = distiller.get_record(**mapping['preds_S'])
        teacher = distiller.get_record(**mapping['preds_T'])
    return data['inputs'], student, teacher


def pick_level(tensor, level: int, what: str) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor):
        return tensor
    if not 0 <= level < len(tensor):
        raise PreflightError(f'--level {level}: the {what} has '
                             f'{len(tensor)} levels (0-{len(tensor) - 1}).')
    return tensor[level]


def save_picture(view: AvatarView, channel: int, title: str,
                 out: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    K = view.avatars.shape[1]
    uncertainty, weights = view.uncertainty, view.weights
    maps = [('teacher', view.teacher[0, channel])] + [
        (f'avatar {k + 1}\nu={uncertainty[k]:.4f} w={weights[k]:.3f}',
         view.avatars[0, k, channel]) for k in range(K)
    ] + [('student', view.student[0, channel])]
    low = min(float(m.min()) for _, m in maps)
    high = max(float(m.max()) for _, m in maps)
    columns = len(maps) + 2
    figure = Figure(figsize=(2.2 * columns, 2.8))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, columns)
    axes[0].imshow(view.image)
    axes[0].set_title('image', fontsize=8)
    for ax, (name, values) in zip(axes[1:], maps):
        ax.imshow(values.numpy(), cmap='viridis', vmin=low, vmax=high)
        ax.set_title(name, fontsize=8)
    for ax in axes[:-1]:
        ax.set_axis_off()
    bars = axes[-1]
    index = np.arange(K)
    bars.bar(index - 0.2, weights.numpy(), 0.4, label='w_k')
    bars.bar(index + 0.2, uncertainty.numpy() / max(
        float(uncertainty.max()), 1e-12), 0.4, label='u_k / max u')
    bars.set_xticks(index, [str(k + 1) for k in index], fontsize=7)
    bars.set_title('per avatar', fontsize=8)
    bars.legend(fontsize=6)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(out, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--loss', help='the AKD entry of distill_losses')
    parser.add_argument('--level', type=int, default=0)
    parser.add_argument('--channel', type=int)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='avatars.png')
    args = parser.parse_args(argv)
    if not osp.isfile(args.image):
        parser.error(f'IMAGE {args.image!r} does not exist.')
    with exit_on_guard_error():
        view = avatar_view(args.config, args.checkpoint, args.image,
                           args.loss, args.level, args.seed)
        channels = view.teacher.shape[1]
        channel = args.channel
        if channel is None:
            channel = int(view.teacher[0].flatten(1).var(dim=1).argmax())
        elif not 0 <= channel < channels:
            raise PreflightError(f'--channel {channel}: the recorded maps '
                                 f'have {channels} channels.')
        loss = view.loss
        title = (f'{view.name}: {type(loss.base_loss).__name__}, K='
                 f'{loss.num_avatars}, standardize={loss.standardize}, '
                 f'weighting={loss.weighting}, '
                 f'level {args.level}, channel {channel} of {channels}')
        save_picture(view, channel, title, args.out)
    print(f'{title}: written to {args.out}')


if __name__ == '__main__':
    main()
