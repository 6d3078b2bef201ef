"""Generated toy data sets in COCO and Cityscapes formats, and data
transforms."""
