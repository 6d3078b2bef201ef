# Label smoothing 0.1 (Müller et al., NeurIPS 2019) in both cross-entropies
# of the toy PSPNet R18-w16-D8 student: a teacher-free baseline.
_base_ = '../toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'
smoothed = dict(type='LabelSmoothingCrossEntropyLoss', smoothing=0.1)
model = dict(
    decode_head=dict(loss_decode=smoothed),
    auxiliary_head=dict(loss_decode=smoothed))
