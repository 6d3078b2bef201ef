"""The second model a metric compares with, e.g. the teacher for fidelity."""
from typing import Optional

import torch
from torch import nn

from ..models.teacher_ensemble import build_loaded


class ReferenceModel:
    """A model built from ``spec`` at first use, in eval mode, frozen.

    Args:
        spec (dict): ``dict(model=<model config, e.g. dict(cfg_path=...,
            pretrained=False)>, ckpt=<path or URL>)``, the form of a
            ``TeacherEnsemble`` teacher.
        key (str): The config key of ``spec``, named in errors.
    """

    def __init__(self, spec: dict, key: str) -> None:
        if not isinstance(spec, dict) or set(spec) != {'model', 'ckpt'}:
            raise ValueError(
                f'{key} must be dict(model=<model config, e.g. dict(cfg_path'
                '=...py, pretrained=False)>, ckpt=<checkpoint path or URL>), '
                f'got {spec!r:.200}')
        self.spec, self.key = spec, key
        self._model: Optional[nn.Module] = None

    def get(self, device: Optional[torch.device] = None) -> nn.Module:
        """The model, on ``device`` (default: the GPU if there is one)."""
        if device is None:
            device = torch.device(
                'cuda' if torch.cuda.is_available() else 'cpu')
        if self._model is None:
            self._model = build_loaded(self.spec['model'], self.spec['ckpt'],
                                       self.key).eval().requires_grad_(False)
        return self._model.to(device)
