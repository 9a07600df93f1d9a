#!/usr/bin/env bats
# nn-eval: a table of good and bad invocations.  Expected figures come from
# awk computing them directly from the same files, or from the hand-worked
# 3-class case of tests/unit/test_metrics.c.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	# binary, with probabilities (p_1 is the score, predicted = p_1 >= 0.5)
	awk 'BEGIN { srand(1); print "label,predicted,p_0,p_1";
		for (i = 0; i < 200; i++) { t = rand() < 0.4; p = rand();
			if (rand() < 0.6) p = t ? 0.5 + p / 2 : p / 2;
			printf "%d,%d,%.6f,%.6f\n", t, (p >= 0.5), 1 - p, p } }' >"$D/bin.csv"
	# three string labels, about 70% right
	awk 'BEGIN { srand(2); split("red green blue", c, " ");
		print "colour,predicted";
		for (i = 0; i < 300; i++) { t = c[int(rand() * 3) + 1];
			p = rand() < 0.7 ? t : c[int(rand() * 3) + 1];
			print t "," p } }' >"$D/col.csv"
	# the hand-worked case: confusion (a b c) 2 1 1 / 1 2 0 / 0 1 2,
	# macro F1 = 38/63 = 0.6032, weighted precision 37/60 = 0.6167
	printf 'label,predicted\nc,c\nc,c\nc,b\na,a\na,a\na,b\na,c\nb,b\nb,b\nb,a\n' >"$D/abc.csv"
	# regression
	awk 'BEGIN { srand(3); print "y,predicted";
		for (i = 0; i < 500; i++) { y = 10 * rand(); printf "%.6f,%.6f\n", y, y + rand() - 0.5 } }' >"$D/reg.csv"
	# integers: 5 classes (classification) and 30 distinct (regression)
	awk 'BEGIN { print "y,predicted"; for (i = 0; i < 50; i++) print i % 5 "," (i * 7) % 5 }' >"$D/int5.csv"
	awk 'BEGIN { print "y,predicted"; for (i = 0; i < 30; i++) print i "," i + 1 }' >"$D/int30.csv"
	# numbers that look like regression, then a word
	awk 'BEGIN { print "y,predicted"; for (i = 0; i < 400; i++) print i / 8 "," i / 8 + 0.25; print "x,x" }' >"$D/late.csv"
	printf 'label,predicted\n"a ""q"", b","a ""q"", b"\n"back\\\\slash",x\n' >"$D/quote.csv"
	printf 'y,predicted\n1e200,-1e200\n0,0\n' >"$D/huge.csv"
	printf 'id,label,predicted,note\n1,a,a,x\n2,b,a,y\n' >"$D/extra.csv"
	: >"$D/empty.csv"
	printf 'label,predicted\n' >"$D/header.csv"
	printf 'label,predicted\n1,1\n0\n' >"$D/ragged.csv"
	printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n0,0,abc,0.4\n' >"$D/word.csv"
	printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n0,0,nan,0.4\n' >"$D/nan.csv"
	printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n0,0,inf,0.4\n' >"$D/inf.csv"
	printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n0,0,1.5,-0.5\n' >"$D/range.csv"
	printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n0,0,0.2,0.3\n' >"$D/sum.csv"
	printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n2,1,0.2,0.8\n' >"$D/nocol.csv"
	printf 'predicted,p_0,p_1\n1,0.2,0.8\n' >"$D/notruth.csv"
	printf 'label,guess\n1,1\n' >"$D/nopred.csv"
	printf 'label,predicted\n1,1\n,1\n' >"$D/blank.csv"
	printf 'y,predicted\n1.5,2\n2.5,abc\n' >"$D/regword.csv"
	# what the file says of its task: the prediction column's name
	awk 'BEGIN { print "y,predicted_label"; for (i = 0; i < 30; i++) print i "," i + 1 }' >"$D/int30cls.csv"
	printf 'y,predicted_value\n1,1\n2,3\n1,2\n' >"$D/int3reg.csv"
	# p_* columns fix the classes, in their order
	printf 'label,predicted,p_b,p_a\nb,a,0.4,0.6\na,a,0.1,0.9\n' >"$D/pba.csv"
	printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n0,2,0.6,0.4\n' >"$D/pred2.csv"
	# 25 classes numbered 0-24 (which look like regression), a regression
	nn-gen blobs --classes 25 -n 2000 --seed 1 |
	    nn-split -t 0.3 --seed 1 - "$D/b25-train.csv" "$D/b25-test.csv"
	nn-train -q --task multiclass -o "$D/b25.nn" "$D/b25-train.csv"
	nn-predict -m "$D/b25.nn" "$D/b25-test.csv" >"$D/b25-pred.csv"
	nn-predict --proba -m "$D/b25.nn" "$D/b25-test.csv" >"$D/b25-proba.csv"
	# no row with class 7, neither as truth nor as prediction
	awk -F, '$1 != 7 && $2 != 7' "$D/b25-pred.csv" >"$D/b25-no7.csv"
	sed -e '1s/predicted_label/predicted/' "$D/b25-pred.csv" >"$D/b25-plain.csv"
	awk -F, 'NR == 5 { $1 = 99 } { print }' OFS=, "$D/b25-pred.csv" >"$D/b25-99.csv"
	awk -F, 'NR == 6 { $2 = "x" } { print }' OFS=, "$D/b25-pred.csv" >"$D/b25-x.csv"
	cut -d, -f1-5 "$D/b25-proba.csv" >"$D/b25-few.csv"
	sed -e '1s/,p_3,/,p_33,/' "$D/b25-proba.csv" >"$D/b25-p33.csv"
	nn-gen regression -n 200 --seed 1 >"$D/r.csv"
	nn-train -q --task regression -o "$D/r.nn" "$D/r.csv"
	nn-predict -m "$D/r.nn" "$D/r.csv" >"$D/r-pred.csv"
}

