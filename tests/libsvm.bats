#!/usr/bin/env bats
# --format libsvm: nn-train and nn-predict on the sparse format of the
# LIBSVM collection (lib/libsvm.c), and nn-eval's refusal.  Each bad row
# checks the exit status, the one-line message naming file:line:column,
# and that no model file appears.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 300 --noise 0.1 --seed 3 >"$D/moons.csv"
	# the same rows, label first; moons has no zero feature, so every
	# index is written
	awk -F, 'NR > 1 { print $3, "1:" $1, "2:" $2 }' "$D/moons.csv" >"$D/moons.svm"
	# +1/-1 labels, comments, blank lines, CR LF, tabs
	awk -F, 'NR == 1 { print "# moons as +1/-1"; next }
		{ printf "%s\t1:%s 2:%s%s\n", $3 == 1 ? "+1" : "-1", $1, $2,
		    NR % 5 == 0 ? " # a comment\r" : NR % 3 == 0 ? "\r" : "";
		  if (NR % 7 == 0) print "" }' \
	    "$D/moons.csv" >"$D/pm.svm"
	# three classes on 10 features, each row setting 3 of them
	awk 'BEGIN { srand(7);
		for (i = 0; i < 300; i++) { k = i % 3; printf "%d", k + 1;
			for (j = 1; j <= 10; j++) if (j % 3 == k || j == 10)
				printf " %d:%.4f", j, (j % 3 == k ? 2 : 0) + rand();
			print "" } }' >"$D/three.svm"
	# regression: y = 2 a - b
	awk 'BEGIN { srand(3); for (i = 0; i < 200; i++) { a = rand(); b = rand();
		printf "%.5f 1:%.5f 3:%.5f\n", 2*a - b, a, b } }' >"$D/reg.svm"
	# prediction input with features the model never saw
	printf '1 1:0.5 2:0.1 3:7\n0 2:1\n0 1:1 2:0.2 9:1\n' >"$D/unseen.svm"
	printf '1 1:0.5 2:0.1\n0 2:1\n0 1:1 2:0.2\n' >"$D/seen.svm"
	nn-train -q --format libsvm -o "$D/moons.nn" "$D/moons.svm"
	nn-train -q --format libsvm -o "$D/pm.nn" "$D/pm.svm"
}

