# odesolve - build, test and install.
#   make                 build build/odesolve
#   make check           unit tests (Check) and end-to-end tests
#   make bench           benchmarks against peers (not part of check)
#   make install         PREFIX=/usr/local DESTDIR=
#   WITH_TCC=0           build without libtcc (interpreter only)
#   WITH_HDF5=0          build without HDF5 (CSV only)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
O      ?= build
CFLAGS ?= -O2 -g
WITH_TCC  ?= 1
WITH_HDF5 ?= 0

# No FMA contraction: the JIT, the interpreter and the C compiler must
# evaluate the same operations in the same order to agree bit for bit.
WARN    = -std=c11 -Wall -Wextra -Wpedantic -Wshadow
NUMERIC = -ffp-contract=off
# -iquote: lang/check.h must not shadow the Check library's <check.h>.
INC     = -iquote $(O)/lang -iquote lang -iquote solver -iquote cli
DEFS    = -D_POSIX_C_SOURCE=200809L -DWITH_TCC=$(WITH_TCC) -DWITH_HDF5=$(WITH_HDF5)
CC_ALL  = $(CC) $(WARN) $(NUMERIC) $(INC) $(DEFS) $(CPPFLAGS) $(CFLAGS) -MMD -MP
LIBS    = -lm
ifeq ($(WITH_TCC),1)
LIBS   += -ltcc -ldl
endif
ifeq ($(WITH_HDF5),1)
HDF5_CFLAGS := $(shell pkg-config --cflags hdf5 2>/dev/null)
HDF5_LIBS   := $(shell pkg-config --libs hdf5 2>/dev/null)
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

check: $(O)/odesolve $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=yes ./$$t; done
	@O=$(O) ./tests/e2e/run.sh

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

.PHONY: all check bench install uninstall clean
.SECONDARY:
