"""Evaluate a checkpoint of a detector, a segmentor or a distillation.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--data-root PATH]
        [--cfg-options K=V ...] [--launcher ...] [--metrics-json FILE]
        [--peer NAME]

A distillation config evaluates its student, an online one
(``OnlineDistill``) its ``model.eval_peer`` or the peer named by
``--peer``; ``--metrics-json`` writes the metrics dict for scripts (the demo
reads it).
"""
import argparse
import json

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
from mmengine.runner import Runner

from akd.engine.runner_hooks import add_runner_hooks
from akd.tooling.config_text import formatted_once
from akd.tooling.distributed import release_process_group
from akd.tooling.preflight import (PreflightError, check_checkpoint_file,
                                   check_data, check_teacher_checkpoint,
                                   drop_teacher_checkpoints)
from akd.tooling.tool_args import (add_common_args, exit_on_guard_error,
                                   load_tool_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--metrics-json', help='also write the metrics to this JSON file')
    parser.add_argument(
        '--peer', help="the peer of an online distillation to evaluate "
        "(default: the config's model.eval_peer)")
    add_common_args(parser)
    return parser.parse_args(argv)


def build_config(args):
    cfg = load_tool_config(args)
    check_checkpoint_file(
        args.checkpoint, 'checkpoint',
        'the .pth written by tools/train.py (or a released one)')
    cfg.load_from = args.checkpoint
    if args.peer:
        peers = list(cfg.model.get('peers', {}))
        if args.peer not in peers:
            raise PreflightError(
                f'--peer {args.peer!r}: the config has no such peer of an '
                f'online distillation (model.peers: {peers or "none"}).')
        cfg.model.eval_peer = args.peer
    drop_teacher_checkpoints(cfg)  # the checkpoint holds them
    check_teacher_checkpoint(cfg)  # a fidelity metric's teacher
    check_data(cfg, ('test_dataloader', ))
    add_runner_hooks(cfg, ['checkpoint_fit', 'metric_model'])
    return cfg


def main(argv=None):
    args = parse_args(argv)
    with exit_on_guard_error():
        evaluate(build_config(args), args.metrics_json)
    release_process_group()


def evaluate(cfg, metrics_json) -> None:
    """Evaluate in a frame of its own, so the runner is gone on return."""
    runner = Runner.from_cfg(formatted_once(cfg))
    metrics = runner.test()
    if metrics_json and runner.rank == 0:
        with open(metrics_json, 'w') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=1)


if __name__ == '__main__':
    main()
