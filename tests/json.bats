#!/usr/bin/env bats
# nn-model export --format json / import: every kind of model goes to JSON
# and back to the identical file (cmp); the export is standard JSON that
# Python reads; the NumPy recipe of nn-model(1) computes what nn-predict
# does; and each bad document is refused with exit 1, one line naming the
# file and the JSON path, and no model written.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	(
		cd "$D" || exit 1
		nn-gen moons -n 200 --seed 3 >d.csv
		nn-train -q -l 4 -e 5 -s 7 -o plain.nn d.csv
		nn-train -q -l 8,8 --batchnorm -e 3 -o bn.nn d.csv
		nn-train -q -l 8,8 --residual -e 3 -o res.nn d.csv
		nn-train -q -l 8 --dropout 0.25 -e 3 -o drop.nn d.csv
		nn-train -q -l 8 -a leaky-relu --leaky-slope 0.05 -e 3 -o leaky.nn d.csv
		for o in sgd momentum nesterov adam adamw rmsprop adagrad; do
			nn-train -q -l 4 -e 2 --optimizer $o --weight-decay 0.001 -o opt-$o.nn d.csv
		done
		awk 'BEGIN { srand(3); print "a,b,y";
			for (i = 0; i < 300; i++) { a = rand(); b = rand();
				printf "%.5f,%.5f,%.5f\n", a, b, 2*a - b + 0.5 } }' >reg.csv
		nn-train -q -e 5 -o reg.nn reg.csv
		awk 'BEGIN { srand(7); split("red green blue", c, " ");
			print "x1,\"odd, name\",colour";
			for (i = 0; i < 300; i++) { k = i % 3 + 1;
				printf "%.4f,%.4f,%s\n", 4*k + rand(), -3*k + rand(), c[k] } }' >colours.csv
		nn-train -q -e 10 -l 6 --batchnorm -a gelu -o colours.nn colours.csv
		python3 "$BATS_TEST_DIRNAME/mixed.py" 600 4 mixed.csv new.csv
		nn-train -q --target bought --ignore signup_date --id customer_id \
		    --categorical mode --missing median -o mixed.nn mixed.csv
		awk -F, 'NR > 1 { print $3, "1:" $1, "2:" $2 }' d.csv >d.svm
		nn-train -q --format libsvm -o svm.nn d.svm
		# names that are not UTF-8, with control characters and quotes
		python3 - <<-'EOF'
		rows = [l.rstrip("\n").split(",") for l in open("d.csv")][1:]
		with open("odd.csv", "wb") as f:
		    f.write(b'"x\tq\xff\xfe\x01","caf\xc3\xa9 \xed\xa0\x80 \\ \x7f","y\xe9"\n')
		    for r in rows:
		        lab = b'"oui\xe9\nnon"' if r[2] == "1" else b'"n""on\x1f"'
		        f.write(r[0].encode() + b"," + r[1].encode() + b"," + lab + b"\n")
		EOF
		nn-train -q -e 2 -o odd.nn odd.csv
		printf 'x1,x2\n0.5,0.2\n1,-0.4\n-1,0.7\n2,0.1\n0,0\n' >features.csv
		printf 'x1,"odd, name"\n4.5,-3.2\n8.1,-6.5\n12.3,-9.1\n' >cfeatures.csv
		printf 'a,b\n0.5,0.2\n0.1,0.9\n' >rfeatures.csv
		nn-model export --format json plain.nn >plain.json
		nn-model export --format json bn.nn >bn.json
		nn-model export --format json mixed.nn >mixed.json
		nn-model export --format json opt-adam.nn >adam.json
	)
}

fail() { echo "$*" >&2; return 1; }
nomodel() { [ ! -e out.nn ] || fail "out.nn was written"; [ -z "$(ls -A | grep '^\.')" ] || fail "left behind: $(ls -A)"; }

# roundtrip MODEL: export, import, the same bytes
roundtrip() {
	nn-model export --format json "$D/$1" >a.json || return 1
	nn-model import -o b.nn a.json || return 1
	cmp "$D/$1" b.nn
}