nomodel() { [ ! -e m.nn ] || { echo "m.nn was written" >&2; return 1; }; }
acc() { awk -F, 'NR > 1 { n++; ok += $1 == $2 } END { print ok / n }'; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
# the labels of a libsvm file, one a line, as written
labels() { awk '/^[ \t]*(#|\r?$)/ { next } { print $1 }' "$1"; }

@test "libsvm: nn-train learns moons"             { row 0 '300 rows, 2 features, binary' nn-train --format libsvm -o m.nn "$D/moons.svm"; [ -s m.nn ]; }
@test "libsvm: features named 1 .. d, target label" { nn-model info "$D/moons.nn" | grep -Eq '^target +label \(column 3 of 3\)'; }
@test "libsvm: same data as CSV, same weights"     { nn-train -q -o c.nn "$D/moons.csv"; nn-train -q --format libsvm -o s.nn "$D/moons.svm"; diff <(nn-model weights c.nn) <(nn-model weights s.nn); }
@test "libsvm: reads stdin"                        { rowin 0 '' "$D/moons.svm" nn-train -q --format libsvm -o m.nn -; diff <(nn-model weights m.nn) <(nn-model weights "$D/moons.nn"); }
@test "libsvm: nn-predict echoes label, predicts"  { row 0 '^label,predicted' nn-predict --format libsvm -m "$D/moons.nn" "$D/moons.svm"; [ "${#lines[@]}" -eq 301 ]; a=$(printf '%s\n' "$output" | acc); above "$a" 0.95; }
@test "libsvm: predictions equal CSV input's"      { a=$(nn-predict --proba --format libsvm -m "$D/moons.nn" "$D/moons.svm"); b=$(nn-predict --proba -m "$D/moons.nn" "$D/moons.csv"); [ "$a" = "$b" ]; }
@test "libsvm: a CSV model takes libsvm input"     { nn-train -q -o c.nn "$D/moons.csv"; a=$(nn-predict -m c.nn "$D/moons.csv"); b=$(nn-predict --format libsvm -m c.nn "$D/moons.svm"); [ "$a" = "$b" ]; }
@test "libsvm: +1/-1 labels kept as written"       { nn-predict --format libsvm -m "$D/pm.nn" "$D/pm.svm" >out.csv; [ "$(head -1 out.csv)" = label,predicted_label ]; diff <(tail -n +2 out.csv | cut -d, -f1) <(labels "$D/pm.svm"); ! tail -n +2 out.csv | cut -d, -f2 | grep -vxE '[+-]1'; }
@test "libsvm: --proba columns p_-1,p_+1"          { row 0 '^label,predicted_label,p_-1,p_\+1' nn-predict --proba --format libsvm -m "$D/pm.nn" "$D/pm.svm"; a=$(printf '%s\n' "$output" | acc); above "$a" 0.95; }
@test "libsvm: three classes, sparse rows"         { row 0 '300 rows, 10 features, multiclass' nn-train -e 200 --format libsvm -o m.nn "$D/three.svm"; a=$(nn-predict --format libsvm -m m.nn "$D/three.svm" | acc); above "$a" 0.95; }
@test "libsvm: numeric labels make a regression"   { row 0 '200 rows, 3 features, regression' nn-train --format libsvm -e 200 -o m.nn "$D/reg.svm"; }
@test "libsvm: unseen index at prediction, once"   { row 0 '^nn-predict: 2 rows had features beyond the model.s 2 \(ignored\)$' nn-predict --format libsvm -m "$D/moons.nn" "$D/unseen.svm"; [ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]; [ "$output" = "$(nn-predict --format libsvm -m "$D/moons.nn" "$D/seen.svm")" ]; }
@test "libsvm: no unseen index, nothing on stderr" { row 0 '' nn-predict --format libsvm -m "$D/moons.nn" "$D/seen.svm"; [ -z "$stderr" ]; }
@test "libsvm: nn-predict reads stdin"             { rowin 0 '^label,predicted' "$D/moons.svm" nn-predict --format libsvm -m "$D/moons.nn"; [ "${#lines[@]}" -eq 301 ]; }
@test "libsvm: nn-predict, no rows: the header"    { : >empty.svm; row 0 '' nn-predict --format libsvm -m "$D/moons.nn" empty.svm; [ "$output" = label,predicted_label ]; }
@test "libsvm: --val in libsvm"                    { row 0 '' nn-train -q --format libsvm --val "$D/moons.svm" --patience 5 -o m.nn "$D/moons.svm"; [ -s m.nn ]; }
@test "libsvm: --val with an unseen index"         { row 0 'unseen.svm: 2 rows had features beyond the training data.s 2 \(ignored\)' nn-train -q --format libsvm --val "$D/unseen.svm" -o m.nn "$D/moons.svm"; }
@test "libsvm: --cv"                               { row 0 'mean: val_loss' nn-train --format libsvm --cv 3 -e 10 "$D/moons.svm"; }

# bad data: exit 1, one line naming file:line:column, no model
bad() { printf "$1" >bad.svm; row 1 "^nn-train: bad.svm:$2\$" nn-train --format libsvm -o m.nn bad.svm; nomodel; }
@test "libsvm: bad label"                          { bad '1 1:1\nx 1:1\n' '2:1: bad label "x": expected a number'; }
@test "libsvm: missing label"                      { bad '1:1 2:1\n' '1:1: bad label "1:1": expected a number \(is the label missing\?\)'; }
@test "libsvm: non-finite label"                   { bad '1 1:1\nnan 1:1\n' '2:1: label "nan" is non-finite'; }
@test "libsvm: bad index"                          { bad '1 1:1\n0 x:1\n' '2:3: bad index "x" in "x:1": expected an integer in \[1, 2147483647\]'; }
@test "libsvm: index 0"                            { bad '1 0:1\n' '1:3: bad index "0" in "0:1": indices start at 1'; }
@test "libsvm: index not increasing"               { bad '1 1:1\n0 2:1 2:3\n' '2:7: index 2 after 2 in "2:3": indices must increase along a row'; }
@test "libsvm: missing colon"                      { bad '1 1:1 7\n' '1:7: expected INDEX:VALUE, got "7"'; }
@test "libsvm: bad value"                          { bad '1 1:1\n0 1:abc\n' '2:3: bad value "abc" in "1:abc": expected a number'; }
@test "libsvm: non-finite value"                   { bad '1 1:inf\n' '1:3: value "inf" in "1:inf" is non-finite'; }
@test "libsvm: CR without LF"                      { bad '1 1:1\r0 1:2\n' '1:6: a carriage return not followed by a line feed'; }
@test "libsvm: qid after a feature"                { bad '1 1:1 qid:4\n' '1:7: "qid:4" after a feature: a query id comes right after the label'; }
@test "libsvm: huge index in a tiny file"          { bad '1 1:1\n0 2000000000:1\n' '2:3: index 2000000000: 2 rows of 2000000000 features would take 96000000000 bytes dense, more than the limit of 2147483648'; }
@test "libsvm: no rows"                            { printf '# nothing\n\n' >bad.svm; row 1 '^nn-train: bad.svm: no data rows$' nn-train --format libsvm -o m.nn bad.svm; nomodel; }
@test "libsvm: error on stdin names <stdin>"       { printf '1 1:1\n0 1:x\n' >bad.svm; rowin 1 '^nn-train: <stdin>:2:3: bad value' bad.svm nn-train --format libsvm -o m.nn; nomodel; }
@test "libsvm: bad --val file"                     { printf '1 1:1\n0 2:1 1:1\n' >bad.svm; row 1 '^nn-train: bad.svm:2:7: index 1 after 2' nn-train --format libsvm --val bad.svm -o m.nn "$D/moons.svm"; nomodel; }
@test "libsvm: bad data leaves old model"          { cp "$D/moons.nn" m.nn; printf '1 1:x\n' >bad.svm; row 1 'bad.svm:1:3' nn-train --format libsvm -o m.nn bad.svm; cmp m.nn "$D/moons.nn"; }
@test "libsvm: nn-predict bad row"                 { printf '1 1:1\n1 1:1 3:1 2:1\n' >bad.svm; row 1 '^nn-predict: bad.svm:2:11: index 2 after 3 in "2:1": indices must increase along a row$' nn-predict --format libsvm -m "$D/moons.nn" bad.svm; }

# usage errors: exit 2
@test "libsvm: --format bogus"                     { row 2 '^nn-train: --format: expected csv or libsvm, got "svm"$' nn-train --format svm -o m.nn "$D/moons.svm"; nomodel; }
@test "libsvm: --target refused"                   { row 2 '^nn-train: --target does not apply to --format libsvm' nn-train --format libsvm --target 1 -o m.nn "$D/moons.svm"; nomodel; }
@test "libsvm: --no-header refused"                { row 2 '^nn-train: --no-header does not apply to --format libsvm' nn-train --format libsvm --no-header -o m.nn "$D/moons.svm"; nomodel; }
@test "libsvm: nn-predict --format bogus"          { row 2 '^nn-predict: --format: expected csv or libsvm, got "svm"$' nn-predict --format svm -m "$D/moons.nn" "$D/moons.svm"; }
@test "libsvm: nn-predict --no-header refused"     { row 2 '^nn-predict: --no-header does not apply to --format libsvm' nn-predict --format libsvm --no-header -m "$D/moons.nn" "$D/moons.svm"; }
@test "libsvm: nn-eval refuses --format libsvm"    { row 2 '^nn-eval: --format libsvm: nn-eval reads predictions' nn-eval --format libsvm "$D/moons.csv"; }
