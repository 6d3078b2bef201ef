"""Helpers of akd's losses: levels, dense samples, argument checks, AKD's
avatar ensembles and uncertainty. Not registered; the losses import them."""
