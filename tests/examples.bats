#!/usr/bin/env bats
# Every EXAMPLES block of every manual page works as written
# (tests/run-examples says how blocks are found, run and skipped), and the
# runner itself catches what it must: a failing command, a transcript that
# differs, a command that fails without showing its error.
load common

RUN="$BATS_TEST_DIRNAME/run-examples"

@test "examples: every page's EXAMPLES, as written" {
	local pages=() p
	for p in "$BATS_TEST_DIRNAME"/../man/*.[1-9] \
	    "$BATS_TEST_DIRNAME"/../man/*/*.[1-9]; do
		[ -f "$p" ] && pages+=("$p")
	done
	[ ${#pages[@]} -ge 10 ]
	run "$RUN" "${pages[@]}"
	echo "$output" | cut -c1-200
	[ "$status" -eq 0 ]
	# every page was seen, and ran at least one block
	[ "$(grep -c '^ok ' <<<"$output")" -eq ${#pages[@]} ]
	! grep -q '^ok .*(0 blocks' <<<"$output"
}

# page NAME: a synthetic mdoc page in $TMP from stdin's EXAMPLES body
page() {
	{ printf '.Dd today\n.Dt T 1\n.Os\n.Sh NAME\n.Nm t\n.Nd t\n'
	  printf '.Sh DESCRIPTION\n.Bd -literal\nfalse\n.Ed\n.Sh EXAMPLES\n'
	  cat
	  printf '.Sh SEE ALSO\n.Bd -literal\nfalse\n.Ed\n'; } >"$TMP/$1"
}

@test "examples: the runner: blocks in order share files; only EXAMPLES runs" {
	page a.1 <<'P'
.Bd -literal -offset indent
nn-gen moons -n 20 >m.csv
.Ed
.Dl test -s m.csv
.Bd -literal
seq 1 100000 | head -1
printf '%s\en' 'a\e\eb' | grep -q 'a\e\e\e\eb'
.Ed
P
	row 0 '^ok a.1 \(3 blocks, 0 skipped\)' "$RUN" "$TMP/a.1"
}

@test "examples: the runner: a failing command fails the page" {
	page b.1 <<'P'
.Bd -literal
true
nn-train -o x.nn no-such.csv | cat
true
.Ed
P
	run "$RUN" "$TMP/b.1"
	[ "$status" -eq 1 ]
	grep -q '^FAIL b.1: block 1 (line [0-9]*): exit status 1' <<<"$output"
}

@test "examples: the runner: a transcript is compared" {
	page c.1 <<'P'
.Bd -literal
$ echo hello
hello
$ nn-gen moons -n 3 --seed 1 |
    head -1
x1,x2,label
.Ed
P
	row 0 '^ok c.1' "$RUN" "$TMP/c.1"
	sed -i 's/^hello$/goodbye/' "$TMP/c.1"
	run "$RUN" "$TMP/c.1"
	[ "$status" -eq 1 ] && grep -q 'output differs' <<<"$output"
}

@test "examples: the runner: an error must be shown; needs skip" {
	page d.1 <<'P'
.Bd -literal
$ nn-eval no-such.csv
nn-eval: no-such.csv: No such file or directory
.Ed
.\" example-needs: test -e /no/such/thing
.Bd -literal
false
.Ed
.\" example-needs: large true
.Bd -literal
false
.Ed
P
	row 0 'skip d.1 block 2: needs test -e /no/such/thing' "$RUN" "$TMP/d.1"
	grep -q '^ok d.1 (3 blocks, 2 skipped)' <<<"$output"
	page e.1 <<'P'
.Bd -literal
$ nn-eval no-such.csv
.Ed
P
	run "$RUN" "$TMP/e.1"
	[ "$status" -eq 1 ] && grep -q 'shows no error' <<<"$output"
}
