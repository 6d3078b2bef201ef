# MixKD (Choi et al., WACV 2023) with CWD on logits, toy PSPNet R18-w32 ->
# R18-w16: the task loss on the clean batch, CWD (tau 1, weight 3) on the
# same batch with a quarter of its images mixed with others (partial mixup,
# lam ~ Beta(1, 1)). Twin: configs/cwd/cwd_logits_pspnet-r18-w32-d8_pspnet-
# r18-w16-d8_toy-cityscapes.py.
_base_ = ('../cwd/cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
          'toy-cityscapes.py')
model = dict(type='MixKDDistill', mix_alpha=1.0, mix_ratio=0.25)
