"""Prune a teacher checkpoint, optionally fine-tune it, and report on it.

    python tools/prepare_teacher.py CONFIG CHECKPOINT
        [--criterion magnitude|prue] [--sparsity 0.5] [--scope global|layer]
        [--batches 16] [--finetune] [--work-dir DIR] [--data-root PATH]
        [-- tools/train.py args for the fine-tune, e.g.
            --cfg-options train_cfg.max_iters=200]

The teacher of ``CONFIG`` (an mmdet or mmseg model config) is loaded from
``CHECKPOINT``; its conv and linear weights, but not the heads' predictor
layers, biases or norms (``akd.pruning.prunable_weights``), are scored by
the registered criterion and the lowest-scored ``--sparsity`` share is set
to zero, ranked over all of them (``global``) or per layer (``layer``):

- ``magnitude``: |w| (prune-then-distill, Park and No, ECCV 2022);
- ``prue``: PrUE's |w * dL/dw| for L the spread of the target-class
  probability around its class mean, summed over ``--batches`` training
  batches (Wang et al., ECML-PKDD 2022; ``PrUECriterion``).

``--finetune`` then trains the pruned teacher with ``tools/train.py`` on
``CONFIG`` from the pruned weights, with ``KeepSparsityHook`` keeping the
zeros; arguments after ``--`` go to it (its schedule, e.g.
``--cfg-options train_cfg.max_iters=200 param_scheduler.1.end=200``).

Written to ``DIR`` (default ``work_dirs/prepare_teacher/<config>_<criterion>
_<sparsity>``): ``teacher.pth``, a plain checkpoint that any distillation
config takes as ``model.teacher_ckpt``; ``report.md`` and ``report.json``,
with the sparsity asked for and reached, and the teacher's task metric,
mean entropy, non-target mass and non-target entropy on the test set
before and after (``tools/analysis/teacher_report.py``'s statistics).
"""
import argparse
import json
import os
import os.path as osp
import sys

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
import torch

from akd.checkpoints.checkpoint_files import atomic_torch_save  # noqa: E402
from akd.models.loaded_model import build_loaded  # noqa: E402
from akd.pruning import (apply_masks, keep_masks,  # noqa: E402
                         prunable_weights, sparsity)
from akd.tooling.checkpoint_parts import save_part_checkpoint  # noqa: E402
from akd.tooling.distill_chain import split_train_args  # noqa: E402
from akd.tooling.tool_runs import (checkpoint_metrics, run_tool,
                                   with_response_metric)

CRITERIA = {'magnitude': 'MagnitudeCriterion', 'prue': 'PrUECriterion'}
REPORTED = ('entropy', 'non_target_mass', 'non_target_entropy')


def parse_args(argv=None):
    own, train_args = split_train_args(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the teacher\'s model config')
    parser.add_argument('checkpoint', help='the trained teacher')
    parser.add_argument('--criterion', choices=sorted(CRITERIA),
                        default='magnitude')
    parser.add_argument('--sparsity', type=float, default=0.5,
                        help='share of the prunable weights set to zero')
    parser.add_argument('--scope', choices=('global', 'layer'),
                        default='global')
    parser.add_argument('--batches', type=int, default=16,
                        help='training batches PrUE scores on')
    parser.add_argument('--finetune', action='store_true',
                        help='fine-tune the pruned teacher, keeping zeros')
    parser.add_argument('--work-dir')
    parser.add_argument('--data-root', help="the data set's data_root")
    args = parser.parse_args(own)
    if not 0 <= args.sparsity < 1:
        parser.error(f'--sparsity must be in [0, 1), got {args.sparsity}')
    if args.batches < 1:
        parser.error(f'--batches must be >= 1, got {args.batches}')
    args.train_args = train_args
    args.work_dir = args.work_dir or osp.join(
        'work_dirs', 'prepare_teacher',
        f'{osp.splitext(osp.basename(args.config))[0]}_{args.criterion}_'
        f'{args.sparsity:g}')
    return args


