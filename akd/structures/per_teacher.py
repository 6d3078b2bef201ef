"""One entry per teacher of an ensemble: a type of its own."""


class PerTeacher(list):
    """The outputs of several teachers, one entry each, in the ensemble's
    order.

    ``EnsembleOutputs`` records it, and the losses that distil from several
    teachers take it (``CAMKDLoss``; ``AvatarKDLoss`` then makes ensemble
    avatars). Its own type keeps a tuple of FPN levels, or any other list
    of tensors, from being taken for several teachers.
    """