# field VALUE of metric M (and class C) from --format csv output on stdin
metric() { awk -F, -v m="$1" -v c="${2:-}" 'NR > 1 && $1 == m && $2 == c { print $3 }'; }
# |a - b| <= tol
close_to() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }
json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)'; }

# Reference figures, computed by awk from the input files.
awk_accuracy() { awk -F, 'NR > 1 { n++; k += $1 == $2 } END { printf "%.15g\n", k / n }' "$1"; }
awk_recall() { awk -F, -v c="$2" 'NR > 1 && $1 == c { n++; k += $2 == c } END { printf "%.15g\n", k / n }' "$1"; }
# binary log-loss: p_0 in column 3, p_1 in column 4
awk_log_loss() {
	awk -F, 'NR > 1 { p = $1 == 1 ? $4 : $3; if (p < 1e-15) p = 1e-15; s -= log(p); n++ }
		END { printf "%.12f\n", s / n }' "$1"
}
# confusion matrix as JSON, rows and columns in the order of the labels given
awk_confusion() {
	awk -F, -v labels="$2" 'NR > 1 { n[$1 "," $2]++ }
		END { k = split(labels, c, " "); s = "[";
			for (i = 1; i <= k; i++) { s = s (i > 1 ? "," : "") "[";
				for (j = 1; j <= k; j++) s = s (j > 1 ? "," : "") n[c[i] "," c[j]] + 0;
				s = s "]" }
			print s "]" }' "$1"
}
# "mse mae r2", two-pass
awk_regression() {
	awk -F, 'NR > 1 { y[++n] = $1; p[n] = $2; m += $1 }
		END { m /= n;
			for (i = 1; i <= n; i++) { e = y[i] - p[i]; s += e * e; a += e < 0 ? -e : e; t += (y[i] - m) ^ 2 }
			printf "%.15g %.15g %.15g\n", s / n, a / n, 1 - s / t }' "$1"
}
# the lesson's coloured blobs, trained and predicted with probabilities
pipeline() {
	awk 'BEGIN { srand(7); split("red green blue", c, " "); print "x1,x2,colour";
		for (i = 0; i < 300; i++) { k = i % 3 + 1;
			printf "%.4f,%.4f,%s\n", 4 * k + rand(), -3 * k + rand(), c[k] } }' >c.csv
	nn-train -q -o c.nn c.csv && nn-predict --proba -m c.nn c.csv | nn-eval --format json
}

