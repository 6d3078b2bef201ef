# Stage 1 of MasKD on the five FPN levels of a detector, as the official
# mmdetection/configs/maskd: 6 receptive tokens per level learned on the
# frozen teacher's task loss plus the Dice diversity loss (weight 1), Adam
# lr 0.01, weight decay 1e-3, cosine to 1e-6 over 2000 iterations. The leaf
# inherits a pair base (teacher, data) too and assigns the tokens_* schedule
# below, which replaces the pair's. The result feeds MasKDLoss.tokens_ckpt.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
num_levels = 5
fpn_channels = 256
model = dict(
    _scope_='mmrazor',
    type='MasKDTokenLearning',
    channels=[fpn_channels] * num_levels,
    num_tokens=6,
    feature_module='neck',
    diversity_weight=1.0)
tokens_iters = 2000
tokens_train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=tokens_iters,
    val_interval=tokens_iters)
tokens_val_cfg = dict(_delete_=True, type='ValLoop')  # the masked teacher
tokens_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=0.01, weight_decay=1e-3))
tokens_param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=tokens_iters,
         eta_min=1e-6)
]
tokens_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=tokens_iters, max_keep_ckpts=1))
