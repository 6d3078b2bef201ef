"""Check what the runner loads: ``load_from``, ``--resume``, tools/test.py."""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmrazor.registry import HOOKS
from torch import nn

from ...checkpoints.checkpoint_fit import (SHOWN, STUDENT_PREFIX,
                                           describe_misfit, load_with_coverage,
                                           prefixed_state, state_dict_of,
                                           sub_state, with_prefix)
from ...checkpoints.optimizer_fit import optimizer_misfit
from ...utils.guard_error import GuardError

HOOK = 'default_hooks.checkpoint_fit'
KEY = f'{HOOK}.min_coverage'


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Remap known prefixes and refuse a checkpoint that fills too little.

    Runs on every checkpoint the runner loads (``after_load_checkpoint``),
    before the weights reach the model:

    - a plain mmdet/mmseg checkpoint loaded into a distillation algorithm
      becomes its student (keys moved under ``architecture.``);
    - a distillation checkpoint loaded into a plain model gives its student
      (the ``architecture.`` keys);
    - coverage, the share of the model's weights (of the student's, in a
      distillation) that receive a tensor of the same shape, must reach
      ``min_coverage``, else the run stops naming the file, the coverage,
      the first missing and mismatched keys and the likely cause. mmengine
      itself only warns, and training goes on from scratch.

    ``--resume`` continues a run, so what it loads is held to more: a
    training checkpoint (iteration, optimizer state), of this very model
    (every weight filled, nothing left over) and of an optimizer of the same
    layout (parameter groups, state shapes). Otherwise the run stops before
    anything is loaded, naming what differs; mmengine would load the
    weights non-strictly, then fail inside torch's optimizer or train with
    a stale one.

    Args:
        min_coverage (float): Least share of the weights a ``load_from``
            checkpoint must fill, in [0, 1]. Defaults to 0.5, which still
            admits a checkpoint with other class counts (fine-tuning) or a
            backbone from another task.
        resume_optimizer (bool): Whether ``--resume`` loads the optimizer
            state. False resumes the weights, the iteration and the
            schedulers with a fresh optimizer, e.g. after changing its
            parameter groups. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 min_coverage: float = 0.5,
                 resume_optimizer: bool = True) -> None:
        if not 0 <= min_coverage <= 1:
            raise GuardError(f'{KEY} must be in [0, 1], got {min_coverage!r}')
        if not isinstance(resume_optimizer, bool):
            raise GuardError(f'{HOOK}.resume_optimizer must be True or False, '
                             f'got {resume_optimizer!r}')
        self.min_coverage = min_coverage
        self.resume_optimizer = resume_optimizer

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        source = self._source(runner)
        state = state_dict_of(checkpoint)
        distillation = isinstance(getattr(model, 'architecture', None),
                                  nn.Module)
        if runner._resume:
            self._check_resumable(runner, checkpoint, source)
            self._check_resume_fit(runner, model, state, checkpoint, source,
                                   distillation)
            checkpoint['state_dict'] = state
            return
        if distillation and not with_prefix(state, STUDENT_PREFIX):
            state = prefixed_state(state, STUDENT_PREFIX)
            print_log(f'{source} holds a plain model: it is loaded as the '
                      f"student ('{STUDENT_PREFIX}').", logger='current')
        elif not distillation and with_prefix(state, STUDENT_PREFIX):
            state = sub_state(state, STUDENT_PREFIX)
            print_log(f'{source} is a distillation checkpoint: its student '
                      f"('{STUDENT_PREFIX}') is loaded.", logger='current')
        checkpoint['state_dict'] = state
        target, part, what = model, state, type(model).__name__
        if distillation:
            target, part = model.architecture, sub_state(state, STUDENT_PREFIX)
            what = f'student ({type(target).__name__})'
        coverage = load_with_coverage(target, part)
        if coverage.share < self.min_coverage:
            raise GuardError(
                f'{source} does not fit the {what}: '
                f'{describe_misfit(coverage, part, target)}. Give a '
                'checkpoint of this model; if only part of it should load '
                f'(e.g. a backbone), lower {KEY} (now {self.min_coverage}).')
        level = 20 if coverage.complete else 30
        print_log(
            f'{source} fills {coverage.share:.1%} of the {what} '
            f'({len(coverage.missing)} keys missing, '
            f'{len(coverage.mismatched)} of another shape).',
            logger='current', level=level)

    def _check_resumable(self, runner, checkpoint: dict, source: str) -> None:
        """A training checkpoint: an iteration, and an optimizer state
        unless ``resume_optimizer`` is off."""
        meta = checkpoint.get('meta')
        if not isinstance(meta, dict) or 'iter' not in meta:
            raise GuardError(
                f'{source} holds weights only (no iteration, no optimizer '
                'state): --resume continues a run from a checkpoint that run '
                'saved. To ' + _weights_only(runner) + '.')
        if 'optimizer' not in checkpoint and self.resume_optimizer:
            raise GuardError(
                f'{source} holds the weights and iteration {meta["iter"]} but '
                'no optimizer state (a best_* or published checkpoint is '
                'saved without it). Resume with a fresh optimizer: '
                f'--cfg-options {HOOK}.resume_optimizer=False; or '
                + _weights_only(runner) + '.')

    def _check_resume_fit(self, runner, model: nn.Module, state: dict,
                          checkpoint: dict, source: str,
                          distillation: bool) -> None:
        """All of the model's weights and nothing else; an optimizer state
        of the same layout, or none loaded when ``resume_optimizer`` is
        off."""
        if distillation != with_prefix(state, STUDENT_PREFIX):
            saved, trained = (('a checkpoint of a plain model',
                               'a distillation') if distillation else
                              ('a distillation checkpoint', 'a plain model'))
            raise GuardError(
                f'{source} is {saved}, and this run trains {trained} '
                f'({type(model).__name__}): --resume continues a run of the '
                'same config; to ' + _weights_only(runner) + '.')
        coverage = load_with_coverage(model, state)
        if not coverage.complete or coverage.unexpected:
            extra = (f'; the file has {len(coverage.unexpected)} entries the '
                     'model lacks (first: '
                     f'{", ".join(coverage.unexpected[:SHOWN])})'
                     if coverage.unexpected else '')
            raise GuardError(
                f'{source} is not a checkpoint of this run\'s '
                f'{type(model).__name__}: '
                f'{describe_misfit(coverage, state, model)}{extra}. --resume '
                'continues a run of the same config; to '
                + _weights_only(runner) + '.')
        if not self.resume_optimizer:
            if checkpoint.pop('optimizer', None) is not None:
                print_log(
                    f'{source}: its optimizer state is not loaded '
                    f'({HOOK}.resume_optimizer=False); the optimizer starts '
                    f'afresh at iteration {checkpoint["meta"]["iter"]}.',
                    logger='current', level=logging.WARNING)
            return
        misfit = optimizer_misfit(checkpoint['optimizer'],
                                  runner.optim_wrapper)
        if misfit:
            raise GuardError(
                f'{source}: its optimizer state does not fit this run\'s '
                f'optimizer: {misfit} (optim_wrapper, its paramwise_cfg or '
                'the modules that train changed since it was saved). Resume '
                'its weights and iteration with a fresh optimizer: '
                f'--cfg-options {HOOK}.resume_optimizer=False; or '
                + _weights_only(runner) + '.')
        print_log(f'{source} fits every weight and the optimizer of this run.',
                  logger='current')

    @staticmethod
    def _source(runner) -> str:
        if runner._load_from is None:  # resume=True without a file
            return f'resume (the latest checkpoint in {runner.work_dir})'
        key = 'resume' if runner._resume else 'load_from'
        return f'{key}={runner._load_from!r}'


def _weights_only(runner) -> str:
    """The other choice a refused ``--resume`` offers."""
    return ('start from its weights instead with --cfg-options '
            f'load_from={runner._load_from or "PATH"} (without --resume)')
