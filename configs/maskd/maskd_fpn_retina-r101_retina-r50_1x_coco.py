# MasKD on FPN, RetinaNet R101 -> R50
# Warm-up and loss weight of the official MasKD config.
# AKD twin:
#   configs/akd/akd-maskd_fpn_retina-r101_retina-r50_1x_coco.py.
# Tokens from stage 1:
#   python tools/train.py configs/maskd/maskd-tokens_fpn_retina-r101_2k_coco.py
_base_ = [
    '../_base_/pairs/retina-r101_retina-r50_1x_coco.py',
    './_base_/maskd_fpn.py'
]
tokens_ckpt = 'work_dirs/maskd-tokens_fpn_retina-r101_2k_coco/iter_2000.pth'  # noqa: E501
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(
            loss_maskd_fpn=dict(
                tokens_ckpt=tokens_ckpt,
                custom_mask_warmup=7000, loss_weight=7))))
