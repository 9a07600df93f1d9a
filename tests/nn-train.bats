#!/usr/bin/env bats
# nn-train: a table of good and bad invocations.  Each bad row checks the
# exit status, the one-line message, and that no model file appears.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 300 --noise 0.1 --seed 3 >"$D/moons.csv"
	printf 'x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n' >"$D/ok.csv"
	printf 'x1,x2,label\n1,2,a\n3,4\n5,6,a\n' >"$D/ragged.csv"
	printf 'x1,x2,label\n1,2,a\n3,abc,b\n' >"$D/word.csv"
	printf 'x1,x2,label\n1,2,a\n3,nan,b\n' >"$D/nan.csv"
	printf 'x1,x2,label\n1,2,a\n3,inf,b\n' >"$D/inf.csv"
	printf 'x1,x2,label\n1,2,a\n3,,b\n' >"$D/emptyfield.csv"
	printf 'x1,x2,label\n1,2,a\n3,4,a\n' >"$D/oneclass.csv"
	printf 'x1,x2,label\n' >"$D/header.csv"
	: >"$D/empty.csv"
	# three string classes in three separated clusters
	awk 'BEGIN { srand(7); split("red green blue", c, " ");
		print "x1,x2,colour";
		for (i = 0; i < 300; i++) { k = i % 3 + 1;
			printf "%.4f,%.4f,%s\n", 4*k + rand(), -3*k + rand(), c[k] } }' >"$D/colours.csv"
}

# nomodel: the bad row must not have written m.nn
nomodel() { [ ! -e m.nn ] || { echo "m.nn was written" >&2; return 1; }; }

@test "nn-train: usage == SYNOPSIS"               { check_usage nn-train nn-train.1; }
@test "nn-train: --version"                        { row 0 '^nn-train \(nnkit\) [0-9]' nn-train --version; }
@test "nn-train: trains moons, prints final loss"  { row 0 '' nn-train -o m.nn "$D/moons.csv"; grep -q 'final loss' <<<"$stderr"; [ -s m.nn ]; }
@test "nn-train: -q prints nothing"                { row 0 '' nn-train -q -o m.nn "$D/moons.csv"; [ -z "$stderr" ]; }
@test "nn-train: reads stdin"                      { rowin 0 '' "$D/moons.csv" nn-train -q -o m.nn -; [ -s m.nn ]; }
@test "nn-train: no hidden layer (-l '')"          { row 0 '' nn-train -q -l '' -o m.nn "$D/moons.csv"; }
@test "nn-train: per-layer activations"            { row 0 '' nn-train -q -l 8:tanh,4:sigmoid -o m.nn "$D/moons.csv"; }
@test "nn-train: same command twice, same bytes"   { nn-train -q -o m.nn "$D/moons.csv"; mv m.nn a.nn; nn-train -q -o m.nn "$D/moons.csv"; cmp a.nn m.nn; }
@test "nn-train: another seed, other bytes"        { nn-train -q -o a.nn "$D/moons.csv"; nn-train -q -s 2 -o b.nn "$D/moons.csv"; ! cmp -s a.nn b.nn; }
@test "nn-train: string labels, 3 classes"         { row 0 'multiclass' nn-train -o m.nn "$D/colours.csv"; }
@test "nn-train: --target by name and number"      { row 0 '' nn-train -q --target label -o a.nn "$D/moons.csv"; row 0 '' nn-train -q --target 3 -o b.nn "$D/moons.csv"; cmp <(nn-predict --proba -m a.nn "$D/moons.csv") <(nn-predict --proba -m b.nn "$D/moons.csv"); }
@test "nn-train: --task regression on numbers"     { row 0 'regression' nn-train --task regression -o m.nn "$D/moons.csv"; }
@test "nn-train: --scale minmax and none"          { row 0 '' nn-train -q --scale minmax -o a.nn "$D/moons.csv"; row 0 '' nn-train -q --scale none -o b.nn "$D/moons.csv"; }
@test "nn-train: --no-header"                      { tail -n +2 "$D/moons.csv" >nh.csv; row 0 '' nn-train -q --no-header -o m.nn nh.csv; }

