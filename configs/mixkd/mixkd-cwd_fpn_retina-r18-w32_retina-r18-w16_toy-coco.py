# MixKD (Choi et al., WACV 2023) with CWD on the FPN levels, toy RetinaNet
# R18-w32 -> R18-w16: the task loss on the clean batch, CWD (tau 1, weight
# 10 per level) on the same batch with a quarter of its images mixed with
# others (partial mixup, lam ~ Beta(1, 1)); the teacher runs extract_feat.
# Twin: configs/cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py.
_base_ = '../cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
model = dict(
    type='MixKDDistill', teacher_forward='extract_feat', mix_alpha=1.0,
    mix_ratio=0.25)
