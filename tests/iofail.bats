#!/usr/bin/env bats
# iofail: every I/O call of a save fails in turn, and a crash at every point
# of one, through tests/shim/iofail.so (LD_PRELOAD; see its top comment).
#
# The sweep: for nn-train saving a model, nn-plot writing a PNG, nn-split
# writing its two files and nn-model exporting (JSON, ONNX) and importing,
# count the save's calls of each kind (write, fsync,
# fdatasync, close, rename) with the shim in counting mode, then for every
# N up to that count make the Nth call fail, with EIO and with ENOSPC.  Each
# run must exit 1 with the cause in one line, leave every old target
# byte-identical, and leave no file beside them.  A row prints its counts
# ("# nn-train write: 3 calls") in the TAP output.
#
# The crash: nn-train killed with SIGKILL before each call of its save in
# turn; the model is then the old one or the new one, whole (nn-model info
# reads it), and the next save removes what the killed one left.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	export SHIM="$BATS_TEST_DIRNAME/shim/iofail.so"
	# clang's sanitizers are linked into the program; gcc's ASan is a
	# shared runtime that must come first in LD_PRELOAD
	local asan
	asan=$(ldd "$BATS_TEST_DIRNAME/../bin/nn-train" 2>/dev/null |
	    awk '/libasan/ { print $3 }')
	export PRELOAD="${asan:+$asan:}$SHIM"
	# The shim reports its counts from a destructor, which LeakSanitizer's
	# exit (CI's ASan pass) does not let run; leaks are the other tables'
	# business.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	nn-gen moons -n 100 --seed 2 >"$D/d.csv"
	nn-gen moons -n 2000 --seed 3 >"$D/big.csv"
	# the old targets: other bytes than the runs under test would write
	# (a 64,64 model is 18 kB: three stdio buffers)
	mkdir "$D/old"
	(cd "$D/old" && nn-train -q -e 1 -l 64,64 -o m.nn "$D/d.csv" &&
	    nn-plot data --size 320x240 -o out.png "$D/d.csv" &&
	    nn-split --seed 9 "$D/big.csv" train.csv test.csv &&
	    nn-model export --format json -o m.json m.nn &&
	    nn-model export --format onnx -o m.onnx m.nn && cp m.nn i.nn)
	# what nn-model's rows export and import: another model
	nn-train -q -e 1 -l 32 -o "$D/n.nn" "$D/d.csv"
	nn-model export --format json -o "$D/n.json" "$D/n.nn"
}

# op NAME [VAR=VALUE ...]: run operation NAME in the current directory, over
# its targets, with those variables in its environment
op() {
	local name=$1
	shift
	case $name in
	nn-train) env "$@" nn-train -q -e 2 -l 64,64 -o m.nn "$D/d.csv" ;;
	nn-plot) env "$@" nn-plot data -o out.png "$D/d.csv" ;;
	nn-split) env "$@" nn-split "$D/big.csv" train.csv test.csv ;;
	json-export) env "$@" nn-model export --format json -o m.json "$D/n.nn" ;;
	onnx-export) env "$@" nn-model export --format onnx -o m.onnx "$D/n.nn" ;;
	import) env "$@" nn-model import -o i.nn "$D/n.json" ;;
	esac
}

# targets NAME: the files operation NAME replaces
targets() {
	case $1 in
	nn-train) echo m.nn ;;
	nn-plot) echo out.png ;;
	nn-split) echo train.csv test.csv ;;
	json-export) echo m.json ;;
	onnx-export) echo m.onnx ;;
	import) echo i.nn ;;
	esac
}

# fresh NAME: an empty work directory w/ holding NAME's old targets
fresh() {
	rm -rf w && mkdir w && for f in $(targets "$1"); do cp "$D/old/$f" w/; done
}

# shim_ok: the shim is built and takes effect (a run's save is counted)
shim_ok() {
	[ -f "$SHIM" ] || { echo "no $SHIM: make check builds it" >&2; return 1; }
	fresh nn-train
	(cd w && op nn-train LD_PRELOAD="$PRELOAD" NN_FAIL_CALL=any NN_FAIL_COUNT=../n) &&
	    [ "$(cat n)" -gt 0 ] ||
	    { echo "the shim counted no call: LD_PRELOAD has no effect here" >&2; return 1; }
}

# count NAME CALL: how many calls of kind CALL operation NAME's save makes
count() {
	fresh "$1"
	(cd w && op "$1" LD_PRELOAD="$PRELOAD" NN_FAIL_CALL="$2" NN_FAIL_COUNT=../n) ||
	    { echo "$1 failed in counting mode" >&2; return 1; }
	cat n
}

# as_before NAME: every target holds its old bytes, and nothing else is in w/
as_before() {
	local f
	for f in $(targets "$1"); do
		cmp -s "w/$f" "$D/old/$f" || { echo "$f changed" >&2; return 1; }
	done
	[ "$(ls -A w | sort | tr '\n' ' ')" = "$(targets "$1" | tr ' ' '\n' | sort | tr '\n' ' ')" ] ||
	    { echo "left in w/: $(ls -A w | tr '\n' ' ')" >&2; return 1; }
}

