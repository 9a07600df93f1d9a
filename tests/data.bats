#!/usr/bin/env bats
# Real data: column roles, categorical features, missing values, delimiters,
# compressed input, the task's choice said, and the bad inputs of such files
# (each: exit status, one line naming file, line and column, no model).
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	python3 "$BATS_TEST_DIRNAME/mixed.py" 600 4 "$D/mixed.csv" "$D/new.csv"
	tr ',' '\t' <"$D/mixed.csv" >"$D/mixed.tsv"
	tr ',' ';' <"$D/mixed.csv" >"$D/mixed.ssv"
	tr ',' '|' <"$D/mixed.csv" >"$D/mixed.psv"
	gzip -c "$D/mixed.csv" >"$D/mixed.csv.gz"
	nn-train -q $ROLES -o "$D/m.nn" "$D/mixed.csv"
}

ROLES="--target bought --ignore signup_date --id customer_id --categorical mode"
export ROLES
nomodel() { [ ! -e m.nn ] || { echo "m.nn was written" >&2; return 1; }; }
weights() { nn-model weights "$1"; }

# ---- the acceptance pipeline -------------------------------------------------
@test "data: a mixed CSV trains naming only target, ignored, ID and coded columns" { row 0 'filled [0-9]+ missing values of "age" with .* \(mean\)' nn-train $ROLES -o m.nn "$D/mixed.csv"; grep -q 'filled [0-9]* missing values of "city" with "[A-Za-z]*" (the most frequent)' <<<"$stderr"; grep -q 'task binary: target "bought" has 2 distinct strings' <<<"$stderr"; }
@test "data: same command twice, same bytes"       { nn-train -q $ROLES -o m.nn "$D/mixed.csv"; cp m.nn a.nn; nn-train -q $ROLES -o m.nn "$D/mixed.csv"; cmp a.nn m.nn; }
@test "data: nn-predict carries the IDs, first"    { row 0 '' nn-predict -m "$D/m.nn" "$D/new.csv"; [ "$(head -1 <<<"$output")" = customer_id,predicted_label ]; grep -q '^C0500,\(yes\|no\)$' <<<"$output"; [ "$(grep -c '^C' <<<"$output")" -eq 101 ]; }
@test "data: an unseen category predicts and is counted" { row 0 '1 row had categories unseen in training \("color" 1\)' nn-predict -m "$D/m.nn" "$D/new.csv"; grep -q '^C9999,' <<<"$output"; }
@test "data: --strict refuses an unseen category"  { row 1 'new.csv:102:color: a category unseen in training, "purple" \(--strict\)' nn-predict --strict -m "$D/m.nn" "$D/new.csv"; }
@test "data: nn-model info lists encodings and fills" { row 0 'color +categorical, column 5, one-hot over 3: blue, green, red; fill' nn-model info "$D/m.nn"; grep -q 'age  *numeric, column 3, fill [0-9.]*$' <<<"$output"; grep -q 'mode  *categorical, column 6, one-hot over 4: 1, 2, 3, 4' <<<"$output"; grep -q 'id columns *customer_id' <<<"$output"; }
@test "data: TSV gives the same weights"           { nn-train -q $ROLES -o m.nn "$D/mixed.tsv"; diff <(weights m.nn) <(weights "$D/m.nn"); }
@test "data: semicolons give the same weights"     { nn-train -q $ROLES -o m.nn "$D/mixed.ssv"; diff <(weights m.nn) <(weights "$D/m.nn"); }
@test "data: pipes give the same weights"          { nn-train -q $ROLES -o m.nn "$D/mixed.psv"; diff <(weights m.nn) <(weights "$D/m.nn"); }
@test "data: gzip gives the same weights"          { nn-train -q $ROLES -o m.nn "$D/mixed.csv.gz"; diff <(weights m.nn) <(weights "$D/m.nn"); }
@test "data: from a pipe, the same weights"        { cat "$D/mixed.ssv" | nn-train -q $ROLES -o m.nn -; diff <(weights m.nn) <(weights "$D/m.nn"); }
@test "data: -d given, the same weights"           { nn-train -q -d tab $ROLES -o m.nn "$D/mixed.tsv"; diff <(weights m.nn) <(weights "$D/m.nn"); }
@test "data: nn-predict writes the delimiter it read" { tr ',' ';' <"$D/new.csv" >n.ssv; row 0 '' nn-predict -m "$D/m.nn" n.ssv; [ "$(head -1 <<<"$output")" = 'customer_id;predicted_label' ]; }
@test "data: nn-split writes the delimiter it read" { nn-split -t 0.3 "$D/mixed.ssv" a.ssv b.ssv; grep -q '^customer_id;signup_date;age' a.ssv; }
@test "data: --val with the training encoding"     { nn-split -t 0.3 --seed 2 "$D/mixed.csv" tr.csv va.csv; row 0 '' nn-train -q $ROLES --val va.csv -o m.nn tr.csv; }
@test "data: --features takes only those"          { row 0 '' nn-train -q --target bought --features age,income -o m.nn "$D/mixed.csv"; nn-model info m.nn | grep -q '2 input columns -> 2 features'; }
@test "data: a column range"                       { row 0 '' nn-train -q --target 8 --features 3-4 -o m.nn "$D/mixed.csv"; nn-model info m.nn | grep -q '2 input columns'; }
@test "data: --missing drop says how many"         { row 0 'left out [0-9]+ rows with a missing value' nn-train --missing drop $ROLES -o m.nn "$D/mixed.csv"; }
@test "data: --missing median"                     { row 0 'with [0-9.]+ \(median\)' nn-train --missing median $ROLES -o m.nn "$D/mixed.csv"; nn-model info m.nn | grep -q 'missing values: median'; }
@test "data: a missing target leaves the row out"  { printf 'x,y\n1,a\n2,\n3,b\n4,a\n5,b\n' >t.csv; row 0 'left out 1 row with no target value' nn-train -e 1 -o m.nn t.csv; }
@test "data: --na adds a token"                    { printf 'x,y\n1,a\n-,b\n3,a\n4,b\n' >t.csv; row 0 'filled 1 missing value of "x"' nn-train -e 1 --na '-' -o m.nn t.csv; }
@test "data: comment lines before the header"      { printf '# source: the shop\n#\nx,y\n1,a\n2,b\n' >t.csv; row 0 '' nn-train -q -e 1 -o m.nn t.csv; nn-model info m.nn | grep -q '^target *y'; }

