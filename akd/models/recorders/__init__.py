"""akd's recorders (registered in MMRazor's ``TASK_UTILS``)."""
from .cross_head_recorder import CrossHeadOutputsRecorder
from .ensemble_outputs_recorder import EnsembleOutputsRecorder
from .label_recorders import (DetTargetLabelsRecorder, HeadAnchorsRecorder,
                              LDRegionsRecorder, SegGtLabelsRecorder)

__all__ = [
    'CrossHeadOutputsRecorder',
    'DetTargetLabelsRecorder', 'EnsembleOutputsRecorder',
    'HeadAnchorsRecorder', 'LDRegionsRecorder',
    'SegGtLabelsRecorder'
]
