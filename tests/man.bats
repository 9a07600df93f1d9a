#!/usr/bin/env bats
# Manual pages and installation: every page lints clean, every program has a
# page (and --help/--version), and `make install` puts them all in place.
load common

M="$BATS_TEST_DIRNAME/../man"

@test "man: every page passes mandoc -Tlint" {
	for p in "$M"/*.[0-9]; do
		out=$(mandoc -Tlint -W warning "$p" 2>&1) || true
		[ -z "$out" ] || { echo "$out"; return 1; }
	done
}
@test "man: every program has a page, --help and --version" {
	for b in "$BATS_TEST_DIRNAME"/../bin/nn-*; do
		n=$(basename "$b")
		[ -f "$M/$n.1" ] || { echo "no man/$n.1"; return 1; }
		"$b" --help >/dev/null || { echo "$n --help failed"; return 1; }
		grep -qx '.It Fl h , Fl -help' "$M/$n.1" || { echo "man/$n.1: no -h"; return 1; }
		"$b" --version | grep -q "^$n (nnkit) " || { echo "$n --version"; return 1; }
	done
}
@test "man: every section-1 page names a program that exists" {
	for p in "$M"/*.1; do
		# nn-train-mpi is built only where MPI is, and make MPI=0 (the
		# Debian packages) leaves it out: then its page names no program
		# here (make install leaves the page out too)
		[ "$(basename "$p")" = nn-train-mpi.1 ] &&
		    [ ! -e "$BATS_TEST_DIRNAME/../bin/nn-train-mpi" ] && continue
		[ -x "$BATS_TEST_DIRNAME/../bin/$(basename "$p" .1)" ] || { echo "$p"; return 1; }
	done
}
@test "make install: programs, pages, library and headers under DESTDIR" {
	make -C "$BATS_TEST_DIRNAME/.." install PREFIX=/usr/local LIBDIR=/usr/local/lib \
	    DESTDIR="$TMP/root" >/dev/null
	for b in "$BATS_TEST_DIRNAME"/../bin/nn-*; do
		[ -x "$TMP/root/usr/local/bin/$(basename "$b")" ] || return 1
	done
	[ -f "$TMP/root/usr/local/lib/libnnkit.a" ]
	[ -f "$TMP/root/usr/local/lib/libnnkit-plot.a" ]
	[ -f "$TMP/root/usr/local/include/nnkit/nn.h" ]
	[ -f "$TMP/root/usr/local/share/man/man5/nn-model.5" ]
	[ -f "$TMP/root/usr/local/share/man/man1/nn-train.1" ]
	# completion, under the names bash-completion and zsh look for
	for b in "$BATS_TEST_DIRNAME"/../bin/nn-*; do
		[ -f "$TMP/root/usr/local/share/bash-completion/completions/$(basename "$b")" ] || return 1
	done
	[ -f "$TMP/root/usr/local/share/zsh/site-functions/_nnkit" ]
}