@test "nn-eval: usage == SYNOPSIS"                 { check_usage nn-eval nn-eval.1; }
@test "nn-eval: --version"                         { row 0 '^nn-eval \(nnkit\) ' nn-eval --version; }
@test "nn-eval: binary accuracy as counted by awk" { a=$(nn-eval --format csv "$D/bin.csv" | metric accuracy); close_to "$a" "$(awk_accuracy "$D/bin.csv")" 1e-12; }
@test "nn-eval: binary log-loss as computed by awk" { a=$(nn-eval --format csv "$D/bin.csv" | metric log_loss); close_to "$a" "$(awk_log_loss "$D/bin.csv")" 1e-6; }
@test "nn-eval: binary recall of class 1 by awk"   { a=$(nn-eval --format csv "$D/bin.csv" | metric recall 1); close_to "$a" "$(awk_recall "$D/bin.csv" 1)" 1e-12; }
@test "nn-eval: binary text report"                { row 0 'log-loss +[0-9.]+' nn-eval "$D/bin.csv"; grep -Eq '^weighted avg +[0-9.]+ +[0-9.]+ +[0-9.]+ +200$' <<<"$output"; }
@test "nn-eval: red/green/blue 3x3 matrix"         { a=$(nn-eval --format json "$D/col.csv" | jq -c .confusion_matrix); [ "$a" = "$(awk_confusion "$D/col.csv" "blue green red")" ]; }
@test "nn-eval: red/green/blue labels sorted"      { row 0 '' nn-eval --format json "$D/col.csv"; [ "$(jq -c .labels <<<"$output")" = '["blue","green","red"]' ]; }
@test "nn-eval: red/green/blue text axes"          { row 0 '' nn-eval "$D/col.csv"; grep -Eq '^ +blue +green +red$' <<<"$output"; grep -Eq '^green +[0-9]+ +[0-9]+ +[0-9]+$' <<<"$output"; }
@test "nn-eval: hand-worked 3-class figures"       { row 0 '' nn-eval "$D/abc.csv"; grep -Eq '^macro avg +0\.6111 +0\.6111 +0\.6032 +10$' <<<"$output"; grep -Eq '^weighted avg +0\.6167 +0\.6000 +0\.6000 +10$' <<<"$output"; grep -Eq '^a +2 +1 +1$' <<<"$output"; }
@test "nn-eval: hand-worked per-class csv"         { row 0 '' nn-eval --format csv "$D/abc.csv"; close_to "$(metric f1 a <<<"$output")" 0.571428571428571 1e-12; close_to "$(metric predicted:c a <<<"$output")" 1 0; }
@test "nn-eval: csv has every figure"              { row 0 '^metric,class,value' nn-eval --format csv "$D/col.csv"; [ "${#lines[@]}" -eq $((1 + 2 + 4 * 3 + 6 + 9)) ]; }
@test "nn-eval: regression as computed by awk"     { o=$(nn-eval --format csv "$D/reg.csv"); set -- $(awk_regression "$D/reg.csv"); close_to "$(metric mse <<<"$o")" "$1" 1e-12; close_to "$(metric mae <<<"$o")" "$2" 1e-12; close_to "$(metric r2 <<<"$o")" "$3" 1e-12; }
@test "nn-eval: regression text"                   { row 0 '^n +500' nn-eval "$D/reg.csv"; grep -Eq '^r2 +0\.9' <<<"$output"; }
@test "nn-eval: json parses (classification)"      { nn-eval --format json "$D/col.csv" | json_ok; }
@test "nn-eval: json parses (probabilities)"       { nn-eval --format json "$D/bin.csv" | json_ok; [ "$(nn-eval --format json "$D/bin.csv" | jq 'has("log_loss")')" = true ]; }
@test "nn-eval: json parses (regression)"          { nn-eval --format json "$D/reg.csv" | json_ok; [ "$(nn-eval --format json "$D/reg.csv" | jq -r .task)" = regression ]; }
@test "nn-eval: json escapes labels"               { nn-eval --format json "$D/quote.csv" | json_ok; [ "$(nn-eval --format json "$D/quote.csv" | jq -r '.labels[0]')" = 'a "q", b' ]; }
@test "nn-eval: json null for a non-finite mse"    { row 0 '"mse": null' nn-eval --format json --task regression "$D/huge.csv"; json_ok <<<"$output"; }
@test "nn-eval: per_class keyed by label"          { [ "$(nn-eval --format json "$D/abc.csv" | jq .per_class.b.support)" = 3 ]; }
@test "nn-eval: stdin"                             { rowin 0 '^n +300' "$D/col.csv" nn-eval -; }
@test "nn-eval: gzip input, the plain report"      { gzip -c "$D/bin.csv" >in.gz; row 0 '' nn-eval --format json in.gz; [ "$output" = "$(nn-eval --format json "$D/bin.csv")" ]; }
@test "nn-eval: gzip on stdin"                     { gzip -c "$D/col.csv" >in.gz; rowin 0 '^n +300' in.gz nn-eval; }
@test "nn-eval: stdout appended to the input"     { cp "$D/bin.csv" p.csv; saved p.csv; row 2 '^nn-eval: standard output is also an input \(p\.csv\); refusing to overwrite it$' bash -c 'nn-eval p.csv >>p.csv'; unchanged p.csv; }
@test "nn-eval: stdout over the input"             { cp "$D/bin.csv" p.csv; row 2 '^nn-eval: standard output is also an input \(p\.csv\)' bash -c 'nn-eval p.csv >p.csv'; [ ! -s p.csv ]; }
@test "nn-eval: stdout appended to stdin's file"   { cp "$D/bin.csv" p.csv; saved p.csv; row 2 '^nn-eval: standard output is also an input \(<stdin>\)' bash -c 'nn-eval <p.csv >>p.csv'; unchanged p.csv; }
@test "nn-eval: truncated gzip input"              { gzip -c "$D/reg.csv" | head -c 3000 >cut.gz; row 1 '^nn-eval: cut\.gz: truncated gzip data \(unexpected end of file\)$' nn-eval cut.gz; [ -z "$output" ]; }
@test "nn-eval: truth is the first other column" { row 0 '"n": 2' nn-eval --format json "$D/extra.csv"; [ "$(jq -c .labels <<<"$output")" = '["1","2","a"]' ]; }
@test "nn-eval: --truth and --pred by name/number" { a=$(nn-eval --truth colour --pred predicted "$D/col.csv"); b=$(nn-eval --truth 1 --pred 2 "$D/col.csv"); c=$(nn-eval "$D/col.csv"); [ "$a" = "$c" ] && [ "$b" = "$c" ]; }
@test "nn-eval: --truth/--pred swapped"            { row 0 '' nn-eval --format json --truth predicted --pred label "$D/abc.csv"; [ "$(jq .per_class.a.support <<<"$output")" = 3 ]; }
@test "nn-eval: auto: 5 integer classes"           { row 0 '"task": "classification"' nn-eval --format json "$D/int5.csv"; }
@test "nn-eval: auto: 30 distinct integers"        { row 0 '"task": "regression"' nn-eval --format json "$D/int30.csv"; }
@test "nn-eval: auto: decimals are regression"     { row 0 '"task": "regression"' nn-eval --format json "$D/reg.csv"; }
@test "nn-eval: --task classification"             { row 0 '"task": "classification"' nn-eval --format json --task classification "$D/int30.csv"; }
@test "nn-eval: --task regression"                 { row 0 '"task": "regression"' nn-eval --format json --task regression "$D/int5.csv"; }
@test "nn-eval: --task regression ignores p_*"     { row 0 '"task": "regression"' nn-eval --format json --task regression "$D/bin.csv"; }
# the task and classes: the model's, the file's, else guessed aloud
jqs() { nn-eval "$@" --format json | jq -c "$JQ"; }
scale() { awk -v a="$1" -v f="$2" 'BEGIN { printf "%.17g\n", a * f }'; }
@test "nn-eval: 25 classes from nn-predict: classification, no flag" { row 0 '"task": "classification"' nn-eval --format json "$D/b25-pred.csv"; [ -z "$stderr" ]; [ "$(jq '.labels | length' <<<"$output")" = 25 ]; }
@test "nn-eval: 25 classes, plain 'predicted': guessed aloud" { row 0 'task regression: 25 distinct numeric true values \(use --task or -m MODEL' nn-eval "$D/b25-plain.csv"; grep -q '^r2 ' <<<"$output"; }
@test "nn-eval: -m on a plain 'predicted' file"    { row 0 '"task": "classification"' nn-eval -m "$D/b25.nn" --format json "$D/b25-plain.csv"; [ -z "$stderr" ]; }
@test "nn-eval: -m: every class, in the model's order" { JQ='[(.labels | join(" ")), (.confusion_matrix | length), .per_class."7".support]'; [ "$(jqs -m "$D/b25.nn" "$D/b25-no7.csv")" = "[\"$(seq -s ' ' 0 24)\",25,0]" ]; }
@test "nn-eval: without -m, only the classes seen" { JQ='.labels | length'; [ "$(jqs "$D/b25-no7.csv")" = 24 ]; }
@test "nn-eval: -m: an absent class counts in the macro average" { a=$(nn-eval -m "$D/b25.nn" --format csv "$D/b25-no7.csv" | metric macro_recall); b=$(nn-eval --format csv "$D/b25-no7.csv" | metric macro_recall); close_to "$a" "$(scale "$b" 0.96)" 1e-12; }
@test "nn-eval: --model= is -m"                    { a=$(nn-eval -m "$D/b25.nn" "$D/b25-no7.csv"); b=$(nn-eval --model="$D/b25.nn" "$D/b25-no7.csv"); [ "$a" = "$b" ]; }
@test "nn-eval: 25 classes with --proba: log-loss over all" { JQ='[.task, (.labels | length), (.log_loss > 0)]'; [ "$(jqs "$D/b25-proba.csv")" = '["classification",25,true]' ]; [ "$(jqs -m "$D/b25.nn" "$D/b25-proba.csv")" = '["classification",25,true]' ]; }
@test "nn-eval: -m's target is the truth column"   { cut -d, -f2,1 "$D/b25-pred.csv" | awk -F, '{ print $2 "," $1 }' >swapped.csv; a=$(nn-eval -m "$D/b25.nn" swapped.csv); b=$(nn-eval "$D/b25-pred.csv"); [ "$a" = "$b" ]; }
@test "nn-eval: regression from nn-predict, -m"    { row 0 '^r2 +0\.9' nn-eval -m "$D/r.nn" "$D/r-pred.csv"; [ -z "$stderr" ]; }
@test "nn-eval: predicted_value: regression though 2 integers" { row 0 '"task": "regression"' nn-eval --format json "$D/int3reg.csv"; [ -z "$stderr" ]; }
@test "nn-eval: predicted_label: classification though 30 integers" { row 0 '"task": "classification"' nn-eval --format json "$D/int30cls.csv"; [ -z "$stderr" ]; }
@test "nn-eval: --task wins over the file's name"  { row 0 '"task": "regression"' nn-eval --format json --task regression "$D/int30cls.csv"; }
@test "nn-eval: guess, 5 integer classes, said"    { row 0 'int5.csv: task classification: 5 distinct numeric true values' nn-eval "$D/int5.csv"; }
@test "nn-eval: guess, decimals, said"             { row 0 'reg.csv: task regression: numeric values, not all whole numbers' nn-eval "$D/reg.csv"; }
@test "nn-eval: no guess to say for words"         { row 0 '^n +300' nn-eval "$D/col.csv"; [ -z "$stderr" ]; }
@test "nn-eval: no guess to say with --task"       { row 0 '' nn-eval --task regression "$D/int5.csv"; [ -z "$stderr" ]; }
@test "nn-eval: p_* columns fix the classes, in their order" { row 0 '' nn-eval --format json "$D/pba.csv"; [ "$(jq -c .labels <<<"$output")" = '["b","a"]' ]; }
@test "nn-eval: nn-predict --no-header | nn-eval: still the model's task" { tail -n +2 "$D/b25-test.csv" | nn-predict --no-header -m "$D/b25.nn" >p.csv; row 0 '"task": "classification"' nn-eval --format json p.csv; [ -z "$stderr" ]; }
@test "nn-eval: nn-predict | nn-eval"              { pipeline >out.json; json_ok <out.json; [ "$(jq .n out.json)" = 300 ]; [ "$(jq .accuracy out.json)" = 1 ]; jq -e '.log_loss > 0 and .log_loss < 0.5' out.json; }

