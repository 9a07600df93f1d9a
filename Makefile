# nnkit - neural networks for the Unix shell.
#
#   make            programs in bin/, lib/libnn.a and lib/libnnplot.a
#   make check      every test (unit + bats); last line "N passed, N failed"
#   make alloc-sweep  every allocation of the swept operations made to fail
#   make demo       the lesson's first experiment
#   make figures    every figure of the lesson, into figures/
#   make experiments  the lesson's exercises as experiments
#   make install    PREFIX=/usr/local DESTDIR=
#   make BLAS=none  portable GEMM instead of CBLAS/OpenBLAS
#   make fuzz       libFuzzer (clang) on every parser, FUZZ_TIME=60 s each;
#                   make check replays their corpus (tests/fuzz/README)
#
# check, demo, figures and experiments install what is missing first
# (scripts/install-deps); a plain make never does: it stops at the
# compiler's error and says what is missing.
#
# The plotting half of the library (lib/plot*.c, the one user of cairo) is
# an archive of its own, lib/libnnplot.a, so that only nn-plot links cairo.

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
DESTDIR ?=
BLAS    ?= openblas

NN_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -pthread -fopenmp-simd -fno-math-errno -Ilib
# Each object's header dependencies, from the compiler, into its .d file.
DEPFLAGS = -MMD -MP
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
# Expanded where used, not here (=, not :=): a goal that installs
# libcairo2-dev first finds its flags once it is there.
CAIRO_CFLAGS = $(shell pkg-config --cflags cairo 2>/dev/null)
CAIRO_LIBS = $(shell pkg-config --libs cairo 2>/dev/null || echo -lcairo)
# zlib: every input may be gzip-compressed (lib/input.c).
LIBS = -lcsv -lz $(BLAS_LIBS) -lm -pthread

