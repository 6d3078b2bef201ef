# MasKD on FPN, toy RetinaNet R18-w32 -> R18-w16
# Warm-up at 7000/90000 of the schedule, as on COCO.
# AKD twin:
#   configs/akd/akd-maskd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py.
# Tokens from stage 1:
#   python tools/train.py \
#       configs/maskd/maskd-tokens_fpn_retina-r18-w32_2k_toy-coco.py
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/maskd_fpn.py'
]
tokens_ckpt = 'work_dirs/maskd-tokens_fpn_retina-r18-w32_2k_toy-coco/iter_2000.pth'  # noqa: E501
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        connectors=dict(
            align_fpn=dict(connector=dict(in_channel=64, out_channel=64))),
        distill_losses=dict(
            loss_maskd_fpn=dict(
                channels=[64] * 5,
                tokens_ckpt=tokens_ckpt,
                custom_mask_warmup=25, loss_weight=7))))
