import matplotlib.image as mpimg
import numpy as np
import torch

from akd.evaluation.functional import calibration_bins
from akd.visualization import save_reliability_diagram


def colour_share(image, rgb, tolerance=0.1):
    return (np.abs(image[..., :3] - np.array(rgb)).max(axis=2) <
            tolerance).mean()


def test_png_has_the_figure_size_and_shows_bars_gaps_and_the_diagonal(
        tmp_path):
    torch.manual_seed(0)
    confidence = torch.rand(500)
    correct = torch.rand(500) < confidence**2  # over-confident
    path = tmp_path / 'nested' / 'reliability.png'
    save_reliability_diagram(calibration_bins(confidence, correct, 10),
                             str(path), 'pixels', 'accuracy')
    image = mpimg.imread(path)
    assert image.shape[:2] == (600, 500)  # 5 x 6 inches at 100 dpi
    tab_blue = (0.122, 0.467, 0.706)  # the accuracy bars
    assert colour_share(image, tab_blue) > 0.01
    reddish = (image[..., 0] > 0.9) & (image[..., 1] < 0.8) & (
        image[..., 2] < 0.8)  # the gap, red at 30 % over white
    assert reddish.mean() > 0.005
    assert colour_share(image, (0, 0, 0)) > 0.001  # axes, text, diagonal


def test_no_gap_drawn_for_a_calibrated_model(tmp_path):
    # every bin's accuracy equals its confidence: 1 right in 4 at 0.25, ...
    confidence = torch.tensor([0.25] * 4 + [0.75] * 4)
    correct = torch.tensor([1, 0, 0, 0, 1, 1, 1, 0], dtype=torch.bool)
    path = tmp_path / 'calibrated.png'
    save_reliability_diagram(calibration_bins(confidence, correct, 4),
                             str(path), 'pixels', 'accuracy')
    image = mpimg.imread(path)
    reddish = (image[..., 0] > 0.9) & (image[..., 1] < 0.8) & (
        image[..., 2] < 0.8)
    assert reddish.mean() < 0.001