@test "nn-eval: empty input"                       { row 1 'empty.csv: empty input' nn-eval "$D/empty.csv"; }
@test "nn-eval: header only"                       { row 1 'header.csv: no data rows' nn-eval "$D/header.csv"; }
@test "nn-eval: ragged row"                        { row 1 'ragged.csv:3: expected 2 fields, got 1' nn-eval "$D/ragged.csv"; }
@test "nn-eval: non-numeric probability"           { row 1 'word.csv:3:p_0: .*"abc"' nn-eval "$D/word.csv"; }
@test "nn-eval: NaN probability"                   { row 1 'nan.csv:3:p_0: ' nn-eval "$D/nan.csv"; }
@test "nn-eval: Inf probability"                   { row 1 'inf.csv:3:p_0: ' nn-eval "$D/inf.csv"; }
@test "nn-eval: probability out of [0, 1]"         { row 1 'range.csv:3:3: expected a probability in \[0, 1\], got 1.5' nn-eval "$D/range.csv"; }
@test "nn-eval: probabilities not summing to 1"    { row 1 'sum.csv:3: probabilities sum to 0.5' nn-eval "$D/sum.csv"; }
@test "nn-eval: true label without p_ column"      { row 1 'nocol.csv:3:1: true label "2" has no probability column p_2' nn-eval "$D/nocol.csv"; }
@test "nn-eval: no truth column"                   { row 1 'notruth.csv: no truth column' nn-eval "$D/notruth.csv"; }
@test "nn-eval: no predicted column"               { row 1 'nopred.csv: no column "predicted"' nn-eval "$D/nopred.csv"; }
@test "nn-eval: unknown --truth"                   { row 1 'abc.csv: no column "zz" \(--truth\)' nn-eval --truth zz "$D/abc.csv"; }
@test "nn-eval: unknown --pred"                    { row 1 'abc.csv: no column "zz" \(--pred\)' nn-eval --pred zz "$D/abc.csv"; }
@test "nn-eval: --truth number out of range"       { row 1 'abc.csv: --truth 3: the input has 2 columns' nn-eval --truth 3 "$D/abc.csv"; }
@test "nn-eval: --truth 0"                         { row 1 'no column "0"' nn-eval --truth 0 "$D/abc.csv"; }
@test "nn-eval: truth and predicted the same"      { row 1 'the same' nn-eval --truth predicted "$D/abc.csv"; }
@test "nn-eval: empty true value"                  { row 1 'blank.csv:3:1: empty true value' nn-eval "$D/blank.csv"; }
@test "nn-eval: regression, non-number"            { row 1 'regword.csv:3:2: expected a number, got "abc"' nn-eval --task regression "$D/regword.csv"; }
@test "nn-eval: auto, word after regression rows"  { row 1 'late.csv:402:1: "x" is not a number.*--task classification' nn-eval "$D/late.csv"; }
@test "nn-eval: word after numbers, classification" { row 0 '^n +401' nn-eval --task classification "$D/late.csv"; }
@test "nn-eval: missing file"                      { row 1 'nope.csv' nn-eval nope.csv; }
@test "nn-eval: bad --task"                        { row 2 '--task: expected auto, classification or regression, got "x"' nn-eval --task x "$D/abc.csv"; }
@test "nn-eval: bad --format"                      { row 2 '--format: expected text, csv or json, got "xml"' nn-eval --format xml "$D/abc.csv"; }
@test "nn-eval: -m classifier, regression file"    { row 1 'r-pred.csv: the column "predicted_value" says regression, but .*b25.nn is a multiclass model' nn-eval -m "$D/b25.nn" "$D/r-pred.csv"; }
@test "nn-eval: -m regression, classifier file"    { row 1 'b25-pred.csv: the column "predicted_label" says classification, but .*r.nn is a regression model' nn-eval -m "$D/r.nn" "$D/b25-pred.csv"; }
@test "nn-eval: -m regression, p_* columns"        { sed -e '1s/predicted_label/predicted/' "$D/b25-proba.csv" >p.csv; row 1 'p.csv: the p_\* columns say classification, but .*r.nn is a regression model' nn-eval -m "$D/r.nn" p.csv; }
@test "nn-eval: -m and --task disagree"            { row 1 'task regression, but .*b25.nn is a multiclass model' nn-eval -m "$D/b25.nn" --task regression "$D/b25-pred.csv"; }
@test "nn-eval: -m, true label not of the model"   { row 1 'b25-99.csv:5:1: true label "99" is not one of the 25 classes of .*b25.nn$' nn-eval -m "$D/b25.nn" "$D/b25-99.csv"; }
@test "nn-eval: -m, predicted label not of the model" { row 1 'b25-x.csv:6:2: predicted label "x" is not one of the 25 classes' nn-eval -m "$D/b25.nn" "$D/b25-x.csv"; }
@test "nn-eval: -m, a class without p_ column"     { row 1 'b25-few.csv: no column p_3 for class "3" of .*b25.nn$' nn-eval -m "$D/b25.nn" "$D/b25-few.csv"; }
@test "nn-eval: -m, a p_ column of no class"       { row 1 'b25-p33.csv: p_33 \(column 6\): "33" is not one of the 25 classes' nn-eval -m "$D/b25.nn" "$D/b25-p33.csv"; }
@test "nn-eval: -m, not a model"                   { row 1 'abc.csv: not an nnkit model' nn-eval -m "$D/abc.csv" "$D/abc.csv"; }
@test "nn-eval: predicted label without p_ column" { row 1 'pred2.csv:3:2: predicted label "2" has no probability column p_2' nn-eval "$D/pred2.csv"; }
@test "nn-eval: two files"                         { row 2 "^nn-eval: extra operand '.*abc.csv'$" nn-eval "$D/abc.csv" "$D/abc.csv"; }

