#!/usr/bin/env bats
# Running out of memory, at every allocation: the programs of bin-sweep/
# (lib/base.c built -DNN_ALLOC_SWEEP) fail their Nth allocation when
# NN_FAIL_ALLOC=N, and count them with NN_FAIL_ALLOC=count.  Each operation
# is counted, then run once per N: it must exit 1 with the one line
# "PROG: out of memory (K bytes)" -- never a crash -- or succeed when N is
# past its last allocation, and leave no temporary file and no half-written
# output.  make check tries at most about 100 N per operation, evenly
# spread with the first and the last; make alloc-sweep (NN_SWEEP=all)
# tries every N.
load common

SW="$BATS_TEST_DIRNAME/../bin-sweep"

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 60 --noise 0.1 --seed 3 >"$D/small.csv"
	python3 "$BATS_TEST_DIRNAME/mixed.py" 60 4 "$D/mixed.csv" "$D/new.csv"
	nn-train -q -e 1 -o "$D/small.nn" "$D/small.csv"
	nn-train -q -e 1 $ROLES -o "$D/mixed.nn" "$D/mixed.csv"
	nn-model export --format json -o "$D/mixed.json" "$D/mixed.nn"
	nn-model export --format onnx -o "$D/small.onnx" "$D/small.nn"
}

ROLES="--target bought --ignore signup_date --id customer_id --categorical mode"
export ROLES

# An error exit may keep its allocations (errx); leaks are for the other
# tables to find.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# try N OUT CMD...: CMD with allocation N failing; COUNT is CMD's count.
try() {
	local n=$1 out=$2 rc lines
	shift 2
	rm -f "$out"
	NN_FAIL_ALLOC=$n "$@" >stdout 2>stderr
	rc=$?
	lines=$(grep -c . stderr)
	if [ "$n" -gt "$COUNT" ]; then
		[ "$rc" -eq 0 ] || { echo "N=$n (past $COUNT): status $rc: $(cat stderr)" >&2; return 1; }
	elif [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] ||
	    ! grep -Eq '^nn-[a-z]+: out of memory \([0-9]+ bytes\)$' stderr; then
		echo "N=$n of $COUNT: status $rc, stderr: $(cat stderr)" >&2
		return 1
	fi
	# no temporary file; an output is absent or whole (it may be in place
	# when the allocation after its rename fails)
	[ -z "$(ls -A | grep '^\.')" ] || { echo "N=$n: left behind: $(ls -A | grep '^\.')" >&2; return 1; }
	if [ "$out" != - ] && [ -e "$out" ] && [ "$rc" -ne 0 ] &&
	    ! nn-model info "$out" >/dev/null 2>&1; then
		echo "N=$n: $out is not a whole model" >&2
		return 1
	fi
}

# sweep OUT CMD...: count CMD's allocations, then try N = 1 .. COUNT + 1
# (every N, or an even sample of about 100 with the first and the last).
# OUT is the file CMD writes, or - for none.
sweep() {
	local out=$1 n step=1
	shift
	[ -x "$SW/nn-train" ] || skip "no bin-sweep/ (make check or make alloc-sweep builds it)"
	COUNT=$(NN_FAIL_ALLOC=count "$@" 2>&1 >/dev/null |
	    sed -n 's/^alloc-sweep: \([0-9]*\) allocations$/\1/p')
	[ -n "$COUNT" ] && [ "$COUNT" -gt 0 ] || { echo "no count: $*" >&2; return 1; }
	[ "${NN_SWEEP:-}" = all ] || [ "$COUNT" -le 100 ] || step=$(((COUNT + 99) / 100))
	for ((n = 1; n <= COUNT; n += step)); do
		try "$n" "$out" "$@" || return 1
	done
	try "$COUNT" "$out" "$@" && try $((COUNT + 1)) "$out" "$@" || return 1
	echo "# $COUNT allocations, N from 1 to $((COUNT + 1)) in steps of $step: $*" >&3
}

@test "allocfail: model load (nn-model info)"         { sweep - "$SW/nn-model" info "$D/mixed.nn"; }
@test "allocfail: model save (nn-train -e 1, small)"  { sweep m.nn "$SW/nn-train" -q -e 1 -o m.nn "$D/small.csv"; }
@test "allocfail: mixed CSV read (nn-train)"          { sweep m.nn "$SW/nn-train" -q -e 1 $ROLES -o m.nn "$D/mixed.csv"; }
@test "allocfail: an epoch on 3 threads, validated"   { sweep m.nn "$SW/nn-train" -q -e 1 --threads 3 --val-split 0.2 -l 8 -b 256 -o m.nn "$D/small.csv"; }
@test "allocfail: prediction (nn-predict, mixed)"     { sweep - "$SW/nn-predict" -m "$D/mixed.nn" "$D/new.csv"; }
@test "allocfail: JSON export (nn-model export)"      { sweep - "$SW/nn-model" export --format json "$D/mixed.nn"; }
@test "allocfail: JSON import (nn-model import)"      { sweep m.nn "$SW/nn-model" import -o m.nn "$D/mixed.json"; }
@test "allocfail: ONNX export (nn-model export)"      { sweep - "$SW/nn-model" export --format onnx "$D/small.nn"; }
@test "allocfail: ONNX import (nn-model import)"      { sweep m.nn "$SW/nn-model" import -o m.nn "$D/small.onnx"; }
