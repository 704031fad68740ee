# Basalt developer entry points. Every target installs missing dependencies first
# (scripts/install-deps.sh is idempotent and fast when nothing is missing).
.PHONY: deps build run example test test-unit test-asan fuzz check-layers bench bench-peers clean

JOBS ?= $(shell nproc)
DATA_DIR ?= pb_data
HTTP ?= 127.0.0.1:8090
BASALT ?= ./build/release/basalt
ADMIN_EMAIL ?= admin@example.com
ADMIN_PASSWORD ?= basalt-admin-123

deps:
	@bash scripts/install-deps.sh

## build: the optimised server binary at build/release/basalt
build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

## run: build, then serve $(DATA_DIR) on $(HTTP) (SQLite, created on first start)
run: build
	./build/release/basalt serve --dir $(DATA_DIR) --http $(HTTP)

## example: load examples/$(NAME) (collections, rules, seed data) into the server `make run`
## started (same DATA_DIR and HTTP); creates the superuser ADMIN_EMAIL the setup script signs in as
example:
	@test -n "$(NAME)" && test -f examples/$(NAME)/setup.mjs || \
	  { echo "usage: make example NAME=<$$(ls examples/*/setup.mjs | cut -d/ -f2 | paste -sd'|')>"; exit 2; }
	@test -x $(BASALT) || { echo "$(BASALT) is missing: start the server with 'make run' first"; exit 2; }
	@test -d examples/node_modules/pocketbase || (cd examples && npm ci --no-audit --no-fund --loglevel=error)
	@test "$(NAME)" != auth || test -d tests/sdk/node_modules/oidc-provider || \
	  (cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)  # the auth example's OIDC provider
	@$(BASALT) superuser upsert $(ADMIN_EMAIL) '$(ADMIN_PASSWORD)' --dir $(DATA_DIR) >/dev/null
	@BASALT_URL=http://$(HTTP) BASALT_ADMIN_EMAIL=$(ADMIN_EMAIL) BASALT_ADMIN_PASSWORD='$(ADMIN_PASSWORD)' \
	  node examples/$(NAME)/setup.mjs

## test: every test — unit, black-box (real binary over HTTP), official JS SDK e2e
test: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release-all -j $(JOBS)
	@$(MAKE) --no-print-directory check-layers
	@cd build/release && ctest --output-on-failure --timeout 600 -j $(JOBS)

## test-asan: the same tests (unit + e2e) under AddressSanitizer + UndefinedBehaviorSanitizer
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure --timeout 900 -LE sdk -j $(JOBS)

## fuzz: libFuzzer (clang, ASan + UBSan) on the filter pipeline for FUZZ_SECONDS, seeded with
## tests/fuzz/corpus; inputs it discovers stay in build/fuzz/corpus, crashes in build/fuzz/
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@mkdir -p build/fuzz/corpus/filter
	@./build/fuzz/tests/fuzz/filter_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	  -print_final_stats=1 -dict=tests/fuzz/filter.dict -artifact_prefix=build/fuzz/ \
	  build/fuzz/corpus/filter tests/fuzz/corpus/filter

## check-layers: every #include "basalt/<layer>/..." follows the dependency rule of design.md
check-layers:
	@python3 tools/check_layers.py src/basalt

## bench: every load benchmark (core vs nginx, API rules, auth, files, Basalt vs FastAPI/DRF/Fastify/nginx);
## results in bench/out/*.md and bench/out/peers.png. bench-peers: only the peers (DURATION=5 REPEATS=1 for a smoke run)
bench: build
	@bash bench/run.sh
	@bash bench/rules.sh
	@bash bench/auth.sh
	@bash bench/files.sh
	@bash bench/peers.sh

bench-peers: build
	@bash bench/peers.sh

clean:
	rm -rf build
