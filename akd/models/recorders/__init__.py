"""akd's recorders (registered in MMRazor's ``TASK_UTILS``)."""
from .ensemble_outputs_recorder import EnsembleOutputsRecorder
from .label_recorders import (DetTargetLabelsRecorder, LDRegionsRecorder,
                              SegGtLabelsRecorder)

__all__ = [
    'DetTargetLabelsRecorder', 'EnsembleOutputsRecorder', 'LDRegionsRecorder',
    'SegGtLabelsRecorder'
]