# ---- ROC-AUC, average precision and --threshold --------------------------
# Tables with many ties (probabilities of one decimal), scored against
# scikit-learn's roc_auc_score and average_precision_score.
ties2() { awk 'BEGIN { srand(11); print "label,predicted,p_0,p_1";
	for (i = 0; i < 300; i++) { t = rand() < 0.4; p = int(10 * (t ? rand() * 0.7 + 0.3 : rand() * 0.8) + 0.5) / 10;
		printf "%d,%d,%.1f,%.1f\n", t, (p >= 0.5), 1 - p, p } }'; }
ties3() { awk 'BEGIN { srand(12); print "label,predicted,p_a,p_b,p_c"; split("a b c", n, " ");
	for (i = 0; i < 300; i++) { t = int(rand() * 3) + 1; q[1] = rand(); q[2] = rand(); q[3] = rand(); q[t] += 0.8;
		s = q[1] + q[2] + q[3]; a = int(10 * q[1] / s + 0.5) / 10; b = int(10 * q[2] / s + 0.5) / 10;
		if (a + b > 1) b = 1 - a; c = 1 - a - b; m = a >= b && a >= c ? 1 : b >= c ? 2 : 3;
		printf "%s,%s,%.1f,%.1f,%.1f\n", n[t], n[m], a, b, c + 0 } }'; }
# a python with scikit-learn, or skip saying why
sklearn_py() {
	local py
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import sklearn' 2>/dev/null; then SKPY=$py; return 0; fi
	done
	skip "scikit-learn is not installed (apt-get install -y python3-sklearn)"
}
# sklearn FILE: roc_auc and average precision of nn-predict-style FILE, as
# "ROC AP": binary for the second p_ column's class, else OvR macro
sklearn() {
	"$SKPY" -c 'import csv, sys
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score
rows = list(csv.DictReader(open(sys.argv[1])))
labs = [c[2:] for c in rows[0] if c.startswith("p_")]
P = np.array([[float(r["p_" + l]) for l in labs] for r in rows])
y = np.array([labs.index(r["label"]) for r in rows])
if len(labs) == 2:
    print("%.17g %.17g" % (roc_auc_score(y == 1, P[:, 1]), average_precision_score(y == 1, P[:, 1])))
else:
    print("%.17g %.17g" % (roc_auc_score(y, P, multi_class="ovr", average="macro"),
        average_precision_score(np.eye(len(labs))[y], P, average="macro")))' "$1"
}
# against FILE: nn-eval's roc_auc and pr_auc within 1e-9 of scikit-learn's
against() {
	local want ours
	want=$(sklearn "$1") || return 1
	ours="$(nn-eval --format csv "$1" | metric roc_auc) $(nn-eval --format csv "$1" | metric pr_auc)"
	echo "scikit-learn: $want, nn-eval: $ours" >&2
	close_to "${ours% *}" "${want% *}" 1e-9 && close_to "${ours#* }" "${want#* }" 1e-9
}
# the hand-worked rows of tests/unit/test_metrics.c (ROC-AUC 9.5/16, AP 2/3),
# the file's decisions at 0.5 taken as negative
hand() { printf 'label,predicted,p_0,p_1\n1,1,0.1,0.9\n0,1,0.2,0.8\n1,1,0.2,0.8\n1,0,0.5,0.5\n0,0,0.5,0.5\n0,0,0.5,0.5\n0,0,0.8,0.2\n1,0,0.9,0.1\n'; }

