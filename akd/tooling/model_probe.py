"""What a detector or segmentor config gives to distil: run it once.

``tools/distill.py`` picks recorder sources and connectors from these facts
rather than from the config's keys, so a user's own neck or head is
measured as it really runs.
"""
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
from mmdet.models.dense_heads import AnchorHead, FCOSHead

from ..compat.local_cfg_path import build_from_config_file
from .preflight import load_config

Shape = Tuple[int, ...]
PROBE_SIZE = (256, 256)  # divisible by the largest FPN stride, 128


@dataclass
class ModelFacts:
    """One model config, measured on one random ``PROBE_SIZE`` image.

    ``neck`` and ``head_logits`` are the shapes of each level's map (a
    detector's neck, a one-stage head's classification logits);
    ``seg_logits`` is a segmentor's decode-head output, recorded from
    ``seg_logits_source`` (the last head of a cascade, as OCRNet's).
    """
    path: str
    task: str  # 'det' or 'seg'
    kind: str  # the model's type, e.g. 'RetinaNet'
    num_classes: int
    two_stage: bool = False
    neck: Optional[List[Shape]] = None
    head_logits: Optional[List[Shape]] = None
    seg_logits: Optional[Shape] = None
    seg_logits_source: str = 'decode_head.conv_seg'
    label_source: Optional[str] = None  # a dense head's get_targets

    @property
    def name(self) -> str:
        return osp.splitext(osp.basename(self.path))[0]


def probe_model(path: str) -> ModelFacts:
    """Build the model of the config at ``path`` and measure its outputs."""
    cfg = load_config(path)
    model = build_from_config_file(path).eval()
    image = torch.rand(1, 3, *PROBE_SIZE)
    kind = type(model).__name__
    with torch.no_grad():
        if cfg.get('default_scope') == 'mmseg':
            logits = model(image, mode='tensor')
            heads = model.decode_head
            source = 'decode_head.conv_seg'
            if isinstance(heads, torch.nn.ModuleList):
                source = f'decode_head.{len(heads) - 1}.conv_seg'
                heads = heads[-1]
            return ModelFacts(path, 'seg', kind, heads.num_classes,
                              seg_logits=tuple(logits.shape),
                              seg_logits_source=source)
        facts = ModelFacts(path, 'det', kind, _detector_classes(model),
                           two_stage=hasattr(model, 'roi_head'))
        features = model.extract_feat(image)
        if getattr(model, 'with_neck', False):
            facts.neck = [tuple(f.shape) for f in features]
        if hasattr(model, 'bbox_head'):
            cls_scores = model.bbox_head(features)[0]
            facts.head_logits = [tuple(s.shape) for s in cls_scores]
            facts.label_source = _label_source(model.bbox_head)
    return facts


def _label_source(head) -> Optional[str]:
    """The ``get_targets`` that ``DetTargetLabels`` records for ``head``:
    the dense heads whose first target is a class per anchor or point."""
    for head_class in (FCOSHead, AnchorHead):
        if isinstance(head, head_class):
            return (f'{head_class.__module__}.{head_class.__name__}'
                    '.get_targets')
    return None


def _detector_classes(model) -> int:
    head = getattr(model, 'bbox_head', None)
    if head is None:
        head = model.roi_head.bbox_head
        head = head[-1] if isinstance(head, torch.nn.ModuleList) else head
    return head.num_classes
