"""tools/analysis/vis_predictions.py: models side by side on images."""
import glob

import matplotlib.image as mpimg
import numpy as np

from conftest import DET_STUDENT, DET_TEACHER, SEG_TEACHER, run_tool


def cell(image, row, column, size=300, title=30):
    """The pixels of one subplot's cell, below its title."""
    return image[row * size + title:(row + 1) * size,
                 column * size:(column + 1) * size, :3]


def test_detectors_side_by_side_draw_their_boxes(toy_coco, toy_weights,
                                                 tmp_path):
    images = sorted(glob.glob(f'{toy_coco}/val2017/*.jpg'))[:2]
    out = tmp_path / 'det.png'
    process = run_tool('tools/analysis/vis_predictions.py', *images,
                       '--model', 'teacher', DET_TEACHER,
                       toy_weights['det_teacher'], '--model', 'student',
                       DET_STUDENT, toy_weights['det_student'],
                       '--score-thr', '0', '--out', str(out))
    assert '2 images x 2 models' in process.stdout
    image = mpimg.imread(out)
    assert image.shape[:2] == (600, 900)  # 2 rows x 3 cells of 3 inches
    for row in range(2):  # every box drawn changes a model's cell
        for column in (1, 2):
            assert not np.allclose(cell(image, row, column),
                                   cell(image, row, 0))


def test_a_segmentor_paints_its_label_map(toy_cityscapes, toy_weights,
                                          tmp_path):
    image_path = sorted(
        glob.glob(f'{toy_cityscapes}/leftImg8bit/val/*/*.png'))[0]
    out = tmp_path / 'seg.png'
    run_tool('tools/analysis/vis_predictions.py', image_path, '--model',
             'teacher', SEG_TEACHER, toy_weights['seg_teacher'], '--out',
             str(out))
    image = mpimg.imread(out)
    assert image.shape[:2] == (300, 600)
    changed = np.abs(cell(image, 0, 1) - cell(image, 0, 0)).max(axis=2)
    assert (changed > 0.05).mean() > 0.1  # the overlay covers the image


def test_a_distillation_checkpoint_is_refused_with_the_converter(
        toy_coco, toy_weights, tmp_path):
    image = sorted(glob.glob(f'{toy_coco}/val2017/*.jpg'))[0]
    process = run_tool('tools/analysis/vis_predictions.py', image,
                       '--model', 'distilled', DET_STUDENT,
                       toy_weights['distillation'], '--out',
                       str(tmp_path / 'x.png'), check=False)
    assert process.returncode == 1
    assert 'Traceback' not in process.stderr
    assert 'is a distillation checkpoint' in process.stderr
    assert 'convert_kd_ckpt_to_student.py' in process.stderr