# sweep NAME CALL [MIN]: the Nth call of kind CALL fails, for every N (and
# there are at least MIN of them)
sweep() {
	local name=$1 call=$2 min=${3:-0} total n errno want status lines
	shim_ok || return 1
	total=$(count "$name" "$call") || return 1
	echo "# $name $call: $total calls" >&3
	[ "$total" -ge "$min" ] || { echo "$name: $total $call calls, expected $min or more" >&2; return 1; }
	for ((n = 1; n <= total; n++)); do
		for errno in EIO ENOSPC; do
			[ $errno = EIO ] && want='Input/output error' || want='No space left on device'
			fresh "$name"
			status=0
			(cd w && op "$name" LD_PRELOAD="$PRELOAD" NN_FAIL_CALL="$call" \
			    NN_FAIL_AT=$n NN_FAIL_ERRNO=$errno) 2>err || status=$?
			lines=$(grep -c . err)
			if [ "$status" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -q "$want" err; then
				echo "$call #$n ($errno): status $status, stderr: $(cat err)" >&2
				return 1
			fi
			as_before "$name" || { echo "after $call #$n ($errno): $(cat err)" >&2; return 1; }
		done
	done
}

@test "iofail: nn-train, every write fails in turn"     { sweep nn-train write 3; }
@test "iofail: nn-train, every fsync fails in turn"     { sweep nn-train fsync 2; }
@test "iofail: nn-train, every fdatasync fails in turn" { sweep nn-train fdatasync; }
@test "iofail: nn-train, every close fails in turn"     { sweep nn-train close 2; }
@test "iofail: nn-train, every rename fails in turn"    { sweep nn-train rename 1; }
@test "iofail: nn-plot, every write fails in turn"      { sweep nn-plot write 2; }
@test "iofail: nn-plot, every fsync fails in turn"      { sweep nn-plot fsync 2; }
@test "iofail: nn-plot, every fdatasync fails in turn"  { sweep nn-plot fdatasync; }
@test "iofail: nn-plot, every close fails in turn"      { sweep nn-plot close 2; }
@test "iofail: nn-plot, every rename fails in turn"     { sweep nn-plot rename 1; }
@test "iofail: nn-split, every write fails in turn"     { sweep nn-split write 4; }
@test "iofail: nn-split, every fsync fails in turn"     { sweep nn-split fsync 3; }
@test "iofail: nn-split, every fdatasync fails in turn" { sweep nn-split fdatasync; }
@test "iofail: nn-split, every close fails in turn"     { sweep nn-split close 3; }
@test "iofail: nn-split, every rename fails in turn"    { sweep nn-split rename 2; }
@test "iofail: nn-model export json, every call fails"  { for c in write fsync fdatasync close rename; do sweep json-export $c || return 1; done; }
@test "iofail: nn-model export onnx, every call fails"  { for c in write fsync fdatasync close rename; do sweep onnx-export $c || return 1; done; }
@test "iofail: nn-model import, every call fails"       { for c in write fsync fdatasync close rename; do sweep import $c || return 1; done; }

# --- a crash at every point of a save ---------------------------------------

# crash: nn-train killed before each call of its save in turn
crash() {
	local total n status old=0 new=0
	shim_ok || return 1
	# the new model: what an undisturbed run writes (the same command line,
	# which the model records)
	fresh nn-train
	(cd w && op nn-train) && cp w/m.nn new.nn
	! cmp -s new.nn "$D/old/m.nn" || { echo "the new model equals the old" >&2; return 1; }
	total=$(count nn-train any) || return 1
	echo "# nn-train: killed at each of $total calls" >&3
	[ "$total" -ge 8 ] || { echo "$total calls, expected 8 or more" >&2; return 1; }
	for ((n = 1; n <= total; n++)); do
		fresh nn-train
		status=0
		(cd w && op nn-train LD_PRELOAD="$PRELOAD" NN_FAIL_CALL=any NN_FAIL_AT=$n \
		    NN_FAIL_KILL=1) 2>err || status=$?
		[ "$status" -eq 137 ] || { echo "kill at #$n: status $status: $(cat err)" >&2; return 1; }
		nn-model info w/m.nn >/dev/null || { echo "kill at #$n: nn-model info fails" >&2; return 1; }
		if cmp -s w/m.nn "$D/old/m.nn"; then
			old=$((old + 1))
		elif cmp -s w/m.nn new.nn; then
			new=$((new + 1))
		else
			echo "kill at #$n: m.nn is neither the old nor the new model" >&2
			return 1
		fi
		# what the killed save left goes at the next save of m.nn
		(cd w && op nn-train) || { echo "the save after kill #$n failed" >&2; return 1; }
		cmp -s w/m.nn new.nn && [ "$(ls -A w)" = m.nn ] ||
		    { echo "after kill #$n and a save: $(ls -A w | tr '\n' ' ')" >&2; return 1; }
	done
	echo "# nn-train: old model after $old kills, new after $new" >&3
	[ "$old" -gt 0 ] && [ "$new" -gt 0 ]
}

# A killed save leaves its temporary file (and the second name of the old
# model, killed during commit): at least one kill must leave something for
# the next save to clean, or the check above proves nothing.
leftover() {
	local n
	shim_ok || return 1
	for n in 1 5; do
		fresh nn-train
		(cd w && op nn-train LD_PRELOAD="$PRELOAD" NN_FAIL_CALL=any NN_FAIL_AT=$n \
		    NN_FAIL_KILL=1) 2>/dev/null && return 1
		ls -A w | grep -Eq '^\.m\.nn\.nnkit-tmp\.[0-9]+\.[A-Za-z0-9]{6}$' ||
		    { echo "kill at #$n left: $(ls -A w | tr '\n' ' ')" >&2; return 1; }
	done
}

@test "iofail: nn-train killed at every call of its save: old or new model" { crash; }
@test "iofail: a killed save leaves a temporary file named for its writer" { leftover; }
