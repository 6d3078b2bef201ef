"""Which weights a teacher's pruning may zero."""
import re
from typing import Dict, Sequence

from torch import nn

# The last layer of each head predicts classes, boxes or offsets: pruning
# it changes what the teacher outputs rather than how, so it is kept, as
# PrUE and prune-then-distill keep their classifier's output layer.
PREDICTOR_LAYERS = (r'conv_seg$', r'_cls$', r'_reg$', r'centerness$',
                    r'conv_offset$')
# A segmentor's auxiliary heads only add a training loss: the teacher's
# predictions never pass through them, so pruning them would count towards
# the sparsity without thinning the teacher (PrUE, which scores them 0,
# would zero them first).
TRAINING_ONLY_HEADS = (r'^auxiliary_head\.', )


def prunable_weights(model: nn.Module,
                     exclude: Sequence[str] = PREDICTOR_LAYERS +
                     TRAINING_ONLY_HEADS) -> Dict[str, nn.Parameter]:
    """``{name: weight}`` of the Conv2d and Linear layers of ``model`` whose
    module name matches none of the ``exclude`` regular expressions (by
    default the heads' predictor layers and a segmentor's auxiliary heads).
    Biases and norms are never pruned."""
    patterns = [re.compile(p) for p in exclude]
    return {
        f'{name}.weight': module.weight
        for name, module in model.named_modules()
        if isinstance(module, (nn.Conv2d, nn.Linear)) and not any(
            p.search(name) for p in patterns)
    }


def sparsity(weights: Dict[str, nn.Parameter]) -> float:
    """The share of exact zeros among ``weights``."""
    total = sum(w.numel() for w in weights.values())
    zeros = sum(int((w == 0).sum()) for w in weights.values())
    return zeros / max(total, 1)
