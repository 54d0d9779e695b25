# Karpear: `make run` to serve the product with demo data, `make test` for the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
KARPEAR := $(BIN)/karpear
PORT ?= 8000
PLATFORM_PORT ?= 8001
RECIPIENT_PORT ?= 8002
HELPLINE_PORT ?= 8003
WORKERS ?= 2
export KARPEAR_DATA_DIR ?= $(CURDIR)/var
PYTHON ?= python3

.PHONY: install run test lint test-sqlite test-postgres bench system-deps test-deps clean

# Debian packages. apt-get runs only when something is missing.
# vpdq (video hashing) builds from source against ffmpeg's libraries: the -dev packages, cmake.
# ffmpeg: its ffprobe reads a video's size and duration before it is decoded (issue #15).
APT_RUN := gettext fonts-khmeros libpango-1.0-0 libpangoft2-1.0-0 \
  libavcodec-dev libavformat-dev libswscale-dev libavutil-dev libavdevice-dev pkg-config cmake g++ \
  ffmpeg
APT_TEST := postgresql chromium fonts-khmeros wrk unbound squid python3-numpy poppler-utils ffmpeg \
  prometheus nginx-light systemd bind9 bind9-utils knot-resolver lua-cqueues pdns-recursor
define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing system packages:$$missing"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
endef

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

system-deps:
	$(call apt_ensure,$(APT_RUN))

install: system-deps $(VENV)/.installed
	cd src/karpear && ../../$(KARPEAR) compilemessages -v0
	$(KARPEAR) migrate --noinput -v0
	KARPEAR_STATIC_MANIFEST=1 $(KARPEAR) collectstatic --noinput -v0

run: install
	PORT=$(PORT) PLATFORM_PORT=$(PLATFORM_PORT) $(KARPEAR) demo --if-empty
	@echo "Serving Karpear on http://127.0.0.1:$(PORT)/, the reference platform on http://127.0.0.1:$(PLATFORM_PORT)/ (Ctrl-C to stop)"
	@$(KARPEAR) worker & worker=$$!; \
	$(BIN)/python examples/reference_platform/app.py --port $(PLATFORM_PORT) \
	  --db $(KARPEAR_DATA_DIR)/reference-platform.sqlite3 \
	  --secret-file $(KARPEAR_DATA_DIR)/reference-platform.secret \
	  --karpear-url http://127.0.0.1:$(PORT) \
	  --karpear-key-file $(KARPEAR_DATA_DIR)/reference-platform.karpear-key \
	  --demo-account-age 13 & platform=$$!; \
	$(BIN)/python examples/reference_recipient/app.py --port $(RECIPIENT_PORT) --prefix ACU \
	  --karpear-url http://127.0.0.1:$(PORT) \
	  --key-file $(KARPEAR_DATA_DIR)/reference-recipient.karpear-key \
	  --db $(KARPEAR_DATA_DIR)/reference-recipient.sqlite3 & recipient=$$!; \
	$(BIN)/python examples/reference_recipient/app.py --port $(HELPLINE_PORT) --prefix CHC \
	  --outcome contacted --karpear-url http://127.0.0.1:$(PORT) \
	  --key-file $(KARPEAR_DATA_DIR)/reference-helpline.karpear-key \
	  --db $(KARPEAR_DATA_DIR)/reference-helpline.sqlite3 & helpline=$$!; \
	trap 'kill $$worker $$platform $$recipient $$helpline 2>/dev/null' EXIT INT TERM; \
	KARPEAR_STATIC_MANIFEST=1 $(BIN)/gunicorn karpear.wsgi:application \
	  --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - \
	  --logger-class karpear.core.accesslog.RedactingAccessLogger \
	  --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'

test-deps: install
	$(call apt_ensure,$(APT_TEST))
	@test -f node_modules/axe-core/axe.min.js || npm ci --silent --no-audit --no-fund

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench scripts examples
	$(BIN)/ruff format --check src tests bench scripts examples
	$(BIN)/mypy src tests bench
	$(KARPEAR) makemigrations --check --dry-run -v0
	$(BIN)/python scripts/check_catalogue.py

test-sqlite: test-deps
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: test-deps
	@set -e; eval "$$(scripts/pg-test.sh start)"; trap 'scripts/pg-test.sh stop' EXIT; \
	  DATABASE_URL="$$PG_URL" $(BIN)/pytest -q -p no:cacheprovider

# The two databases' suites run side by side, each with its own data directory: on the 2-core
# CI machine that halves the wall time (about 15 minutes instead of 30). Each suite's output is
# printed whole when it ends; the target fails if either does. `make test-sqlite` and
# `make test-postgres` still run one alone.
test: lint test-deps
	@set -e; logs=$$(mktemp -d); \
	  mkdir -p "$(KARPEAR_DATA_DIR)/test-sqlite" "$(KARPEAR_DATA_DIR)/test-postgres"; \
	  KARPEAR_DATA_DIR="$(KARPEAR_DATA_DIR)/test-sqlite" $(MAKE) --no-print-directory test-sqlite \
	    >"$$logs/sqlite" 2>&1 & sqlite=$$!; \
	  KARPEAR_DATA_DIR="$(KARPEAR_DATA_DIR)/test-postgres" $(MAKE) --no-print-directory test-postgres \
	    >"$$logs/postgres" 2>&1 & postgres=$$!; \
	  status=0; \
	  wait $$sqlite || status=1; echo "== SQLite"; cat "$$logs/sqlite"; \
	  wait $$postgres || status=1; echo "== PostgreSQL"; cat "$$logs/postgres"; \
	  rm -rf "$$logs"; exit $$status

bench: test-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var node_modules
