"""Helpers of akd's losses: argument checks, hyper-parameter ranges, AKD's
avatar ensembles and uncertainty (the dense-row layout is
:mod:`akd.structures`). Not registered; the losses import them."""
