"""tools/analysis/list_modules.py: module names and output shapes."""
import re

from conftest import DET_TEACHER, SEG_TEACHER, run_tool

CWD_DET = 'configs/cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'


def listed(stdout: str, title: str) -> dict:
    """``{name: (type, shape)}`` of the block that starts with ``title``."""
    block = stdout.split(title, 1)[1].split('\n\n', 1)[0]
    rows = {}
    for line in block.splitlines()[1:]:
        name, kind, shape = re.match(r'  (.+?)  +(\S+) +(.*)$', line).groups()
        rows[name] = (kind, shape)
    return rows


def test_a_detector_lists_its_modules_with_output_shapes():
    process = run_tool('tools/analysis/list_modules.py', DET_TEACHER,
                       '--shape', '64', '96')
    rows = listed(process.stdout, 'model, one 64x96 image:')
    assert rows['backbone.layer4'] == ('ResLayer', '(1, 256, 2, 3)')
    assert rows['neck.fpn_convs.0.conv'] == ('Conv2d', '(1, 64, 8, 12)')
    assert rows['neck'][1].startswith('[(1, 64, 8, 12), (1, 64, 4, 6)')
    # the head is shared by the 5 FPN levels: one row per call
    assert [n for n in rows if n.startswith('bbox_head.retina_cls ')] == [
        f'bbox_head.retina_cls [{i}]' for i in range(5)
    ]
    # names of 4 parts at most
    assert rows['backbone.layer2.0.downsample'][0] == 'Sequential'
    assert 'backbone.layer2.0.downsample.0' not in rows


def test_a_distillation_config_lists_student_then_teacher():
    process = run_tool('tools/analysis/list_modules.py', CWD_DET, '--shape',
                       '64', '64', '--grep', r'^backbone\.layer4$')
    student = listed(process.stdout, 'student (model.architecture')
    teacher = listed(process.stdout, 'teacher (model.teacher')
    assert student == {'backbone.layer4': ('ResLayer', '(1, 128, 2, 2)')}
    assert teacher == {'backbone.layer4': ('ResLayer', '(1, 256, 2, 2)')}
    assert process.stdout.index('student') < process.stdout.index('teacher')


def test_a_segmentor_lists_its_decode_head():
    process = run_tool('tools/analysis/list_modules.py', SEG_TEACHER,
                       '--shape', '64', '64', '--depth', '2', '--grep',
                       'head')
    rows = listed(process.stdout, 'model, one 64x64 image:')
    assert rows['decode_head.conv_seg'][1] == '(1, 19, 8, 8)'
    assert all('head' in name and name.count('.') < 2 for name in rows)
