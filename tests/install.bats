#!/usr/bin/env bats
# The library as installed: `make install DESTDIR=$D PREFIX=/usr` once,
# then programs built against that tree the way a user builds them
# (pkg-config --cflags --libs nnkit, with PKG_CONFIG_SYSROOT_DIR and
# PKG_CONFIG_PATH pointing into it), never against lib/.
# examples/predict.c must print what nn-predict --proba prints for the
# same row; a program that only predicts must need neither cairo nor
# protobuf-c; the shared libraries export only names the installed headers
# declare; make uninstall removes all that install put there.
# The compiler and flags are the build's ($CC, $CFLAGS: under the
# sanitizers the libraries need their runtime in the program too).
load common

setup_file() {
	export ROOT="$BATS_TEST_DIRNAME/.." D="$BATS_FILE_TMPDIR/root"
	export PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_PATH="$D/usr/lib/pkgconfig"
	export LD_LIBRARY_PATH="$D/usr/lib" NNCC="${CC:-cc}"
	# LIBDIR given: a make check LIBDIR=... above must not move it
	make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr LIBDIR=/usr/lib >/dev/null || return 1
	(
		cd "$BATS_FILE_TMPDIR" || exit 1
		PATH="$ROOT/bin:$PATH"
		nn-gen moons -n 200 --seed 3 >moons.csv &&
		nn-train -q -e 20 -s 1 -o bin.nn moons.csv &&
		nn-gen blobs -n 300 --classes 4 --seed 2 >blobs.csv &&
		nn-train -q -e 20 -s 1 -o multi.nn blobs.csv &&
		nn-gen regression -n 200 --seed 4 >reg.csv &&
		nn-train -q -e 20 -s 1 -o reg.nn reg.csv &&
		awk 'BEGIN { srand(5); split("red green blue", c, " ");
			print "colour,x,y";
			for (i = 0; i < 200; i++) { k = i % 3 + 1;
				printf "%s,%.4f,%d\n", c[k], rand(), k == 2 } }' >cat.csv &&
		nn-train -q -e 20 -s 1 -o cat.nn cat.csv || exit 1
		# the example, as its comment says to build it
		# shellcheck disable=SC2046
		"$NNCC" $CFLAGS -std=c11 -Wall -Wextra -Werror -pedantic \
		    -o predict "$ROOT/examples/predict.c" \
		    $(pkg-config --cflags --libs nnkit) || exit 1
	)
}

# pc NAME...: pkg-config, failing the test when it fails
pc() { pkg-config "$@" || { echo "pkg-config $* failed" >&2; return 1; }; }

# same_as_predict PROG MODEL HEADER V1 V2 ...: PROG's output for the values
# as arguments, and for them as one line on stdin, is nn-predict --proba's
# for a file of HEADER and that row.
same_as_predict() {
	local prog=$1 model=$BATS_FILE_TMPDIR/$2 header=$3 line want
	shift 3
	line=$(IFS=,; echo "$*")
	want=$(printf '%s\n%s\n' "$header" "$line" | nn-predict --proba -m "$model" 2>/dev/null) || return 1
	run "$prog" "$model" "$@"
	[ "$status" -eq 0 ] && [ "$output" = "$want" ] ||
	    { echo "args: got [$output], nn-predict [$want]" >&2; return 1; }
	run "$prog" "$model" <<<"$line"
	[ "$status" -eq 0 ] && [ "$output" = "$want" ] ||
	    { echo "stdin: got [$output], nn-predict [$want]" >&2; return 1; }
}

# needed FILE: its NEEDED entries, one a line
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# none ERE FILE: no line of FILE matches (a bare `! grep` fails no test)
none() {
	if grep -E -- "$1" "$2"; then echo "$2 matches /$1/" >&2; return 1; fi
}

P="$BATS_FILE_TMPDIR/predict"