# edit JSON PYTHON-STATEMENTS: a copy of $D/JSON as x.json, changed by the
# statements (on m, the parsed document) and written back by Python
edit() {
	/usr/bin/python3 -c "import json, sys
m = json.load(open(sys.argv[1]))
$2
json.dump(m, open('x.json', 'w'), indent=1)" "$D/$1"
}

# bad PATTERN FILE: import refuses FILE with one line matching PATTERN and
# writes nothing
bad() { row 1 "$1" nn-model import -o out.nn "$2" && nomodel; }

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

# strict_json FILE: Python's json reads FILE, which has no NaN or Infinity
# (which Python would take, but RFC 8259 does not allow)
strict_json() {
	/usr/bin/python3 -c 'import json, sys
def no(c): raise ValueError(c)
json.load(open(sys.argv[1]), parse_constant=no)' "$1"
}

# recipe: the NumPy example of nn-model(1), as a shell script
recipe() {
	MANWIDTH=200 mandoc -Tascii -O width=200 "$BATS_TEST_DIRNAME/../man/nn-model.1" | col -bx |
	    awk '/^ *\$ \/usr\/bin\/python3 / { f = 1; match($0, /^ */); n = RLENGTH }
		f { print substr($0, n + 1) }
		f && /^ *EOF$/ { exit }' | sed '1s/^\$ //'
}

# close LIST1 LIST2: the same count of numbers, pairwise within 1e-4
close() {
	[ "$(printf '%s\n' "$1" | wc -l)" -eq "$(printf '%s\n' "$2" | wc -l)" ] || fail "counts differ: $1 / $2" || return 1
	paste -d, <(printf '%s\n' "$1") <(printf '%s\n' "$2") |
	    awk -F, '{ h = NF / 2; for (i = 1; i <= h; i++) { d = $i - $(i + h); if (d < -1e-4 || d > 1e-4) { print "differ: " $0; bad = 1 } } } END { exit bad }'
}

# numpy MODEL FEATURES COLUMNS: the recipe's output against nn-predict's
# last COLUMNS columns
numpy() {
	recipe >recipe.sh
	grep -q 'import numpy' recipe.sh || fail "no recipe in nn-model(1)" || return 1
	nn-model export --format json -o moons.json "$D/$1" || return 1
	cp "$D/$2" features.csv
	mine=$(bash recipe.sh) || return 1
	theirs=$(nn-predict --proba -m "$D/$1" features.csv | tail -n +2 | rev | cut -d, -f1-"$3" | rev)
	close "$mine" "$theirs"
}

# ---- round trips: the identical file ------------------------------------------
@test "json: plain network, cmp after the round trip"       { roundtrip plain.nn; }
@test "json: batch normalisation"                           { roundtrip bn.nn; grep -q '"running_var"' a.json; }
@test "json: residual"                                      { roundtrip res.nn; grep -q '"residual": true' a.json; }
@test "json: dropout"                                       { roundtrip drop.nn; grep -q '"dropout": 0.25' a.json; }
@test "json: leaky-relu slope"                              { roundtrip leaky.nn; grep -q '"slope": 0.05' a.json; }
@test "json: every optimizer's checkpoint"                  { for o in sgd momentum nesterov adam adamw rmsprop adagrad; do roundtrip opt-$o.nn || fail "$o" || return 1; grep -q "\"optimizer\": \"$o\"" a.json || return 1; done; }
@test "json: regression"                                    { roundtrip reg.nn; grep -q '"labels": \[\]' a.json; }
@test "json: multiclass string labels, gelu, batchnorm"     { roundtrip colours.nn; grep -q '"labels": \["blue", "green", "red"\]' a.json; }
@test "json: categorical columns, fills, IDs"               { roundtrip mixed.nn; grep -q '"ids": \["customer_id"\]' a.json; grep -q '"missing": "median"' a.json; }
@test "json: libsvm-trained"                                { roundtrip svm.nn; }
@test "json: names that are not UTF-8, control characters"  { roundtrip odd.nn; grep -q 'x\\tq\\udcff\\udcfe\\u0001' a.json; }
@test "json: without a checkpoint (null)"                   { edit plain.json 'm["checkpoint"] = None'; nn-model import -o c.nn x.json; nn-model export --format json c.nn >c.json; nn-model import -o d.nn c.json; cmp c.nn d.nn; nn-model info c.nn | grep -q 'resumable  *no'; }
@test "json: rewritten by Python (sorted keys), same model" { nn-model export --format json "$D/colours.nn" >c.json; /usr/bin/python3 -c 'import json; json.dump(json.load(open("c.json")), open("p.json", "w"), sort_keys=True)'; nn-model import -o p.nn p.json; cmp "$D/colours.nn" p.nn; }
@test "json: -o FILE holds what stdout gets"                { nn-model export --format json -o o.json "$D/bn.nn"; cmp o.json "$D/bn.json"; }
@test "json: import from stdin and from gzip"               { gzip -c "$D/mixed.json" >m.json.gz; nn-model import -o a.nn m.json.gz; cmp a.nn "$D/mixed.nn"; nn-model import -o b.nn - <"$D/mixed.json"; cmp b.nn "$D/mixed.nn"; }
@test "json: --format json given to import"                 { nn-model import --format json -o a.nn "$D/plain.json"; cmp a.nn "$D/plain.nn"; }

