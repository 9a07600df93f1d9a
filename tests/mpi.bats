#!/usr/bin/env bats
# nn-train-mpi: the same model bytes as nn-train for any rank count and
# threads per rank (every optimizer, batch norm, dropout, class weights,
# validation, early stopping, --cv, the chosen epochs, regression), data
# from rank 0, one message for a bad row, a rank that dies or hangs, and
# an interrupted run resumed under other rank counts.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	# Open MPI refuses root without these; -q keeps its notices quiet
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	# ranks of the tests share 2 cores: no binding, no busy waiting
	export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_hwloc_base_binding_policy=none
	command -v nn-train-mpi >/dev/null && command -v mpirun >/dev/null || return 0
	nn-gen moons -n 600 --seed 3 >"$D/moons.csv"
	nn-gen moons -n 200 --seed 4 >"$D/val.csv"
	nn-gen blobs --classes 3 -n 600 --seed 5 >"$D/blobs.csv"
	nn-gen regression -n 600 --seed 3 >"$D/reg.csv"
	# 4 classes, one of them rare: class weights matter
	awk -F, 'NR == 1 || NR % 9 != 0 || $NF != 2' "$D/blobs.csv" >"$D/rare.csv"
}

setup() {
	export PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	TMP="$BATS_TEST_TMPDIR"
	cd "$TMP" || return 1
	command -v nn-train-mpi >/dev/null ||
	    skip "nn-train-mpi not built (no mpicc when make ran: scripts/install-deps installs Open MPI)"
	command -v mpirun >/dev/null || skip "no mpirun (openmpi-bin)"
}

mpi() { local p=$1; shift; mpirun -q --oversubscribe -np "$p" nn-train-mpi "$@"; }

# A model's whole content but its command line and rank count: the JSON
# export holds every byte of the model (its round trip is byte-identical).
content() { nn-model export --format json "$1" | sed -e '/"command":/d' -e '/"ranks":/d' -e 's/,$//'; }

# same ARGS...: nn-train with ARGS (1 thread), then nn-train-mpi under 1, 2
# and 3 ranks of 1 and 2 threads: every model's content is the first's.
same() {
	nn-train -q --threads 1 "$@" -o one.nn || return 1
	content one.nn >one.txt
	for p in 1 2 3; do
		for t in 1 2; do
			mpi $p -q --threads $t "$@" -o m$p$t.nn || { echo "-np $p --threads $t failed" >&2; return 1; }
			content m$p$t.nn | cmp - one.txt || { echo "-np $p --threads $t differs" >&2; return 1; }
		done
	done
}

# ---- the program ------------------------------------------------------------
@test "nn-train-mpi: usage == SYNOPSIS"   { check_usage nn-train-mpi nn-train-mpi.1; }
@test "nn-train-mpi: --version"           { row 0 '^nn-train-mpi \(nnkit\) [0-9]' nn-train-mpi --version; }
@test "nn-train-mpi: nn-train's options, all of them" {
	diff <(nn-train --help | sed '/^More in/d; s/^usage: nn-train //; s/^ *//' | tr -s ' \n' ' ') \
	    <(nn-train-mpi --help | sed '/^More in/d; s/^usage: nn-train-mpi //; s/^ *//' | tr -s ' \n' ' ')
}
@test "nn-train-mpi: a bad option: one line, exit 2" {
	run --separate-stderr mpi 2 -e 0 -o m.nn "$D/moons.csv"
	[ "$status" -ne 0 ] && [ "$(grep -c 'nn-train-mpi: -e' <<<"$stderr")" -eq 1 ] && [ ! -e m.nn ]
}
@test "nn-train-mpi: NNKIT_MPI_TIMEOUT=abc" { NNKIT_MPI_TIMEOUT=abc row 1 'NNKIT_MPI_TIMEOUT: expected seconds' nn-train-mpi -o m.nn "$D/moons.csv"; }

