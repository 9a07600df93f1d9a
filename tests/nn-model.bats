#!/usr/bin/env bats
# nn-model: a table of good and bad invocations.  The models are trained
# here; what the rows expect comes from the training commands (sizes, seed,
# command line), from gzip's CRC-32 of the data, and from nn-predict, never
# from a stored copy of the output.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	(
		cd "$D" || exit 1
		nn-gen moons -n 200 --seed 3 >d.csv
		nn-train -q -l 4 -e 5 -s 7 -o m.nn d.csv
		nn-train -q -l 4 -e 5 -s 7 -o other-name.nn d.csv
		nn-train -q -l 4 -e 5 -s 8 -o seed8.nn d.csv
		nn-train -q -l 4 -e 5 -s 7 --threads 1 -o t1.nn d.csv
		nn-train -q -l 4 -e 5 -s 7 --threads 4 -o t4.nn d.csv
		nn-train -q -l 256,256 -e 1 -o big.nn d.csv
		awk 'BEGIN { srand(7); split("red green blue", c, " ");
			print "x1,\"odd, name\",colour";
			for (i = 0; i < 300; i++) { k = i % 3 + 1;
				printf "%.4f,%.4f,%s\n", 4*k + rand(), -3*k + rand(), c[k] } }' >colours.csv
		nn-train -q -e 20 -o colours.nn colours.csv
		awk 'BEGIN { srand(3); print "a,b,y";
			for (i = 0; i < 300; i++) { a = rand(); b = rand();
				printf "%.5f,%.5f,%.5f\n", a, b, 2*a - b + 0.5 } }' >reg.csv
		nn-train -q -e 5 --scale none -o reg.nn reg.csv
		printf 'x1,x2\n0.5,0.2\n1,-0.4\n-1,0.7\n2,0.1\n0,0\n' >features.csv
		head -c 100 m.nn >truncated.nn
		cp m.nn flipped.nn
		printf '\x55' | dd of=flipped.nn bs=1 seek=$(($(wc -c <m.nn) - 20)) conv=notrunc 2>/dev/null
		: >empty.nn
	)
}

fail() { echo "$*" >&2; return 1; }

# usage_err PATTERN CMD...: a usage error: exit 2, nothing on stdout, and
# on stderr one line matching PATTERN, then "Try 'nn-model --help'."
usage_err() {
	local pat=$1
	shift
	run --separate-stderr "$@"
	[ "$status" -eq 2 ] || fail "status $status, expected 2: $*" || return 1
	[ -z "$output" ] || fail "stdout: $output" || return 1
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 2 ] || fail "stderr: $stderr" || return 1
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = "Try 'nn-model --help'." ] || fail "no Try line: $stderr" || return 1
	printf '%s\n' "$stderr" | head -n 1 | grep -Eq -- "$pat" || fail "first line: $stderr"
}

# bad_model PATTERN ARGS...: both commands fail with one line matching
# PATTERN and print nothing on stdout.
bad_model() {
	local pat=$1 c
	shift
	for c in info weights; do
		row 1 "$pat" nn-model "$c" "$@" || return 1
		[ -z "$output" ] || fail "$c printed: $output" || return 1
	done
}

# The CRC-32 of a file as 8 hex digits, from gzip's trailer (little-endian).
crc32() { gzip -c "$1" | tail -c 8 | od -An -tx1 -N4 | awk '{ print $4 $3 $2 $1 }'; }

# well_formed: every line of `weights` after the header is a parameter row.
well_formed() { tail -n +2 | grep -Evc '^[1-9][0-9]*,(w,[0-9]+|b,0),[0-9]+,-?[0-9.]+(e[-+][0-9]+)?$' | grep -qx 0; }

# shape: "layer:param:count" for each layer and kind of parameter.
shape() { awk -F, 'NR > 1 { c[$1 ":" $2]++ } END { for (k in c) print k ":" c[k] }' | sort | tr '\n' ' '; }

# forward MODEL CSV: the network's output for each row of CSV (a header,
# then the features), computed here in awk from `nn-model info` (layers,
# activations, scaling) and `nn-model weights` alone.
forward() {
	nn-model info "$1" >info.txt && nn-model weights "$1" >w.csv || return 1
	awk '
	BEGIN { nf = 0 }
	FILENAME == ARGV[1] {
		if ($1 == "layer") { L = $2; nin[L] = $3; nout[L] = $5; act[L] = $6 }
		if ($1 == "scaling") { sc = 1; next }
		if (sc && $1 == "feature") next
		if (sc && /^  /) { off[nf] = $2; fac[nf] = $3 == "" ? 1 : $3; nf++; next }
		sc = 0
		next
	}
	FILENAME == ARGV[2] {
		if (FNR == 1) next
		split($0, a, ",")
		if (a[2] == "w") W[a[1], a[3], a[4]] = a[5]; else B[a[1], a[4]] = a[5]
		next
	}
	FNR > 1 {
		split($0, a, ",")
		for (i = 0; i < nf; i++) x[i] = (a[i + 1] - off[i]) * fac[i]
		for (l = 1; l <= L; l++) {
			for (j = 0; j < nout[l]; j++) {
				s = B[l, j]
				for (i = 0; i < nin[l]; i++) s += x[i] * W[l, i, j]
				if (act[l] == "relu") s = s > 0 ? s : 0
				else if (act[l] == "sigmoid") s = 1 / (1 + exp(-s))
				else if (act[l] == "tanh") s = (1 - exp(-2 * s)) / (1 + exp(-2 * s))
				else if (act[l] != "linear") { print "activation " act[l] > "/dev/stderr"; exit 1 }
				y[j] = s
			}
			for (j = 0; j < nout[l]; j++) x[j] = y[j]
		}
		printf "%.6f\n", x[0]
	}' info.txt w.csv "$2"
}

# close LIST1 LIST2: the same count of numbers, pairwise within 1e-4.
close() {
	[ "$(printf '%s\n' "$1" | wc -l)" -eq "$(printf '%s\n' "$2" | wc -l)" ] || fail "counts differ" || return 1
	paste <(printf '%s\n' "$1") <(printf '%s\n' "$2") |
	    awk '{ d = $1 - $2; if (d < -1e-4 || d > 1e-4) { print "differ: " $0; bad = 1 } } END { exit bad }'
}

# matches_predict MODEL: forward() agrees with nn-predict on features.csv.
matches_predict() {
	local mine theirs
	mine=$(forward "$1" "$D/features.csv") || return 1
	theirs=$(nn-predict --proba -m "$1" "$D/features.csv" | awk -F, 'NR > 1 { print $NF }')
	close "$mine" "$theirs"
}

# same_weights A B: identical `weights` output.
same_weights() { [ "$(nn-model weights "$1")" = "$(nn-model weights "$2")" ]; }

@test "nn-model: usage == SYNOPSIS"                 { check_usage nn-model nn-model.1; }
@test "nn-model: --version"                         { row 0 '^nn-model \(nnkit\) ' nn-model --version; }
@test "nn-model: man page passes mandoc -Tlint"     { run mandoc -Tlint -W warning "$BATS_TEST_DIRNAME/../man/nn-model.1"; [ "$status" -eq 0 ]; [ -z "$output" ]; }

@test "nn-model: info layer 1 is 2 -> 4 relu"       { row 0 'layer 1 +2 -> 4 +relu +12 parameters' nn-model info "$D/m.nn"; }
@test "nn-model: info layer 2 is 4 -> 1 sigmoid"    { row 0 'layer 2 +4 -> 1 +sigmoid +5 parameters' nn-model info "$D/m.nn"; }
@test "nn-model: info total parameters 17"          { row 0 '^parameters +17$' nn-model info "$D/m.nn"; }
@test "nn-model: info task binary, loss bce"        { row 0 '' nn-model info "$D/m.nn"; grep -Eq '^task +binary$' <<<"$output"; grep -Eq '^loss +bce$' <<<"$output"; }
@test "nn-model: info labels 0, 1"                  { row 0 '' nn-model info "$D/m.nn"; grep -Eq '^labels +0, 1( |$)' <<<"$output"; }
@test "nn-model: info scaling with feature names"   { row 0 '' nn-model info "$D/m.nn"; grep -Eq '^scaling +standard' <<<"$output"; grep -Eq '^  x1 +-?[0-9.e+-]+ +[0-9.e+-]+$' <<<"$output"; grep -Eq '^  x2 +' <<<"$output"; }
@test "nn-model: info target and its column"        { row 0 '^target +label \(column 3 of 3\)$' nn-model info "$D/m.nn"; }
@test "nn-model: info seed"                         { row 0 '' nn-model info "$D/m.nn"; grep -Eq '^  seed +7$' <<<"$output"; grep -Eq '^  seed +8$' < <(nn-model info "$D/seed8.nn"); }
@test "nn-model: info command line"                 { row 0 '' nn-model info "$D/m.nn"; grep -Eq '^  command +nn-train -q -l 4 -e 5 -s 7 -o m\.nn d\.csv$' <<<"$output"; }
@test "nn-model: info data CRC-32 (as gzip's)"      { c=$(crc32 "$D/d.csv"); row 0 '' nn-model info "$D/m.nn"; grep -Eq "^  data crc-32 +$c\$" <<<"$output"; }
@test "nn-model: info rows, epochs, batch"          { row 0 '' nn-model info "$D/m.nn"; grep -Eq '^  rows +200$' <<<"$output"; grep -Eq '^  epochs +5$' <<<"$output"; grep -Eq '^  batch +[0-9]+$' <<<"$output"; }
@test "nn-model: info rate and final loss"          { row 0 '' nn-model info "$D/m.nn"; grep -Eq '^  learning rate +[0-9.e-]+$' <<<"$output"; grep -Eq '^  final loss +[0-9.e-]+$' <<<"$output"; }
@test "nn-model: info multiclass string labels"     { row 0 '' nn-model info "$D/colours.nn"; grep -Eq '^task +multiclass$' <<<"$output"; grep -Eq '^labels +blue, green, red$' <<<"$output"; grep -q 'softmax' <<<"$output"; }
@test "nn-model: info quotes a name with a comma"   { row 0 '^  "odd, name" ' nn-model info "$D/colours.nn"; }
@test "nn-model: info regression has no labels"     { row 0 '' nn-model info "$D/reg.nn"; grep -Eq '^task +regression$' <<<"$output"; ! grep -q labels <<<"$output"; grep -Eq '^scaling +none$' <<<"$output"; }
@test "nn-model: info from stdin"                   { rowin 0 'layer 1 +2 -> 4' "$D/m.nn" nn-model info -; }

@test "nn-model: weights header"                    { row 0 '^layer,param,row,col,value' nn-model weights "$D/m.nn"; [ "${lines[0]}" = layer,param,row,col,value ]; }
@test "nn-model: weights 17 rows for -l 4 on 2"     { row 0 '' nn-model weights "$D/m.nn"; [ "${#lines[@]}" -eq 18 ]; }
@test "nn-model: weights rows == info parameters"   { p=$(nn-model info "$D/big.nn" | sed -n 's/^parameters *//p'); n=$(nn-model weights "$D/big.nn" | wc -l); [ "$n" -eq $((p + 1)) ]; [ "$p" -eq $((3*256 + 257*256 + 257)) ]; }
@test "nn-model: weights rows well formed"          { nn-model weights "$D/colours.nn" | well_formed; }
@test "nn-model: weights shape per layer"           { s=$(nn-model weights "$D/m.nn" | shape); [ "$s" = "1:b:4 1:w:8 2:b:1 2:w:4 " ] || fail "$s"; }
@test "nn-model: weights are what nn-predict uses"  { matches_predict "$D/m.nn"; }
@test "nn-model: same for a deeper network"         { matches_predict "$D/big.nn"; }
@test "nn-model: other -o name, same weights"       { same_weights "$D/m.nn" "$D/other-name.nn"; ! cmp -s "$D/m.nn" "$D/other-name.nn"; }
@test "nn-model: other thread count, same weights"  { same_weights "$D/t1.nn" "$D/t4.nn"; ! cmp -s "$D/t1.nn" "$D/t4.nn"; }
@test "nn-model: other seed, other weights"         { ! same_weights "$D/m.nn" "$D/seed8.nn"; }
@test "nn-model: weights from stdin"                { a=$(nn-model weights - <"$D/m.nn"); b=$(nn-model weights "$D/m.nn"); [ "$a" = "$b" ]; }
@test "nn-model: weights | head ends quietly"       { run bash -c "nn-model weights '$D/big.nn' 2>err | head -2"; [ "${#lines[@]}" -eq 2 ]; [ ! -s err ]; }
@test "nn-model: | head, SIGPIPE ignored"           { run bash -c "trap '' PIPE; nn-model weights '$D/big.nn' 2>err | head -2; exit \${PIPESTATUS[0]}"; [ "$status" -eq 0 ]; [ "${#lines[@]}" -eq 2 ]; [ ! -s err ]; }

@test "nn-model: gzip model, the plain info"       { gzip -c "$D/m.nn" >m.gz; row 0 '' nn-model info m.gz; [ "$output" = "$(nn-model info "$D/m.nn")" ]; }
@test "nn-model: gzip model on stdin"               { gzip -c "$D/m.nn" >m.gz; a=$(nn-model weights - <m.gz); [ "$a" = "$(nn-model weights "$D/m.nn")" ]; }
@test "nn-model: truncated gzip model"              { gzip -c "$D/m.nn" | head -c 100 >cut.gz; bad_model '^nn-model: cut\.gz: truncated gzip data \(unexpected end of file\)$' cut.gz; }
@test "nn-model: stdout appended to the model"    { cp "$D/m.nn" m.nn; saved m.nn; row 2 '^nn-model: standard output is also an input \(m\.nn\); refusing to overwrite it$' bash -c 'nn-model info m.nn >>m.nn'; unchanged m.nn; }
@test "nn-model: stdout over the model"             { cp "$D/m.nn" m.nn; row 2 '^nn-model: standard output is also an input \(m\.nn\)' bash -c 'nn-model weights m.nn >m.nn'; [ ! -s m.nn ]; }
@test "nn-model: stdout appended to stdin's model"  { cp "$D/m.nn" m.nn; saved m.nn; row 2 '^nn-model: standard output is also an input \(<stdin>\)' bash -c 'nn-model weights - <m.nn >>m.nn'; unchanged m.nn; }
@test "nn-model: model file missing"                { bad_model 'nope.nn: No such file' nope.nn; }
@test "nn-model: truncated model"                   { bad_model 'truncated.nn: truncated' "$D/truncated.nn"; }
@test "nn-model: bit-flipped model"                 { bad_model 'flipped.nn: .*(checksum|corrupt)' "$D/flipped.nn"; }
@test "nn-model: not a model"                       { bad_model 'd.csv: not an nnkit model' "$D/d.csv"; }
@test "nn-model: empty file"                        { bad_model 'empty.nn: empty' "$D/empty.nn"; }
@test "nn-model: empty stdin"                       { rowin 1 '<stdin>: empty' "$D/empty.nn" nn-model weights -; [ -z "$output" ]; }
@test "nn-model: a directory"                       { bad_model "$D: " "$D"; }
@test "nn-model: write error"                       { row 1 'stdout' bash -c 'nn-model info "$0" >/dev/full' "$D/m.nn"; }
@test "nn-model: unknown subcommand"                { usage_err 'unknown command "show"' nn-model show "$D/m.nn"; }
@test "nn-model: no operand"                        { usage_err '^nn-model: missing COMMAND \(info, weights, export, import\)$' nn-model; }
@test "nn-model: command without MODEL"             { usage_err '^nn-model: missing MODEL$' nn-model info; }
@test "nn-model: two operands"                      { usage_err "^nn-model: extra operand '.*m.nn'$" nn-model weights "$D/m.nn" "$D/m.nn"; }
@test "nn-model: bad option"                        { usage_err "^nn-model: unknown option '--bogus'$" nn-model info --bogus "$D/m.nn"; }
@test "nn-model: info says whether and how a model can be resumed" {
	nn-train -q --optimizer adam -e 3 -o r.nn "$D/d.csv"
	run nn-model info r.nn
	grep -q 'resumable *yes: adam, beta1 0.9, beta2 0.999, eps 1e-08; [0-9]* steps, 3 epochs' <<<"$output"
}

# info prints every value exactly: the scaling it shows, read back as
# float32, is the float32 of the mean and 1/sd of the training columns.
scaling_exact() {
	nn-model info "$1" | python3 -c '
import csv, math, struct, sys
f32 = lambda v: struct.unpack("f", struct.pack("f", v))[0]
rows = list(csv.reader(open(sys.argv[1])))[1:]
cols = list(zip(*rows))
shown = {}
take = False
for ln in sys.stdin:
    w = ln.split()
    if w[:1] == ["feature"]:
        take = True
        continue
    if take and len(w) == 3:
        shown[w[0]] = (float(w[1]), float(w[2]))
    elif take:
        take = False
bad = 0
for j, name in enumerate(["x1", "x2"]):
    v = [f32(float(x)) for x in cols[j]]
    mean = sum(v) / len(v)
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / len(v))
    off, fac = shown[name]
    if f32(off) != f32(mean) or f32(fac) != f32(1 / sd):
        print(name, off, f32(mean), fac, f32(1 / sd)); bad += 1
sys.exit(bad)' "$2"
}
@test "nn-model: info's scaling reads back as the exact float32 values" {
	nn-gen moons -n 200 --seed 9 >m.csv
	nn-train -q -e 1 -o m.nn m.csv
	scaling_exact m.nn m.csv
}
