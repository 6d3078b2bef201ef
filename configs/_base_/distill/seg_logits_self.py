# No teacher (MMRazor's SelfDistill): the teacher recorders hook the student,
# so its decode-head logits are recorded twice, as the student's and as the
# "teacher's" (the loss detaches them). A leaf adds the loss and
# val_cfg = dict(_delete_=True, type='ValLoop').
_base_ = './seg_logits.py'
model = dict(type='SelfDistill')