# ---- the same bytes ---------------------------------------------------------
@test "nn-train-mpi: sgd, 2 shards a batch"             { same -l 16,8 -b 128 -e 3 "$D/moons.csv"; }
@test "nn-train-mpi: adam, 5 shards, a short last batch" { same -l 16,8 -b 320 -e 4 --optimizer adam "$D/moons.csv"; }
@test "nn-train-mpi: 16 shards, more than the ranks"    { same -l 8 -b 1024 -e 3 --optimizer rmsprop "$D/moons.csv"; }
@test "nn-train-mpi: one shard: ranks 1 and 2 idle"     { same -l 8 -b 32 -e 2 --optimizer momentum "$D/moons.csv"; }
@test "nn-train-mpi: batch norm, dropout, skip connections" { same -l 16,16 -b 256 -e 3 --batchnorm --dropout 0.3 --residual --optimizer adamw "$D/blobs.csv"; }
@test "nn-train-mpi: class weights, l1, l2, clipping"  { same -l 16 -b 200 -e 3 --class-weight balanced --l1 1e-4 --l2 1e-3 --clip-norm 0.5 --optimizer nesterov "$D/rare.csv"; }
@test "nn-train-mpi: validation, early stopping, plateau" { same -l 16 -b 128 -e 40 --val "$D/val.csv" --patience 3 --schedule plateau --lr-step 2 -r 0.5 "$D/moons.csv"; }
@test "nn-train-mpi: --val-split, adagrad"             { same -l 8 -b 192 -e 3 --val-split 0.2 --optimizer adagrad "$D/moons.csv"; }
@test "nn-train-mpi: regression"                       { same -l 16 -b 256 -e 3 --optimizer adam "$D/reg.csv"; }
@test "nn-train-mpi: the epochs it chooses"            { same -l 8 -b 128 -r 0.3 "$D/moons.csv"; }
@test "nn-train-mpi: every optimizer, 3 ranks" {
	for o in sgd momentum nesterov adam adamw rmsprop adagrad; do
		nn-train -q -l 8 -b 256 -e 2 --optimizer $o -o one.nn "$D/moons.csv"
		mpi 3 -q -l 8 -b 256 -e 2 --optimizer $o -o m.nn "$D/moons.csv"
		cmp <(content one.nn) <(content m.nn) || { echo "$o differs" >&2; return 1; }
	done
}
@test "nn-train-mpi: --cv prints what nn-train prints" {
	nn-train --cv 3 --cv-format csv -l 8 -b 128 -e 3 "$D/moons.csv" >one.csv
	mpi 3 --cv 3 --cv-format csv -l 8 -b 128 -e 3 "$D/moons.csv" >m.csv
	cmp one.csv m.csv
}
@test "nn-train-mpi: the model records the ranks, and JSON keeps them" {
	mpi 3 -q -l 8 -e 2 -o m.nn "$D/moons.csv"
	nn-model info m.nn | grep -Eq '^  ranks +3 '
	nn-model export --format json -o m.json m.nn
	nn-model import -o back.nn m.json
	cmp m.nn back.nn
	mpi 1 -q -l 8 -e 2 -o one.nn "$D/moons.csv"
	nn-model info one.nn | grep -Eq '^  ranks +1$'
}

