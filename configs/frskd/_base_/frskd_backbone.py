# FRSKD on the four backbone stages of an mmseg encoder-decoder: a BiFPN
# self-teacher refines the stages and feeds a copy of the decode head, which
# reads stage 4 only (the other stages keep the BiFPN's own maps, see
# BiFPNSelfTeacher.out_channels); pixel KL (T=1, alpha 1, over the B*H*W
# pixels) and attention transfer (beta 50), as the original segmentation
# code. The leaf adds a pair base (data, schedule), the network, and the
# warm-up and ramp.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FRSKDDistill',
    self_teacher=dict(
        type='BiFPNSelfTeacher', in_channels=[64, 128, 256, 512], width=128,
        out_channels=[None, None, None, 512]),
    soft_label_loss=dict(type='DenseKLDivergence', tau=1.0, loss_weight=1.0),
    feature_loss=dict(type='ATLoss', loss_weight=50.0))
