# FRSKD on the five FPN levels of a single-stage dense detector: a BiFPN
# self-teacher refines the levels and feeds a copy of the detector's head;
# soft labels (per-class sigmoid KL on every anchor, T=1, alpha 1) and
# attention transfer (beta 50), the original segmentation settings. The leaf
# adds a pair base (data, schedule), the network, and the warm-up and ramp.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
num_levels = 5
model = dict(
    _scope_='mmrazor',
    type='FRSKDDistill',
    self_teacher=dict(
        type='BiFPNSelfTeacher', in_channels=[256] * num_levels, width=256),
    soft_label_loss=dict(
        type='DenseKLDivergence', tau=1.0, sigmoid=True, loss_weight=1.0),
    feature_loss=dict(type='ATLoss', loss_weight=50.0))
