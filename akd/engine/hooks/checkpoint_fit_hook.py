"""Check what the runner loads: ``load_from``, ``--resume``, tools/test.py."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmrazor.registry import HOOKS
from torch import nn

from ..checkpoint_fit import (STUDENT_PREFIX, describe_misfit,
                              load_with_coverage, prefixed_state,
                              state_dict_of, sub_state, with_prefix)
from ..guard_error import GuardError

KEY = 'default_hooks.checkpoint_fit.min_coverage'


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

    Args:
        min_coverage (float): Least share of the weights a checkpoint must
            fill, in [0, 1]. Defaults to 0.5, which still admits a
            checkpoint with other class counts (fine-tuning) or a backbone
            from another task.
    """

    priority = 'VERY_HIGH'

    def __init__(self, min_coverage: float = 0.5) -> None:
        if not 0 <= min_coverage <= 1:
            raise GuardError(f'{KEY} must be in [0, 1], got {min_coverage!r}')
        self.min_coverage = min_coverage

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        source = self._source(runner)
        state = state_dict_of(checkpoint)
        distillation = isinstance(getattr(model, 'architecture', None),
                                  nn.Module)
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

    @staticmethod
    def _source(runner) -> str:
        if runner._load_from is None:  # resume=True without a file
            return f'resume (the latest checkpoint in {runner.work_dir})'
        key = 'resume' if runner._resume else 'load_from'
        return f'{key}={runner._load_from!r}'