@test "install: a binary model, as nn-predict --proba" { same_as_predict "$P" bin.nn x1,x2 0.5 0.25; }
@test "install: a second row" { same_as_predict "$P" bin.nn x1,x2 -1.2 3; }
@test "install: a 4-class model" { same_as_predict "$P" multi.nn x1,x2 0.1 -2.5; }
@test "install: a regression" { same_as_predict "$P" reg.nn x1,x2 0.3 0.7; }
@test "install: a categorical column" { same_as_predict "$P" cat.nn colour,x green 0.4; }
@test "install: a missing value, filled as nn-predict fills it" { same_as_predict "$P" cat.nn colour,x NA 0.4; }
@test "install: an unseen category" { same_as_predict "$P" cat.nn colour,x mauve 0.4; }

@test "install: predict, one value short" { row 1 '^predict: 1 value, but the model takes 2 columns$' "$P" "$BATS_FILE_TMPDIR/bin.nn" 0.5; }
@test "install: predict, not a number" { row 1 '^predict: x2: expected a number, got "abc"$' "$P" "$BATS_FILE_TMPDIR/bin.nn" 0.5 abc; }
@test "install: predict, no model file" { row 1 '^predict: .*no\.nn' "$P" no.nn 1 2; }
@test "install: predict, nothing on stdin" { rowin 1 '^predict: <stdin>: no row' /dev/null "$P" "$BATS_FILE_TMPDIR/bin.nn"; }
@test "install: predict, no arguments" { run --separate-stderr "$P"; [ "$status" -eq 2 ] && [[ "$stderr" == "usage: predict MODEL"* ]]; }

@test "install: the program that predicts needs libnnkit, not cairo or protobuf-c" {
	needed "$P" >n.txt
	grep -qx 'libnnkit.so.0' n.txt
	none 'cairo|protobuf|nnkit-plot|nnkit-onnx' n.txt
	needed "$D/usr/lib/libnnkit.so.0" >lib.txt
	none 'cairo|protobuf' lib.txt
}
@test "install: the parts need what they use, and libnnkit" {
	needed "$D/usr/lib/libnnkit-plot.so.0" | grep -qx 'libcairo.so.2'
	needed "$D/usr/lib/libnnkit-plot.so.0" | grep -qx 'libnnkit.so.0'
	needed "$D/usr/lib/libnnkit-onnx.so.0" | grep -qx 'libprotobuf-c.so.1'
	needed "$D/usr/lib/libnnkit-onnx.so.0" | grep -qx 'libnnkit.so.0'
}

@test "install: each library: archive, libX.so -> libX.so.MAJOR -> libX.so.VERSION, soname" {
	v=$(nn-train --version | awk '{ print $3 }')
	for l in nnkit nnkit-plot nnkit-onnx; do
		[ -f "$D/usr/lib/lib$l.a" ] || { echo "no lib$l.a"; return 1; }
		[ "$(readlink "$D/usr/lib/lib$l.so")" = "lib$l.so.${v%%.*}" ]
		[ "$(readlink "$D/usr/lib/lib$l.so.${v%%.*}")" = "lib$l.so.$v" ]
		[ -f "$D/usr/lib/lib$l.so.$v" ]
		readelf -d "$D/usr/lib/lib$l.so.$v" | grep -q "SONAME.*\[lib$l.so.${v%%.*}\]"
		[ "$(pc --modversion "$l")" = "$v" ]
	done
}

@test "install: the shared libraries export only what the headers declare" {
	cat "$D"/usr/include/nnkit/*.h >h.txt
	for l in nnkit nnkit-plot nnkit-onnx; do
		nm -D --defined-only "$D/usr/lib/lib$l.so.0" | awk '$2 ~ /^[TDBR]$/ { print $3 }' |
		    sed 's/@.*//' >s.txt
		[ -s s.txt ]
		while read -r s; do
			grep -qw -- "$s" h.txt || { echo "lib$l exports $s, declared nowhere"; return 1; }
		done <s.txt
	done
}

@test "install: the .pc files name the real prefix and libdir" {
	for l in nnkit nnkit-plot nnkit-onnx; do
		grep -qx 'prefix=/usr' "$PKG_CONFIG_PATH/$l.pc"
		grep -qx 'libdir=/usr/lib' "$PKG_CONFIG_PATH/$l.pc"
	done
	pc --libs nnkit-plot | grep -q -- '-lnnkit-plot .*-lnnkit'
	pc --libs nnkit-onnx | grep -q -- '-lnnkit-onnx .*-lnnkit'
	pc --static --libs nnkit | grep -q -- '-lcsv'
	pc --static --libs nnkit | grep -q -- '-lz'
	pc --static --libs nnkit-plot | grep -q -- '-lcairo'
	pc --static --libs nnkit-onnx | grep -q -- '-lprotobuf-c'
}

