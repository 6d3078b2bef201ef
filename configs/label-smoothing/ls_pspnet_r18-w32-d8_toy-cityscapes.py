# Label smoothing 0.1 (Müller et al., NeurIPS 2019) in both cross-entropies
# of the toy PSPNet R18-w32-D8 teacher, to distil from it:
# cwd_logits_pspnet-r18-w32-d8-ls_pspnet-r18-w16-d8_toy-cityscapes.py.
_base_ = '../toy_models/pspnet_r18-w32-d8_toy-cityscapes.py'
smoothed = dict(type='LabelSmoothingCrossEntropyLoss', smoothing=0.1)
model = dict(
    decode_head=dict(loss_decode=smoothed),
    auxiliary_head=dict(loss_decode=smoothed))