# bad data: exit 1, one line naming file:line[:column], no model
@test "nn-train: ragged row"                       { row 1 'ragged.csv:3: expected 3 fields, got 2' nn-train -o m.nn "$D/ragged.csv"; nomodel; }
@test "nn-train: non-numeric feature"              { row 1 'word.csv:3:2: expected a number, got "abc"' nn-train -o m.nn "$D/word.csv"; nomodel; }
@test "nn-train: NaN feature"                      { row 1 'nan.csv:3:2: .*(nan|finite)' nn-train -o m.nn "$D/nan.csv"; nomodel; }
@test "nn-train: Inf feature"                      { row 1 'inf.csv:3:2: .*(inf|finite)' nn-train -o m.nn "$D/inf.csv"; nomodel; }
@test "nn-train: empty numeric field"              { row 1 'emptyfield.csv:3:2: ' nn-train -o m.nn "$D/emptyfield.csv"; nomodel; }
@test "nn-train: empty input"                      { row 1 'empty.csv: empty input' nn-train -o m.nn "$D/empty.csv"; nomodel; }
@test "nn-train: header only"                      { row 1 'header.csv: no data rows' nn-train -o m.nn "$D/header.csv"; nomodel; }
@test "nn-train: one class"                        { row 1 'one class' nn-train -o m.nn "$D/oneclass.csv"; nomodel; }
@test "nn-train: unknown target column"            { row 1 'no column "foo"' nn-train --target foo -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: target column out of range"       { row 1 'column 9' nn-train --target 9 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: regression on string labels"      { row 1 'not numeric' nn-train --task regression -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: binary with three classes"        { row 1 '3 classes' nn-train --task binary -o m.nn "$D/colours.csv"; nomodel; }
@test "nn-train: missing input file"               { row 1 'nope.csv' nn-train -o m.nn nope.csv; nomodel; }
@test "nn-train: output directory missing"         { row 1 'no/such' nn-train -o no/such/m.nn "$D/ok.csv"; }
@test "nn-train: bad data leaves old model"        { nn-train -q -o m.nn "$D/moons.csv"; cp m.nn old.nn; row 1 'word.csv:3:2' nn-train -o m.nn "$D/word.csv"; cmp m.nn old.nn; [ "$(ls -A | grep -c '^\.')" -eq 0 ]; }
@test "nn-train: divergence exits 3, old model kept" { nn-train -q -o m.nn "$D/moons.csv"; cp m.nn old.nn; row 3 'not finite' nn-train -r 1e30 -o m.nn "$D/moons.csv"; cmp m.nn old.nn; }

# usage errors: exit 2, no model
@test "nn-train: -e -3"                            { row 2 '^nn-train: -e: expected an integer' nn-train -e -3 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -e 0"                             { row 2 '-e: expected an integer in \[1,' nn-train -e 0 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -e abc"                           { row 2 '-e: .*"abc"' nn-train -e abc -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -e 1e3 is not an integer"         { row 2 '-e: .*"1e3"' nn-train -e 1e3 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -l 16,,x"                         { row 2 '-l: expected an integer .*""' nn-train -l 16,,x -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -l 16,x"                          { row 2 '-l: .*"x"' nn-train -l 16,x -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -l 0"                             { row 2 '-l: .*"0"' nn-train -l 0 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -l 8:softmax"                     { row 2 'unknown hidden activation "softmax"' nn-train -l 8:softmax -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -l huge network"                  { row 1 'network too large' nn-train -l 1000000,1000000,1000000 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -a bogus"                         { row 2 'unknown hidden activation "bogus"' nn-train -a bogus -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -b 0"                             { row 2 '-b: ' nn-train -b 0 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -r 0"                             { row 2 '-r: ' nn-train -r 0 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -r -1"                            { row 2 '-r: ' nn-train -r -1 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -r nan"                           { row 2 '-r: ' nn-train -r nan -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -s -1"                            { row 2 '-s: ' nn-train -s -1 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --task bogus"                     { row 2 '--task: ' nn-train --task bogus -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --scale bogus"                    { row 2 '--scale: ' nn-train --scale bogus -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: no -o"                            { row 2 '-o MODEL is required' nn-train "$D/ok.csv"; }
@test "nn-train: two inputs"                       { run nn-train -o m.nn "$D/ok.csv" "$D/ok.csv"; [ "$status" -eq 2 ]; nomodel; }

# optimizers and threads
@test "nn-train: each optimizer trains"            { for o in sgd momentum nesterov adam adamw rmsprop adagrad; do row 0 '' nn-train -q --optimizer $o -e 20 -o m.nn "$D/moons.csv" || return 1; done; }
@test "nn-train: --optimizer bogus"                { row 2 '--optimizer: .*"bogus"' nn-train --optimizer bogus -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --momentum 1"                     { row 2 '--momentum: ' nn-train --momentum 1 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --beta1 -0.1"                     { row 2 '--beta1: ' nn-train --beta1 -0.1 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --beta2 x"                        { row 2 '--beta2: ' nn-train --beta2 x -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --eps 0"                          { row 2 '--eps: ' nn-train --eps 0 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --weight-decay -1"                { row 2 '--weight-decay: ' nn-train --weight-decay -1 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --threads 0"                      { row 2 '--threads: ' nn-train --threads 0 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: weights do not depend on --threads" {
	for b in 300 200 130 64; do
		nn-train -q -l 32,16 -b $b -e 3 --optimizer adam --threads 1 -o t1.nn "$D/moons.csv"
		nn-train -q -l 32,16 -b $b -e 3 --optimizer adam --threads 2 -o t2.nn "$D/moons.csv"
		nn-train -q -l 32,16 -b $b -e 3 --optimizer adam --threads 3 -o t3.nn "$D/moons.csv"
		cmp <(nn-predict --proba -m t1.nn "$D/moons.csv") <(nn-predict --proba -m t2.nn "$D/moons.csv")
		cmp <(nn-predict --proba -m t1.nn "$D/moons.csv") <(nn-predict --proba -m t3.nn "$D/moons.csv")
	done
}
