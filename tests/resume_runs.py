"""Runs killed at chosen iterations and resumed, beside uninterrupted ones.

``python tests/resume_runs.py SPEC_JSON`` runs, for each case of the spec,
an uninterrupted ``tools/train.py`` run and one that ``SIGKILL`` stops at
each iteration in ``kills`` and ``--resume`` restarts, to the same last
iteration. The tools and the stack are imported once; each run segment is
a forked child (a process of its own, killed for real), so a case costs
its iterations and the building of its runner, not Python's start.

Under ``tools/dist_train.sh`` (several processes) the same kill comes from
:class:`KillAtIterationHook`, put in a config by :func:`killing_config`.
"""
import glob
import json
import os
import os.path as osp
import signal
import sys
import textwrap
import traceback
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

TESTS = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(TESTS)
# What a resumed iteration must repeat: every logged scalar but timings.
TIMINGS = ('time', 'data_time', 'memory', 'eta')
# Options that make each iteration's log and checkpoint comparable: the
# raw value of every iteration (no window mean), a checkpoint after each
# iteration, and the last only (the harness resumes from the newest).
EXACT = [
    'default_hooks.logger.interval=1', 'log_processor.window_size=1',
    'default_hooks.checkpoint.interval=1',
    'default_hooks.checkpoint.max_keep_ckpts=1',
    'train_cfg.val_begin=1000'
]


@HOOKS.register_module()
class KillAtIterationHook(Hook):
    """``SIGKILL`` this process when iteration ``iteration`` (1-based) is
    about to run, on rank ``rank`` only, if given: a pre-emption."""

    priority = 'VERY_HIGH'

    def __init__(self, iteration: int, rank: Optional[int] = None) -> None:
        self.iteration = iteration
        self.rank = rank

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter + 1 == self.iteration and self.rank in (None,
                                                               runner.rank):
            os.kill(os.getpid(), signal.SIGKILL)


def killing_config(base: str, path: str, iteration: int,
                   rank: Optional[int] = None) -> str:
    """A config at ``path`` that is ``base`` killed at ``iteration``."""
    with open(path, 'w') as f:
        f.write(
            textwrap.dedent(f"""\
            _base_ = [{osp.join(REPO, base)!r}]
            custom_imports = dict(imports=['akd', 'resume_runs'],
                                  allow_failed_imports=False)
            custom_hooks = [dict(type='KillAtIterationHook',
                                 iteration={iteration}, rank={rank})]
            """))
    return path


def logged_iterations(work_dir: str) -> Dict[int, dict]:
    """Each training iteration's logged scalars, timings left out; a later
    segment's record of an iteration replaces an earlier one's."""
    records = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'lr' in record or any('loss' in key for key in record):
                    records[record['iter']] = {
                        key: value
                        for key, value in record.items()
                        if key not in TIMINGS
                    }
    return records


def checkpoint_differences(a: str, b: str) -> List[str]:
    """The tensors (weights, optimizer state) in which two checkpoints
    differ, by path; the same code on one thread gives the same bits."""
    first, second = (torch.load(path, map_location='cpu', weights_only=False)
                     for path in (a, b))
    differences = []

    def compare(x, y, where):
        if torch.is_tensor(x) or torch.is_tensor(y):
            if not (torch.is_tensor(x) and torch.is_tensor(y)
                    and x.shape == y.shape and torch.equal(x, y)):
                differences.append(where)
        elif isinstance(x, dict) and isinstance(y, dict):
            if set(x) != set(y):
                differences.append(f'{where} keys')
            for key in set(x) & set(y):
                compare(x[key], y[key], f'{where}.{key}')
        elif isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
            for index, (u, v) in enumerate(zip(x, y)):
                compare(u, v, f'{where}[{index}]')

    for part in ('state_dict', 'optimizer'):
        compare(first.get(part), second.get(part), part)
    return differences


def _segment(train, argv: List[str], kill_at: Optional[int]) -> int:
    """Run one ``tools/train.py`` segment in a forked child; its status."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            cfg = train.build_config(train.parse_args(argv))
            if kill_at is not None:
                cfg.custom_hooks = [
                    *cfg.get('custom_hooks', []),
                    dict(type='KillAtIterationHook', iteration=kill_at)
                ]
            train.train(cfg)
            code = 0
        except BaseException:  # noqa: B036 - said, then the child ends
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitpid(pid, 0)[1]


def run_case(train, case: dict) -> None:
    """The uninterrupted run in ``<root>/straight``, the killed and
    resumed one in ``<root>/killed``."""
    argv = [
        case['config'], '--data-root', case['data_root'], '--cfg-options',
        f'train_cfg.max_iters={case["iters"]}', *EXACT, *case['options']
    ]
    root = case['root']
    once = f'default_hooks.checkpoint.interval={case["iters"]}'  # the last
    status = _segment(
        train, [argv[0], '--work-dir', f'{root}/straight', *argv[1:], once],
        None)
    assert os.WIFEXITED(status) and not os.WEXITSTATUS(status), status
    killed = [*argv[:1], '--work-dir', f'{root}/killed', *argv[1:]]
    for index, kill_at in enumerate([*case['kills'], None]):
        resume = ['--resume'] if index else []
        status = _segment(train, killed[:3] + resume + killed[3:], kill_at)
        if kill_at is None:
            assert os.WIFEXITED(status) and not os.WEXITSTATUS(status), status
        else:
            assert os.WIFSIGNALED(status) and os.WTERMSIG(
                status) == signal.SIGKILL, (kill_at, status)


def main(spec_path: str) -> None:
    import importlib.util
    torch.set_num_threads(1)  # the same bits in both runs
    spec = importlib.util.spec_from_file_location(
        '_akd_train', osp.join(REPO, 'tools', 'train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    torch.set_flush_denormal(True)  # as tools/train.py's main does
    os.chdir(REPO)
    with open(spec_path) as f:
        cases = json.load(f)
    for case in cases:
        run_case(train, case)


if __name__ == '__main__':
    sys.path.insert(0, TESTS)
    main(sys.argv[1])
