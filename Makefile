# odesolve - build, test and install.
#   make                 build build/odesolve
#   make check           unit tests (Check) and end-to-end tests, both again
#                        under ASan and UBSan, a few runs under valgrind
#   make bench           benchmarks against peers (not part of check)
#   make fuzz            libFuzzer campaign, FUZZ_SECONDS per harness (clang)
#   make check-tsan      batches on threads under ThreadSanitizer
#   make install         PREFIX=/usr/local DESTDIR=
#   WITH_TCC=0           build without libtcc (interpreter only)
#   WITH_HDF5=0          build without HDF5 (CSV only)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
O      ?= build
CFLAGS ?= -O2 -g
WITH_TCC  ?= 1
WITH_HDF5 ?= 1

# No FMA contraction: the JIT, the interpreter and the C compiler must
# evaluate the same operations in the same order to agree bit for bit.
WARN    = -std=c11 -Wall -Wextra -Wpedantic -Wshadow
NUMERIC = -ffp-contract=off
# -iquote: lang/check.h must not shadow the Check library's <check.h>.
INC     = -iquote $(O)/lang -iquote lang -iquote solver -iquote cli
DEFS    = -D_POSIX_C_SOURCE=200809L -DWITH_TCC=$(WITH_TCC) -DWITH_HDF5=$(WITH_HDF5)
CC_ALL  = $(CC) $(WARN) $(NUMERIC) $(INC) $(DEFS) $(CPPFLAGS) $(CFLAGS) -MMD -MP
# LAPACK (dense and banded LU) and SuiteSparse KLU (sparse LU) for the
# implicit methods' linear systems.
INC    += -I/usr/include/suitesparse
LIBS    = -lklu -lamd -lcolamd -lbtf -lsuitesparseconfig -llapack -lblas -lm
ifeq ($(WITH_TCC),1)
LIBS   += -ltcc -ldl
endif
ifeq ($(WITH_HDF5),1)
# The serial library, linked statically when there is a libhdf5.a: the
# shared one needs libcurl and some 35 more libraries (the MPI flavour also
# libmpi), which triples the start-up time of every run, CSV runs included.
comma := ,
HDF5_PKG    := $(shell pkg-config --exists hdf5-serial 2>/dev/null && echo hdf5-serial || echo hdf5)
HDF5_CFLAGS := $(shell pkg-config --cflags $(HDF5_PKG) 2>/dev/null)
HDF5_LIBS   := $(shell pkg-config --libs $(HDF5_PKG) 2>/dev/null)
HDF5_STATIC ?= 1
ifeq ($(HDF5_STATIC),1)
HDF5_LIBS   := $(subst -lhdf5,-Wl$(comma)-Bstatic -lhdf5 -Wl$(comma)-Bdynamic -lsz -lz -ldl,$(HDF5_LIBS))
endif
INC  += $(HDF5_CFLAGS)
LIBS += $(HDF5_LIBS)
endif
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm -pthread)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
DEFS    += -DODESOLVE_VERSION='"$(VERSION)"'