# ---- what other programs see --------------------------------------------------
@test "json: Python reads the export (no NaN or Infinity literals)" { for f in plain bn mixed adam; do strict_json "$D/$f.json" || return 1; done; }
@test "json: w is (nin, nout) nested arrays"                { /usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); L = m["layers"]; assert [(len(l["w"]), len(l["w"][0])) for l in L] == [(2, 8), (8, 8), (8, 1)], L; assert len(L[0]["gamma"]) == 8' "$D/bn.json"; }
@test "json: integers above 2^53 are strings, exact"        { /usr/bin/python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["checkpoint"]; assert all(isinstance(s, str) == (int(s) > 2**53) for s in c["rng"]), c["rng"]' "$D/adam.json"; }
@test "json: Python gets the bytes of a non-UTF-8 name back" { nn-model export --format json "$D/odd.nn" >o.json; /usr/bin/python3 -c 'import json; m = json.load(open("o.json")); assert m["features"][0].encode("utf-8", "surrogateescape") == b"x\tq\xff\xfe\x01"; assert m["target"]["name"].encode("utf-8", "surrogateescape") == b"y\xe9"'; }
@test "json: the NumPy recipe of nn-model(1), binary"       { numpy plain.nn features.csv 1; }
@test "json: the NumPy recipe, batchnorm, gelu, multiclass" { numpy colours.nn cfeatures.csv 3; }
@test "json: the NumPy recipe, residual and leaky-relu"     { numpy res.nn features.csv 1; numpy leaky.nn features.csv 1; }
@test "json: the NumPy recipe, regression"                  { recipe >recipe.sh; nn-model export --format json -o moons.json "$D/reg.nn"; cp "$D/rfeatures.csv" features.csv; close "$(bash recipe.sh)" "$(nn-predict -m "$D/reg.nn" features.csv | tail -n +2)"; }

# ---- usage ------------------------------------------------------------------------
@test "json: export without --format"                       { usage_err '^nn-model: export needs --format$' nn-model export "$D/plain.nn"; }
@test "json: an unknown --format"                          { usage_err '^nn-model: --format: unknown format "xml" \(json, onnx\)$' nn-model export --format xml "$D/plain.nn"; }
@test "json: import without -o"                             { usage_err '^nn-model: import needs -o MODEL$' nn-model import "$D/plain.json"; }
@test "json: import -o onto its input"                      { cp "$D/plain.json" p.json; row 2 'is also an input' nn-model import -o p.json p.json; cmp p.json "$D/plain.json"; }
@test "json: export -o onto its input"                      { cp "$D/plain.nn" p.nn; row 2 'is also an input' nn-model export --format json -o p.nn p.nn; cmp p.nn "$D/plain.nn"; }
@test "json: import of a model file, not JSON"              { bad 'plain.nn: not a model in a format import knows' "$D/plain.nn"; }
@test "json: import --format json of a model file"          { row 1 'plain.nn: byte [0-9]+ is a NUL byte: not JSON' nn-model import --format json -o out.nn "$D/plain.nn"; nomodel; }

# ---- bad documents: exit 1, one line with file and path, no model --------------
@test "json: bad: truncated"                                { head -c 700 "$D/plain.json" >t.json; bad '^nn-model: t\.json:[0-9]+:[0-9]+: layers\[1\].*(the input ends|the end of the input)' t.json; }
@test "json: bad: empty"                                    { : >e.json; row 1 'e\.json: empty, not JSON' nn-model import --format json -o out.nn e.json; nomodel; }
@test "json: bad: a row of w missing"                       { edit plain.json 'm["layers"][0]["w"].pop()'; bad '^nn-model: x\.json: layers\[0\]\.w: expected 2 rows of 4 numbers, got 1 row$' x.json; }
@test "json: bad: a weight missing from a row"              { edit plain.json 'm["layers"][1]["w"][2] = []'; bad 'x\.json: layers\[1\]\.w\[2\]: expected 1 number, got 0$' x.json; }
@test "json: bad: nout disagrees with the weights"          { edit plain.json 'm["layers"][0]["nout"] = 5'; bad 'x\.json: layers\[0\]\.w\[0\]: expected 5 numbers, got 4$' x.json; }
@test "json: bad: b one short"                              { edit bn.json 'm["layers"][1]["b"].pop()'; bad 'x\.json: layers\[1\]\.b: expected 8 numbers, got 7$' x.json; }
@test "json: bad: gamma one short"                          { edit bn.json 'm["layers"][0]["gamma"].pop()'; bad 'x\.json: layers\[0\]\.gamma: expected 8 numbers, got 7$' x.json; }
@test "json: bad: layers do not chain"                      { edit bn.json 'm["layers"][1]["nin"] = 7; m["layers"][1]["w"].pop()'; bad 'x\.json: layers\[1\]\.nin: 7, but layers\[0\] gives 8 outputs' x.json; }
@test "json: bad: a number too large for a float"           { sed '0,/"b": \[/s/"b": \[[-0-9.e]*/"b": [1e39/' "$D/plain.json" >x.json; bad 'x\.json: layers\[0\]\.b\[0\]: 1e39 is out of range for a 32-bit float' x.json; }
@test "json: bad: NaN literal (not JSON)"                   { sed '0,/"b": \[/s/"b": \[[-0-9.e]*/"b": [NaN/' "$D/plain.json" >x.json; bad 'x\.json:[0-9]+:[0-9]+: layers\[0\]\.b\[0\]: expected a value' x.json; }
@test "json: bad: a weight as a string"                     { edit plain.json 'm["layers"][0]["w"][1][3] = "0.5"'; bad 'x\.json: layers\[0\]\.w\[1\]\[3\]: expected a number, got a string' x.json; }
@test "json: bad: unknown activation"                       { edit plain.json 'm["layers"][0]["activation"] = "reluu"'; bad 'x\.json: layers\[0\]\.activation: unknown activation "reluu"' x.json; }
@test "json: bad: softmax on a hidden layer"                { edit plain.json 'm["layers"][0]["activation"] = "softmax"'; bad 'x\.json: layers\[0\]\.activation: softmax is for the output layer only' x.json; }
@test "json: bad: slope on a relu layer"                    { edit plain.json 'm["layers"][0]["slope"] = 0.1'; bad 'x\.json: layers\[0\]\.slope: only a leaky-relu layer has a slope' x.json; }
@test "json: bad: dropout out of range"                     { edit plain.json 'm["layers"][0]["dropout"] = 1'; bad 'x\.json: layers\[0\]\.dropout: 1 is not in \[0, 1\)' x.json; }
@test "json: bad: negative running variance"                { edit bn.json 'm["layers"][1]["running_var"][3] = -0.5'; bad 'x\.json: layers\[1\]\.running_var\[3\]: a variance of -0.5 is negative' x.json; }
@test "json: bad: duplicate key"                            { sed '0,/"task"/s/"task": "binary",/"task": "binary", "task": "binary",/' "$D/plain.json" >x.json; bad 'x\.json:4:[0-9]+: duplicate key "task"' x.json; }
@test "json: bad: unknown key"                              { edit bn.json 'm["layers"][0]["runing_var"] = m["layers"][0].pop("running_var")'; bad 'x\.json: layers\[0\]: unknown key "runing_var"' x.json; }
@test "json: bad: missing key"                              { edit plain.json 'del m["training"]["seed"]'; bad 'x\.json: training: the key "seed" is missing' x.json; }
@test "json: bad: deep nesting"                             { /usr/bin/python3 -c 'print("[" * 100000 + "]" * 100000)' >x.json; row 1 'x\.json:1:65: (\[0\])+: arrays and objects nested deeper than 64$' nn-model import --format json -o out.nn x.json; nomodel; }
@test "json: bad: top level not an object"                  { echo '[1, 2]' >x.json; row 1 'x\.json: the top level: expected an object, got an array' nn-model import --format json -o out.nn x.json; nomodel; }
@test "json: bad: trailing text"                            { cat "$D/plain.json" >x.json; echo '{}' >>x.json; bad "x\\.json:[0-9]+:1: '\\{' after the end of the document" x.json; }
@test "json: bad: a byte order mark"                        { printf '\357\273\277' >x.json; cat "$D/plain.json" >>x.json; row 1 'x\.json:1:1: a byte order mark' nn-model import --format json -o out.nn x.json; nomodel; }
@test "json: bad: invalid UTF-8 in a string"                { sed 's/"x1"/"x\xff1"/' "$D/plain.json" >x.json; bad 'x\.json:[0-9]+:[0-9]+: features\[0\]: invalid UTF-8 \(byte 0xff\)' x.json; }
@test "json: bad: a lone high surrogate"                    { sed 's/"x1"/"x\\ud8001"/' "$D/plain.json" >x.json; bad 'features\[0\]: \\ud800 is half of a surrogate pair' x.json; }
@test "json: bad: \\u0000 in a name"                         { sed 's/"x1"/"x\\u00001"/' "$D/plain.json" >x.json; bad 'features\[0\]: \\u0000: a NUL character' x.json; }
@test "json: bad: a raw tab in a string"                    { sed 's/"x1"/"x\t1"/' "$D/plain.json" >x.json; bad 'features\[0\]: a control character \(0x09\) in a string must be escaped' x.json; }
@test "json: bad: seed out of range"                        { edit plain.json 'm["training"]["seed"] = 2**64'; bad 'x\.json: training\.seed: 18446744073709551616 is outside \[0, 18446744073709551615\]' x.json; }
@test "json: bad: a negative row count"                     { edit plain.json 'm["training"]["rows"] = -1'; bad 'x\.json: training\.rows: -1 is outside' x.json; }
@test "json: bad: a fractional epoch count"                 { edit plain.json 'm["training"]["epochs"] = 2.5'; bad 'x\.json: training\.epochs: expected a whole number in \[0, 4294967295\], got a number 2\.5' x.json; }
@test "json: bad: labels do not fit the task"               { edit plain.json 'm["labels"].append("2")'; bad 'x\.json: labels: expected 2 labels, got 3' x.json; }
@test "json: bad: categories out of order"                  { edit mixed.json 'c = [c for c in m["input_columns"]["columns"] if c["type"] == "categorical"][0]; c["categories"].reverse()'; bad 'x\.json: input_columns\.columns\[[0-9]+\]\.categories\[1\]: .* does not come after' x.json; }
@test "json: bad: a fill that is not a category"            { edit mixed.json 'c = [c for c in m["input_columns"]["columns"] if c["type"] == "categorical"][0]; c["fill"] = "mauve"'; bad 'x\.json: input_columns\.columns\[[0-9]+\]\.fill: "mauve" is not one of the categories' x.json; }
@test "json: bad: a moment where sgd keeps none"            { edit plain.json 'm["checkpoint"]["m"] = []'; bad 'x\.json: checkpoint\.m: sgd keeps no first moment: expected null, got an array' x.json; }
@test "json: bad: adam's second moment one layer short"     { edit adam.json 'm["checkpoint"]["v"].pop()'; bad 'x\.json: checkpoint\.v: expected 2 layers, got 1' x.json; }
@test "json: bad: version 2"                                { edit plain.json 'm["version"] = 2'; bad 'x\.json: version: 2: this nnkit reads version 1' x.json; }
@test "json: bad: another format"                           { edit plain.json 'm["format"] = "onnx"'; bad 'x\.json: format: expected "nnkit-model", got "onnx"' x.json; }
