# Online distillation (akd's OnlineDistill): the peers train together on the
# same batch, each on its own task loss and its own optimizer, and learn
# from each other's decode-head logits; every peer's logits and label maps
# are recorded. A leaf sets model.peers and the losses, with the mappings
# below (from_student: the learning peer; the other side is the peer it
# learns from, detached), and these two, which the schedule and pair bases
# also set:
#   optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
#   val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='OnlineDistill',
    recorders=dict(
        logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
        gt_labels=dict(type='SegGtLabels')))
# One DDP wrapper per peer: a paused peer skips its backward without
# find_unused_parameters, and every peer keeps its own gradient sync.
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
logits_S = dict(from_student=True, recorder='logits')
logits_T = dict(from_student=False, recorder='logits')
gt_labels = dict(from_student=True, recorder='gt_labels')
