# The README's two commands: `make demo` and `make test`.
# Both create or reuse $(VENV) (see tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.akd-stack

.PHONY: env demo test lint clean-demo

$(STAMP): tools/setup_env.sh requirements.txt requirements/runtime.txt requirements/tests.txt setup.py
	bash tools/setup_env.sh $(VENV)
	touch $@

env: $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

# Two pytest workers keep both cores busy while the other waits on a tool's
# start-up; a hang fails CI in 30 min, not 90; the slowest 25 are listed.
test: $(STAMP)
	timeout 1800 $(PY) -m pytest -n 2 tests --durations=25

# flake8 and isort on the whole tree, with setup.cfg's settings.
lint: $(STAMP)
	$(PY) -m flake8 .
	$(PY) -m isort --check-only --diff .

clean-demo:
	rm -rf work_dirs/demo
