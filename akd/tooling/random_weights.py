"""A distillation config built with random weights, reading no file.

For tests and benchmarks, which need the architectures, not trained
weights: no teacher checkpoint, no pretrained download, no stage-1 tokens
or prompts.
"""
from mmengine.config import Config

from ..checkpoints.stage_one_weights import STAGE_ONE_CHECKPOINTS


def without_weights(cfg: Config) -> None:
    """Drop, in place, every weight file ``cfg.model`` would read."""
    if 'teacher_ckpt' in cfg.model:  # FRSKD has no teacher
        cfg.model.teacher_ckpt = None
    for spec in (*cfg.model.get('teachers', {}).values(),
                 *cfg.model.get('peers', {}).values()):
        spec.ckpt = None
        spec.model.pretrained = False
    losses = cfg.model.get('distiller', {}).get('distill_losses', {})
    for loss in losses.values():
        for part in (loss, loss.get('base_loss', {})):
            if part.get('type') in STAGE_ONE_CHECKPOINTS:
                argument, _ = STAGE_ONE_CHECKPOINTS[part.type]
                part[argument] = None  # random: no stage 1 here
    for part in ('architecture', 'teacher'):
        if 'cfg_path' in cfg.model.get(part, {}):
            cfg.model[part].pretrained = False
