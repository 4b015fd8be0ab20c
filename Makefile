# sizemat: the daemon (sizematd), its spawn helper and the client (sizemat).
# 'make demo' and 'make check' install what is missing first (contrib/deps.sh).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SHAREDIR ?= $(PREFIX)/share/sizemat
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
MANDIR	?= $(PREFIX)/share/man
CC	?= cc
PKGS	 = libuv sqlite3 libpq libcjson libcurl libelf zlib liblzma libzstd libcrypto
O	 = build

CFLAGS	?= -O2 -g
LDFLAGS	?=

# 'make check SANITIZE=1': AddressSanitizer and UndefinedBehaviorSanitizer,
# in a build dir of their own; a finding fails the test that met it.
ifeq ($(SANITIZE),1)
O	 = build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
CFLAGS	 = -O1 -g $(SANFLAGS)
LDFLAGS	+= $(SANFLAGS)
# Reports go to files, so that one from a daemon whose stderr a test
# throws away still fails the check (sanitizer-reports).
SANLOG	 = $(abspath $(O))/sanitizer
export ASAN_OPTIONS ?= detect_leaks=1:halt_on_error=1:log_path=$(SANLOG)/asan
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1:log_path=$(SANLOG)/ubsan
endif
# The end-to-end scripts run the binaries of this build.
export SIZEMAT_BIN = $(abspath $(O))
WARN	 = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes
LLHTTP_SRC = /usr/share/llhttp
LLHTTP_INC = /usr/share/include/llhttp
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) \
	     -I$(LLHTTP_INC) -DSIZEMAT_SHAREDIR='"$(SHAREDIR)"' -MMD -MP

DAEMON_MODS = api api_cache api_history api_pareto api_project api_run \
	      api_search api_sizes api_verify attrib bench bench_spec bisect builder \
	      builder_cargo builder_checkout builder_meta builder_measure command \
	      db db_pg db_pg_watch db_sqlite config diff events explain gc git \
	      http identity \
	      jobserver limit log matrix measure metric metrics notify plan \
	      logpack peers post queue schedule search search_limits search_run \
	      server \
	      snippet store store_claim \
	      store_bench store_bisect store_build store_delivery \
	      store_slowdown \
	      store_history store_project store_regression store_report \
	      store_run store_search store_symbols store_wait strlist toolchain track \
	      track_alert track_bisect track_cause track_git track_speed units \
	      variant \
	      variant_select verify
DAEMON_OBJS = $(DAEMON_MODS:%=$(O)/daemon/%.o) $(O)/daemon/schema.o \
	      $(O)/daemon/assets.o \
	      $(O)/common/xmalloc.o $(O)/common/jsonfile.o \
	      $(O)/common/tokenfile.o $(O)/common/words.o \
	      $(O)/common/revision.o $(O)/common/wrap.o \
	      $(O)/llhttp/api.o $(O)/llhttp/http.o $(O)/llhttp/llhttp.o
CLIENT_MODS = main commands help request output cargo cmd_run cmd_results \
	      cmd_best cmd_misc \
	      cmd_daemon \
	      cmd_ladder cmd_explain cmd_diff cmd_project cmd_history cmd_report \
	      cmd_search cmd_verify cmd_regressions
CLIENT_OBJS = $(CLIENT_MODS:%=$(O)/client/%.o) $(O)/common/xmalloc.o \
	      $(O)/common/jsonfile.o $(O)/common/tokenfile.o \
	      $(O)/common/words.o $(O)/common/revision.o \
	      $(O)/common/wrap.o
UNIT_MODS   = check_main check_variant check_matrix check_store \
	      check_measure check_http check_levers check_history \
	      check_units check_plans check_search
UNIT_OBJS   = $(UNIT_MODS:%=$(O)/tests/%.o)

BINS = $(O)/sizematd $(O)/sizemat-spawn $(O)/sizemat $(O)/sizemat-fixrandom.so

.PHONY: all deps check check-fast check-unit check-e2e check-postgres \
	check-slow check-chaos \
	demo bench install lint clean fuzz sanitizer-reports check-valgrind \
	check-load

MANS = $(O)/sizemat.1 $(O)/sizematd.8

all: $(BINS) $(MANS)

deps:
	@sh contrib/deps.sh

