"""The second model a metric compares with, e.g. the teacher for fidelity."""
import torch
from torch import nn

from ..models.loaded_model import build_loaded


class ReferenceModel:
    """A frozen model in eval mode, built and loaded when the metric is, so
    that a bad config or checkpoint stops the run before training.

    It stays on the CPU between evaluations: :meth:`get` moves it to the
    evaluated model's device and :meth:`release` back, so it holds no GPU
    memory while training runs.

    Args:
        spec (dict): ``dict(model=<model config, e.g. dict(cfg_path=...,
            pretrained=False)>, ckpt=<path or URL>)``, the form of a
            ``TeacherEnsemble`` teacher.
        key (str): The config key of ``spec``, named in errors.
    """

    def __init__(self, spec: dict, key: str) -> None:
        if not isinstance(spec, dict) or set(spec) != {'model', 'ckpt'} \
                or not spec['ckpt']:
            raise ValueError(
                f'{key} must be dict(model=<model config, e.g. dict(cfg_path'
                '=...py, pretrained=False)>, ckpt=<checkpoint path or URL>), '
                f'got {spec!r:.200}')
        self.model: nn.Module = build_loaded(
            spec['model'], spec['ckpt'], key).eval().requires_grad_(False)

    def get(self, device: torch.device) -> nn.Module:
        """The model on ``device``."""
        return self.model.to(device)

    def release(self) -> None:
        """Back to the CPU, freeing the device's memory."""
        self.model.cpu()
