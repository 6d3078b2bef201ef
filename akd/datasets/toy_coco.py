"""A small COCO-format detection set, generated deterministically by seed.

Each 128x128 image holds 2-6 objects of five COCO categories drawn as simple
shapes with random colours (so colour does not give the class away), sizes
from 16 to 56 pixels, mutual occlusion and unannotated clutter strokes. The
annotation file lists all 80 COCO categories with COCO's names, so mmdet's
COCO configs run on it by changing only ``data_root``; COCO evaluation
averages over the five categories that have boxes.

Layout, as in COCO 2017::

    ROOT/annotations/instances_{train,val}2017.json
    ROOT/{train,val}2017/000000000001.jpg
"""
import json
import os
import os.path as osp
from typing import Callable, Dict

import cv2
import numpy as np
from mmdet.datasets import CocoDataset

from .toy_canvas import add_noise, textured_background

IMAGE_SIZE = 128
MIN_VISIBLE_FRACTION = 0.4


def _disc(mask: np.ndarray, cx: int, cy: int, r: int) -> None:
    cv2.circle(mask, (cx, cy), r, 1, -1)


def _clock(mask: np.ndarray, cx: int, cy: int, r: int) -> None:
    cv2.circle(mask, (cx, cy), r, 1, max(2, r // 4))
    cv2.line(mask, (cx, cy), (cx, cy - int(r * 0.7)), 1, max(1, r // 6))
    cv2.line(mask, (cx, cy), (cx + int(r * 0.5), cy), 1, max(1, r // 6))


def _polygon(num_sides: int, phase: float) -> Callable:

    def draw(mask: np.ndarray, cx: int, cy: int, r: int) -> None:
        angles = phase + 2 * np.pi * np.arange(num_sides) / num_sides
        points = np.stack([cx + r * np.cos(angles), cy + r * np.sin(angles)],
                          axis=1)  # (num_sides, 2)
        cv2.fillPoly(mask, [points.round().astype(np.int32)], 1)

    return draw


def _screen(mask: np.ndarray, cx: int, cy: int, r: int) -> None:
    h = int(r * 0.75)
    cv2.rectangle(mask, (cx - r, cy - h), (cx + r, cy + h), 1, -1)
    cv2.rectangle(mask, (cx - r // 3, cy + h), (cx + r // 3, cy + h + r // 4),
                  1, -1)


# category name -> function drawing the object's mask around (cx, cy)
SHAPES: Dict[str, Callable] = {
    'sports ball': _disc,
    'clock': _clock,
    'kite': _polygon(4, 0.0),
    'stop sign': _polygon(8, np.pi / 8),
    'tv': _screen,
}


def _draw_clutter(rng: np.random.Generator, image: np.ndarray) -> None:
    for _ in range(rng.integers(3, 8)):
        p1 = tuple(int(v) for v in rng.integers(0, IMAGE_SIZE, 2))
        p2 = tuple(int(v) for v in rng.integers(0, IMAGE_SIZE, 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.line(image, p1, p2, colour, int(rng.integers(1, 3)))


def render_image(rng: np.random.Generator) -> tuple:
    """One image and its boxes as ``(image, [(name, [x, y, w, h], area)])``.

    Later objects occlude earlier ones; a box covers the visible pixels and
    objects with less than 40% of their area visible are not annotated.
    """
    image = textured_background(rng, IMAGE_SIZE, IMAGE_SIZE)
    _draw_clutter(rng, image)
    names = list(SHAPES)
    objects = []  # (name, full mask), in drawing order
    for _ in range(rng.integers(2, 7)):
        name = names[rng.integers(len(names))]
        r = int(rng.integers(8, 29))
        cx, cy = (int(v) for v in rng.integers(r // 2, IMAGE_SIZE - r // 2, 2))
        mask = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.uint8)
        SHAPES[name](mask, cx, cy, r)
        image[mask > 0] = tuple(int(c) for c in rng.integers(30, 226, 3))
        objects.append((name, mask))
    image = add_noise(rng, image, sigma=6)

    boxes = []
    covered = np.zeros((IMAGE_SIZE, IMAGE_SIZE), bool)
    for name, mask in reversed(objects):  # front to back
        visible = (mask > 0) & ~covered
        covered |= mask > 0
        ys, xs = np.nonzero(visible)
        if len(xs) < MIN_VISIBLE_FRACTION * mask.sum():
            continue
        x0, y0 = int(xs.min()), int(ys.min())
        w, h = int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1
        boxes.append((name, [x0, y0, w, h], int(len(xs))))
    return image, boxes


def make_toy_coco(root: str, num_train: int = 1000, num_val: int = 100,
                  seed: int = 0) -> None:
    """Write the toy set under ``root`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    categories = [
        dict(id=i + 1, name=name, supercategory='toy')
        for i, name in enumerate(CocoDataset.METAINFO['classes'])
    ]
    cat_ids = {c['name']: c['id'] for c in categories}
    image_id = ann_id = 0
    for split, count in (('train2017', num_train), ('val2017', num_val)):
        images, annotations = [], []
        os.makedirs(osp.join(root, split), exist_ok=True)
        for _ in range(count):
            image_id += 1
            image, boxes = render_image(rng)
            file_name = f'{image_id:012d}.jpg'
            cv2.imwrite(osp.join(root, split, file_name), image[..., ::-1],
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
            images.append(
                dict(id=image_id, file_name=file_name, height=IMAGE_SIZE,
                     width=IMAGE_SIZE))
            for name, bbox, area in boxes:
                ann_id += 1
                annotations.append(
                    dict(id=ann_id, image_id=image_id,
                         category_id=cat_ids[name], bbox=bbox, area=area,
                         iscrowd=0))
        os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
        with open(osp.join(root, 'annotations', f'instances_{split}.json'),
                  'w') as f:
            json.dump(
                dict(images=images, annotations=annotations,
                     categories=categories), f)
