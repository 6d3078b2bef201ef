"""Train a detector, a segmentor or a distillation of them.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--data-root PATH] [--cfg-options K=V ...]
        [--launcher {none,pytorch,slurm,mpi}]

The flags are mmdet's and MMRazor's; ``--data-root`` moves every dataset
(and evaluator ann_file) of the config to another root, e.g. real COCO.
Mistakes stop the run with one line naming the config key and the fix
(``akd.engine``; docs/troubleshooting.md): before building, for paths and
downloads; at build, for checkpoints and distiller wiring; in training,
through the guard hooks added under ``default_hooks``.
"""
import argparse

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
import torch
from mmengine.runner import Runner

from akd.checkpoints.checkpoint_files import checkpoint_to_resume
from akd.engine.runner_hooks import RUNNER_HOOKS, add_runner_hooks
from akd.tooling.config_text import formatted_once
from akd.tooling.distributed import release_process_group
from akd.tooling.preflight import (PreflightError, check_checkpoint_file,
                                   check_data, check_downloads,
                                   check_online_wiring,
                                   check_stage_one_checkpoints,
                                   check_teacher_checkpoint)
from akd.tooling.tool_args import (add_common_args, exit_on_guard_error,
                                   load_tool_config)

RESUME_NOTES = '_resume_notes'  # for the run's log, once it exists


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no CKPT is given')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual batch size')
    add_common_args(parser)
    return parser.parse_args(argv)


def build_config(args):
    cfg = load_tool_config(args)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise PreflightError(
                '--auto-scale-lr needs auto_scale_lr.base_batch_size in the '
                'config, e.g. auto_scale_lr = dict(base_batch_size=16).')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    if cfg.get('resume') is True and cfg.get('load_from') is None:
        # the newest readable checkpoint, past one a kill tore; what was
        # skipped goes to the run's log
        cfg[RESUME_NOTES] = []
        cfg.load_from = checkpoint_to_resume(cfg.work_dir, cfg[RESUME_NOTES])
    elif args.resume is not None:
        check_checkpoint_file(
            args.resume, '--resume',
            'an older checkpoint, or --resume alone for the newest readable '
            'one in the work dir')
        cfg.resume, cfg.load_from = True, args.resume
    check_data(cfg, ('train_dataloader', 'val_dataloader'))
    check_teacher_checkpoint(cfg)
    check_stage_one_checkpoints(cfg)
    check_online_wiring(cfg)
    check_downloads(cfg)
    add_runner_hooks(cfg, RUNNER_HOOKS)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    # x86 CPUs compute 10-100x slower on denormal floats (|x| < 1.2e-38),
    # such as a focal loss's gradients once the head is confident; GPUs do
    # not slow down. Flushing them to zero changes no result that matters.
    torch.set_flush_denormal(True)
    with exit_on_guard_error():
        train(build_config(args))
    release_process_group()


def train(cfg) -> None:
    """Train in a frame of its own, so the runner is gone on return."""
    notes = cfg.pop(RESUME_NOTES, [])
    runner = Runner.from_cfg(formatted_once(cfg))
    for level, message in notes:
        runner.logger.log(level, message)
    runner.train()


if __name__ == '__main__':
    main()
