# nnkit - neural networks for the Unix shell.
#
#   make            programs in bin/, the libraries in lib/ (libnnkit,
#                   libnnkit-plot, libnnkit-onnx: each .a and .so)
#   make check      every test (unit + bats); last line "N passed, N failed"
#   make check NO_INSTALL=1  the same, installing nothing first (a package
#                   build: its Build-Depends are the dependencies)
#   make alloc-sweep  every allocation of the swept operations made to fail
#   make demo       the lesson's first experiment
#   make figures    every figure of the lesson, into figures/
#   make experiments  the lesson's exercises as experiments
#   make install    PREFIX=/usr/local DESTDIR= LIBDIR=$(PREFIX)/lib
#   make uninstall  the same variables: removes what install put there
#   make deb-test   the Debian packages from a clean export of HEAD, built,
#                   linted, installed, used and purged (scripts/deb-test)
#   make BLAS=none  portable GEMM instead of CBLAS/OpenBLAS
#   make BLAS=dnnl  oneDNN's sgemm instead of OpenBLAS (libdnnl-dev)
#   make fuzz       libFuzzer (clang) on every parser, FUZZ_TIME=60 s each;
#                   make check replays their corpus (tests/fuzz/README)
#
# check, demo, figures and experiments install what is missing first
# (scripts/install-deps); a plain make never does: it stops at the
# compiler's error and says what is missing.
#
# The library is three: libnnkit (everything but figures and ONNX),
# libnnkit-plot (lib/plot*.c, the one user of cairo) and libnnkit-onnx
# (lib/onnx*.c and the protobuf-c code, the one user of -lprotobuf-c), so
# that a program that only predicts links neither cairo nor protobuf-c.
# Each is a static archive and a shared library; the programs link the
# archives (see "the library").

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
BLAS    ?= openblas

NN_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -pthread -fopenmp-simd -fno-math-errno -Ilib \
    $(CPPFLAGS)
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
BLAS_PC =
else ifeq ($(BLAS),dnnl)
# oneDNN (libdnnl-dev) for the matrix products; it has no pkg-config file
NN_CFLAGS += -DNN_DNNL
BLAS_LIBS = -ldnnl -lgomp
BLAS_PC =
BLAS_LIBS_PRIVATE = $(BLAS_LIBS)
else
BLAS_LIBS = -lopenblas
BLAS_PC = openblas
endif
# Expanded where used, not here (=, not :=): a goal that installs
# libcairo2-dev first finds its flags once it is there.
CAIRO_CFLAGS = $(shell pkg-config --cflags cairo 2>/dev/null)
CAIRO_LIBS = $(shell pkg-config --libs cairo 2>/dev/null || echo -lcairo)
# zlib: every input may be gzip-compressed (lib/input.c).
LIBS = -lcsv -lz $(BLAS_LIBS) -lm -pthread

