"""Install akd, an OpenMMLab plugin for dense-prediction distillation.

torch and mmcv (with ops) are installed first by ``tools/setup_env.sh`` (or by
hand on a CUDA cluster, see README.md); the rest is in requirements/.
"""
from setuptools import find_packages, setup


def read_requirements(path):
    with open(path) as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith(('#', '-r'))
        ]


setup(
    name='akd',
    version='0.1.0',
    description='Avatar Knowledge Distillation and friends for mmdet/mmseg',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.8',
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require=dict(tests=read_requirements('requirements/tests.txt')),
)
