"""Online distillation: several networks that train together and teach
each other.

Zhang et al., "Deep Mutual Learning", CVPR 2018.
https://arxiv.org/abs/1706.00384
Qian et al., "Switchable Online Knowledge Distillation", ECCV 2022.
https://arxiv.org/abs/2209.04996
Amara et al., "BD-KD: Balancing the Divergences for Online Knowledge
Distillation", 2022. https://arxiv.org/abs/2212.12965
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from mmrazor.models.task_modules import RecorderManager
from mmrazor.registry import MODELS
from torch import nn

from ..models.loaded_model import build_loaded
from ..utils.guard_error import GuardError
from ..utils.mmrazor_scope import build_in_mmrazor_scope
from .peer_switch import PeerSwitch

PEER_KEYS = {'model', 'ckpt', 'trainable', 'frozen'}
# attributes of the algorithm that a peer's name would shadow
RESERVED = {
    'distill_losses', 'eval_peer', 'frozen_parts', 'loss_forward_mappings',
    'mutual_reduction', 'pairs', 'peer_names', 'recorders', 'switch',
    'trainable_peers'
}
MUTUAL_REDUCTIONS = ('mean', 'sum')
WRAPPER_HINT = ("model_wrapper_cfg=dict(type="
                "'MMSeparateDistributedDataParallel') and optim_wrapper="
                "dict(constructor='PeerOptimWrapperConstructor', ...), as "
                "configs/_base_/distill/online_*.py set them")


def detached(record):
    """A record (a tensor, or a tuple/list of them) cut from the graph."""
    if isinstance(record, torch.Tensor):
        return record.detach()
    if isinstance(record, (list, tuple)):
        return type(record)(detached(x) for x in record)
    return record


@MODELS.register_module()
class OnlineDistill(BaseModel):
    """Peers that learn their tasks and from each other on the same batch.

    Each peer is an mmdet/mmseg model with its own task losses and its own
    optimizer (``PeerOptimWrapperConstructor``). Every ordered pair
    (learner a, target b) of ``pairs`` adds the mutual losses, called with
    a's records as the student side and b's, detached, as the teacher
    side (the ``from_student`` of ``loss_forward_mappings``). A learner
    with several targets averages over them, DML's K-peer form
    (``mutual_reduction='mean'``; ``'sum'`` adds them, as SOKD's branch):

        L_a = L_task(a) + 1/|T(a)| sum_{b in T(a)} sum_l w_l l(z_a, sg(z_b)),

    with T(a) the targets of a, and DML's loss l = KL(p_b || p_a)
    (``DenseKLDivergence``, every pixel or anchor a sample). Each peer
    steps on its own loss, so gradients reach a peer only through its own
    outputs.

    ``switch`` (``PeerSwitch``) pauses a teacher peer: ``'always'`` lets
    every peer learn (DML, online BD-KD), ``'never'`` keeps the teacher's
    weights (it still runs, as in offline distillation), ``'switokd'``
    pauses it in SwitOKD's expert mode. A paused peer runs without
    gradients, computes no loss and does not step; its task losses are
    logged all the same, with the gap, threshold and mode.

    A peer with ``trainable=False`` (a frozen pretrained teacher) only
    gives targets: it runs in eval mode without gradients. ``frozen``
    names parts of a trainable peer that stay as loaded, in eval mode: SOKD's
    branch is the teacher with its trunk frozen and its last stage and head
    learning (``configs/sokd``).

    Validation and testing run ``eval_peer``; every peer is saved under
    its name, and ``tools/model_converters/convert_kd_ckpt_to_student.py
    --prefix <name>.`` exports it as a plain mmdet/mmseg checkpoint.

    Args:
        peers (dict): ``{name: dict(model=<model config>, ckpt=<path,
            optional>, trainable=True, frozen=[<module name>, ...])}``,
            two or more.
        recorders (dict): MMRazor recorder configs, built for every peer.
        distill_losses (dict): ``{name: loss config}``.
        loss_forward_mappings (dict): ``{loss name: {argument:
            dict(from_student=bool, recorder=..., data_idx=...)}}``.
        pairs (list, optional): ``[(learner, target), ...]``; defaults to
            every trainable learner with every other peer as target.
        switch (dict, optional): ``PeerSwitch`` arguments; defaults to
            every peer always learning.
        mutual_reduction (str): ``'mean'`` or ``'sum'`` over a learner's
            targets. Defaults to ``'mean'``.
        eval_peer (str, optional): The peer validation and testing run;
            defaults to the first.
        data_preprocessor (dict, optional): Defaults to the first peer's.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 peers: Dict[str, dict],
                 recorders: Dict[str, dict],
                 distill_losses: Dict[str, dict],
                 loss_forward_mappings: Dict[str, dict],
                 pairs: Optional[Sequence[Sequence[str]]] = None,
                 switch: Optional[dict] = None,
                 mutual_reduction: str = 'mean',
                 eval_peer: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        if mutual_reduction not in MUTUAL_REDUCTIONS:
            raise ValueError(f'model.mutual_reduction must be one of '
                             f'{MUTUAL_REDUCTIONS}, got {mutual_reduction!r}')
        self.mutual_reduction = mutual_reduction
        self.peer_names: List[str] = []
        self.trainable_peers: List[str] = []
        self.frozen_parts: List[nn.Module] = []
        self._build_peers(peers)
        if data_preprocessor is None:
            first = getattr(self, self.peer_names[0])
            self.data_preprocessor = first.data_preprocessor
        self.distill_losses = nn.ModuleDict({
            name: build_in_mmrazor_scope(cfg)
            for name, cfg in distill_losses.items()
        })
        for name, loss in self.distill_losses.items():
            if next(loss.parameters(), None) is not None:
                raise ValueError(
                    f'model.distill_losses.{name}: {type(loss).__name__} has '
                    'parameters, which no peer optimizer trains; use a '
                    'parameter-free loss between peers.')
        self._check_mappings(distill_losses, loss_forward_mappings, recorders)
        self.loss_forward_mappings = loss_forward_mappings
        self.recorders: Dict[str, RecorderManager] = {}
        for name in self.peer_names:
            manager = RecorderManager(recorders)
            manager.initialize(getattr(self, name))
            self.recorders[name] = manager
        self.pairs = self._check_pairs(pairs)
        self.switch = PeerSwitch(**(switch or {}))
        for key in ('teacher', 'student'):
            peer = getattr(self.switch, key)
            if peer is not None and peer not in self.peer_names:
                raise ValueError(f'model.switch.{key}={peer!r} is not a peer '
                                 f'(peers: {self.peer_names})')
        self.eval_peer = eval_peer or self.peer_names[0]
        if self.eval_peer not in self.peer_names:
            raise ValueError(
                f'model.eval_peer={self.eval_peer!r} is not a peer; choose '
                f'one of {self.peer_names}.')

    def _build_peers(self, peers: Dict[str, dict]) -> None:
        if not isinstance(peers, dict) or len(peers) < 2:
            raise ValueError(
                'model.peers must map two or more names to dict(model=..., '
                f'ckpt=..., trainable=...), got {peers!r:.200}')
        for name, spec in peers.items():
            key = f'model.peers.{name}'
            if not isinstance(spec, dict) or 'model' not in spec or set(
                    spec) - PEER_KEYS:
                raise ValueError(
                    f'{key} must be dict(model=<model config>, ckpt=<path, '
                    'optional>, trainable=<bool>, frozen=<module names>), '
                    f'got {spec!r:.200}')
            if (not name.isidentifier() or name in RESERVED
                    or hasattr(self, name)):
                raise ValueError(
                    f'{key}: {name!r} cannot name a peer (not an identifier, '
                    'or taken by the algorithm); rename it.')
            peer = build_loaded(spec['model'], spec.get('ckpt'), key)
            if spec.get('trainable', True):
                self.trainable_peers.append(name)
            else:
                peer.requires_grad_(False)
            for part in spec.get('frozen', ()):
                try:
                    module = peer.get_submodule(part)
                except AttributeError:
                    raise ValueError(
                        f'{key}.frozen: the peer has no module {part!r}.'
                    ) from None
                module.requires_grad_(False)
                self.frozen_parts.append(module)
            self.add_module(name, peer)
            self.peer_names.append(name)
        if not self.trainable_peers:
            raise ValueError('model.peers: no peer is trainable; online '
                             'distillation trains at least one.')

    @staticmethod
    def _check_mappings(losses: dict, mappings: dict,
                        recorders: dict) -> None:
        if set(losses) != set(mappings):
            raise ValueError(
                f'model.distill_losses {sorted(losses)} and '
                f'model.loss_forward_mappings {sorted(mappings)} must name '
                'the same losses.')
        for loss, arguments in mappings.items():
            for argument, spec in arguments.items():
                key = f'model.loss_forward_mappings.{loss}.{argument}'
                if 'from_student' not in spec:
                    raise ValueError(
                        f'{key} needs from_student=True (the learning peer) '
                        'or False (the peer it learns from).')
                if spec.get('recorder') not in recorders:
                    raise ValueError(
                        f'{key}.recorder={spec.get("recorder")!r} is not in '
                        f'model.recorders {sorted(recorders)}.')

    def _check_pairs(self, pairs) -> List[Tuple[str, str]]:
        if pairs is None:
            return [(a, b) for a in self.trainable_peers
                    for b in self.peer_names if a != b]
        checked = []
        for pair in pairs:
            learner, target = pair
            if learner not in self.trainable_peers or \
                    target not in self.peer_names or learner == target:
                raise ValueError(
                    f'model.pairs: {tuple(pair)} must be (a trainable peer, '
                    f'another peer); trainable: {self.trainable_peers}, '
                    f'peers: {self.peer_names}.')
            checked.append((learner, target))
        return checked

    def record(self, peer: str, spec: dict):
        """The record of ``spec`` (recorder, record_idx, data_idx) in
        ``peer``."""
        return self.recorders[peer].get_recorder(
            spec['recorder']).get_record_data(
                spec.get('record_idx', 0), spec.get('data_idx'))

    def mutual_losses(self, learner: str, target: str) -> dict:
        """The losses of ``learner`` learning from ``target`` (detached)."""
        losses = {}
        for name, mapping in self.loss_forward_mappings.items():
            kwargs = {
                argument: (self.record(learner, spec) if spec['from_student']
                           else detached(self.record(target, spec)))
                for argument, spec in mapping.items()
            }
            losses[f'{name}_{target}'] = self.distill_losses[name](**kwargs)
        return losses

    def train_step(self, data, optim_wrapper: OptimWrapperDict) -> dict:
        """Run every peer, then step each learning peer on its own loss."""
        if not isinstance(optim_wrapper, OptimWrapperDict):
            raise GuardError(
                'optim_wrapper: OnlineDistill trains each peer with its own '
                f'optimizer, got one {type(optim_wrapper).__name__}; set '
                f'{WRAPPER_HINT}.')
        data = self.data_preprocessor(data, True)
        paused = {n for n in self.peer_names if n not in self.trainable_peers}
        if self.switch.policy == 'never':
            paused.add(self.switch.teacher)
        task_losses = {
            name: self._run_peer(name, data, optim_wrapper, name in paused)
            for name in self.peer_names
        }
        switched, log_vars = self.switch.paused(self.record)
        log_vars = {f'switch.{k}': torch.tensor(v)
                    for k, v in log_vars.items()}
        paused |= switched
        for name in self.peer_names:
            losses = dict(task_losses[name])
            targets = [t for a, t in self.pairs if a == name]
            share = (1 / len(targets)
                     if self.mutual_reduction == 'mean' and targets else 1)
            if name not in paused:
                for target in targets:
                    for key, value in self.mutual_losses(name,
                                                         target).items():
                        losses[key] = value * share
            loss, peer_vars = self.parse_losses(losses)
            log_vars.update(
                {f'{name}.{k}': v for k, v in peer_vars.items()})
            if name not in paused:
                optim_wrapper[name].update_params(loss)
        return log_vars

    def _run_peer(self, name: str, data: dict,
                  optim_wrapper: OptimWrapperDict, paused: bool) -> dict:
        peer = getattr(self, name)
        with torch.set_grad_enabled(not paused), self.recorders[name]:
            if name in optim_wrapper:
                with optim_wrapper[name].optim_context(peer):
                    return peer(**data, mode='loss')
            return peer(**data, mode='loss')

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """``eval_peer``'s forward; training goes through ``train_step``."""
        if mode == 'loss':
            raise GuardError(
                'model_wrapper_cfg: OnlineDistill steps each peer with its '
                'own optimizer in train_step, not through a DDP wrapper\'s '
                f'forward(mode="loss"); set {WRAPPER_HINT}.')
        return getattr(self, self.eval_peer)(inputs, data_samples, mode=mode)

    def val_step(self, data) -> list:
        return getattr(self, self.eval_peer).val_step(data)

    def test_step(self, data) -> list:
        return getattr(self, self.eval_peer).test_step(data)

    def train(self, mode: bool = True) -> 'OnlineDistill':
        """Frozen peers and frozen parts stay in eval mode."""
        super().train(mode)
        for name in self.peer_names:
            if name not in self.trainable_peers:
                getattr(self, name).eval()
        for module in self.frozen_parts:
            module.eval()
        return self
