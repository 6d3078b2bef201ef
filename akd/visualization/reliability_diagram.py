"""Reliability diagram: accuracy (or precision) against confidence."""
import os
import os.path as osp

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import Tensor


def save_reliability_diagram(bins: Tensor, path: str, samples: str,
                             hit_name: str) -> None:
    """Write a PNG of the per-bin hit rate against the bin's confidence.

    Bars give each bin's hit rate (``hit_name``: accuracy, or precision for
    detections) over the M equal-width confidence bins, the diagonal is
    perfect calibration, and a lower panel gives the share of ``samples``
    in each bin.

    Args:
        bins (Tensor): ``(3, M)`` count, confidence sum and hits per bin
            (``calibration_bins``, summed).
        path (str): The PNG file; its folder is created.
        samples (str): What is counted, e.g. ``'pixels'``.
        hit_name (str): What a hit rate is, e.g. ``'accuracy'``.
    """
    count, confidence_sum, hits = bins.double().cpu().numpy()
    M = len(count)
    edges = np.linspace(0, 1, M + 1)
    filled = count > 0
    rate = np.divide(hits, count, out=np.zeros(M), where=filled)
    mean_confidence = np.divide(confidence_sum, count, out=np.zeros(M),
                                where=filled)
    # a Figure of its own, not pyplot's: no backend is switched globally
    figure = Figure(figsize=(5, 6))
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True,
                                  gridspec_kw=dict(height_ratios=(3, 1)))
    top.bar(edges[:-1], rate, width=1 / M, align='edge', edgecolor='black',
            color='tab:blue', label=hit_name)
    top.bar(edges[:-1][filled], (mean_confidence - rate)[filled],
            bottom=rate[filled], width=1 / M, align='edge', color='tab:red',
            alpha=0.3, label='gap to confidence')
    top.plot([0, 1], [0, 1], 'k--', label='perfect calibration')
    top.set(ylabel=hit_name, xlim=(0, 1), ylim=(0, 1))
    top.legend(loc='upper left')
    share = count / max(count.sum(), 1)
    bottom.bar(edges[:-1], share, width=1 / M, align='edge',
               color='tab:gray')
    bottom.set(xlabel='confidence', ylabel=f'share of {samples}')
    figure.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100)
