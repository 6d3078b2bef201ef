# Stage 1 of FreeKD on the five FPN levels of a detector: 6 prompts for each
# band of a 3-level Haar decomposition (the LL band and each level's details)
# learned on the frozen teacher's task loss plus the Dice
# prompt-dissimilarity loss (weight 1). The official stage-1 code is not
# released; its prompt module comes from MasKD's, so the schedule is MasKD's
# stage 1, inherited: Adam lr 0.01, weight decay 1e-3, cosine to 1e-6 over
# 2000 iterations. The leaf inherits a pair base (teacher, data) too and
# assigns the tokens_* schedule, which replaces the pair's. The result feeds
# FreeKDLoss.prompts_ckpt.
_base_ = '../../maskd/_base_/maskd-tokens_fpn.py'
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FreeKDPromptLearning',
    channels=[256] * 5,
    num_prompts=6,
    wavelet_levels=3,
    feature_module='neck',
    diversity_weight=1.0)
