# AKD-FreeKD on RetinaNet, toy R18-w32 -> R18-w16.
# FreeKD twin:
#   configs/freekd/freekd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py.
# Prompts from stage 1:
#   python tools/train.py \
#       configs/freekd/freekd-prompts_fpn_retina-r18-w32_2k_toy-coco.py
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/akd-freekd_fpn.py'
]
prompts_ckpt = 'work_dirs/freekd-prompts_fpn_retina-r18-w32_2k_toy-coco/iter_2000.pth'  # noqa: E501
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        connectors=dict(
            align_fpn=dict(connector=dict(in_channel=64, out_channel=64))),
        distill_losses=dict(
            loss_freekd_fpn=dict(
                base_loss=dict(
                    channels=[64] * 5, prompts_ckpt=prompts_ckpt)))))
