# make reports  — set up .venv if needed (only what building needs), then build every report into reports/
# make test     — set up .venv with the test extras if needed, then run the tests
# make lab      — set up .venv with JupyterLab if needed, then open the notebooks in it
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: reports test validate audit bench lab clean nbfilter golden mutate

reports: $(VENV)/.installed nbfilter
	$(BIN)/seoulcomm build

test: $(VENV)/.installed-test nbfilter
	$(BIN)/python -m pytest

validate: $(VENV)/.installed
	$(BIN)/seoulcomm validate

audit: $(VENV)/.installed
	$(BIN)/seoulcomm audit

# the benchmarks of this run, then docs/performance.md from them (never from an older run)
bench: $(VENV)/.installed-test
	rm -f benchmarks/out/build_speed.md benchmarks/out/scale.md
	$(BIN)/python benchmarks/build_speed.py --markdown benchmarks/out/build_speed.md
	$(BIN)/python benchmarks/scale.py --markdown benchmarks/out/scale.md
	$(BIN)/python benchmarks/report.py docs/performance.md benchmarks/out/build_speed.md benchmarks/out/scale.md

lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab notebooks/

$(VENV)/.created:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-lab: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	touch $@

# JupyterLab autosave writes outputs into notebooks/*.ipynb: git stores them stripped
# (.gitattributes: filter=seoulcomm-nbstrip; the filter is seoulcomm/nbclean.py, stdlib only)
nbfilter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.seoulcomm-nbstrip.clean '$(PYTHON) seoulcomm/nbclean.py' && \
	  git config filter.seoulcomm-nbstrip.smudge cat; \
	fi

clean:
	rm -rf reports .pytest_cache .hypothesis

# golden — rebuild every report from data/ and rewrite tests/golden/reports.txt (read the diff before committing)
golden: $(VENV)/.installed-test nbfilter
	$(BIN)/python tests/golden.py

# mutate — mutation testing of calc, units, audit and load (mutmut; setup.cfg says what; not in CI: it
# takes long). Surviving mutants are one-line bugs the tests let pass: `mutmut browse` shows them.
mutate: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet 'mutmut>=3.2'
	$(BIN)/mutmut run; $(BIN)/mutmut results
