# AKD-FreeKD on RetinaNet, R101 -> R50 2x on COCO.
# FreeKD twin: configs/freekd/freekd_fpn_retina-r101_retina-r50_2x_coco.py.
# Prompts from stage 1:
#   python tools/train.py \
#       configs/freekd/freekd-prompts_fpn_retina-r101_2k_coco.py
_base_ = [
    '../_base_/pairs/retina-r101_retina-r50_2x_coco.py',
    './_base_/akd-freekd_fpn.py'
]
prompts_ckpt = 'work_dirs/freekd-prompts_fpn_retina-r101_2k_coco/iter_2000.pth'  # noqa: E501
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(
            loss_freekd_fpn=dict(base_loss=dict(prompts_ckpt=prompts_ckpt)))))
optim_wrapper = dict(
    optimizer=dict(lr=0.02), clip_grad=dict(max_norm=35, norm_type=2))