@test "nn-eval: roc_auc, pr_auc = scikit-learn's, binary with ties" { sklearn_py; ties2 >t2.csv; [ "$(cut -d, -f4 t2.csv | sort -u | wc -l)" -le 12 ]; against t2.csv; }
@test "nn-eval: roc_auc, pr_auc = scikit-learn's, 3 classes with ties" { sklearn_py; ties3 >t3.csv; against t3.csv; }
@test "nn-eval: roc_auc, pr_auc by hand (ties)"   { hand >h.csv; JQ='[.roc_auc, .pr_auc, .positive_class]'; [ "$(jqs h.csv)" = '[0.59375,0.6666666666666666,"1"]' ]; }
@test "nn-eval: roc-auc and pr-auc in text"        { hand >h.csv; row 0 '' nn-eval h.csv; grep -Eq '^roc-auc +0\.5938 +\(class 1 against the other\)$' <<<"$output"; grep -Eq '^pr-auc +0\.6667 ' <<<"$output"; }
@test "nn-eval: 3 classes: per-class roc_auc in csv and json" { ties3 >t3.csv; nn-eval --format csv t3.csv | metric roc_auc b | grep -Eq '^0\.[0-9]+$'; nn-eval --format json t3.csv | jq -e '.per_class.c.pr_auc > 0 and (.roc_auc | type) == "number"'; }
@test "nn-eval: no p_* columns, no roc_auc"        { row 0 '' nn-eval --format json "$D/abc.csv"; [ "$(jq 'has("roc_auc")' <<<"$output")" = false ]; }
@test "nn-eval: one class only: said, no roc_auc, exit 0" { printf 'label,predicted,p_0,p_1\n1,1,0.2,0.8\n1,0,0.7,0.3\n' >one.csv; row 0 'one.csv: no roc_auc or pr_auc: only class "1" occurs in the truth' nn-eval --format json one.csv; [ "$(jq 'has("roc_auc")' <<<"$output")" = false ]; jq -e '.accuracy == 0.5' <<<"$output"; }
@test "nn-eval: a class never in the truth: said" { printf 'label,predicted,p_a,p_b,p_c\na,a,0.5,0.3,0.2\nb,a,0.5,0.3,0.2\n' >abs.csv; row 0 'no roc_auc or pr_auc: class "c" never occurs in the truth' nn-eval abs.csv; }
# --threshold: p_1 >= T is class 1.  At 0.85 only the 0.9 row is positive:
# confusion (0 1) 4 0 / 3 1; at 0.5 the three 0.5 rows become positive too:
# 1 3 / 1 3 (the file said 3 1 / 2 2)
@test "nn-eval: --threshold 0.85 by hand"          { hand >h.csv; JQ='[.threshold, .accuracy, .confusion_matrix]'; [ "$(jqs --threshold 0.85 h.csv)" = '[0.85,0.625,[[4,0],[3,1]]]' ]; }
@test "nn-eval: --threshold 0.5: p >= T is positive" { hand >h.csv; JQ='[.accuracy, .confusion_matrix, .roc_auc]'; [ "$(jqs --threshold 0.5 h.csv)" = '[0.5,[[1,3],[1,3]],0.59375]' ]; [ "$(jqs h.csv)" = '[0.625,[[3,1],[2,2]],0.59375]' ]; }
@test "nn-eval: --threshold in csv and text"       { hand >h.csv; [ "$(nn-eval --format csv --threshold 0.85 h.csv | metric threshold 1)" = 0.85 ]; row 0 '^threshold 0\.85 +\(class 1 when' nn-eval --threshold 0.85 h.csv; }
@test "nn-eval: --threshold with -m"               { nn-predict --proba -m "$D/b25.nn" "$D/b25-test.csv" >/dev/null; row 2 '^nn-eval: --threshold is for two classes; .*b25-proba.csv has 25' nn-eval -m "$D/b25.nn" --threshold 0.5 "$D/b25-proba.csv"; }
@test "nn-eval: --threshold 0"                     { row 2 '^nn-eval: --threshold: expected a number between 0 and 1 \(both excluded\), got "0"$' nn-eval --threshold 0 "$D/bin.csv"; }
@test "nn-eval: --threshold 1"                     { row 2 'got "1"$' nn-eval --threshold 1 "$D/bin.csv"; }
@test "nn-eval: --threshold 1.5"                   { row 2 'got "1\.5"$' nn-eval --threshold 1.5 "$D/bin.csv"; }
@test "nn-eval: --threshold x"                     { row 2 'got "x"$' nn-eval --threshold x "$D/bin.csv"; }
@test "nn-eval: --threshold, 3 classes"            { ties3 >t3.csv; row 2 '^nn-eval: --threshold is for two classes; t3.csv has 3' nn-eval --threshold 0.5 t3.csv; [ -z "$output" ]; }
@test "nn-eval: --threshold, no probabilities"     { row 2 '^nn-eval: --threshold needs the probability columns p_\* \(nn-predict --proba\); .*abc.csv has none$' nn-eval --threshold 0.5 "$D/abc.csv"; [ -z "$output" ]; }
@test "nn-eval: --threshold, regression"           { row 2 '^nn-eval: --threshold: .*r-pred.csv is scored as a regression' nn-eval --threshold 0.5 "$D/r-pred.csv"; }