# ---- each rank reads its own rows -------------------------------------------
# -v says how the data was read: "rows 1-K of N (each rank reads its own)"
# or "every rank reads every row (why)".
how() { mpi "$@" 2>&1 >/dev/null | grep -E 'reads (its own|every row)'; }
@test "nn-train-mpi: a regular file: each rank parses its own rows" {
	run how 3 -v -l 8 -e 1 -o m.nn "$D/moons.csv"
	[[ "$output" =~ "rank 0 of 3: rows 1-"[0-9]+" of 600 (each rank reads its own)" ]] || { echo "$output" >&2; return 1; }
	k=${output#*rows 1-}; k=${k%% of*}
	[ "$k" -gt 150 ] && [ "$k" -lt 250 ]    # about a third
}
@test "nn-train-mpi: missing values, fills learned across the parts (mean, median, mode)" {
	# every 7th row misses x1, every 11th x2: in every rank's part
	awk -F, -v OFS=, 'NR > 1 && NR % 7 == 0 { $1 = "" } NR > 1 && NR % 11 == 0 { $2 = "NA" } { print }' "$D/moons.csv" >miss.csv
	for f in mean median mode; do
		same -l 8 -b 128 -e 2 --missing $f miss.csv || { echo "--missing $f" >&2; return 1; }
	done
}
@test "nn-train-mpi: --missing drop, a class only in the last part, CRLF, no final newline" {
	awk -F, -v OFS=, 'NR > 1 && NR % 5 == 0 { $2 = "" } NR > 580 && NR > 1 { $NF = "late" } { printf "%s\r\n", $0 }' "$D/moons.csv" |
	    head -c -2 >odd.csv
	same -l 8 -b 96 -e 2 --missing drop odd.csv
	nn-model info m31.nn | grep -q late
}
@test "nn-train-mpi: no header, a target by number, minmax, --val-split" {
	tail -n +2 "$D/blobs.csv" >nohead.csv
	same --no-header --target 3 --scale minmax -l 8 -b 100 -e 2 --val-split 0.25 nohead.csv
}
@test "nn-train-mpi: text features, quoted fields, a category only in the last part: the general reader in parts" {
	# a quoted colour with a comma, a date-like column, a category that
	# only the last rows have, missing text and numbers
	awk -F, -v OFS=, 'NR == 1 { print "colour", "day", $0; next }
	    { c = NR % 3 ? "red" : "\"dark, blue\""; if (NR > 590) c = "green"; if (NR % 13 == 0) c = "NA"
	      if (NR % 17 == 0) $1 = ""
	      print c, sprintf("2024-01-%02d", NR % 28 + 1), $0 }' "$D/moons.csv" >text.csv
	run how 2 -v -l 8 -e 1 -o m.nn text.csv
	[[ "$output" =~ "rank 0 of 2: rows 1-"[0-9]+" of 600 (each rank reads its own)" ]] || { echo "$output" >&2; return 1; }
	same -l 8 -b 128 -e 2 text.csv
	same -l 8 -b 128 -e 2 --missing mode text.csv
	nn-model info m31.nn | grep -q green
}
@test "nn-train-mpi: a typo in the last part: one process's message, once" {
	awk -F, -v OFS=, 'NR == 590 { $2 = "0.3x" } { print }' "$D/moons.csv" >typo.csv
	run --separate-stderr nn-train -q -l 8 -o one.nn typo.csv
	want=$stderr
	[ "$status" -eq 1 ] && [ -n "$want" ] || return 1
	run --separate-stderr mpi 3 -q -l 8 -o m.nn typo.csv
	[ "$status" -eq 1 ] && [ ! -e m.nn ] || { echo "status $status" >&2; return 1; }
	[ "$stderr" = "${want//nn-train:/nn-train-mpi:}" ] || { echo "want: $want"; echo "got: $stderr"; return 1; } >&2
}
@test "nn-train-mpi: --init-from and --val read in parts, with the model's encoding" {
	awk -F, -v OFS=, 'NR == 1 { print "colour", $0; next } { print (NR % 4 ? "red" : "blue"), $0 }' "$D/moons.csv" >tr.csv
	awk -F, -v OFS=, 'NR == 1 { print "colour", $0; next } { print (NR % 5 ? "red" : "green"), $0 }' "$D/val.csv" >va.csv
	nn-train -q -l 8 -b 128 -e 2 -o start.nn tr.csv
	run how 3 -v --init-from start.nn -e 2 -o m.nn tr.csv
	[[ "$output" =~ "rank 0 of 3: rows 1-"[0-9]+" of 600 (each rank reads its own)" ]] || { echo "$output" >&2; return 1; }
	same --init-from start.nn -b 128 -e 3 --val va.csv --patience 2 tr.csv
}
@test "nn-train-mpi: a file ranks see differently: rank 0's bytes for all" {
	mkdir -p r0 r1
	cp "$D/moons.csv" r0/d.csv; cp "$D/blobs.csv" r1/d.csv
	nn-train -q -l 8 -b 128 -e 2 -o one.nn r0/d.csv
	mpirun -q --oversubscribe -np 2 sh -c 'cd r$OMPI_COMM_WORLD_RANK && exec nn-train-mpi "$@"' \
	    sh -q -l 8 -b 128 -e 2 -o ../m.nn d.csv
	cmp <(content one.nn | grep -v '"input"') <(content m.nn | grep -v '"input"')
}

# ---- data from rank 0 -------------------------------------------------------
@test "nn-train-mpi: standard input, gzip" {
	nn-train -q -l 8 -b 128 -e 3 -o one.nn "$D/moons.csv"
	gzip -c "$D/moons.csv" | mpi 2 -q -l 8 -b 128 -e 3 -o m.nn -
	cmp <(content one.nn | grep -v data_crc32) <(content m.nn | grep -v data_crc32)
	gzip -c "$D/moons.csv" >d.csv.gz
	run how 2 -v -l 8 -e 1 -o m.nn d.csv.gz
	[[ "$output" == *"every rank reads every row (not a plain file: a pipe, or compressed)"* ]] || { echo "$output" >&2; return 1; }
	run how 2 -v -l 8 -e 1 -o m.nn - <"$D/moons.csv"
	[[ "$output" == *"every rank reads every row (standard input: rank 0 reads it)"* ]] || { echo "$output" >&2; return 1; }
}
@test "nn-train-mpi: -o over the input is refused" {
	cp "$D/moons.csv" d.csv; saved d.csv
	run --separate-stderr mpi 2 -q -o d.csv d.csv
	[ "$status" -ne 0 ] && unchanged d.csv
}

# ---- failures: one message, no model, no hang ---------------------------------
@test "nn-train-mpi: a bad row in rank 1's part: file and line, once" {
	awk 'NR == 400 { print "0.5,abc,1"; next } { print }' "$D/moons.csv" >bad.csv
	run --separate-stderr mpi 3 -q -l 8 -o m.nn bad.csv
	[ "$status" -eq 1 ] || { echo "status $status" >&2; return 1; }
	[ "$(grep -c 'bad.csv:400:' <<<"$stderr")" -eq 1 ] || { echo "$stderr" >&2; return 1; }
	[ ! -e m.nn ]
}
@test "nn-train-mpi: a missing file: one message" {
	run --separate-stderr mpi 2 -q -o m.nn no-such.csv
	[ "$status" -ne 0 ] && [ "$(grep -c 'no-such.csv: No such file' <<<"$stderr")" -eq 1 ] && [ ! -e m.nn ]
}
# The pid of rank $1 of the nn-train-mpi processes running now.
rank_pid() {
	local p
	for p in $(pgrep -x nn-train-mpi); do
		tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && { echo $p; return 0; }
	done
	return 1
}
@test "nn-train-mpi: rank 1 killed: the job ends, no model" {
	nn-gen moons -n 20000 --seed 1 >big.csv
	mpi 2 -q -l 64,64 -b 64 -e 1000 -o m.nn big.csv 2>err.txt & job=$!
	for i in $(seq 100); do pid=$(rank_pid 1) && break; sleep 0.1; done
	sleep 1; kill -9 "$pid"
	timeout 60 tail --pid=$job -f /dev/null || { kill $job; echo "hangs" >&2; return 1; }
	wait $job && { echo "exit 0" >&2; return 1; }
	[ ! -e m.nn ]
}
@test "nn-train-mpi: rank 1 hangs: NNKIT_MPI_TIMEOUT ends the job with a message" {
	nn-gen moons -n 20000 --seed 1 >big.csv
	NNKIT_MPI_TIMEOUT=2 mpi 2 -q -l 64,64 -b 64 -e 1000 -o m.nn big.csv 2>err.txt & job=$!
	for i in $(seq 100); do pid=$(rank_pid 1) && break; sleep 0.1; done
	sleep 1; kill -STOP "$pid"
	timeout 60 tail --pid=$job -f /dev/null || { kill -9 "$pid"; kill $job; echo "hangs" >&2; return 1; }
	kill -9 "$pid" 2>/dev/null || true
	wait $job && { echo "exit 0" >&2; return 1; }
	grep -q 'no answer from the other ranks for 2 s' err.txt || { cat err.txt >&2; return 1; }
	[ ! -e m.nn ]
}

# ---- interrupted, resumed under any rank count ---------------------------------
@test "nn-train-mpi: SIGINT to mpirun: a checkpoint; --resume under 1 and 3 ranks = nn-train's" {
	nn-gen moons -n 20000 --seed 1 >big.csv
	mpi 2 -l 64,64 -b 64 -e 1000 -o ck.nn big.csv 2>err.txt & job=$!
	for i in $(seq 100); do rank_pid 1 >/dev/null && break; sleep 0.1; done
	sleep 2; pkill -INT -x mpirun
	wait $job && { echo "exit 0" >&2; return 1; }
	grep -q 'saved a checkpoint to ck.nn' err.txt || { cat err.txt >&2; return 1; }
	nn-model info ck.nn | grep -q 'resumable  *yes'
	nn-train -q -e 2 --resume ck.nn -o one.nn big.csv
	for p in 1 3; do
		mpi $p -q -e 2 --resume ck.nn -o m$p.nn big.csv
		cmp <(content one.nn) <(content m$p.nn) || { echo "-np $p differs" >&2; return 1; }
	done
}

@test "nn-train-mpi: rank 1 out of memory alone: it names itself, the job ends" {
	# ASan reserves terabytes of address space: no ulimit -v under it
	b=$(command -v nn-train-mpi)
	! nm "$b" 2>/dev/null | grep -q __asan_init && ! ldd "$b" | grep -q libasan ||
	    skip "sanitizer build: ulimit -v does not apply"
	nn-gen moons -n 20000 --seed 1 >big.csv
	run --separate-stderr env NNKIT_MPI_TIMEOUT=3 mpirun -q -np 2 sh -c \
	    'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then ulimit -v 500000; fi; exec nn-train-mpi "$@"' \
	    sh -q -l 2000,2000 -b 1024 -e 1 -o m.nn big.csv
	[ "$status" -ne 0 ] || return 1
	grep -q '^nn-train-mpi: rank 1: out of memory' <<<"$stderr" || { echo "$stderr" >&2; return 1; }
	[ ! -e m.nn ]
}
