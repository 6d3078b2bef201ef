# mmseg's runtime with the hooks that mmseg keeps in its schedules, sized
# for the toy schedule; akd's checkpoint hook keeps the previous checkpoint
# until the next one is whole (tools/train.py imports akd, which registers it).
_base_ = 'mmseg::_base_/default_runtime.py'
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='mmrazor.SafeCheckpointHook', by_epoch=False,
                    interval=300, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
randomness = dict(seed=0)
