"""How uncertain each pruning criterion leaves a briefly trained segmentor.

    python tools/analysis/pruning_entropy.py [--config CONFIG]
        [--data-root PATH] [--iters 60] [--seeds 0 1 2 3]
        [--sparsities 0.3 0.5 0.7] [--batches 2]

For each seed, ``CONFIG``'s segmentor (the toy student PSPNet by default)
is trained from scratch for ``--iters`` iterations at batch 4 with the
config's optimizer (no schedule), then pruned globally to each sparsity by
magnitude and by PrUE (scored on ``--batches`` further training batches).
The table gives the mean entropy, in nats, of the softmax at every output
pixel of the val set: dense, and after each criterion. PrUE intends to
raise it (a less certain teacher); magnitude pruning at equal sparsity is
the comparison.
"""
import argparse
import os.path as osp
import sys
from typing import Iterator, Tuple

import akd  # noqa: E402,F401  (the stack's fixes, before mmengine loads)

# isort: split
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from akd.compat.local_cfg_path import build_from_config_file  # noqa: E402
from akd.pruning import (MagnitudeCriterion, PrUECriterion,  # noqa: E402
                         apply_masks, keep_masks, prunable_weights)
from akd.tooling.tool_args import exit_on_guard_error  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEGMENTOR = 'configs/toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'
CRITERIA = {'magnitude': MagnitudeCriterion, 'prue': PrUECriterion}


def briefly_trained(config: str, data_root: str, iters: int, seed: int,
                    batches: int = 2) -> Tuple[torch.nn.Module, list, list]:
    """``config``'s model trained for ``iters`` iterations at batch 4, in
    eval mode; the next ``batches`` training batches; the test set in
    batches of 8."""
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DATASETS, DefaultScope
    from mmengine.runner import Runner, set_random_seed

    from akd.tooling.preflight import check_data, load_config, set_data_root
    cfg = load_config(osp.join(REPO, config))
    set_data_root(cfg, data_root)
    check_data(cfg, ('train_dataloader', 'test_dataloader'))
    cfg.train_dataloader.batch_size = 4
    set_random_seed(seed)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = build_from_config_file(osp.join(REPO, config))
        stream = iter(Runner.build_dataloader(cfg.train_dataloader,
                                              seed=seed))
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        for _ in range(iters):
            model.train_step(next(stream), optim_wrapper)
        scoring = [next(stream) for _ in range(batches)]
        val = DATASETS.build(cfg.test_dataloader.dataset)
        val_batches = [
            pseudo_collate([val[i] for i in range(s, min(s + 8, len(val)))])
            for s in range(0, len(val), 8)
        ]
    return model.eval(), scoring, val_batches


def mean_entropy(model: torch.nn.Module, val_batches: list) -> float:
    """Mean entropy, in nats, of the softmax at every output pixel."""
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in val_batches:
            inputs = model.data_preprocessor(batch, False)['inputs']
            probs = model._forward(inputs).softmax(dim=1)  # (N, C, h, w)
            entropy = torch.special.entr(probs).sum(dim=1)
            total += float(entropy.sum())
            count += entropy.numel()
    return total / count


def pruned_entropy(model: torch.nn.Module, scoring: list, val_batches: list,
                   criterion: str, sparsity: float) -> float:
    """:func:`mean_entropy` of ``model`` pruned to ``sparsity`` by
    ``criterion``; the model's weights are restored after."""
    dense = {k: v.clone() for k, v in model.state_dict().items()}
    weights = prunable_weights(model)
    scores = CRITERIA[criterion]().scores(model, weights, scoring)
    apply_masks(weights, keep_masks(scores, sparsity, 'global'))
    entropy = mean_entropy(model, val_batches)
    model.load_state_dict(dense)
    return entropy


def table_rows(args) -> Iterator[str]:
    """The markdown table, a seed per row as it is measured."""
    yield '| seed | dense | ' + ' | '.join(
        f'{name} {s:g}' for s in args.sparsities for name in CRITERIA) + ' |'
    yield '|---' * (2 + 2 * len(args.sparsities)) + '|'
    for seed in args.seeds:
        model, scoring, val = briefly_trained(args.config, args.data_root,
                                              args.iters, seed, args.batches)
        cells = [mean_entropy(model, val)] + [
            pruned_entropy(model, scoring, val, name, s)
            for s in args.sparsities for name in CRITERIA
        ]
        yield f'| {seed} | ' + ' | '.join(f'{c:.4f}' for c in cells) + ' |'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=SEGMENTOR)
    parser.add_argument('--data-root',
                        default=osp.join(REPO, 'data', 'toy_cityscapes'))
    parser.add_argument('--iters', type=int, default=60)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3])
    parser.add_argument('--sparsities', type=float, nargs='+',
                        default=[0.3, 0.5, 0.7])
    parser.add_argument('--batches', type=int, default=2)
    args = parser.parse_args(argv)
    with exit_on_guard_error():
        for row in table_rows(args):
            print(row, flush=True)


if __name__ == '__main__':
    main()
