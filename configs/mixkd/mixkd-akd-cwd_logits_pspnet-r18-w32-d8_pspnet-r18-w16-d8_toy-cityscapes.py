# AKD over MixKD-CWD on logits, toy PSPNet R18-w32 -> R18-w16: the twin
# AKD-CWD distiller (K=4 dropout avatars of the teacher's logits, variance
# uncertainty) on the partially mixed batch of MixKD. Twins:
# mixkd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py
# and configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-
# cityscapes.py.
_base_ = ('../akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
          'toy-cityscapes.py')
model = dict(type='MixKDDistill', mix_alpha=1.0, mix_ratio=0.25)
