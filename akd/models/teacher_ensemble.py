"""Several teachers as one model.

Zhang et al., "Confidence-Aware Multi-Teacher Knowledge Distillation",
ICASSP 2022. https://arxiv.org/abs/2201.00007
"""
from typing import Dict, List

from mmengine.model import BaseModel
from mmrazor.registry import MODELS

from .loaded_model import build_loaded


@MODELS.register_module()
class TeacherEnsemble(BaseModel):
    """Named teachers that run one after the other on the same batch.

    Each teacher is a child module under its name, so recorders address
    ``<name>.<module path>`` (``EnsembleOutputsRecorder`` reads one path
    from all of them).

    Args:
        teachers (dict): ``{name: dict(model=<model config>, ckpt=<path or
            URL, optional>)}``, in the order losses see them.
    """

    def __init__(self, teachers: Dict[str, dict]) -> None:
        super().__init__()
        if not isinstance(teachers, dict) or len(teachers) < 2:
            raise ValueError(
                'model.teachers must map at least two names to '
                "dict(model=..., ckpt=...), got "
                f'{type(teachers).__name__} {teachers!r:.200}')
        for name, spec in teachers.items():
            if not isinstance(spec, dict) or set(spec) - {'model', 'ckpt'} \
                    or 'model' not in spec:
                raise ValueError(
                    f'model.teachers.{name} must be dict(model=<model '
                    'config>, ckpt=<checkpoint, optional>), got '
                    f'{spec!r:.200}')
            if name in dict(self.named_children()):
                raise ValueError(
                    f'model.teachers.{name}: {name!r} is taken by the '
                    'ensemble itself; rename the teacher.')
            self.add_module(
                name,
                build_loaded(spec['model'], spec.get('ckpt'),
                             f'model.teachers.{name}'))
        self.names: List[str] = list(teachers)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """Every teacher's result in ``mode``, as ``{name: result}``."""
        return {
            name: getattr(self, name)(inputs, data_samples, mode=mode)
            for name in self.names
        }

    def extract_feat(self, inputs) -> dict:
        """Every teacher's backbone (and neck) features, as ``{name: ...}``."""
        return {
            name: getattr(self, name).extract_feat(inputs)
            for name in self.names
        }
