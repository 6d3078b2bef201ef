"""A distillation config built with random weights, reading no file.

For tests and benchmarks, which need the architectures, not trained
weights: no teacher checkpoint, no pretrained download, no stage-1 tokens
or prompts.
"""
from mmengine.config import Config

STAGE_ONE_WEIGHTS = dict(MasKDLoss='tokens_ckpt', FreeKDLoss='prompts_ckpt')


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
            stage_one = STAGE_ONE_WEIGHTS.get(part.get('type'))
            if stage_one:
                part[stage_one] = None  # random: no stage 1 here
    for part in ('architecture', 'teacher'):
        if 'cfg_path' in cfg.model.get(part, {}):
            cfg.model[part].pretrained = False
