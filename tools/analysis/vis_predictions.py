"""Several models' predictions side by side on the same images.

    python tools/analysis/vis_predictions.py IMAGE [IMAGE ...]
        --model TITLE CONFIG CKPT [--model TITLE CONFIG CKPT ...]
        [--score-thr 0.3] [--out predictions.png]

Typically the teacher, the plain student and the distilled student: a row
per image, the image first, then a column per model. A detector's boxes of
score at least ``--score-thr`` are drawn with their class and score; a
segmentor's label map is drawn in one colour per class. Each model runs its
config's test pipeline (annotations are not loaded). ``CKPT`` is a plain
model checkpoint: extract a distilled student from a distillation
checkpoint with ``tools/model_converters/convert_kd_ckpt_to_student.py``.
"""
import argparse
import os.path as osp
import sys
from typing import List

import akd  # noqa: E402,F401  (the stack's fixes, before mmengine loads)

# isort: split
import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from akd.models.loaded_model import build_loaded  # noqa: E402
from akd.tooling.preflight import load_config  # noqa: E402
from akd.tooling.tool_args import exit_on_guard_error  # noqa: E402

PALETTE = (np.array([[(i * 67) % 256, (i * 131) % 256, (i * 199) % 256]
                     for i in range(256)]) / 255.0)


class Predictor:
    """A model with its config's test pipeline, annotations left out."""

    def __init__(self, title: str, config: str, checkpoint: str) -> None:
        from mmengine.dataset import Compose
        from mmengine.registry import DefaultScope
        cfg = load_config(config)
        self.title, self.scope = title, cfg.default_scope
        self.model = build_loaded(dict(cfg_path=config, pretrained=False),
                                  checkpoint, f'--model {title}').eval()
        pipeline = [
            step for step in cfg.test_dataloader.dataset.pipeline
            if 'Annotations' not in step['type']
        ]
        with DefaultScope.overwrite_default_scope(self.scope):
            self.pipeline = Compose(pipeline)

    def __call__(self, image: str):
        """The model's data sample for ``image``."""
        from mmengine.dataset import pseudo_collate
        data = self.pipeline(dict(img_path=image, img_id=0))
        with torch.no_grad():
            return self.model.test_step(pseudo_collate([data]))[0]


def draw(ax, image: np.ndarray, sample, score_thr: float) -> None:
    """The image with ``sample``'s boxes or label map on it."""
    ax.imshow(image)
    if 'pred_sem_seg' in sample:
        labels = sample.pred_sem_seg.data[0].cpu().numpy()
        ax.imshow(PALETTE[labels % len(PALETTE)], alpha=0.6)
        return
    from matplotlib.patches import Rectangle
    instances = sample.pred_instances
    keep = instances.scores >= score_thr
    for box, label, score in zip(instances.bboxes[keep].tolist(),
                                 instances.labels[keep].tolist(),
                                 instances.scores[keep].tolist()):
        x1, y1, x2, y2 = box
        colour = PALETTE[label % len(PALETTE)]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               edgecolor=colour, linewidth=1.5))
        ax.text(x1, y1, f'{label}: {score:.2f}', color='white',
                fontsize=6, backgroundcolor=colour, va='bottom')


def save_side_by_side(images: List[str], predictors: List[Predictor],
                      score_thr: float, out: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from mmcv import imread
    columns = 1 + len(predictors)
    figure = Figure(figsize=(3 * columns, 3 * len(images)))
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(images), columns, squeeze=False)
    for row, image_path in zip(axes, images):
        image = imread(image_path, channel_order='rgb')
        row[0].imshow(image)
        row[0].set_title(osp.basename(image_path), fontsize=8)
        for ax, predictor in zip(row[1:], predictors):
            draw(ax, image, predictor(image_path), score_thr)
            ax.set_title(predictor.title, fontsize=8)
        for ax in row:
            ax.set_axis_off()
    figure.tight_layout()
    figure.savefig(out, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('images', nargs='+', metavar='IMAGE')
    parser.add_argument('--model', nargs=3, action='append', required=True,
                        metavar=('TITLE', 'CONFIG', 'CKPT'))
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--out', default='predictions.png')
    args = parser.parse_args(argv)
    for image in args.images:
        if not osp.isfile(image):
            parser.error(f'IMAGE {image!r} does not exist.')
    with exit_on_guard_error():
        predictors = [Predictor(*model) for model in args.model]
        save_side_by_side(args.images, predictors, args.score_thr, args.out)
    print(f'{len(args.images)} images x {len(predictors)} models: written '
          f'to {args.out}')


if __name__ == '__main__':
    main()
