# AKD-LD on a GFL head: the LD twin (configs/ld/_base_/ld_gfl.py) with its
# LDLoss wrapped in AvatarKDLoss, which perturbs the teacher's box-edge
# logits level by level: K=4 dropout avatars weighted by the paper's
# uncertainty factor ('variance').
_base_ = '../../ld/_base_/ld_gfl.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_ld=dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='LDLoss', tau=10.0, loss_weight=0.25,
                    vlr_weight=0.25),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                standardize=False, weighting='variance'))))