LIB_SRCS := $(sort $(wildcard lang/*.c solver/*.c) $(filter-out cli/main.c,$(wildcard cli/*.c)))
GEN_SRCS := $(O)/lang/lexer.c $(O)/lang/parser.c
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o) $(GEN_SRCS:.c=.o)
MAIN_OBJ := $(O)/cli/main.o
UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
OBJS := $(LIB_OBJS) $(MAIN_OBJ) $(UNIT_SRCS:%.c=$(O)/%.o)

all: $(O)/odesolve

$(O)/odesolve: $(MAIN_OBJ) $(O)/libodesolve.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/libodesolve.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC_ALL) -c -o $@ $<

# Generated scanner and parser: built under $(O), compiled with the warnings
# their generators cannot avoid turned off.
$(O)/lang/lexer.c $(O)/lang/lexer.h &: lang/lexer.l
	@mkdir -p $(@D)
	flex --outfile=$(O)/lang/lexer.c --header-file=$(O)/lang/lexer.h $<

$(O)/lang/parser.c $(O)/lang/parser.h &: lang/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror --defines=$(O)/lang/parser.h -o $(O)/lang/parser.c $<

$(O)/lang/lexer.o: $(O)/lang/lexer.c $(O)/lang/parser.h
	$(CC_ALL) -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter -c -o $@ $<

$(O)/lang/parser.o: $(O)/lang/parser.c $(O)/lang/lexer.h
	$(CC_ALL) -Wno-unused-function -c -o $@ $<

# Everything that includes the generated headers must wait for them.
$(LIB_SRCS:%.c=$(O)/%.o) $(MAIN_OBJ): | $(O)/lang/parser.h $(O)/lang/lexer.h

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/libodesolve.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

# A sanitizer report stops the test that made it, and leaks are reported.
SAN_ENV  = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
RUN_UNIT = set -e; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=yes $(SAN_ENV) ./$$t; done
RUN_E2E  = O=$(O) $(SAN_ENV) ./tests/e2e/run.sh

# One after the other, even under -j: some unit tests measure time.
check: $(O)/odesolve $(UNIT_BINS)
	@$(RUN_UNIT)
	@$(RUN_E2E)
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-valgrind

check-unit: $(UNIT_BINS)
	@$(RUN_UNIT)

check-e2e: $(O)/odesolve
	@$(RUN_E2E)

check-tests: $(O)/odesolve $(UNIT_BINS)
	@$(RUN_UNIT)
	@$(RUN_E2E)

# The unit and end-to-end tests again, built under $(SAN_O) with
# AddressSanitizer and UndefinedBehaviorSanitizer, when $(CC) can build and
# run such a program.
SAN_O     = $(O)/asan
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

check-asan:
	@mkdir -p $(SAN_O)
	@if echo 'int main(void) { return 0; }' | \
	    $(CC) $(SAN_FLAGS) -x c -o $(SAN_O)/probe - 2>/dev/null && $(SAN_O)/probe; then \
	    $(MAKE) --no-print-directory O=$(SAN_O) CFLAGS="-O1 -g $(SAN_FLAGS)" \
	        LDFLAGS="$(SAN_FLAGS)" check-tests; \
	else \
	    echo "== $(CC) cannot build with $(SAN_FLAGS): check-asan skipped"; \
	fi

# A few whole runs under valgrind: no invalid access, no leak.
check-valgrind: $(O)/odesolve
	@if command -v valgrind >/dev/null; then \
	    O=$(O) ./tests/valgrind.sh; \
	else \
	    echo "== no valgrind: check-valgrind skipped"; \
	fi

# Batches on several threads under ThreadSanitizer (tests/tsan.sh), built
# under $(TSAN_O); not part of check, which has the ASan build already.
TSAN_O     = $(O)/tsan
TSAN_FLAGS = -fsanitize=thread -fno-omit-frame-pointer

check-tsan:
	@$(MAKE) --no-print-directory O=$(TSAN_O) CFLAGS="-O1 -g $(TSAN_FLAGS)" \
	    LDFLAGS="$(TSAN_FLAGS)" $(TSAN_O)/odesolve
	@O=$(TSAN_O) ./tests/tsan.sh

# Fuzzing with clang's libFuzzer: the library is built again with clang and
# the sanitizers under $(FUZZ_O); each harness tests/fuzz/fuzz_NAME.c named in
# FUZZ_TARGETS runs for FUZZ_SECONDS, keeps the inputs it finds in
# $(FUZZ_O)/corpus/NAME (tests/fuzz/corpus is its read-only seed) and writes
# crashes, leaks and timeouts to $(FUZZ_O)/crashes/NAME-*.  Replay one with
# `$(FUZZ_O)/fuzz_NAME FILE`.  One process each, so other work keeps a core.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= check backend ensemble
FUZZ_ARGS    ?= -timeout=2 -max_len=16384 -rss_limit_mb=2048
FUZZ_O        = $(O)/fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all

$(FUZZ_O)/libodesolve.a: FORCE
	@$(MAKE) --no-print-directory O=$(FUZZ_O) CC=$(FUZZ_CC) WITH_HDF5=0 \
	    CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" $@

$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_O)/libodesolve.a
	$(FUZZ_CC) $(WARN) $(NUMERIC) $(INC) $(DEFS) -O1 -g $(FUZZ_SAN) \
	    -fsanitize=fuzzer -o $@ $^ $(LIBS)

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz_%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_O)/corpus/$$t $(FUZZ_O)/crashes; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    $(FUZZ_O)/fuzz_$$t $(FUZZ_ARGS) -max_total_time=$(FUZZ_SECONDS) \
	        -dict=tests/fuzz/ode.dict -artifact_prefix=$(FUZZ_O)/crashes/$$t- \
	        $(FUZZ_O)/corpus/$$t tests/fuzz/corpus; \
	done

bench: $(O)/odesolve
	@O=$(O) ./bench/run.sh

install: $(O)/odesolve
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(O)/odesolve $(DESTDIR)$(BINDIR)
	install -m 644 man/odesolve.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/odesolve-model.5 $(DESTDIR)$(MANDIR)/man5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/odesolve $(DESTDIR)$(MANDIR)/man1/odesolve.1 \
	      $(DESTDIR)$(MANDIR)/man5/odesolve-model.5

clean:
	rm -rf $(O)

-include $(OBJS:.o=.d)

.PHONY: all check check-unit check-e2e check-tests check-asan check-tsan check-valgrind bench fuzz install uninstall clean FORCE
FORCE:
.SECONDARY:
