# CRD (MMRazor's CRDLoss, the paper's temperature 0.07 and momentum 0.5) on
# one image embedding per model: its recorded maps pooled, projected to 128
# and normalised (PooledCRDConnector). The leaf sets the recorded module, the
# connectors' dim_in, sample_n/neg_num, and puts PackCRDIndices in the train
# pipeline; data_samples are the student's inputs.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            data_samples=dict(type='ModuleInputs', source='')),
        distill_losses=dict(loss_crd=dict(type='CRDLoss', dim_out=128)),
        loss_forward_mappings=dict(
            loss_crd=dict(
                s_feats=dict(
                    from_student=True, recorder='features',
                    connector='embed_S'),
                t_feats=dict(
                    from_student=False, recorder='features',
                    connector='embed_T'),
                data_samples=dict(
                    from_student=True, recorder='data_samples',
                    data_idx=1)))))
