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
	printf 'x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n9,10,a\n11,abc,b\n' >"$D/typo.csv"
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
@test "nn-train: a stray string in a numeric column" { row 1 'typo.csv:7:x2: expected a number, got "abc" \(5 other values .*a typo' nn-train -o m.nn "$D/typo.csv"; nomodel; }
@test "nn-train: NaN feature is missing, filled"   { row 0 'filled 1 missing value of "x2" with 2 \(mean\)' nn-train -o m.nn "$D/nan.csv"; }
@test "nn-train: --missing error"                  { row 1 'nan.csv:3:x2: missing value' nn-train --missing error -o m.nn "$D/nan.csv"; nomodel; }
@test "nn-train: Inf feature"                      { row 1 'inf.csv:3:x2: not a finite number: inf' nn-train -o m.nn "$D/inf.csv"; nomodel; }
@test "nn-train: empty numeric field is missing"   { row 0 'filled 1 missing value of "x2"' nn-train -o m.nn "$D/emptyfield.csv"; }
@test "nn-train: empty input"                      { row 1 'empty.csv: empty input' nn-train -o m.nn "$D/empty.csv"; nomodel; }
@test "nn-train: header only"                      { row 1 'header.csv: no data rows' nn-train -o m.nn "$D/header.csv"; nomodel; }
@test "nn-train: one class"                        { row 1 'one class' nn-train -o m.nn "$D/oneclass.csv"; nomodel; }
@test "nn-train: unknown target column"            { row 1 'no column "foo"' nn-train --target foo -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: target column out of range"       { row 1 'no column "9" \(3 columns' nn-train --target 9 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: regression on string labels"      { row 1 'not numeric' nn-train --task regression -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: binary with three classes"        { row 1 '3 classes' nn-train --task binary -o m.nn "$D/colours.csv"; nomodel; }
@test "nn-train: missing input file"               { row 1 'nope.csv' nn-train -o m.nn nope.csv; nomodel; }
@test "nn-train: output directory missing"         { row 1 'no/such' nn-train -o no/such/m.nn "$D/ok.csv"; }
@test "nn-train: bad data leaves old model"        { nn-train -q -o m.nn "$D/moons.csv"; cp m.nn old.nn; row 1 'typo.csv:7:x2' nn-train -o m.nn "$D/typo.csv"; cmp m.nn old.nn; [ "$(ls -A | grep -c '^\.')" -eq 0 ]; }
@test "nn-train: divergence exits 3, old model kept" { nn-train -q -o m.nn "$D/moons.csv"; cp m.nn old.nn; row 3 'not finite' nn-train -q -r 1e30 -o m.nn "$D/moons.csv"; cmp m.nn old.nn; }

# where the model goes (lib/atomic.c): what a save may not replace is
# refused before the data is read, in one line, and left as it was
@test "nn-train: -o a directory fails before training" { mkdir d; row 1 '^nn-train: d: Is a directory$' timeout 20 nn-train -e 1000000 -o d "$D/moons.csv"; [ -z "$(ls -A d)" ]; }
@test "nn-train: -o a FIFO is refused, not replaced" { mkfifo f; row 1 '^nn-train: f: a FIFO, not a regular file; refusing to replace it$' nn-train -o f "$D/ok.csv"; [ -p f ]; [ -z "$(ls -A | grep '^\.')" ]; }
@test "nn-train: -o a link to /dev/null is refused" { ln -s /dev/null n.nn; row 1 '^nn-train: n\.nn -> /dev/null: a character device, not a regular file; refusing to replace it$' nn-train -o n.nn "$D/ok.csv"; [ -L n.nn ]; [ -z "$(ls -A | grep '^\.')" ]; }
@test "nn-train: -o a 0444 model is refused"       { nn-train -q -e 2 -o m.nn "$D/moons.csv"; chmod 444 m.nn; saved m.nn; row 1 '^nn-train: m\.nn: Permission denied \(a read-only file, mode 0444; refusing to replace it\)$' nn-train -e 3 -o m.nn "$D/moons.csv"; unchanged m.nn; }
@test "nn-train: -o a link updates the model it leads to" { mkdir v; nn-train -q -e 2 -o v/1.nn "$D/moons.csv"; chmod 600 v/1.nn; saved v/1.nn; ln -s v/1.nn cur.nn; row 0 '' nn-train -q -e 3 -o cur.nn "$D/moons.csv"; [ -L cur.nn ]; ! cmp -s v/1.nn v/1.nn.saved; [ "$(stat -c %a v/1.nn)" = 600 ]; [ "$(ls -A v | tr '\n' ' ')" = "1.nn 1.nn.saved " ]; }
@test "nn-train: -o /dev/full/x: Not a directory"  { row 1 '^nn-train: /dev/full/x: Not a directory$' nn-train -o /dev/full/x "$D/ok.csv"; }
@test "nn-train: -o under a file: Not a directory" { cp "$D/ok.csv" f; row 1 '^nn-train: f/m\.nn: Not a directory$' nn-train -o f/m.nn "$D/ok.csv"; }
@test "nn-train: a killed save's leftover goes at the next save" { dead=$(bash -c 'echo $$'); echo x >".m.nn.nnkit-tmp.$dead.AbC123"; echo y >.m.nn.mine; row 0 '' nn-train -q -e 2 -o m.nn "$D/ok.csv"; [ "$(ls -A | grep '^\.' | tr '\n' ' ')" = ".m.nn.mine " ]; [ -s m.nn ]; }

# gzip input, known by its magic, never by its name: the same model bytes
# as from the plain data (the command lines equal too: m.nn is stored in
# the model)
# gz_same: d.csv plain in p/, gzip data named d.csv in g/
gz_same() {
	mkdir p g
	cp "$D/moons.csv" p/d.csv
	gzip -c "$D/moons.csv" >g/d.csv
	(cd p && nn-train -q -o m.nn d.csv) && (cd g && nn-train -q -o m.nn d.csv) &&
	    cmp p/m.nn g/m.nn
}
# gz_stdin CMD...: CMD's gzip data on stdin gives the model of moons.csv
gz_stdin() {
	nn-train -q -o m.nn - <"$D/moons.csv" && mv m.nn plain.nn &&
	    "$@" | nn-train -q -o m.nn - && cmp m.nn plain.nn
}
members() { head -c 2000 "$D/moons.csv" | gzip -c; tail -c +2001 "$D/moons.csv" | gzip -c; }
@test "nn-train: gzip data, same model bytes"      { gz_same; }
@test "nn-train: gzip data from a pipe"            { gz_stdin gzip -c "$D/moons.csv"; }
@test "nn-train: two concatenated gzip members"    { gz_stdin members; }
@test "nn-train: truncated gzip data"              { gzip -c "$D/moons.csv" | head -c 2000 >cut.gz; row 1 '^nn-train: cut\.gz: truncated gzip data \(unexpected end of file\)$' nn-train -o m.nn cut.gz; nomodel; }
@test "nn-train: corrupt gzip data"                { gzip -c "$D/ok.csv" >bad.gz; printf '\377' | dd of=bad.gz bs=1 seek=2 conv=notrunc 2>/dev/null; row 1 '^nn-train: bad\.gz: corrupt gzip data: ' nn-train -o m.nn bad.gz; nomodel; }
@test "nn-train: gzip --val file"                  { gzip -c "$D/moons.csv" >v.gz; row 0 'val' nn-train -v -e 2 --val v.gz -o m.nn "$D/moons.csv"; }
@test "nn-train: gzip --resume model"              { nn-train -q -e 2 -o a.nn "$D/moons.csv"; gzip -c a.nn >a.gz; row 0 '' nn-train -q -e 1 --resume a.gz -o m.nn "$D/moons.csv"; [ -s m.nn ]; }

# no output over an input: exit 2, the input's bytes unchanged, no model
@test "nn-train: -o over the data"                 { cp "$D/ok.csv" d.csv; saved d.csv; row 2 '^nn-train: -o d\.csv is also an input; refusing to overwrite it$' nn-train -o d.csv d.csv; unchanged d.csv; }
@test "nn-train: -o over the --val file"           { cp "$D/ok.csv" v.csv; saved v.csv; row 2 '^nn-train: -o v\.csv is also an input; refusing to overwrite it$' nn-train --val v.csv -o v.csv "$D/ok.csv"; unchanged v.csv; }
@test "nn-train: -o over a link to the data"       { cp "$D/ok.csv" d.csv; ln -s d.csv l.csv; saved d.csv; row 2 '^nn-train: -o l\.csv is also an input \(d\.csv\); refusing' nn-train -o l.csv d.csv; unchanged d.csv; [ -L l.csv ]; }
@test "nn-train: -o over the data on stdin"        { cp "$D/ok.csv" d.csv; saved d.csv; rowin 2 '^nn-train: -o d\.csv is also an input \(<stdin>\); refusing' d.csv nn-train -o d.csv -; unchanged d.csv; }
@test "nn-train: --log over the data"              { cp "$D/ok.csv" d.csv; saved d.csv; row 2 '^nn-train: --log d\.csv is also an input; refusing to overwrite it$' nn-train --log d.csv -o m.nn d.csv; unchanged d.csv; nomodel; }
@test "nn-train: --log over the --val file"        { cp "$D/ok.csv" v.csv; saved v.csv; row 2 '^nn-train: --log v\.csv is also an input; refusing to overwrite it$' nn-train --val v.csv --log v.csv -o m.nn "$D/ok.csv"; unchanged v.csv; nomodel; }
@test "nn-train: --log over the --resume model"    { nn-train -q -e 2 -o b.nn "$D/moons.csv"; saved b.nn; row 2 '^nn-train: --log b\.nn is also an input; refusing to overwrite it$' nn-train --resume b.nn --log b.nn -o m.nn "$D/moons.csv"; unchanged b.nn; nomodel; }
@test "nn-train: -o over the --init-from model is fine" { nn-train -q -e 2 -o b.nn "$D/moons.csv"; saved b.nn; row 0 '' nn-train -q -e 1 --init-from b.nn -o b.nn "$D/moons.csv"; ! cmp -s b.nn b.nn.saved; nn-model info b.nn >/dev/null; }
@test "nn-train: stdout appended to the data"      { cp "$D/moons.csv" d.csv; saved d.csv; row 2 '^nn-train: standard output is also an input \(d\.csv\); refusing to overwrite it$' bash -c 'nn-train --cv 2 d.csv >>d.csv'; unchanged d.csv; }
@test "nn-train: stdout over the data"             { cp "$D/moons.csv" d.csv; row 2 '^nn-train: standard output is also an input \(d\.csv\)' bash -c 'nn-train -o m.nn d.csv >d.csv'; nomodel; }
@test "nn-train: stdout appended to the --resume model" { nn-train -q -e 2 -o b.nn "$D/moons.csv"; saved b.nn; row 2 '^nn-train: standard output is also an input \(b\.nn\)' bash -c 'nn-train --resume b.nn -o b.nn "$0" >>b.nn' "$D/moons.csv"; unchanged b.nn; }

# usage errors: exit 2, no model
@test "nn-train: -e -3"                            { row 2 '^nn-train: -e: expected an integer' nn-train -e -3 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -e 0"                             { row 2 '-e: expected an integer in \[1,' nn-train -e 0 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -e abc"                           { row 2 '-e: .*"abc"' nn-train -e abc -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -e 1e3 is not an integer"         { row 2 '-e: .*"1e3"' nn-train -e 1e3 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: -l 16,,x"                         { row 2 '-l: .*expected an integer .*""' nn-train -l 16,,x -o m.nn "$D/ok.csv"; nomodel; }
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

# validation, early stopping, log, schedules, regularisation, cv, signals
logmin() { awk -F, 'NR > 1 && ($4 < m || m == "") { m = $4 } END { print m }' "$1"; }
logloss() { nn-predict --proba -m "$1" "$2" | nn-eval --format json | tr -d ' \n' | sed -n 's/.*"log_loss":\([-0-9.eE+]*\).*/\1/p'; }
close_to() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-6) }'; }
@test "nn-train: --val saves the best epoch (log-loss == min val_loss)" {
	nn-split -t 0.5 --seed 2 "$D/moons.csv" tr.csv va.csv
	row 0 'saved the best epoch' nn-train -l 64,64 -e 150 -r 0.3 --val va.csv --patience 20 --log t.log -o m.nn tr.csv
	close_to "$(logloss m.nn va.csv)" "$(logmin t.log)"
}
@test "nn-train: --log header and one row per epoch" {
	row 0 '' nn-train -q -l 4,3 -e 7 --val-split 0.2 --log t.log -o m.nn "$D/moons.csv"
	[ "$(head -1 t.log)" = "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,grad_norm_1,weight_norm_1,update_ratio_1,grad_norm_2,weight_norm_2,update_ratio_2,grad_norm_3,weight_norm_3,update_ratio_3" ]
	[ "$(wc -l <t.log)" -eq 8 ]
}
@test "nn-train: -v prints a line per epoch"       { row 0 'epoch 3/3 .*loss' nn-train -v -e 3 -o m.nn "$D/moons.csv"; [ "$(grep -c '^epoch' <<<"$stderr")" -eq 3 ]; }
@test "nn-train: schedules"                        { for s in constant step exponential inverse cosine; do row 0 '' nn-train -q -e 5 --schedule $s --warmup 2 -o m.nn "$D/moons.csv" || return 1; done; row 0 '' nn-train -q -e 5 --schedule plateau --val-split 0.2 -o m.nn "$D/moons.csv"; }
@test "nn-train: step schedule halves the rate"    { nn-train -q -e 4 -r 0.2 --schedule step --lr-step 2 --log t.log -o m.nn "$D/moons.csv"; [ "$(cut -d, -f6 t.log | tail -n +2 | tr '\n' ' ')" = "0.200000003 0.200000003 0.100000001 0.100000001 " ]; }
@test "nn-train: l1, l2, clipping, class weights"  { row 0 '' nn-train -q -e 5 --l1 1e-4 --l2 1e-3 --clip-norm 1 --clip-value 0.5 --class-weight balanced -o m.nn "$D/moons.csv"; row 0 '' nn-train -q -e 5 --class-weight 0=2 -o m.nn "$D/moons.csv"; }
@test "nn-train: losses for regression"            { for l in mse mae huber; do row 0 '' nn-train -q -e 5 --task regression --loss $l -o m.nn "$D/moons.csv" || return 1; done; }
@test "nn-train: --cv 5 prints 5 folds and a mean" { row 0 'mean: val_loss [0-9.]+ \+- [0-9.]+, val_acc' nn-train --cv 5 -e 20 "$D/moons.csv"; [ "$(grep -c '^fold' <<<"$output")" -eq 5 ]; [ ! -e m.nn ]; }
@test "nn-train: kill -INT saves a usable checkpoint, exit 130" {
	nn-gen moons -n 20000 --seed 4 >big.csv
	nn-train -l 32,32 -e 1000000 -o m.nn big.csv 2>err & p=$!
	for i in $(seq 100); do sleep 0.1; grep -q . err 2>/dev/null && break; [ $i -gt 10 ] && break; done
	kill -INT $p; wait $p || rc=$?
	[ "$rc" -eq 130 ]
	grep -q 'interrupted: stopped at epoch' err
	nn-predict -m m.nn big.csv >/dev/null
}
@test "nn-train: --loss cce on a binary task"      { row 2 '--loss cce does not fit a binary task' nn-train --loss cce -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --loss bogus"                     { row 2 '--loss: ' nn-train --loss bogus -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --patience without validation"    { row 2 '--patience needs a validation set' nn-train --patience 3 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --val and --val-split together"   { row 2 'exclude each other' nn-train --val "$D/ok.csv" --val-split 0.2 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --val-split 1"                    { row 2 '--val-split: ' nn-train --val-split 1 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --val file with an unknown class" { printf 'x1,x2,label\n1,2,zz\n' >v.csv; row 1 'v.csv: class "zz" does not occur' nn-train --val v.csv -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --val file missing a feature"     { printf 'x1,label\n1,a\n' >v.csv; row 1 'v.csv: no column "x2"' nn-train --val v.csv -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --schedule bogus"                 { row 2 '--schedule: ' nn-train --schedule bogus -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --class-weight nope=2"            { row 2 'no class "nope"' nn-train --class-weight nope=2 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --class-weight on regression"     { row 2 'classification' nn-train --task regression --class-weight balanced -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --cv 1"                           { row 2 '--cv: ' nn-train --cv 1 "$D/ok.csv"; }
@test "nn-train: --resume a missing model"         { row 1 'nope.nn' nn-train --resume nope.nn -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --resume and --init-from"         { row 2 'exclude each other' nn-train --resume a.nn --init-from b.nn -o m.nn "$D/moons.csv"; }
@test "nn-train: --init-from fine-tunes"           { nn-train -q -e 5 -o a.nn "$D/moons.csv"; row 0 '' nn-train -q -e 5 --init-from a.nn -o m.nn "$D/moons.csv"; }
@test "nn-train: --init-from other features"       { nn-train -q -e 5 -o a.nn "$D/colours.csv"; row 1 'no target column "colour" .*the model a.nn' nn-train --init-from a.nn -o m.nn "$D/moons.csv"; nomodel; }

# Continuing a model: every option is honoured or refused with why, never
# ignored (nn-train(1), CONTINUING A MODEL).
sgd_model()  { nn-train -q -e 3 -o a.nn "$D/moons.csv"; }
reg_model()  { nn-train -q -e 3 --task regression -l 6 "$@" -o r.nn "$D/moons.csv"; }
weights_differ() { ! cmp -s <(nn-model weights "$1") <(nn-model weights "$2"); }
@test "nn-train: --resume -r 0.5 trains at 0.5 and records it" { sgd_model; nn-train -q --resume a.nn -e 2 -r 0.5 -o b.nn "$D/moons.csv"; nn-train -q --resume a.nn -e 2 -o c.nn "$D/moons.csv"; weights_differ b.nn c.nn; nn-model info b.nn | grep -q 'learning rate *0.5$'; nn-model info c.nn | grep -q 'learning rate *0.1$'; }
@test "nn-train: --resume --momentum applies"      { nn-train -q -e 3 --optimizer momentum -o a.nn "$D/moons.csv"; nn-train -q --resume a.nn -e 1 --momentum 0.5 -o b.nn "$D/moons.csv"; nn-model info b.nn | grep -q 'momentum 0.5;'; }
@test "nn-train: --resume --optimizer other"       { sgd_model; row 2 'checkpoint holds sgd.*--init-from' nn-train --resume a.nn --optimizer adam -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --resume --optimizer the same"    { sgd_model; row 0 '' nn-train -q --resume a.nn --optimizer sgd -e 1 -o m.nn "$D/moons.csv"; }
@test "nn-train: --resume -s other"                { sgd_model; row 2 'random streams \(seed 1\)' nn-train --resume a.nn -s 5 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --resume -l other"                { sgd_model; row 2 'does not match the model.s hidden layers' nn-train --resume a.nn -l 32 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --resume -l the same"             { sgd_model; row 0 '' nn-train -q --resume a.nn -l 16,8 -e 1 -o m.nn "$D/moons.csv"; }
@test "nn-train: --init-from -l other"             { sgd_model; row 2 '^nn-train: --init-from a.nn: -l 4' nn-train --init-from a.nn -l 4 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init-from -a other"             { sgd_model; row 2 'hidden layer 1 is relu' nn-train --init-from a.nn -a tanh -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init-from --batchnorm"          { sgd_model; row 2 'batch norm adds parameters' nn-train --init-from a.nn --batchnorm -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init-from --leaky-slope other"  { nn-train -q -e 2 -a leaky-relu -o a.nn "$D/moons.csv"; row 2 'slope 0.01' nn-train --init-from a.nn --leaky-slope 0.2 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init-from --scale other"        { sgd_model; row 2 'scaled standard' nn-train --init-from a.nn --scale minmax -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init-from --init"               { sgd_model; row 2 'weights come from the model' nn-train --init-from a.nn --init he -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init-from --residual"           { nn-train -q -e 2 -l 8,8 -o a.nn "$D/moons.csv"; row 2 'no skip connection' nn-train --init-from a.nn --residual -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init-from --loss huber trains and saves huber" { reg_model; nn-train -q --init-from r.nn -e 2 --task regression --loss huber -o h.nn "$D/moons.csv"; nn-train -q --init-from r.nn -e 2 --task regression -o s.nn "$D/moons.csv"; nn-model info h.nn | grep -q '^loss  *huber'; nn-model info s.nn | grep -q '^loss  *mse'; weights_differ h.nn s.nn; }
@test "nn-train: --init-from --dropout applies"    { sgd_model; nn-train -q --init-from a.nn -e 1 --dropout 0.3 -o b.nn "$D/moons.csv"; nn-model info b.nn | grep -q 'parameters, dropout 0.3'; }
@test "nn-train: --init-from keeps the model's target scaling" { reg_model --scale none; nn-train -q --init-from r.nn -e 2 --task regression -o a.nn "$D/moons.csv"; nn-train -q --init-from r.nn -e 2 --task regression --scale none -o b.nn "$D/moons.csv"; cmp <(nn-model weights a.nn) <(nn-model weights b.nn); }

# --trace and --gradcheck
@test "nn-train: --trace on the lesson's 2-2-1 sigmoid network matches hand arithmetic" {
	printf 'x1,x2,y\n0.05,0.10,1\n0.5,0.8,0\n' >l.csv
	row 0 '== backward' nn-train --trace -l 2:sigmoid --scale none -b 2 -r 0.5 l.csv
	nn-train --trace -l 2:sigmoid --scale none -b 2 -r 0.5 l.csv | python3 "$BATS_TEST_DIRNAME/trace_check.py" 0.5
}
@test "nn-train: --trace of a deeper net matches hand arithmetic" {
	nn-train --trace -l 3:tanh,2:relu -b 5 -r 0.1 "$D/moons.csv" | python3 "$BATS_TEST_DIRNAME/trace_check.py" 0.1
}
@test "nn-train: the trace checker notices a wrong rate" {
	printf 'x1,x2,y\n0.05,0.10,1\n0.5,0.8,0\n' >l.csv
	! nn-train --trace -l 2:sigmoid --scale none -b 2 -r 0.5 l.csv | python3 "$BATS_TEST_DIRNAME/trace_check.py" 0.6
}
@test "nn-train: --gradcheck passes for every activation" { for a in sigmoid tanh relu leaky-relu elu swish linear; do row 0 'layer 3 .* ok' nn-train --gradcheck -l 8,4 -a $a "$D/moons.csv" || return 1; done; }
@test "nn-train: --gradcheck for each loss"       { row 0 'softmax .* ok' nn-train --gradcheck -l 6 "$D/colours.csv"; for l in mse mae huber; do row 0 'linear .* ok' nn-train --gradcheck --task regression --loss $l -l 6 "$D/moons.csv" || return 1; done; }
@test "nn-train: --trace writes no model"          { row 0 '' nn-train --trace -l 2 -b 2 -o m.nn "$D/ok.csv"; nomodel; }
@test "nn-train: --trace with --gradcheck"         { row 2 'exclude each other' nn-train --trace --gradcheck "$D/ok.csv"; }
@test "nn-train: --gradcheck with class weights"   { nn-gen moons -n 100 >m.csv; row 0 'layer 2 .* ok' nn-train --gradcheck -l 8 --class-weight 1=3 -b 100 m.csv; }
@test "nn-train: --trace shows penalties and clipping" { row 0 'penalty \(l1 0.01 ' nn-train --trace -l 3 -b 4 --l1 0.01 --l2 0.1 --clip-norm 0.05 --clip-value 0.01 "$D/moons.csv"; grep -q '^== clip by norm: ' <<<"$output"; grep -q '^== clip by value' <<<"$output"; grep -q 'dW with penalties' <<<"$output"; }
@test "nn-train: --trace's step includes --l2"     { a=$(nn-train --trace -l 3 -b 4 "$D/moons.csv" | sed -n '/after the step/,$p'); b=$(nn-train --trace -l 3 -b 4 --l2 1 "$D/moons.csv" | sed -n '/after the step/,$p'); [ "$a" != "$b" ]; }
@test "nn-train: --trace's loss is class-weighted" { nn-train --trace -l 3 -b 8 --class-weight 1=3 "$D/moons.csv" | grep -q 'class-weighted'; }

accuracy() { nn-eval --format json | tr -d ' \n' | sed -n 's/.*"accuracy":\([-0-9.eE+]*\).*/\1/p'; }
@test "nn-train: every optimizer reaches 0.95 on moons (1000 samples, -l 16,8)" {
	nn-gen moons -n 1000 --seed 1 | nn-split -t 0.3 --seed 1 - tr.csv te.csv
	for o in sgd momentum nesterov adam adamw rmsprop adagrad; do
		nn-train -q -l 16,8 --optimizer $o -o m.nn tr.csv
		a=$(nn-predict -m m.nn te.csv | accuracy)
		echo "$o $a"
		awk -v a="$a" 'BEGIN { exit !(a >= 0.95) }' || return 1
	done
}
@test "nn-train: weights identical for --threads 1 and 2 (nn-model weights)" {
	nn-gen moons -n 3000 --seed 2 >w.csv
	nn-train -q -l 64,32 -b 256 -e 3 --optimizer adam --threads 1 -o t1.nn w.csv
	nn-train -q -l 64,32 -b 256 -e 3 --optimizer adam --threads 2 -o t2.nn w.csv
	! cmp -s t1.nn t2.nn
	cmp <(nn-model weights t1.nn) <(nn-model weights t2.nn)
}

# layer options: activations, initialisation, dropout, batch normalisation, skip connections
@test "nn-train: -a gelu trains"                   { row 0 '' nn-train -q -a gelu -o m.nn "$D/moons.csv"; [ -s m.nn ]; }
@test "nn-train: --gradcheck passes for gelu"      { row 0 'layer 2 .* gelu .* ok' nn-train --gradcheck -l 8,4 -a gelu "$D/moons.csv"; }
@test "nn-train: --leaky-slope changes leaky-relu" { nn-train -q -a leaky-relu -o a.nn "$D/moons.csv"; nn-train -q -a leaky-relu --leaky-slope 0.01 -o b.nn "$D/moons.csv"; nn-train -q -a leaky-relu --leaky-slope 0.3 -o c.nn "$D/moons.csv"; cmp <(nn-predict --proba -m a.nn "$D/moons.csv") <(nn-predict --proba -m b.nn "$D/moons.csv"); ! cmp -s <(nn-predict --proba -m a.nn "$D/moons.csv") <(nn-predict --proba -m c.nn "$D/moons.csv"); }
@test "nn-train: --leaky-slope 1.5"                { row 2 'leaky-slope: expected a number in \[0, 1\]' nn-train --leaky-slope 1.5 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --leaky-slope -0.1"               { row 2 'leaky-slope' nn-train --leaky-slope -0.1 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init he, xavier, lecun, uniform, auto" { for k in he xavier lecun uniform auto; do nn-train -q -e 1 --init $k -o $k.nn "$D/moons.csv" || return 1; done; ! cmp -s <(nn-predict --proba -m he.nn "$D/moons.csv") <(nn-predict --proba -m uniform.nn "$D/moons.csv"); nn-train -q -e 1 -o default.nn "$D/moons.csv"; cmp <(nn-predict --proba -m default.nn "$D/moons.csv") <(nn-predict --proba -m auto.nn "$D/moons.csv"); }
@test "nn-train: --init zero is refused (symmetry)" { row 2 'init zero: every unit of a layer would compute the same output and receive the same gradient' nn-train --init zero -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --init unknown"                   { row 2 'init: expected auto, he, xavier, lecun or uniform, got "normal"' nn-train --init normal -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --dropout 0.2 trains"             { row 0 '' nn-train -q --dropout 0.2 -o m.nn "$D/moons.csv"; [ -s m.nn ]; }
@test "nn-train: --dropout 1"                      { row 2 'dropout: 1 would drop every unit' nn-train --dropout 1 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --dropout -0.1"                   { row 2 'dropout: expected a number in \[0, 1\], got "-0.1"' nn-train --dropout -0.1 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --dropout nan"                    { row 2 'dropout: expected a number' nn-train --dropout nan -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --dropout without hidden layers"  { row 2 "dropout acts on hidden layers, and -l '' makes none" nn-train -l '' --dropout 0.5 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --batchnorm without hidden layers" { row 2 'batchnorm acts on hidden layers' nn-train -l '' --batchnorm -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: --residual on equal widths"       { row 0 '' nn-train -q -l 8,8,8 --residual -o m.nn "$D/moons.csv"; [ -s m.nn ]; }
@test "nn-train: --residual with no width kept"    { row 2 'residual: no hidden layer keeps its width \(2 -> 16 -> 8\)' nn-train --residual -l 16,8 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: a plain model has no LAYR section, one with options has" { nn-train -q -e 2 -o a.nn "$D/moons.csv"; nn-train -q -e 2 --batchnorm -o b.nn "$D/moons.csv"; ! grep -q LAYR a.nn; grep -q LAYR b.nn; }
@test "nn-train: --batchnorm --dropout predicts deterministically, >= 0.95 on moons" {
	nn-gen moons -n 1000 --seed 4 | nn-split -t 0.3 --seed 4 - tr.csv te.csv
	nn-train -q -l 32,32 --batchnorm --dropout 0.2 --optimizer adam -r 0.01 -e 60 -o m.nn tr.csv
	nn-predict --proba -m m.nn te.csv >p1
	nn-predict --proba -m m.nn te.csv >p2
	cmp p1 p2
	a=$(nn-predict -m m.nn te.csv | accuracy)
	echo "accuracy $a"
	awk -v a="$a" 'BEGIN { exit !(a >= 0.95) }'
}
@test "nn-train: --batchnorm --dropout --residual: same model for --threads 1 and 3" {
	nn-gen moons -n 3000 --seed 2 >w.csv
	for t in 1 3; do nn-train -q -l 32,32 -b 256 -e 3 --batchnorm --dropout 0.3 --residual --threads $t -o t$t.nn w.csv || return 1; done
	cmp <(nn-predict --proba -m t1.nn w.csv) <(nn-predict --proba -m t3.nn w.csv)
}
@test "nn-train: --resume with --batchnorm --dropout continues exactly" {
	nn-train -q -l 16,16 -b 50 -e 4 --optimizer adam --batchnorm --dropout 0.3 --residual -o a.nn "$D/moons.csv"
	nn-train -q -l 16,16 -b 50 -e 2 --optimizer adam --batchnorm --dropout 0.3 --residual -o b.nn "$D/moons.csv"
	nn-train -q -b 50 -e 2 --resume b.nn -o b.nn "$D/moons.csv"
	cmp <(nn-predict --proba -m a.nn "$D/moons.csv") <(nn-predict --proba -m b.nn "$D/moons.csv")
}
@test "nn-train: --gradcheck with gelu, dropout (fixed mask) and batch norm" {
	row 0 'layer 3 .* ok' nn-train --gradcheck -l 8,4 -a gelu "$D/moons.csv"
	row 0 'layer 3 .* ok' nn-train --gradcheck -l 8,4 --dropout 0.3 "$D/moons.csv"
	row 0 'layer 3 .* ok' nn-train --gradcheck -l 8,4 --batchnorm -a tanh "$D/moons.csv"
	row 0 'layer 3 .* ok' nn-train --gradcheck -l 8,8 --batchnorm --dropout 0.2 --residual -a tanh "$D/moons.csv"
}
@test "nn-train: --trace refuses batch norm"       { row 1 'dense layers only' nn-train -q --trace --batchnorm -l 4 "$D/moons.csv"; }
@test "nn-train: --patience keeps batch norm's statistics of the best epoch" {
	nn-split -t 0.5 --seed 2 "$D/moons.csv" tr.csv va.csv
	row 0 'saved the best epoch' nn-train -l 32,32 --batchnorm -e 80 -r 0.3 --val va.csv --patience 10 --log t.log -o m.nn tr.csv
	close_to "$(logloss m.nn va.csv)" "$(logmin t.log)"
}
@test "nn-train: resume equivalence (nn-model weights identical)" {
	nn-train -q -l 16,8 --optimizer adam --batchnorm --dropout 0.1 -e 6 -s 3 -o full.nn "$D/moons.csv"
	nn-train -q -l 16,8 --optimizer adam --batchnorm --dropout 0.1 -e 2 -s 3 -o part.nn "$D/moons.csv"
	nn-train -q --resume part.nn -e 4 -o res.nn "$D/moons.csv"
	cmp <(nn-model weights full.nn) <(nn-model weights res.nn)
}
@test "nn-train: resume after kill -INT continues where it stopped" {
	nn-gen moons -n 20000 --seed 4 >big.csv
	nn-train -q -l 16,16 -e 1000000 -s 5 -o m.nn big.csv 2>err & p=$!
	sleep 1; kill -INT $p; wait $p || rc=$?
	[ "$rc" -eq 130 ]
	e=$(sed -n 's/.*stopped at epoch \([0-9]*\), row .*/\1/p' err)
	[ -n "$e" ]
	# finish the interrupted epoch e and one more; then compare with e + 1
	# epochs in one go.  A stop that fell on an epoch's end (row 0) has
	# finished epoch e already: one more then.
	r=$(sed -n 's/.*stopped at epoch [0-9]*, row \([0-9]*\) .*/\1/p' err)
	k=2; [ "$r" != 0 ] || k=1
	nn-train -q --resume m.nn -e $k -o res.nn big.csv
	nn-train -q -l 16,16 -e $((e + 1)) -s 5 -o full.nn big.csv
	cmp <(nn-model weights full.nn) <(nn-model weights res.nn)
}
r2of() { nn-eval --format json | tr -d ' \n' | sed -n 's/.*"r2":\([-0-9.eE+]*\).*/\1/p'; }
@test "nn-train: regression on nn-gen's unscaled targets trains with the defaults" {
	nn-gen regression -n 600 --seed 3 | nn-split -t 0.3 --seed 3 - tr.csv te.csv
	row 0 'regression' nn-train -o m.nn tr.csv
	r=$(nn-predict -m m.nn te.csv | r2of)
	awk -v r="$r" 'BEGIN { exit !(r > 0.99) }'
}

# ---- --cv-format: the fold table as CSV or JSON ---------------------------
cvmean() { awk -F, '$1 ~ /^[0-9]+$/ { s += $4; n++ } $1 == "mean" { m = $4 } END { d = s / n - m; exit !(n == 3 && (d < 0 ? -d : d) < 1e-12) }'; }
cvloss1() { awk -F, '$1 == 1 { printf "%.6f\n", $4 }'; }
@test "nn-train: --cv-format csv: header, folds, mean, sd" { row 0 '' nn-train -q --cv 3 -e 10 --cv-format csv "$D/moons.csv"; [ "$(head -1 <<<"$output")" = fold,train_rows,val_rows,val_loss,val_acc ]; [ "$(cut -d, -f1 <<<"$output" | tr '\n' ' ')" = 'fold 1 2 3 mean sd ' ]; cvmean <<<"$output"; nomodel; }
@test "nn-train: --cv-format csv: the text's figures" { a=$(nn-train -q --cv 3 -e 10 --cv-format csv "$D/moons.csv" | cvloss1); b=$(nn-train -q --cv 3 -e 10 "$D/moons.csv" | sed -n 's/^fold 1\/3:.*val_loss \([0-9.]*\),.*/\1/p'); [ -n "$a" ] && [ "$a" = "$b" ]; }
@test "nn-train: --cv-format csv, regression"      { row 0 '' nn-train -q --cv 3 -e 5 --task regression --cv-format csv "$D/moons.csv"; [ "$(head -1 <<<"$output")" = fold,train_rows,val_rows,val_loss,val_rmse ]; }
@test "nn-train: --cv-format json: valid, 3 folds" { row 0 '' nn-train -q --cv 3 -e 10 --cv-format json "$D/moons.csv"; python3 -m json.tool <<<"$output" >/dev/null; jq -e '.k == 3 and (.folds | length) == 3 and .folds[2].fold == 3 and (.mean.val_acc | type) == "number" and .sd.val_loss >= 0' <<<"$output"; }
@test "nn-train: --cv-format text is the default"  { a=$(nn-train -q --cv 3 -e 10 --cv-format text "$D/moons.csv"); b=$(nn-train -q --cv 3 -e 10 "$D/moons.csv"); [ "$a" = "$b" ]; grep -q '^mean: val_loss' <<<"$a"; }
@test "nn-train: --cv-format without --cv"         { row 2 '^nn-train: --cv-format is the format of --cv.s fold table; give --cv K$' nn-train --cv-format csv -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-train: bad --cv-format"                  { row 2 '^nn-train: --cv-format: expected text, csv or json, got "xml"$' nn-train --cv 3 --cv-format xml "$D/moons.csv"; }
@test "nn-train: --cv 3 --format json is the fold table" { nn-train --cv 3 -e 3 --format json "$D/moons.csv" 2>/dev/null | python3 -m json.tool >/dev/null; }
@test "nn-train: --cv 3 --format csv is the fold table" { [ "$(nn-train --cv 3 -e 3 --format csv "$D/moons.csv" 2>/dev/null | head -1)" = fold,train_rows,val_rows,val_loss,val_acc ]; }
@test "nn-train: --cv-format decides over --format"  { nn-train --cv 3 -e 3 --format csv --cv-format text "$D/moons.csv" 2>/dev/null | grep -q '^fold 1/3: '; }
@test "nn-train: --format json without --cv"         { row 2 '^nn-train: --format is the input.s: csv or libsvm; json and text are --cv.s fold table' nn-train --format json -o m.nn "$D/moons.csv"; [ ! -e m.nn ]; }
