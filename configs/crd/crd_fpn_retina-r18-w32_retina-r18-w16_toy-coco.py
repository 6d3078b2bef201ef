# CRD (Tian et al., ICLR 2020) on the five FPN levels pooled (5 x 64 channels
# in both models), toy RetinaNet R18-w32 -> R18-w16. The memory banks hold
# 2 x 1000 toy images x 128 floats (1 MB; COCO's 117k images: 120 MB).
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/crd.py'
]
num_samples = 1000  # toy COCO train2017
neg_num = 256  # negatives per image (the paper: 16384)
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        student_recorders=dict(
            features=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(
            features=dict(type='ModuleOutputs', source='neck')),
        connectors=dict(
            embed_S=dict(type='PooledCRDConnector', dim_in=5 * 64),
            embed_T=dict(type='PooledCRDConnector', dim_in=5 * 64)),
        distill_losses=dict(
            loss_crd=dict(sample_n=num_samples, neg_num=neg_num))))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=(128, 128), keep_ratio=True),
        dict(type='RandomFlip', prob=0.5),
        dict(
            type='PackCRDIndices', packer=dict(type='PackDetInputs'),
            num_samples=num_samples, neg_num=neg_num)
    ]))