# lib/plot*.c go to lib/libnnkit-plot.*, lib/onnx*.c to lib/libnnkit-onnx.*,
# every other lib/*.c to lib/libnnkit.*.
LIB_SRC  = $(sort $(wildcard lib/*.c))
PLOT_SRC = $(filter lib/plot%.c,$(LIB_SRC))
NN_OBJ   = $(patsubst %.c,%.o,$(filter-out $(PLOT_SRC) $(ONNX_SRC),$(LIB_SRC)))
PLOT_OBJ = $(PLOT_SRC:.c=.o)
LIB_HDR  = $(wildcard lib/*.h)
# cmd/mpi.c is nn-train-mpi's alone (MPI, below); every other cmd/*.c is
# a program or shared by programs.
CMD_SRC  = $(filter-out cmd/mpi.c,$(wildcard cmd/*.c))
CMD_OBJ  = $(patsubst %.c,%.o,$(CMD_SRC))
# cmd/util.c, cmd/opts.c and cmd/bar.c are what every program links
# (CMD_LIB); cmd/train_opts.c, nn-train's options into a model, is what
# nn-train and nn-tune link besides (TRAIN_PROGS).
CMD_LIB  = cmd/util.o cmd/opts.o cmd/bar.o
TRAIN_OBJ = cmd/train_opts.o
PROGS    = $(patsubst cmd/%.c,bin/%,$(filter-out $(CMD_LIB:.o=.c) $(TRAIN_OBJ:.o=.c),$(CMD_SRC)))
TRAIN_PROGS = bin/nn-train bin/nn-tune
# nn-train-mpi (nn-train.c with NN_MPI, and cmd/mpi.c) when MPI is there:
# `make MPI=1` insists, `make MPI=0` leaves it out; nothing else links MPI.
MPI     ?= $(if $(shell command -v mpicc 2>/dev/null),1,0)
# mpicc over the compiler of the rest (Open MPI and MPICH each read theirs)
MPICC    = OMPI_CC="$(CC)" MPICH_CC="$(CC)" mpicc
ifeq ($(MPI),1)
MPI_PROGS = bin/nn-train-mpi
PROGS   += $(MPI_PROGS)
MPI_OBJ  = cmd/nn-train-mpi.o cmd/mpi.o
endif
UNIT_SRC = $(wildcard tests/unit/test_*.c)
# The version is NN_VERSION of lib/nn_base.h, the one the programs'
# --version prints; the shared libraries' soname carries its first number.
VERSION := $(shell sed -n 's/^\#define NN_VERSION "\([0-9.]*\)"$$/\1/p' lib/nn_base.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
LIBNAMES = nnkit nnkit-plot nnkit-onnx
STATIC_LIBS = $(patsubst %,lib/lib%.a,$(LIBNAMES))
SHARED_LIBS = $(foreach l,$(LIBNAMES),lib/lib$(l).so.$(VERSION) \
    lib/lib$(l).so.$(SOMAJOR) lib/lib$(l).so)
UNITS    = $(patsubst tests/unit/%.c,tests/unit/bin/%,$(UNIT_SRC))
UNIT_OBJ = $(addsuffix .o,$(UNITS))
MANS     = $(filter-out $(if $(MPI_PROGS),,man/nn-train-mpi.1),$(wildcard man/*.1 man/*.3 man/*.5 man/*.7))
DEPFILES = $(patsubst %.o,%.d,$(NN_OBJ) $(PLOT_OBJ) $(CMD_OBJ) $(MPI_OBJ) $(UNIT_OBJ)) \
    bin-sweep/base.d $(wildcard lib/pic/*.d)

# The goals that install missing dependencies before building.  Every
# compile waits for deps-check (order-only, so it never makes a target
# out of date); a plain prerequisite of check would race the compiles
# under make -j.
# NO_INSTALL=1 turns that off (a package build, where installing is not
# the build's business): a missing dependency is then the compiler's error.
INSTALL_GOALS = check demo figures experiments
ifneq ($(filter $(INSTALL_GOALS),$(MAKECMDGOALS)),)
ifeq ($(NO_INSTALL),)
NEEDS = deps-check
endif
endif

# After a failed compile of the library (the one that includes libcsv's,
# CBLAS's and cairo's headers): name what is missing, if anything.
HINT = || scripts/install-deps --hint

all: $(STATIC_LIBS) $(SHARED_LIBS) $(PROGS)

deps-check:
ifeq ($(NO_INSTALL),)
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps
endif

# ---- the library ---------------------------------------------------------
# Two builds of each object: lib/*.o for the archives, which the programs
# link (position-dependent code, as fast as before the shared library
# existed), and lib/pic/*.o (-fPIC) for the shared libraries.  A shared
# library exports only the public API: the names with the nn_ prefix,
# every one of them declared in a header (tests/install.bats checks it);
# the protobuf-c code inside libnnkit-onnx stays hidden.

PIC_NN_OBJ   = $(patsubst lib/%,lib/pic/%,$(NN_OBJ))
PIC_PLOT_OBJ = $(patsubst lib/%,lib/pic/%,$(PLOT_OBJ))
SO_MAP = lib/pic/nnkit.map
# -shared with the soname and the export list, for lib/libNAME.so.VERSION
SO_LINK = $(CC) $(CFLAGS) -shared -Wl,-soname,$(patsubst %.$(VERSION),%.$(SOMAJOR),$(notdir $@)) \
    -Wl,--version-script=$(SO_MAP) $(LDFLAGS) -o $@

lib/%.o: lib/%.c | $(NEEDS)
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $< $(HINT)

$(PLOT_OBJ): lib/%.o: lib/%.c | $(NEEDS)
	$(CC) $(NN_CFLAGS) $(CAIRO_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $< $(HINT)

lib/pic/%.o: lib/%.c | $(NEEDS)
	@mkdir -p lib/pic
	$(CC) $(NN_CFLAGS) $(CFLAGS) -fPIC $(DEPFLAGS) -c -o $@ $< $(HINT)

$(PIC_PLOT_OBJ): lib/pic/%.o: lib/%.c | $(NEEDS)
	@mkdir -p lib/pic
	$(CC) $(NN_CFLAGS) $(CAIRO_CFLAGS) $(CFLAGS) -fPIC $(DEPFLAGS) -c -o $@ $< $(HINT)

# Rebuilt when the Makefile changes too: which objects go where is
# decided here.
lib/libnnkit.a: $(NN_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(NN_OBJ)

lib/libnnkit-plot.a: $(PLOT_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(PLOT_OBJ)

# Every nn_ name global, the rest local; the version node names the soname.
$(SO_MAP): Makefile
	@mkdir -p lib/pic
	printf 'NNKIT_%s {\n\tglobal: nn_*;\n\tlocal: *;\n};\n' $(SOMAJOR) >$@

lib/libnnkit.so.$(VERSION): $(PIC_NN_OBJ) $(SO_MAP)
	$(SO_LINK) $(PIC_NN_OBJ) $(LIBS)

# The parts link the core (-lnnkit, found in lib/) and record it as needed.
lib/libnnkit-plot.so.$(VERSION): $(PIC_PLOT_OBJ) $(SO_MAP) lib/libnnkit.so
	$(SO_LINK) $(PIC_PLOT_OBJ) -Llib -lnnkit $(CAIRO_LIBS) -lm

lib/lib%.so.$(SOMAJOR): lib/lib%.so.$(VERSION)
	ln -sf $(notdir $<) $@

lib/lib%.so: lib/lib%.so.$(SOMAJOR)
	ln -sf $(notdir $<) $@

# ---- the programs: each links what it uses -------------------------------

cmd/%.o: cmd/%.c | $(NEEDS)
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

bin/%: cmd/%.o $(CMD_LIB) lib/libnnkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) lib/libnnkit.a $(LIBS) $(LDFLAGS)

$(TRAIN_PROGS): bin/%: cmd/%.o $(TRAIN_OBJ) $(CMD_LIB) lib/libnnkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(TRAIN_OBJ) $(CMD_LIB) lib/libnnkit.a $(LIBS) \
	    $(LDFLAGS)

cmd/nn-train-mpi.o: cmd/nn-train.c | $(NEEDS)
	$(MPICC) -DNN_MPI $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

cmd/mpi.o: cmd/mpi.c | $(NEEDS)
	$(MPICC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

bin/nn-train-mpi: $(MPI_OBJ) $(TRAIN_OBJ) $(CMD_LIB) lib/libnnkit.a
	@mkdir -p bin
	$(MPICC) $(CFLAGS) -o $@ $(MPI_OBJ) $(TRAIN_OBJ) $(CMD_LIB) lib/libnnkit.a \
	    $(LIBS) $(LDFLAGS)

bin/nn-plot: cmd/nn-plot.o $(CMD_LIB) lib/libnnkit-plot.a lib/libnnkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) lib/libnnkit-plot.a lib/libnnkit.a \
	    $(CAIRO_LIBS) $(LIBS) $(LDFLAGS)

# ---- ONNX: lib/onnx*.c over C generated from onnx.proto -----------------
# protoc-c writes gen/onnx.pb-c.[ch] from the onnx.proto that libonnx-dev
# installs; nothing generated is committed.  The generated code compiles
# clean with the project's flags (-Werror included).  lib/onnx*.c and it go
# to lib/libnnkit-onnx.a (and .so), and only nn-model links that and
# -lprotobuf-c.
ONNX_PROTO = /usr/include/onnx/onnx.proto
ONNX_SRC   = $(filter lib/onnx%.c,$(LIB_SRC))
ONNX_OBJ   = $(ONNX_SRC:.c=.o) gen/onnx.pb-c.o
PIC_ONNX_OBJ = $(patsubst lib/%.c,lib/pic/%.o,$(ONNX_SRC)) lib/pic/onnx.pb-c.o
DEPFILES  += $(ONNX_SRC:.c=.d)

gen/onnx.pb-c.c gen/onnx.pb-c.h &: $(wildcard $(ONNX_PROTO)) | $(NEEDS)
	@mkdir -p gen
	protoc-c --c_out=gen -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

gen/onnx.pb-c.o: gen/onnx.pb-c.c gen/onnx.pb-c.h
	$(CC) $(NN_CFLAGS) -Igen $(CFLAGS) -c -o $@ $<

$(ONNX_SRC:.c=.o): lib/%.o: lib/%.c gen/onnx.pb-c.h | $(NEEDS)
	$(CC) $(NN_CFLAGS) -Igen $(CFLAGS) $(DEPFLAGS) -c -o $@ $< $(HINT)

lib/libnnkit-onnx.a: $(ONNX_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(ONNX_OBJ)

lib/pic/onnx.pb-c.o: gen/onnx.pb-c.c gen/onnx.pb-c.h
	@mkdir -p lib/pic
	$(CC) $(NN_CFLAGS) -Igen $(CFLAGS) -fPIC -c -o $@ $<

$(patsubst lib/%.c,lib/pic/%.o,$(ONNX_SRC)): lib/pic/%.o: lib/%.c gen/onnx.pb-c.h | $(NEEDS)
	@mkdir -p lib/pic
	$(CC) $(NN_CFLAGS) -Igen $(CFLAGS) -fPIC $(DEPFLAGS) -c -o $@ $< $(HINT)

lib/libnnkit-onnx.so.$(VERSION): $(PIC_ONNX_OBJ) $(SO_MAP) lib/libnnkit.so
	$(SO_LINK) $(PIC_ONNX_OBJ) -Llib -lnnkit -lprotobuf-c -lm

bin/nn-model: cmd/nn-model.o $(CMD_LIB) lib/libnnkit-onnx.a lib/libnnkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) lib/libnnkit-onnx.a lib/libnnkit.a \
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

completion/mkcomp: completion/mkcomp.c $(COMP_TABS) $(CMD_LIB) lib/libnnkit.a
	$(CC) $(NN_CFLAGS) $(if $(MPI_PROGS),-DHAVE_MPI_PROG) $(CFLAGS) -o $@ $< \
	    $(COMP_TABS) $(CMD_LIB) lib/libnnkit.a \
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
uninstall: uninstall-completion
uninstall-completion:
	rm -f $(DESTDIR)$(BASHCOMPDIR)/nnkit $(DESTDIR)$(ZSHCOMPDIR)/_nnkit \
	    $(patsubst bin/%,$(DESTDIR)$(BASHCOMPDIR)/%,$(PROGS))
install-completion: $(COMPLETION)
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 644 completion/nnkit.bash $(DESTDIR)$(BASHCOMPDIR)/nnkit
	for p in $(notdir $(PROGS)); do \
	    ln -sf nnkit $(DESTDIR)$(BASHCOMPDIR)/$$p || exit 1; done
	install -m 644 completion/_nnkit $(DESTDIR)$(ZSHCOMPDIR)/_nnkit

clean: clean-completion
clean-completion:
	rm -f completion/mkcomp completion/*.o completion/*.d $(COMPLETION)
.PHONY: install-completion uninstall-completion clean-completion

# ---- the unit tests ------------------------------------------------------

tests/unit/bin/%.o: tests/unit/%.c | $(NEEDS)
	@mkdir -p tests/unit/bin
	$(CC) $(NN_CFLAGS) $(CFLAGS) $(DEPFLAGS) -Itests/unit -c -o $@ $<

tests/unit/bin/%: tests/unit/bin/%.o lib/libnnkit.a
	$(CC) $(CFLAGS) -o $@ $< lib/libnnkit.a $(LIBS) $(LDFLAGS)

# A test of the figures (tests/unit/test_plot*.c) links them as nn-plot does.
$(filter tests/unit/bin/test_plot%,$(UNITS)): tests/unit/bin/%: \
    tests/unit/bin/%.o lib/libnnkit-plot.a lib/libnnkit.a
	$(CC) $(CFLAGS) -o $@ $< lib/libnnkit-plot.a lib/libnnkit.a $(CAIRO_LIBS) \
	    $(LIBS) $(LDFLAGS)

# ---- scripts/bench's GEMM-only ceiling ------------------------------------
# W1's matrix products alone, through lib/gemm.c and the BLAS this build
# chose (scripts/bench.d/gemm_ceiling.c).  Built by scripts/bench, never
# installed.
bench-out/bin/gemm_ceiling: scripts/bench.d/gemm_ceiling.c scripts/bench.d/bench.h lib/libnnkit.a
	@mkdir -p bench-out/bin
	$(CC) $(NN_CFLAGS) $(CFLAGS) -o $@ $< lib/libnnkit.a $(LIBS) $(LDFLAGS)

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

bin-sweep/%: cmd/%.o $(CMD_LIB) bin-sweep/base.o lib/libnnkit.a
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) bin-sweep/base.o lib/libnnkit.a \
	    $(LIBS) $(LDFLAGS)

bin-sweep/nn-train: cmd/nn-train.o $(TRAIN_OBJ) $(CMD_LIB) bin-sweep/base.o lib/libnnkit.a
	$(CC) $(CFLAGS) -o $@ $< $(TRAIN_OBJ) $(CMD_LIB) bin-sweep/base.o \
	    lib/libnnkit.a $(LIBS) $(LDFLAGS)

# nn-model also exports and imports ONNX (see the ONNX block)
bin-sweep/nn-model: cmd/nn-model.o $(CMD_LIB) bin-sweep/base.o lib/libnnkit-onnx.a lib/libnnkit.a
	$(CC) $(CFLAGS) -o $@ $< $(CMD_LIB) bin-sweep/base.o lib/libnnkit-onnx.a \
	    lib/libnnkit.a -lprotobuf-c $(LIBS) $(LDFLAGS)

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
    lib/libnnkit.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(LDFLAGS)

tests/fuzz/lf/%.o: lib/%.c
	@mkdir -p tests/fuzz/lf
	$(FUZZ_CC) $(FUZZ_FLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

tests/fuzz/lf/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBOBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBOBJ) \
	    $(LIBS)

# The ONNX target reads through lib/onnx*.c and the generated decoder, as
# nn-model does (see the ONNX block); its replay links lib/libnnkit-onnx.a.
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
    tests/fuzz/bin/fuzz_onnx.o lib/libnnkit-onnx.a lib/libnnkit.a
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

# NN_LIBS: what a program linking lib/libnnkit.a needs (the C examples of
# tests/run-examples), for whichever BLAS this build has
check: deps-check all $(UNITS) $(SWEEP_PROGS)
	@NN_LIBS="$(LIBS)" scripts/run-tests $(UNITS)

demo: deps-check all
	@scripts/demo

figures: deps-check all
	@scripts/figures

experiments: deps-check all
	@scripts/experiments

lint-man:
	mandoc -Tlint -W warning $(MANS)

# ---- install --------------------------------------------------------------
# Programs, the three libraries (archives, shared libraries and their two
# links), their pkg-config files written here with the real PREFIX and
# LIBDIR, the headers under include/nnkit/ (#include <nnkit/nn.h>), and
# the manual pages of sections 1, 3, 5 and 7; a section-3 page that
# documents several functions is installed under each name as a link.

BINDIR     = $(PREFIX)/bin
INCLUDEDIR = $(PREFIX)/include
MANDIR     = $(PREFIX)/share/man
PCDIR      = $(LIBDIR)/pkgconfig
PC_IN      = $(wildcard lib/pkgconfig/*.pc.in)
MAN3_LINKS = nn_model_load.3:nn_model_read.3 nn_model_load.3:nn_model_free.3 \
    nn_model_load.3:nn_model_save.3 nn_model_load.3:nn_model_write.3 \
    nn_forward.3:nn_work_new.3 nn_forward.3:nn_work_rows.3 \
    nn_forward.3:nn_work_free.3 nn_forward.3:nn_model_scale.3 \
    nn_enc_apply.3:nn_enc_is_na.3
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
    -e 's|@BLAS_PC@|$(BLAS_PC)|g' -e 's|@BLAS_LIBS_PRIVATE@|$(BLAS_LIBS_PRIVATE)|g' \
    -e 's| *$$||'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PCDIR) \
	    $(DESTDIR)$(INCLUDEDIR)/nnkit $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	install -m 644 $(STATIC_LIBS) $(DESTDIR)$(LIBDIR)
	for l in $(LIBNAMES); do \
	    install -m 644 lib/lib$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR) && \
	    ln -sf lib$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/lib$$l.so.$(SOMAJOR) && \
	    ln -sf lib$$l.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/lib$$l.so || exit 1; \
	done
	for f in $(PC_IN); do b=$${f##*/}; \
	    $(PC_SED) $$f >$(DESTDIR)$(PCDIR)/$${b%.in} || exit 1; done
	install -m 644 $(LIB_HDR) $(DESTDIR)$(INCLUDEDIR)/nnkit
	for f in $(MANS); do s=$${f##*.}; \
	    install -m 644 $$f $(DESTDIR)$(MANDIR)/man$$s || exit 1; done
	for p in $(MAN3_LINKS); do \
	    ln -sf $${p%%:*} $(DESTDIR)$(MANDIR)/man3/$${p#*:} || exit 1; done

uninstall:
	rm -f $(patsubst bin/%,$(DESTDIR)$(BINDIR)/%,$(PROGS))
	for l in $(LIBNAMES); do \
	    rm -f $(DESTDIR)$(LIBDIR)/lib$$l.a $(DESTDIR)$(LIBDIR)/lib$$l.so \
	        $(DESTDIR)$(LIBDIR)/lib$$l.so.$(SOMAJOR) \
	        $(DESTDIR)$(LIBDIR)/lib$$l.so.$(VERSION) \
	        $(DESTDIR)$(PCDIR)/$$l.pc; \
	done
	rm -f $(patsubst lib/%,$(DESTDIR)$(INCLUDEDIR)/nnkit/%,$(LIB_HDR))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/nnkit
	for f in $(MANS); do \
	    rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; done
	for p in $(MAN3_LINKS); do rm -f $(DESTDIR)$(MANDIR)/man3/$${p#*:}; done

# The Debian packages, built from HEAD and tried out (scripts/deb-test).
deb-test:
	scripts/deb-test

clean:
	rm -rf bin lib/*.o lib/*.d lib/pic $(STATIC_LIBS) $(SHARED_LIBS) \
	    cmd/*.o cmd/*.d tests/unit/bin demo-out gen bin-sweep

.PHONY: all check alloc-sweep demo figures experiments install uninstall \
    deb-test clean deps-check lint-man
.SECONDARY:

-include $(DEPFILES)
