# One teacher; the same feature module (`features`, set by the leaf's
# recorders, e.g. the neck or the backbone) recorded from both for a feature
# loss. A leaf adds the recorders' source, the loss and its mapping:
# loss_forward_mappings=dict(loss_x=dict(preds_S={{_base_.feats_S}}, ...)).
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill',
    distiller=dict(type='CheckedDistiller'))
feats_S = dict(from_student=True, recorder='features')
feats_T = dict(from_student=False, recorder='features')
