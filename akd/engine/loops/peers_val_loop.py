"""Validate every peer of an online distillation."""
from mmengine.registry import LOOPS
from mmengine.runner import ValLoop


@LOOPS.register_module()
class PeersValLoop(ValLoop):
    """mmengine's ``ValLoop`` run once per peer of ``OnlineDistill``.

    The model's ``eval_peer`` reports its metrics under their own names (so
    ``save_best`` and the log read them as for any model). Every other
    peer reports as ``<peer>/<metric>``, e.g. ``teacher/mIoU``, so one
    validation shows which network is best.
    """

    def run(self) -> dict:
        algorithm = getattr(self.runner.model, 'module', self.runner.model)
        names = getattr(algorithm, 'peer_names', None)
        if names is None:
            raise TypeError(
                "val_cfg.type='PeersValLoop' validates the peers of "
                f'OnlineDistill, but the model is a '
                f"{type(algorithm).__name__}; use type='ValLoop'.")
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        reported = algorithm.eval_peer
        metrics = {}
        try:
            for name in [reported] + [n for n in names if n != reported]:
                algorithm.eval_peer = name
                for idx, data_batch in enumerate(self.dataloader):
                    self.run_iter(idx, data_batch)
                peer_metrics = self.evaluator.evaluate(
                    len(self.dataloader.dataset))
                metrics.update(peer_metrics if name == reported else {
                    f'{name}/{key}': value
                    for key, value in peer_metrics.items()
                })
        finally:
            algorithm.eval_peer = reported
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics
