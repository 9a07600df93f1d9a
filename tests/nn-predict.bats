#!/usr/bin/env bats
# nn-predict: a table of good and bad invocations.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 400 --noise 0.1 --seed 5 >"$D/moons.csv"
	nn-train -q -l 16,8 -e 60 -o "$D/moons.nn" "$D/moons.csv"
	awk 'BEGIN { srand(7); split("red green blue", c, " ");
		print "x1,x2,colour";
		for (i = 0; i < 300; i++) { k = i % 3 + 1;
			printf "%.4f,%.4f,%s\n", 4*k + rand(), -3*k + rand(), c[k] } }' >"$D/colours.csv"
	nn-train -q -o "$D/colours.nn" "$D/colours.csv"
	awk 'BEGIN { srand(3); print "a,b,y";
		for (i = 0; i < 300; i++) { a = rand(); b = rand();
			printf "%.5f,%.5f,%.5f\n", a, b, 2*a - b + 0.5 } }' >"$D/reg.csv"
	nn-train -q -e 200 -o "$D/reg.nn" "$D/reg.csv"
	printf 'x1,x2\n0.5,0.2\n1,-0.4\n' >"$D/features.csv"
	printf 'x2,extra,x1\n0.2,zz,0.5\n-0.4,yy,1\n' >"$D/reordered.csv"
	printf 'x1,label\n0.5,0\n' >"$D/missing.csv"
	printf 'x1,x2\n0.5,abc\n' >"$D/word.csv"
	printf 'x1,x2\n0.5,nan\n' >"$D/nan.csv"
	printf 'x1,x2\n0.5,0.1\n0.5\n' >"$D/ragged.csv"
	: >"$D/empty.csv"
	# labels that must be quoted in CSV: a comma, a quote, a leading blank
	awk 'BEGIN { srand(11); print "x1,x2,kind"; q = "\"";
		l[1] = q "a,b" q; l[2] = q "say " q q "hi" q q q; l[3] = q " lead" q;
		for (i = 0; i < 300; i++) { k = i % 3 + 1;
			printf "%.4f,%.4f,%s\n", 4*k + rand(), -3*k + rand(), l[k] } }' >"$D/odd.csv"
	nn-train -q -o "$D/odd.nn" "$D/odd.csv"
	head -c 100 "$D/moons.nn" >"$D/truncated.nn"
	cp "$D/moons.nn" "$D/flipped.nn"
	printf '\x55' | dd of="$D/flipped.nn" bs=1 seek=200 conv=notrunc 2>/dev/null
	# 100000 relu layers 1 -> 1 and a sigmoid: a 2.4 MB file whose
	# every layer costs memory per row of a batch
	python3 "$BATS_TEST_DIRNAME/deep_model.py" 100000 "$D/deep.nn"
	printf 'x\n0.5\n2\n' >"$D/deep.csv"
}

# limited CMD...: CMD with its address space limited to 400 MB (ulimit -v),
# and OpenBLAS on one thread (each of its threads reserves 128 MB of
# buffers).  A build with the sanitizers reserves terabytes of shadow
# memory, so there the limit is left out and only the outcome is checked.
limited() {
	if grep -qa __asan_init "$BATS_TEST_DIRNAME/../bin/nn-predict"; then
		"$@"
	else
		OPENBLAS_NUM_THREADS=1 timeout 120 bash -c 'ulimit -v 400000 && exec "$@"' limited "$@"
	fi
}

acc() { awk -F, 'NR > 1 { n++; ok += $1 == $2 } END { print ok / n }'; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
# every row's p_ columns (from column 3 on) sum to 1
sums_to_one() { awk -F, 'NR > 1 { s = 0; for (i = 3; i <= NF; i++) s += $i; if (s < 0.999 || s > 1.001) exit 1 }'; }
# Read back as CSV: the echoed target ($2's column 1) is the input's ($1's
# column 3), every prediction is one of the labels, the p_ columns are
# named after them in order.
csv_roundtrip() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
inp = list(csv.reader(open(sys.argv[1], newline="")))
out = list(csv.reader(open(sys.argv[2], newline="")))
labels = sorted({r[2] for r in inp[1:]})
ok = [r[0] for r in out[1:]] == [r[2] for r in inp[1:]]
ok = ok and all(r[1] in labels for r in out[1:])
ok = ok and out[0] == ["kind", "predicted_label"] + ["p_" + l for l in labels]
sys.exit(0 if ok and len(labels) == 3 else 1)
PY
}
mse() { awk -F, 'NR > 1 { d = $1 - $2; s += d * d; n++ } END { print s / n }'; }

@test "nn-predict: usage == SYNOPSIS"            { check_usage nn-predict nn-predict.1; }
@test "nn-predict: --version"                     { row 0 '^nn-predict \(nnkit\) ' nn-predict --version; }
@test "nn-predict: header label,predicted_label"  { row 0 '^label,predicted_label$' nn-predict -m "$D/moons.nn" "$D/moons.csv"; [ "${#lines[@]}" -eq 401 ]; }
@test "nn-predict: learns moons (train acc > 0.95)" { a=$(nn-predict -m "$D/moons.nn" "$D/moons.csv" | acc); above "$a" 0.95; }
@test "nn-predict: --proba adds p_0,p_1 summing to 1" { row 0 '^label,predicted_label,p_0,p_1$' nn-predict --proba -m "$D/moons.nn" "$D/moons.csv"; nn-predict --proba -m "$D/moons.nn" "$D/moons.csv" | sums_to_one; }
@test "nn-predict: string labels come back"       { row 0 '^colour,predicted_label$' nn-predict -m "$D/colours.nn" "$D/colours.csv"; a=$(nn-predict -m "$D/colours.nn" "$D/colours.csv" | acc); [ "$a" = 1 ]; }
@test "nn-predict: --proba with string labels"    { row 0 '^colour,predicted_label,p_blue,p_green,p_red$' nn-predict --proba -m "$D/colours.nn" "$D/colours.csv"; nn-predict --proba -m "$D/colours.nn" "$D/colours.csv" | sums_to_one; }
@test "nn-predict: labels needing quotes round-trip" { nn-predict --proba -m "$D/odd.nn" "$D/odd.csv" >out.csv; csv_roundtrip "$D/odd.csv" out.csv; }
@test "nn-predict: quoted labels learnt"          { a=$(nn-predict -m "$D/odd.nn" "$D/odd.csv" | python3 -c 'import csv,sys; r=list(csv.reader(sys.stdin))[1:]; print(sum(a==b for a,b in r)/len(r))'); above "$a" 0.95; }
@test "nn-predict: regression: y,predicted_value"  { row 0 '^y,predicted_value$' nn-predict -m "$D/reg.nn" "$D/reg.csv"; m=$(nn-predict -m "$D/reg.nn" "$D/reg.csv" | mse); above 0.01 "$m"; }
@test "nn-predict: features only, no target"      { row 0 '^predicted_label$' nn-predict -m "$D/moons.nn" "$D/features.csv"; [ "${#lines[@]}" -eq 3 ]; }
@test "nn-predict: columns matched by name"       { a=$(nn-predict -m "$D/moons.nn" "$D/features.csv"); b=$(nn-predict -m "$D/moons.nn" "$D/reordered.csv"); [ "$a" = "$b" ]; }
@test "nn-predict: stdin"                         { rowin 0 '^label,predicted' "$D/moons.csv" nn-predict -m "$D/moons.nn"; }
@test "nn-predict: --no-header still writes a header" { tail -n +2 "$D/moons.csv" | nn-predict --no-header -m "$D/moons.nn" | head -1 | grep -qx 'label,predicted_label'; }
@test "nn-predict: --no-header, training layout"  { a=$(nn-predict -m "$D/moons.nn" "$D/moons.csv" | tail -n +2); b=$(tail -n +2 "$D/moons.csv" | nn-predict --no-header -m "$D/moons.nn" | tail -n +2); [ "$a" = "$b" ]; }
@test "nn-predict: | head ends quietly"           { for i in 1 2 3 4 5 6 7 8 9 10; do cat "$D/moons.csv"; done | grep -v label | sed '1i x1,x2,label' >big.csv; run bash -c "nn-predict -m '$D/moons.nn' big.csv 2>err | head -2"; [ "${#lines[@]}" -eq 2 ]; [ ! -s err ]; }

@test "nn-predict: gzip data, as the plain data"  { gzip -c "$D/moons.csv" >d.gz; row 0 '' nn-predict --proba -m "$D/moons.nn" d.gz; cmp <(printf '%s\n' "$output") <(nn-predict --proba -m "$D/moons.nn" "$D/moons.csv"); }
@test "nn-predict: gzip data on stdin"            { gzip -c "$D/moons.csv" >d.gz; rowin 0 '' d.gz nn-predict -m "$D/moons.nn"; cmp <(printf '%s\n' "$output") <(nn-predict -m "$D/moons.nn" "$D/moons.csv"); }
@test "nn-predict: gzip model"                    { gzip -c "$D/moons.nn" >m.gz; row 0 '' nn-predict -m m.gz "$D/moons.csv"; cmp <(printf '%s\n' "$output") <(nn-predict -m "$D/moons.nn" "$D/moons.csv"); }
@test "nn-predict: truncated gzip data"           { gzip -c "$D/moons.csv" | head -c 3000 >cut.gz; row 1 '^nn-predict: cut\.gz: truncated gzip data \(unexpected end of file\)$' nn-predict -m "$D/moons.nn" cut.gz; }
@test "nn-predict: truncated gzip model"          { gzip -c "$D/moons.nn" | head -c 300 >cut.gz; row 1 '^nn-predict: cut\.gz: truncated gzip data \(unexpected end of file\)$' nn-predict -m cut.gz "$D/moons.csv"; [ -z "$output" ]; }
@test "nn-predict: stdout appended to the data"   { cp "$D/moons.csv" d.csv; saved d.csv; row 2 '^nn-predict: standard output is also an input \(d\.csv\); refusing to overwrite it$' bash -c 'nn-predict -m "$0" d.csv >>d.csv' "$D/moons.nn"; unchanged d.csv; }
@test "nn-predict: stdout over the data"          { cp "$D/moons.csv" d.csv; row 2 '^nn-predict: standard output is also an input \(d\.csv\)' bash -c 'nn-predict -m "$0" d.csv >d.csv' "$D/moons.nn"; [ ! -s d.csv ]; }
@test "nn-predict: stdout appended to stdin's file" { cp "$D/moons.csv" d.csv; saved d.csv; row 2 '^nn-predict: standard output is also an input \(<stdin>\)' bash -c 'nn-predict -m "$0" <d.csv >>d.csv' "$D/moons.nn"; unchanged d.csv; }
@test "nn-predict: stdout appended to the model"  { cp "$D/moons.nn" m.nn; saved m.nn; row 2 '^nn-predict: standard output is also an input \(m\.nn\)' bash -c 'nn-predict -m m.nn "$0" >>m.nn' "$D/moons.csv"; unchanged m.nn; }
@test "nn-predict: stdout over the model"         { cp "$D/moons.nn" m.nn; row 2 '^nn-predict: standard output is also an input \(m\.nn\)' bash -c 'nn-predict -m m.nn "$0" >m.nn' "$D/moons.csv"; [ ! -s m.nn ]; }
@test "nn-predict: /dev/null in and out is no overlap" { row 1 'empty input' bash -c 'nn-predict -m "$0" </dev/null >/dev/null' "$D/moons.nn"; }
@test "nn-predict: no -m"                         { row 2 '-m MODEL is required' nn-predict "$D/features.csv"; }
@test "nn-predict: model file missing"            { row 1 'nope.nn' nn-predict -m nope.nn "$D/features.csv"; }
@test "nn-predict: truncated model"               { row 1 'truncated.nn' nn-predict -m "$D/truncated.nn" "$D/features.csv"; }
@test "nn-predict: bit-flipped model"             { row 1 'flipped.nn: .*(checksum|corrupt)' nn-predict -m "$D/flipped.nn" "$D/features.csv"; }
@test "nn-predict: 100000 narrow layers within 400 MB (ulimit -v)" { row 0 '^yes,0\.37754[0-9]*,0\.62245' limited nn-predict --proba -m "$D/deep.nn" "$D/deep.csv"; [ "${lines[2]}" = yes,0.119202971,0.880797029 ]; }
@test "nn-predict: a model from a pipe (-m <(...))" { row 0 '' bash -c 'nn-predict -m <(cat "$0") "$1"' "$D/moons.nn" "$D/moons.csv"; cmp <(printf '%s\n' "$output") <(nn-predict -m "$D/moons.nn" "$D/moons.csv"); }
@test "nn-predict: a header, then 3 GB of garbage on -m /dev/stdin: refused at once" { row 1 '^nn-predict: /dev/stdin: byte 12: bad section tag \(file corrupt\)$' limited bash -c '{ head -c 12 "$0"; yes | head -c 3000000000; } | nn-predict -m /dev/stdin "$1"' "$D/moons.nn" "$D/features.csv"; }
@test "nn-predict: a model cut short on a pipe, then garbage: one line" { row 1 '^nn-predict: /dev/stdin: ARCH section, byte [0-9]+: ' limited bash -c '{ head -c 93 "$0"; yes | head -c 3000000000; } | nn-predict -m /dev/stdin "$1"' "$D/moons.nn" "$D/features.csv"; }
@test "nn-predict: not a model"                   { row 1 'moons.csv: not an nnkit model' nn-predict -m "$D/moons.csv" "$D/features.csv"; }
@test "nn-predict: missing feature column"        { row 1 'missing.csv: no column "x2" \(a feature of the model\)$' nn-predict -m "$D/moons.nn" "$D/missing.csv"; }
@test "nn-predict: every missing column listed"   { row 1 'reg.csv: no columns "x1", "x2" \(features of the model\)$' nn-predict -m "$D/moons.nn" "$D/reg.csv"; }
@test "nn-predict: one column, no header"         { printf '1\n' >one.csv; row 1 'one.csv: 1 column, but the model takes 2 features \(3 columns with the target\)' nn-predict --no-header -m "$D/moons.nn" one.csv; }
@test "nn-predict: non-numeric feature"           { row 1 'word.csv:2:x2: expected a number, got "abc"' nn-predict -m "$D/moons.nn" "$D/word.csv"; }
@test "nn-predict: NaN feature is filled"         { row 0 'filled 1 missing value' nn-predict -m "$D/moons.nn" "$D/nan.csv"; }
@test "nn-predict: --no-header, a NUL byte in a number on line 1" { printf '1\0x,2\n0.1,0.2\n' >n1.csv; row 1 '^nn-predict: n1\.csv:1:1: expected a number, got "1\\x00x"$' nn-predict --no-header -m "$D/moons.nn" n1.csv; }
@test "nn-predict: --no-header, a NUL byte in a number on line 3" { printf '0.1,0.2\n0.3,0.4\n1\0x,2\n' >n3.csv; row 1 '^nn-predict: n3\.csv:3:1: expected a number, got "1\\x00x"$' nn-predict --no-header -m "$D/moons.nn" n3.csv; }
@test "nn-predict: a number of 64 characters"     { printf 'x1,x2\n%.62f,%.62f\n' 0.5 0.2 >long.csv; row 0 '' nn-predict --proba -m "$D/moons.nn" long.csv; [ "${lines[1]}" = "$(printf 'x1,x2\n0.5,0.2\n' | nn-predict --proba -m "$D/moons.nn" | tail -1)" ]; }
@test "nn-predict: ragged row"                    { row 1 'ragged.csv:3: expected 2 fields, got 1' nn-predict -m "$D/moons.nn" "$D/ragged.csv"; }
@test "nn-predict: empty input"                   { row 1 'empty.csv: empty input' nn-predict -m "$D/moons.nn" "$D/empty.csv"; }
@test "nn-predict: wrong column count, no header" { printf '1,2,3,4\n' >four.csv; row 1 'four.csv: 4 columns, but the model takes 2 features' nn-predict --no-header -m "$D/moons.nn" four.csv; }