@test "data: --init-from refuses --na (the model's columns are fixed)" { row 2 '^nn-train: --init-from .*m.nn: --na: a continued model reads its columns as it was trained' nn-train --init-from "$D/m.nn" --na '-' -o x.nn "$D/mixed.csv"; }
@test "data: --init-from reads with the model's encoding" { row 0 '' nn-train -q -e 2 --init-from "$D/m.nn" -o x.nn "$D/mixed.tsv"; }

# ---- the epochs, chosen unless given --------------------------------------
@test "data: without -e the epochs are chosen and said" { row 0 '[0-9]+ epochs, chosen on a 15% validation split \(best of [0-9]+; -e sets them\)' nn-train $ROLES -o m.nn "$D/mixed.csv"; }
@test "data: the chosen count is what -e would train" { nn-train $ROLES -o a.nn "$D/mixed.csv" 2>err; k=$(sed -n 's/.*: \([0-9]*\) epochs, chosen.*/\1/p' err); nn-train -q $ROLES -e "$k" -o b.nn "$D/mixed.csv"; diff <(weights a.nn) <(weights b.nn); }
@test "data: -e given, nothing chosen"             { row 0 '' nn-train -e 3 $ROLES -o m.nn "$D/mixed.csv"; ! grep -q chosen <<<"$stderr"; nn-model info m.nn | grep -q 'epochs *3$'; }

# ---- the task, never silent -------------------------------------------------
@test "data: 25 integer classes are multiclass, and it says so" { nn-gen blobs --classes 25 -n 2000 --seed 1 >b.csv; row 0 'task multiclass: target "label" has 25 consecutive integers 0..24' nn-train -e 1 -o m.nn b.csv; }
prices() {
	awk 'BEGIN { srand(3); print "size,rooms,price"
		for (i = 0; i < 500; i++) { s = 40 + int(rand() * 160)
			printf "%d,%d,%d\n", s, 1 + int(s / 40), 1000 * s + int(rand() * 20000) } }' >p.csv
}
codes40() {
	awk 'BEGIN { print "x,y"; for (i = 0; i < 240; i++) printf "%d,%d\n", i, i % 40 }' >u.csv
}
stray() {   # stray ROWS AT MOD: column x numbers, "abc" at row AT
	awk -v n="$1" -v at="$2" -v m="$3" 'BEGIN { print "x,y"
		for (i = 0; i < n; i++) printf "%s,%d\n", i == at ? "abc" : i % m, i % 2 }' >s.csv
}
@test "data: whole-dollar prices are regression"   { prices; row 0 'task regression: target "price" has [0-9]+ distinct integers' nn-train -e 1 -o m.nn p.csv; }
@test "data: the unsure case says so even with -q" { codes40; row 0 'unsure: say --task' nn-train -q -e 1 -o m.nn u.csv; }
@test "data: the 25-class pipeline is multiclass end to end" { nn-gen blobs --classes 25 -n 2000 --seed 1 | nn-split -t 0.3 - tr.csv te.csv; nn-train -q -o m.nn tr.csv; nn-predict -m m.nn te.csv | nn-eval --format json >r.json; grep -q '"task": "classification"' r.json; grep -q '"classes": 25' r.json || grep -q '"24"' r.json; }