def training_batches(config: str, data_root: str, count: int) -> list:
    """The first ``count`` batches of ``config``'s train dataloader, the
    same ones on every run (seeded)."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner, set_random_seed

    from akd.tooling.preflight import check_data, load_config, set_data_root
    cfg = load_config(config)
    if data_root:
        set_data_root(cfg, data_root)
    check_data(cfg, ('train_dataloader', ))
    set_random_seed(0)  # the same batches, crops and flips on every run
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        batches = []
        for batch in loader:
            batches.append(batch)
            if len(batches) == count:
                return batches
    return batches


def prune(args) -> dict:
    """Prune the checkpoint into ``pruned.pth``; return what was done."""
    from mmrazor.registry import TASK_UTILS
    model = build_loaded(dict(cfg_path=args.config, pretrained=False),
                         args.checkpoint, 'checkpoint').eval()
    if torch.cuda.is_available():  # PrUE's passes over the batches
        model.cuda()
    weights = prunable_weights(model)
    criterion = TASK_UTILS.build(
        dict(_scope_='mmrazor', type=CRITERIA[args.criterion]))
    batches = (training_batches(args.config, args.data_root, args.batches)
               if criterion.needs_data else [])
    apply_masks(weights, keep_masks(criterion.scores(model, weights, batches),
                                    args.sparsity, args.scope))
    everything = sum(p.numel() for p in model.parameters())
    done = dict(criterion=args.criterion, scope=args.scope,
                sparsity_asked=args.sparsity,
                sparsity_reached=sparsity(weights),
                pruned_share_of_all_parameters=sum(
                    int((w == 0).sum()) for w in weights.values()) /
                everything,
                prunable_weights=len(weights), batches=len(batches))
    meta = torch.load(args.checkpoint, map_location='cpu').get('meta', {})
    atomic_torch_save(
        dict(state_dict=model.cpu().state_dict(),
             meta={**meta, 'pruning': done}),
        osp.join(args.work_dir, 'pruned.pth'))
    return done


def finetune(args, pruned: str) -> str:
    """Fine-tune ``pruned`` keeping its zeros; its plain last checkpoint."""
    work_dir = osp.join(args.work_dir, 'finetune')
    os.makedirs(work_dir, exist_ok=True)
    run_tool(['tools/train.py', args.config, '--work-dir', work_dir,
              *(['--data-root', args.data_root] if args.data_root else []),
              *args.train_args, '--cfg-options', f'load_from={pruned}',
              'default_hooks.keep_sparsity.type=mmrazor.KeepSparsityHook'],
             osp.join(work_dir, 'train.log'))
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        last = f.read().strip()
    plain = osp.join(work_dir, 'finetuned.pth')
    save_part_checkpoint(last, plain, prefix=None)
    return plain


def report(args, done: dict, stages: dict) -> str:
    """The markdown report: what was pruned, and each stage's metric and
    response statistics."""
    lines = [
        f'# Prepared teacher: {osp.basename(args.config)}', '',
        f'{done["criterion"]} pruning ({done["scope"]}) of '
        f'{done["prunable_weights"]} weight tensors: sparsity asked '
        f'{done["sparsity_asked"]:.4f}, reached '
        f'{done["sparsity_reached"]:.4f} of the prunable weights '
        f'({done["pruned_share_of_all_parameters"]:.4f} of all parameters).',
        '', '| teacher | metric | ' + ' | '.join(REPORTED) + ' |',
        '|---|---:|' + '---:|' * len(REPORTED)
    ]
    for stage, (metric_name, metrics) in stages.items():
        values = ' | '.join(f'{metrics[f"response/{k}"]:.4f}'
                            for k in REPORTED)
        lines.append(f'| {stage} | {metric_name} {metrics[metric_name]:.4f} '
                     f'| {values} |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    report_config, metric_name = with_response_metric(args.config,
                                                      args.work_dir)
    stages = {}

    def measure(stage, checkpoint):
        work_dir = osp.join(args.work_dir, f'test_{stage}')
        stages[stage] = (metric_name,
                         checkpoint_metrics(report_config, checkpoint,
                                            work_dir, metric_name,
                                            args.data_root))

    measure('dense', args.checkpoint)
    done = prune(args)
    pruned = osp.join(args.work_dir, 'pruned.pth')
    measure('pruned', pruned)
    final = finetune(args, pruned) if args.finetune else pruned
    if args.finetune:
        measure('fine-tuned', final)
    teacher = osp.join(args.work_dir, 'teacher.pth')
    save_part_checkpoint(final, teacher, prefix=None)
    text = report(args, done, stages)
    print(text)
    with open(osp.join(args.work_dir, 'report.md'), 'w') as f:
        f.write(text + '\n')
    with open(osp.join(args.work_dir, 'report.json'), 'w') as f:
        json.dump(dict(pruning=done, teacher=teacher,
                       stages={k: v[1] for k, v in stages.items()}), f,
                  indent=1)
    print(f'teacher: {teacher} (give it as model.teacher_ckpt)')


if __name__ == '__main__':
    main()
