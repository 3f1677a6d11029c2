# The two commands of the README:
#   make demo   a backup of the simulated Enterprise deployment, with its report
#   make test   every test: pytest (unit, payload, lab) on the newest and the oldest ansible-core,
#               ansible-lint, ansible-test sanity
#   make matrix the pytest suites on every ansible-core release we support (tox.ini)
# Both create or reuse .venv and .cache/collections (tools/bootstrap.sh); nothing else is needed.

SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
COLLECTIONS := $(ROOT)/.cache/collections
LAB_COLLECTIONS := $(ROOT)/tests/lab/collections
DEMO_DIR := $(ROOT)/.cache/demo

# Production view: the real Windows collections (ansible-lint, ansible-doc, sanity).
PROD_ENV := PATH="$(VENV)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)"
# Lab view: the lab's stand-in collections come first. Bytecode is cached (in .cache/pycache, even where
# the environment says PYTHONDONTWRITEBYTECODE): every lab module run is a new Python process that
# imports the lab, and compiling it each time cost about 0.1 s a run.
PYCACHE_ENV := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$(ROOT)/.cache/pycache"
LAB_ENV := $(PYCACHE_ENV) ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false PATH="$(VENV)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(LAB_COLLECTIONS):$(COLLECTIONS)" PYTHONPATH="$(ROOT)/tests/lab"

.PHONY: demo test bootstrap pytest oldest matrix lint sanity docs clean

bootstrap:
	@bash tools/bootstrap.sh

demo: bootstrap
	@rm -rf $(DEMO_DIR)/lab $(DEMO_DIR)/report
	@$(LAB_ENV) python -m lync_lab seed enterprise $(DEMO_DIR)/lab >/dev/null
	@echo "== backup of the simulated Enterprise deployment ($(DEMO_DIR)/lab) =="
	@$(LAB_ENV) ansible-playbook -i $(DEMO_DIR)/lab/inventory.yml lync.server.backup \
	    -e lync_report_dir=$(DEMO_DIR)/report >$(DEMO_DIR)/ansible.log 2>&1 \
	    || { cat $(DEMO_DIR)/ansible.log; exit 1; }
	@grep -A20 '^PLAY RECAP' $(DEMO_DIR)/ansible.log
	@echo "== report ($$(ls $(DEMO_DIR)/report/*.txt)) =="
	@cat $(DEMO_DIR)/report/*.txt
	@echo "== history page (open in a browser): $$(ls $(DEMO_DIR)/report/*.html) =="

test: bootstrap pytest oldest lint sanity

pytest:
	@$(LAB_ENV) python -m pytest -q -n auto --dist loadfile tests

# The version matrix (tox.ini): `oldest` is requires_ansible's release, `matrix` all of them.
oldest: bootstrap
	@PATH="$(VENV)/bin:$$PATH" tox run -q -m oldest

matrix: bootstrap
	@PATH="$(VENV)/bin:$$PATH" tox run-parallel -q

lint:
	@$(PROD_ENV) ansible-lint --offline --profile production

sanity:
	@$(PROD_ENV) bash tools/sanity.sh

docs: bootstrap
	@$(PROD_ENV) python tools/render_docs.py

clean:
	rm -rf .cache tests/output