# lib/plot*.c go to lib/libnnplot.a, every other lib/*.c to lib/libnn.a.
LIB_SRC  = $(sort $(wildcard lib/*.c))
PLOT_SRC = $(filter lib/plot%.c,$(LIB_SRC))
NN_OBJ   = $(patsubst %.c,%.o,$(filter-out $(PLOT_SRC) $(ONNX_SRC),$(LIB_SRC)))
PLOT_OBJ = $(PLOT_SRC:.c=.o)
LIB_HDR  = $(wildcard lib/*.h)
CMD_OBJ  = $(patsubst %.c,%.o,$(wildcard cmd/*.c))
# cmd/util.c and cmd/opts.c are what every program links (CMD_LIB).
CMD_LIB  = cmd/util.o cmd/opts.o
PROGS    = $(patsubst cmd/%.c,bin/%,$(filter-out cmd/util.c cmd/opts.c,$(wildcard cmd/*.c)))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS    = $(patsubst tests/unit/%.c,tests/unit/bin/%,$(UNIT_SRC))
UNIT_OBJ = $(addsuffix .o,$(UNITS))
MANS     = $(wildcard man/*.1 man/*.5 man/*.7)
DEPFILES = $(patsubst %.o,%.d,$(NN_OBJ) $(PLOT_OBJ) $(CMD_OBJ) $(UNIT_OBJ)) \
    bin-sweep/base.d

# The goals that install missing dependencies before building.  Every
# compile waits for deps-check (order-only, so it never makes a target
# out of date); a plain prerequisite of check would race the compiles
# under make -j.
INSTALL_GOALS = check demo figures experiments
ifneq ($(filter $(INSTALL_GOALS),$(MAKECMDGOALS)),)
NEEDS = deps-check
endif

# After a failed compile of the library (the one that includes libcsv's,
# CBLAS's and cairo's headers): name what is missing, if anything.
HINT = || scripts/install-deps --hint

all: lib/libnn.a lib/libnnplot.a lib/libnnonnx.a $(PROGS)

deps-check:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

# ---- the library ---------------------------------------------------------

lib/%.o: lib/%.c | $(NEEDS)
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $< $(HINT)

$(PLOT_OBJ): lib/%.o: lib/%.c | $(NEEDS)
	$(CC) $(NN_CFLAGS) $(CAIRO_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $< $(HINT)

# Rebuilt when the Makefile changes too: which objects go where is
# decided here (an archive from before the split still holds the plot
# objects).
lib/libnn.a: $(NN_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(NN_OBJ)

lib/libnnplot.a: $(PLOT_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(PLOT_OBJ)

# ---- the programs: each links what it uses -------------------------------

cmd/%.o: cmd/%.c | $(NEEDS)
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

bin/%: cmd/%.o $(CMD_LIB) lib/libnn.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) lib/libnn.a $(LIBS) $(LDFLAGS)

bin/nn-plot: cmd/nn-plot.o $(CMD_LIB) lib/libnnplot.a lib/libnn.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) lib/libnnplot.a lib/libnn.a \
	    $(CAIRO_LIBS) $(LIBS) $(LDFLAGS)

# ---- ONNX: lib/onnx*.c over C generated from onnx.proto -----------------
# protoc-c writes gen/onnx.pb-c.[ch] from the onnx.proto that libonnx-dev
# installs; nothing generated is committed.  The generated code compiles
# clean with the project's flags (-Werror included).  lib/onnx*.c and it go
# to lib/libnnonnx.a, and only nn-model links that and -lprotobuf-c.
ONNX_PROTO = /usr/include/onnx/onnx.proto
ONNX_SRC   = $(filter lib/onnx%.c,$(LIB_SRC))
ONNX_OBJ   = $(ONNX_SRC:.c=.o) gen/onnx.pb-c.o
DEPFILES  += $(ONNX_SRC:.c=.d)

gen/onnx.pb-c.c gen/onnx.pb-c.h &: $(wildcard $(ONNX_PROTO)) | $(NEEDS)
	@mkdir -p gen
	protoc-c --c_out=gen -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

gen/onnx.pb-c.o: gen/onnx.pb-c.c gen/onnx.pb-c.h
	$(CC) $(NN_CFLAGS) -Igen $(CFLAGS) -c -o $@ $<

$(ONNX_SRC:.c=.o): lib/%.o: lib/%.c gen/onnx.pb-c.h | $(NEEDS)
	$(CC) $(NN_CFLAGS) -Igen $(CFLAGS) $(DEPFLAGS) -c -o $@ $< $(HINT)

lib/libnnonnx.a: $(ONNX_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(ONNX_OBJ)

bin/nn-model: cmd/nn-model.o $(CMD_LIB) lib/libnnonnx.a lib/libnn.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) lib/libnnonnx.a lib/libnn.a \
	    -lprotobuf-c $(LIBS) $(LDFLAGS)

# ---- shell completion, from the programs' option tables ------------------
# completion/mkcomp (build-only) links every table, each compiled on its
# own from cmd/opts/PROG.h as its program compiles it, and writes the bash
# and zsh completion; nothing generated is committed.

COMP_TABS = $(patsubst bin/%,completion/tab-%.o,$(PROGS))
COMPLETION = completion/nnkit.bash completion/_nnkit

$(COMP_TABS): completion/tab-%.o: completion/table.c | $(NEEDS)
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -DPROG_HEADER='"../cmd/opts/$*.h"' \
	    -DPROG_VAR=$(subst -,_,$*)_options -c -o $@ $<

completion/mkcomp: completion/mkcomp.c $(COMP_TABS) $(CMD_LIB) lib/libnn.a
	$(CC) $(NN_CFLAGS) $(CFLAGS) -o $@ $< $(COMP_TABS) $(CMD_LIB) lib/libnn.a \
	    $(LIBS) $(LDFLAGS)

completion/nnkit.bash: completion/mkcomp
	completion/mkcomp bash >$@.tmp && mv $@.tmp $@

completion/_nnkit: completion/mkcomp
	completion/mkcomp zsh >$@.tmp && mv $@.tmp $@

all: $(COMPLETION)
DEPFILES += $(COMP_TABS:.o=.d)

# bash-completion loads completions/PROG when PROG is first completed: one
# file, named nnkit, and a link to it under each program's name.
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions

install: install-completion
install-completion: $(COMPLETION)
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 644 completion/nnkit.bash $(DESTDIR)$(BASHCOMPDIR)/nnkit
	for p in $(notdir $(PROGS)); do \
	    ln -sf nnkit $(DESTDIR)$(BASHCOMPDIR)/$$p || exit 1; done
	install -m 644 completion/_nnkit $(DESTDIR)$(ZSHCOMPDIR)/_nnkit

clean: clean-completion
clean-completion:
	rm -f completion/mkcomp completion/*.o completion/*.d $(COMPLETION)
.PHONY: install-completion clean-completion

# ---- the unit tests ------------------------------------------------------

tests/unit/bin/%.o: tests/unit/%.c | $(NEEDS)
	@mkdir -p tests/unit/bin
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -Itests/unit -c -o $@ $<

tests/unit/bin/%: tests/unit/bin/%.o lib/libnn.a
	$(CC) $(CFLAGS) -o $@ $< lib/libnn.a $(LIBS) $(LDFLAGS)

# A test of the figures (tests/unit/test_plot*.c) links them as nn-plot does.
$(filter tests/unit/bin/test_plot%,$(UNITS)): tests/unit/bin/%: \
    tests/unit/bin/%.o lib/libnnplot.a lib/libnn.a
	$(CC) $(CFLAGS) -o $@ $< lib/libnnplot.a lib/libnn.a $(CAIRO_LIBS) \
	    $(LIBS) $(LDFLAGS)

# ---- the I/O failure shim (tests/iofail.bats) -----------------------------
# An LD_PRELOAD library that fails, or kills the process at, the Nth write,
# fsync, fdatasync, close or rename of a save.  For the tests only: built
# by check, never installed, and without $(CFLAGS), so that the
# sanitizers' flags do not make it need a runtime of its own.
SHIM = tests/shim/iofail.so

$(SHIM): tests/shim/iofail.c
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

check: $(SHIM)
clean: clean-shim
clean-shim:
	rm -f $(SHIM)
.PHONY: clean-shim

# ---- the allocation-failure sweep (tests/allocfail.bats) -----------------
# bin-sweep/ holds programs linked with lib/base.c built -DNN_ALLOC_SWEEP,
# ahead of the archive (whose base.o then adds nothing): NN_FAIL_ALLOC=N
# fails their Nth allocation, NN_FAIL_ALLOC=count counts them.  make check
# tries an even sample of N; make alloc-sweep tries every N.

SWEEP_PROGS = bin-sweep/nn-model bin-sweep/nn-train bin-sweep/nn-predict

bin-sweep/base.o: lib/base.c | $(NEEDS)
	@mkdir -p bin-sweep
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -DNN_ALLOC_SWEEP -c -o $@ $<

bin-sweep/%: cmd/%.o $(CMD_LIB) bin-sweep/base.o lib/libnn.a
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) bin-sweep/base.o lib/libnn.a \
	    $(LIBS) $(LDFLAGS)

# nn-model also exports and imports ONNX (see the ONNX block)
bin-sweep/nn-model: cmd/nn-model.o $(CMD_LIB) bin-sweep/base.o lib/libnnonnx.a lib/libnn.a
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) bin-sweep/base.o lib/libnnonnx.a \
	    lib/libnn.a -lprotobuf-c $(LIBS) $(LDFLAGS)

alloc-sweep: all $(SWEEP_PROGS)
	NN_SWEEP=all bats tests/allocfail.bats

# ---- the fuzz targets (tests/fuzz/README) --------------------------------
# Each tests/fuzz/fuzz_NAME.c is one libFuzzer target.  Linked with
# tests/fuzz/replay.c by the build's compiler and flags, it replays its
# committed corpus and crash regressions as a test of make check.
# make fuzz builds the targets with clang's libFuzzer instead (library
# and all) and runs each FUZZ_TIME seconds on its corpus.

FUZZ_NAMES  = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY = $(patsubst %,tests/fuzz/bin/replay-%,$(FUZZ_NAMES))
FUZZ_TIME  ?= 60
FUZZ_CC    ?= clang
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS  = $(NN_CFLAGS) -Wno-pass-failed -O1 -g -fno-omit-frame-pointer \
    $(FUZZ_SAN)
FUZZ_LIBOBJ = $(patsubst lib/%.o,tests/fuzz/lf/%.o,$(NN_OBJ))
FUZZ_BINS   = $(patsubst %,tests/fuzz/lf/fuzz-%,$(FUZZ_NAMES))
UNITS      += $(FUZZ_REPLAY)

tests/fuzz/bin/%.o: tests/fuzz/%.c | $(NEEDS)
	@mkdir -p tests/fuzz/bin
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

tests/fuzz/bin/replay-%.o: tests/fuzz/replay.c | $(NEEDS)
	@mkdir -p tests/fuzz/bin
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -DFUZZ_NAME='"$*"' -c -o $@ $<

tests/fuzz/bin/replay-%: tests/fuzz/bin/replay-%.o tests/fuzz/bin/fuzz_%.o \
    lib/libnn.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(LDFLAGS)

tests/fuzz/lf/%.o: lib/%.c
	@mkdir -p tests/fuzz/lf
	$(FUZZ_CC) $(FUZZ_FLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

tests/fuzz/lf/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBOBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBOBJ) \
	    $(LIBS)

# The ONNX target reads through lib/onnx*.c and the generated decoder, as
# nn-model does (see the ONNX block); its replay links lib/libnnonnx.a.
FUZZ_ONNXOBJ = $(patsubst lib/%.o,tests/fuzz/lf/%.o,$(ONNX_SRC:.c=.o)) \
    tests/fuzz/lf/onnx.pb-c.o

$(patsubst lib/%.o,tests/fuzz/lf/%.o,$(ONNX_SRC:.c=.o)): tests/fuzz/lf/%.o: \
    lib/%.c gen/onnx.pb-c.h
	@mkdir -p tests/fuzz/lf
	$(FUZZ_CC) $(FUZZ_FLAGS) -Igen $(DEPFLAGS) -fsanitize=fuzzer-no-link \
	    -c -o $@ $<

tests/fuzz/lf/onnx.pb-c.o: gen/onnx.pb-c.c gen/onnx.pb-c.h
	@mkdir -p tests/fuzz/lf
	$(FUZZ_CC) $(FUZZ_FLAGS) -Igen -fsanitize=fuzzer-no-link -c -o $@ $<

tests/fuzz/lf/fuzz-onnx: tests/fuzz/fuzz_onnx.c tests/fuzz/fuzz.h \
    $(FUZZ_ONNXOBJ) $(FUZZ_LIBOBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_ONNXOBJ) \
	    $(FUZZ_LIBOBJ) -lprotobuf-c $(LIBS)

tests/fuzz/bin/replay-onnx: tests/fuzz/bin/replay-onnx.o \
    tests/fuzz/bin/fuzz_onnx.o lib/libnnonnx.a lib/libnn.a
	$(CC) $(CFLAGS) -o $@ $^ -lprotobuf-c $(LIBS) $(LDFLAGS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for t in $(FUZZ_NAMES); do \
	    mkdir -p tests/fuzz/corpus/$$t tests/fuzz/regress/$$t \
	        tests/fuzz/crashes; \
	    echo "== fuzz $$t ($(FUZZ_TIME) s)"; \
	    tests/fuzz/lf/fuzz-$$t -max_total_time=$(FUZZ_TIME) \
	        -timeout=10 -print_final_stats=1 \
	        -artifact_prefix=tests/fuzz/crashes/$$t- \
	        tests/fuzz/corpus/$$t tests/fuzz/regress/$$t || exit 1; \
	done

fuzz-seeds: all fuzz-build
	@scripts/fuzz-seeds

fuzz-clean:
	rm -rf tests/fuzz/bin tests/fuzz/lf

clean: fuzz-clean

.PHONY: fuzz fuzz-build fuzz-seeds fuzz-clean
-include $(wildcard tests/fuzz/bin/*.d tests/fuzz/lf/*.d)

# ---- goals ---------------------------------------------------------------

check: deps-check all $(UNITS) $(SWEEP_PROGS)
	@scripts/run-tests $(UNITS)

demo: deps-check all
	@scripts/demo

figures: deps-check all
	@scripts/figures

experiments: deps-check all
	@scripts/experiments

lint-man:
	mandoc -Tlint -W warning $(MANS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include/nnkit $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 lib/libnn.a lib/libnnplot.a $(DESTDIR)$(PREFIX)/lib
	install -m 644 $(LIB_HDR) $(DESTDIR)$(PREFIX)/include/nnkit
	for f in $(MANS); do s=$${f##*.}; \
	    install -m 644 $$f $(DESTDIR)$(PREFIX)/share/man/man$$s || exit 1; done

clean:
	rm -rf bin lib/*.o lib/*.d lib/libnn.a lib/libnnplot.a cmd/*.o cmd/*.d \
	    tests/unit/bin demo-out gen lib/libnnonnx.a bin-sweep

.PHONY: all check alloc-sweep demo figures experiments install clean deps-check lint-man
.SECONDARY:

-include $(DEPFILES)
