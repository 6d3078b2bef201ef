"""MMRazor's own distillation-algorithm tests pass under akd on this torch.

The mmrazor 1.0.0 wheel installs its test suite as a top-level ``tests``
package in site-packages; its distillation tests run here in a subprocess
that imports akd first (as ``custom_imports`` or akd's tools do).
"""
import os.path as osp
import subprocess
import sys
import sysconfig

ALGORITHM_TESTS = osp.join(sysconfig.get_paths()['purelib'], 'tests',
                           'test_models', 'test_algorithms')
DISTILL_TESTS = ('test_single_teacher_distill.py', 'test_self_distill.py',
                 'test_datafree_distill.py', 'test_ofd_algo.py')


def test_mmrazor_distillation_algorithm_tests_pass():
    paths = [osp.join(ALGORITHM_TESTS, name) for name in DISTILL_TESTS]
    assert all(osp.isfile(p) for p in paths), ALGORITHM_TESTS
    runner = ('import sys, akd, pytest; sys.exit(pytest.main(['
              "'-q', '-p', 'no:cacheprovider', *sys.argv[1:]]))")
    process = subprocess.run([sys.executable, '-c', runner, *paths],
                             capture_output=True, text=True, cwd='/')
    assert process.returncode == 0, process.stdout[-4000:]
    assert ' passed' in process.stdout and 'failed' not in process.stdout