@test "install: linked statically (pkg-config --static), the same prediction" {
	libs=$(pc --static --libs nnkit)
	# -l:libnnkit.a: the archive, where -lnnkit would find the .so
	# shellcheck disable=SC2086
	"$NNCC" $CFLAGS -std=c11 -o predict-static "$ROOT/examples/predict.c" \
	    $(pc --cflags nnkit) ${libs/-lnnkit /-l:libnnkit.a }
	needed predict-static >n.txt
	none nnkit n.txt
	same_as_predict ./predict-static bin.nn x1,x2 0.5 0.25
}

@test "install: nnkit-onnx through pkg-config writes nn-model export's bytes" {
	cat >onnx.c <<'EOF'
#include <stdio.h>
#include <nnkit/nn_onnx.h>

int
main(int argc, char **argv)
{
	nn_err e;
	nn_model *m;
	int rc;

	if (argc != 3 || (m = nn_model_load(argv[1], &e)) == NULL)
		return 1;
	rc = nn_onnx_save(m, argv[2], &e);
	nn_model_free(m);
	if (rc < 0)
		fprintf(stderr, "%s\n", e.msg);
	return rc < 0;
}
EOF
	# shellcheck disable=SC2046
	"$NNCC" $CFLAGS -std=c11 -Wall -Wextra -Werror -o onnx onnx.c $(pc --cflags --libs nnkit-onnx)
	./onnx "$BATS_FILE_TMPDIR/bin.nn" lib.onnx
	nn-model export --format onnx -o cli.onnx "$BATS_FILE_TMPDIR/bin.nn"
	cmp lib.onnx cli.onnx
}

@test "install: LIBDIR elsewhere, then make uninstall leaves nothing" {
	make -s -C "$ROOT" install DESTDIR="$TMP/r" PREFIX=/opt/nk LIBDIR=/opt/nk/lib/multi >/dev/null
	[ -L "$TMP/r/opt/nk/lib/multi/libnnkit.so.0" ]
	grep -qx 'libdir=/opt/nk/lib/multi' "$TMP/r/opt/nk/lib/multi/pkgconfig/nnkit.pc"
	grep -qx 'prefix=/opt/nk' "$TMP/r/opt/nk/lib/multi/pkgconfig/nnkit-plot.pc"
	[ -f "$TMP/r/opt/nk/share/man/man3/nnkit.3" ]
	[ -e "$TMP/r/opt/nk/share/man/man3/nn_model_read.3" ]   # a link that leads somewhere
	make -s -C "$ROOT" uninstall DESTDIR="$TMP/r" PREFIX=/opt/nk LIBDIR=/opt/nk/lib/multi >/dev/null 2>&1
	left=$(find "$TMP/r" ! -type d)
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}

# The C program of nnkit(3)'s EXAMPLES, as the page shows it.
man_program() {
	sed -n '/^#include <stdio.h>/,/^\.Ed/p' "$ROOT/man/nnkit.3" | sed '$d' |
	    sed 's/\\e/\\/g'
}

@test "install: the program of nnkit(3) builds as the page says, and agrees" {
	man_program >tiny.c
	grep -q '^main(int argc' tiny.c
	# shellcheck disable=SC2046
	"$NNCC" $CFLAGS -std=c11 -Wall -Wextra -Werror -o tiny tiny.c $(pc --cflags --libs nnkit)
	run ./tiny "$BATS_FILE_TMPDIR/bin.nn" 0.5 0.25
	[ "$status" -eq 0 ]
	want=$("$P" "$BATS_FILE_TMPDIR/bin.nn" 0.5 0.25 | awk -F, 'NR == 2 { printf "0 %.6f\n1 %.6f", $2, $3 }')
	[ "$output" = "$want" ] || { echo "got [$output], want [$want]" >&2; return 1; }
	row 1 '^tiny: the model takes other columns$' ./tiny "$BATS_FILE_TMPDIR/cat.nn" 1 2
}