$(O)/sizematd: $(O)/daemon/main.o $(DAEMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -liberty

$(O)/sizemat-spawn: $(O)/daemon/spawn.o
	$(CC) $(LDFLAGS) -o $@ $^

# Preloaded into programs under valgrind: never with the sanitizers.
$(O)/sizemat-fixrandom.so: daemon/fixrandom.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $<

$(O)/sizemat: $(CLIENT_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(O)/check_unit: $(UNIT_OBJS) $(DAEMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -liberty $(CHECK_LIBS)

$(O)/bench_claim: $(O)/bench/claim.o $(DAEMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -liberty

# The manual pages, from docs/*.scd (scdoc).
$(O)/%.1: docs/%.1.scd
	@mkdir -p $(dir $@)
	scdoc <$< >$@

$(O)/%.8: docs/%.8.scd
	@mkdir -p $(dir $@)
	scdoc <$< >$@

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# llhttp's generated C is not written for our warnings: its own flags.
$(O)/llhttp/%.o: $(LLHTTP_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -I$(LLHTTP_INC) -c -o $@ $<

$(O)/daemon/schema.c: daemon/embed-schema.sh $(wildcard schema/*.sql) \
    $(wildcard schema/pg/*.sql)
	@mkdir -p $(dir $@)
	sh daemon/embed-schema.sh schema > $@

$(O)/daemon/schema.o: $(O)/daemon/schema.c
	$(CC) -std=c11 $(CFLAGS) -c -o $@ $<

DASHBOARD = /=dashboard/index.html /app.js=dashboard/app.js \
	    /app.css=dashboard/app.css
$(O)/daemon/assets.c: daemon/embed-assets.sh $(wildcard dashboard/*)
	@mkdir -p $(dir $@)
	sh daemon/embed-assets.sh $(DASHBOARD) > $@

$(O)/daemon/assets.o: $(O)/daemon/assets.c
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(PKG_CFLAGS) -Idaemon -c -o $@ $<

# Functions the code does not use (CONVENTIONS.md).
lint:
	@! grep -nE '\<(sprintf|strcpy|strcat|strtok|atoi|gets)\(' \
	    daemon/*.c client/*.c common/*.c tests/*.c tests/fuzz/*.c || \
	    { echo "banned function used (see CONVENTIONS)"; exit 1; }

# libFuzzer harnesses (clang), each run for FUZZ_SECONDS with the seed
# corpus in tests/fuzz/corpus; what they find new stays in build-fuzz/.
FUZZERS = http matrix results
FUZZ_SECONDS ?= 60
$(O)/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(DAEMON_OBJS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -liberty

fuzz: deps
	@$(MAKE) --no-print-directory O=build-fuzz CC=clang \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
	    LDFLAGS="-fsanitize=address,undefined" \
	    $(FUZZERS:%=build-fuzz/fuzz_%)
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

check-unit: $(O)/check_unit
	CK_FORK=yes $(O)/check_unit

E2E_SUITES = e2e e2e-trust e2e-history e2e-revise e2e-search e2e-bench \
	     e2e-dashboard e2e-hostile e2e-security e2e-reliability

check-e2e: $(BINS)
	@set -e; for t in $(E2E_SUITES); do bash tests/$$t.sh; done

# The same end-to-end suites against a private PostgreSQL server the run
# starts and stops itself, then the PostgreSQL-only ones.
check-postgres: deps
	@$(MAKE) --no-print-directory all
	bash tests/postgres.sh $(E2E_SUITES:%=tests/%.sh) tests/e2e-postgres.sh \
	    tests/e2e-workers.sh

check: deps
	@$(MAKE) --no-print-directory all lint
	@sh tests/man.sh $(O)
	@python3 tests/calls.py
	@$(if $(SANLOG),rm -rf $(SANLOG); mkdir -p $(SANLOG))
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-e2e
	@$(if $(SANLOG),$(MAKE) --no-print-directory sanitizer-reports)

# The suites CI runs under the sanitizers: unit tests, the request,
# security and fault tests, and benchmarks, whose processes and timers are
# the daemon's to manage ('make check-fast SANITIZE=1').
check-fast: deps
	@$(MAKE) --no-print-directory all
	@$(if $(SANLOG),rm -rf $(SANLOG); mkdir -p $(SANLOG))
	@$(MAKE) --no-print-directory check-unit
	bash tests/e2e-hostile.sh
	bash tests/e2e-security.sh
	bash tests/e2e-reliability.sh
	bash tests/e2e-bench.sh
	@$(if $(SANLOG),$(MAKE) --no-print-directory sanitizer-reports)

# The daemon's request, security and fault tests under valgrind memcheck.
check-valgrind: deps
	@$(MAKE) --no-print-directory all
	bash tests/valgrind.sh

# Fails when a sanitized program wrote a report.
sanitizer-reports:
	@if ls $(SANLOG)/* >/dev/null 2>&1; then \
		echo "sanitizer reports in $(SANLOG):"; \
		head -n 40 $(SANLOG)/*; exit 1; \
	else echo "sanitizers: no report"; fi

check-slow: deps
	@$(MAKE) --no-print-directory all
	bash tests/e2e-slow.sh
	bash tests/e2e-levers.sh
	bash tests/chaos.sh
	bash tests/load.sh

# 200 clients for 30 s against the query endpoints while builds run.
check-load: deps
	@$(MAKE) --no-print-directory all
	bash tests/load.sh

# SIGKILLs at random moments during runs (KILLS=N, SEED=S to repeat one).
check-chaos: deps
	@$(MAKE) --no-print-directory all
	KILLS="$(KILLS)" SEED="$(SEED)" bash tests/chaos.sh

demo: deps
	@$(MAKE) --no-print-directory all
	sh contrib/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	bash bench/matrix-vs-loop.sh
	bash bench/search-vs-grid.sh
	bash bench/warm-commit.sh
	bash bench/dashboard-load.sh
	@$(MAKE) --no-print-directory $(O)/bench_claim
	bash bench/claim.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/profiles \
	    $(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(filter-out %.so,$(BINS)) $(DESTDIR)$(BINDIR)
	install -m 644 $(O)/sizemat-fixrandom.so $(DESTDIR)$(BINDIR)
	ln -sf sizemat $(DESTDIR)$(BINDIR)/cargo-sizemat
	install -m 644 profiles/*.json $(DESTDIR)$(SHAREDIR)/profiles
	install -m 644 contrib/sizemat.bash $(DESTDIR)$(COMPLETIONDIR)/sizemat
	install -d $(DESTDIR)$(SHAREDIR)/ci
	install -m 755 contrib/ci/nightly.sh $(DESTDIR)$(SHAREDIR)/ci
	install -m 644 contrib/ci/github-nightly.yml $(DESTDIR)$(SHAREDIR)/ci
	install -m 644 contrib/sizematd.service $(DESTDIR)$(SHAREDIR)
	install -d $(DESTDIR)$(PREFIX)/share/doc/sizemat
	install -m 644 docs/api.md docs/security.md docs/numbers.md \
	    $(DESTDIR)$(PREFIX)/share/doc/sizemat
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 644 $(O)/sizemat.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(O)/sizematd.8 $(DESTDIR)$(MANDIR)/man8

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
