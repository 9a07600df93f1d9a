# nnkit - neural networks for the Unix shell.
#
#   make            programs in bin/, library lib/libnn.a
#   make check      every test (unit + bats); last line "N passed, N failed"
#   make demo       the lesson's first experiment
#   make figures    every figure of the lesson, into figures/
#   make experiments  the lesson's exercises as experiments
#   make install    PREFIX=/usr/local DESTDIR=
#   make BLAS=none  portable GEMM instead of CBLAS/OpenBLAS

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
DESTDIR ?=
BLAS    ?= openblas

NN_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -pthread -fopenmp-simd -fno-math-errno -Ilib
# clang reports a requested "omp simd" it could not honour (under the
# sanitizers' -O1) as a warning; the loop is still correct, only slower.
ifneq ($(shell $(CC) --version 2>/dev/null | grep -c clang),0)
NN_CFLAGS += -Wno-pass-failed
endif
ifeq ($(BLAS),none)
NN_CFLAGS += -DNN_NO_BLAS
BLAS_LIBS =
else
BLAS_LIBS = -lopenblas
endif
CAIRO_CFLAGS = $(shell pkg-config --cflags cairo 2>/dev/null)
CAIRO_LIBS = $(shell pkg-config --libs cairo 2>/dev/null || echo -lcairo)
NN_CFLAGS += $(CAIRO_CFLAGS)
LIBS = -lcsv $(BLAS_LIBS) $(CAIRO_LIBS) -lm -pthread

LIB_SRC  = $(sort $(wildcard lib/*.c))
LIB_OBJ  = $(LIB_SRC:.c=.o)
LIB_HDR  = $(wildcard lib/*.h)
PROGS    = $(patsubst cmd/%.c,bin/%,$(filter-out cmd/util.c,$(wildcard cmd/*.c)))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS    = $(patsubst tests/unit/%.c,tests/unit/bin/%,$(UNIT_SRC))
MANS     = $(wildcard man/*.1 man/*.5 man/*.7)

all: deps-check lib/libnn.a $(PROGS)

# Missing headers are the usual first failure on a fresh machine: install
# them (scripts/install-deps says what it runs, and why it cannot).
deps-check:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

lib/%.o: lib/%.c $(LIB_HDR)
	$(CC) $(NN_CFLAGS) $(CFLAGS) -c -o $@ $<

lib/libnn.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

cmd/util.o: cmd/util.c cmd/util.h $(LIB_HDR)
	$(CC) $(NN_CFLAGS) $(CFLAGS) -c -o $@ $<

bin/%: cmd/%.c cmd/util.o lib/libnn.a cmd/util.h $(LIB_HDR)
	@mkdir -p bin
	$(CC) $(NN_CFLAGS) $(CFLAGS) -o $@ $< cmd/util.o lib/libnn.a $(LIBS) $(LDFLAGS)

tests/unit/bin/%: tests/unit/%.c tests/unit/tap.h lib/libnn.a $(LIB_HDR)
	@mkdir -p tests/unit/bin
	$(CC) $(NN_CFLAGS) $(CFLAGS) -Itests/unit -o $@ $< lib/libnn.a $(LIBS) $(LDFLAGS)

check: all $(UNITS)
	@scripts/run-tests $(UNITS)

demo: all
	@scripts/demo

figures: all
	@scripts/figures

experiments: all
	@scripts/experiments

lint-man:
	mandoc -Tlint -W warning $(MANS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include/nnkit $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 lib/libnn.a $(DESTDIR)$(PREFIX)/lib
	install -m 644 $(LIB_HDR) $(DESTDIR)$(PREFIX)/include/nnkit
	for f in $(MANS); do s=$${f##*.}; \
	    install -m 644 $$f $(DESTDIR)$(PREFIX)/share/man/man$$s || exit 1; done

clean:
	rm -rf bin lib/*.o lib/libnn.a cmd/*.o tests/unit/bin demo-out

.PHONY: all check demo figures experiments install clean deps-check lint-man
.SECONDARY:
