# mmdet's runtime with iteration-based logging and one checkpoint per run,
# for the toy schedule; akd's checkpoint hook keeps the previous checkpoint
# until the next one is whole (tools/train.py imports akd, which registers it).
_base_ = 'mmdet::_base_/default_runtime.py'
default_hooks = dict(
    logger=dict(interval=20, log_metric_by_epoch=False),  # metrics by iter
    checkpoint=dict(
        type='mmrazor.SafeCheckpointHook',
        by_epoch=False,
        interval=300,
        max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
