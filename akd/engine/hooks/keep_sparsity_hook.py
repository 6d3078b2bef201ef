"""Keep a pruned teacher's zeros while it is fine-tuned."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmrazor.registry import HOOKS

from ...pruning.masks import apply_masks
from ...pruning.prunable_weights import prunable_weights, sparsity


@HOOKS.register_module()
class KeepSparsityHook(Hook):
    """Keep the pruned weights at zero while the model trains.

    The pruned weights are the exact zeros of the prunable weights
    (``akd.pruning.prunable_weights``) when training starts, after the
    checkpoint is loaded, so a resumed run finds the same mask.

    - Their gradients are masked to zero as backward computes them, so
      gradient clipping and the optimizer's statistics see only the kept
      weights. (A channel pruned whole feeds a constant into its norm layer,
      whose zero variance sends gradients of hundreds back to the zeros:
      unmasked, they would dominate the clipped gradient norm.)
    - They are zeroed again after every optimizer step, whatever its
      momentum or weight decay does, so they are zero in every checkpoint.

    ``tools/prepare_teacher.py`` adds it to the fine-tune it runs.
    """

    priority = 'HIGH'  # before the checkpoint hook saves

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        weights = prunable_weights(model)
        self.masks = {
            name: (w != 0)
            for name, w in weights.items() if (w == 0).any()
        }
        self.weights = {name: weights[name] for name in self.masks}
        for name, weight in self.weights.items():
            weight.register_hook(self.masks[name].to(weight.dtype).mul)
        print_log(
            f'KeepSparsityHook: keeping the zeros of {len(self.masks)} '
            f'weights (sparsity {sparsity(weights):.4f} of the prunable '
            'weights)', logger='current')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        apply_masks(self.weights, self.masks)