# ---- bad input --------------------------------------------------------------
hicard() {
	awk 'BEGIN { print "name,x,y"; for (i = 0; i < 300; i++) printf "n%d,%d,%d\n", i, i, i % 2 }' >h.csv
}
@test "data: more distinct strings than the guard" { hicard; row 1 'h.csv: column "name" has 300 distinct values, more than --max-categories 100: an ID or free text\? --ignore it' nn-train -o m.nn h.csv; nomodel; }
@test "data: --max-categories raises the guard"    { hicard; row 0 '' nn-train -q -e 1 --max-categories 300 -o m.nn h.csv; }
@test "data: duplicate header names"               { printf 'a,b,a\n1,2,3\n' >d.csv; row 1 'd.csv:1: duplicate column name "a"' nn-train -o m.nn d.csv; nomodel; }
@test "data: an empty column"                      { printf 'x,e,y\n1,,a\n2,NA,b\n3,,a\n' >e.csv; row 1 'e.csv: column "e" is empty \(every value missing\): --ignore it' nn-train -o m.nn e.csv; nomodel; }
@test "data: a target entirely missing"            { printf 'x,y\n1,\n2,NA\n' >e.csv; row 1 'e.csv: the target column "y" has no values \(every one missing\)' nn-train -o m.nn e.csv; nomodel; }
@test "data: a stray string deep in a numeric column" { stray 200 150 1000; row 1 's.csv:152:x: expected a number, got "abc" \(199 other values of the column are numbers: a typo\?' nn-train -o m.nn s.csv; nomodel; }
@test "data: the stray string made a category"     { stray 20 15 3; row 0 '' nn-train -q -e 1 --categorical x -o m.nn s.csv; }
@test "data: a delimiter that yields one column"   { row 1 'no feature columns besides the target \(one column in all: is the separator another\? -d names it\)' nn-train -d '|' -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: a truncated .gz"                      { head -c 300 "$D/mixed.csv.gz" >t.gz; row 1 't.gz: truncated gzip data' nn-train $ROLES -o m.nn t.gz; nomodel; }
@test "data: --features naming no column"          { row 1 'mixed.csv: --features: no column "nope"' nn-train --target bought --features age,nope -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: --ignore naming no column"            { row 1 'mixed.csv: --ignore: no column "date"' nn-train --target bought --ignore date -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: --id equal to --target"               { row 1 '--id: "bought" is the target' nn-train --target bought --id bought -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: --categorical on a non-feature"       { row 1 '--categorical: "customer_id" is not a feature' nn-train $ROLES --categorical customer_id -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: --missing error names line and column" { row 1 'mixed.csv:[0-9]+:(age|income|city): missing value' nn-train --missing error $ROLES -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: --missing bogus"                      { row 2 '--missing: expected error, mean, median, mode or drop' nn-train --missing bogus -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: -d of two characters"                 { row 2 '-d: expected one character' nn-train -d ';;' -o m.nn "$D/mixed.csv"; nomodel; }
@test "data: a prediction file lacking features lists them" { cut -d, -f1,2,5- "$D/new.csv" >n.csv; row 1 'n.csv: no columns "age", "income" \(features of the model\)' nn-predict -m "$D/m.nn" n.csv; }
@test "data: a prediction file lacking the ID column" { cut -d, -f2- "$D/new.csv" >n.csv; row 1 'n.csv: no column "customer_id" \(an ID column of the model\)' nn-predict -m "$D/m.nn" n.csv; }
@test "data: a string in a numeric column at prediction" { printf 'customer_id,age,income,color,mode,city\nC1,abc,1,red,1,Nice\n' >n.csv; row 1 'n.csv:2:age: expected a number, got "abc"' nn-predict -m "$D/m.nn" n.csv; }
