# Two entry points: `make run` (demo site on SQLite, Celery eager) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py check_pace
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# One pytest-xdist worker per core, each with its own test database and demo county
# (tests/conftest.py); TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Each script prints its figures beside their targets; seed_scale.py and report_day.py use
# their own PostgreSQL databases on 127.0.0.1 (see their docstrings) and report_day.py Redis
# database 7. Every script runs even when an earlier one misses a target; the exit status says
# whether all met theirs.
bench: install
	@$(BIN)/python -c "import os; print('make bench: load average at start: %.2f %.2f %.2f (%d cores)' % (*os.getloadavg(), os.cpu_count()))"
	@status=0; \
	$(BIN)/python bench/pace.py || status=1; \
	$(BIN)/python bench/dashboard.py || status=1; \
	$(BIN)/python bench/export.py || status=1; \
	$(BIN)/python bench/cold.py --subitems 10000 || status=1; \
	$(BIN)/python bench/cold.py --subitems 100000 || status=1; \
	$(BIN)/python bench/cold.py --province --subitems 1000 || status=1; \
	DATABASE_URL=postgres://root@127.0.0.1:5432/bench_cold_100000 $(BIN)/python bench/export_memory.py --items 20000 --subitems 100000 || status=1; \
	$(BIN)/python bench/seed_scale.py || status=1; \
	$(BIN)/python bench/report_day.py || status=1; \
	$(BIN)/python -c "import os; print('make bench: load average at end: %.2f %.2f %.2f (%d cores)' % (*os.getloadavg(), os.cpu_count()))"; \
	exit $$status

clean:
	rm -rf $(VENV) db.sqlite3 media/ .pytest_cache
