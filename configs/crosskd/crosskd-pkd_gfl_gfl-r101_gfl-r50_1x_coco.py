# CrossKD + PKD on GFL, GFL R101 -> R50 on COCO (43.9 AP in the CrossKD
# paper): the CrossKD config plus PKD (weight 6) on all five FPN levels.
_base_ = './crosskd_gfl_gfl-r101_gfl-r50_1x_coco.py'
model = dict(
    distiller=dict(
        student_recorders=dict(
            fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(
            fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses=dict(
            loss_pkd_fpn=dict(type='PKDLoss', loss_weight=6)),
        loss_forward_mappings=dict(
            loss_pkd_fpn=dict(
                preds_S=dict(from_student=True, recorder='fpn'),
                preds_T=dict(from_student=False, recorder='fpn')))))
