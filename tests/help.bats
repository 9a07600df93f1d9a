#!/usr/bin/env bats
# -h/--help and usage errors, from each program's option table
# (cmd/opts/PROG.h): help is the synopsis, then a line per option with its
# default; a usage error is one line naming the problem (and the option
# that was probably meant), then "Try 'PROG --help'.", exit 2.
load common

M="$BATS_TEST_DIRNAME/../man"

# The options of man page $1's OPTIONS section: -x and --name, one a line.
man_options() {
	sed -n '/^\.Sh OPTIONS/,/^\.Sh /p' "$M/$1" | grep '^\.It Fl ' |
	    grep -oE 'Fl -?[a-zA-Z0-9][a-zA-Z0-9-]*' | sed 's/^Fl /-/' | sort -u
}

# help_ok PROG: -h and --help print the same on stdout, nothing on stderr,
# exit 0; the synopsis comes first; every option of the man page has a line
# of its own (the table and the page agree).
help_ok() {
	local p=$1 h o
	run --separate-stderr "$p" -h
	[ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "-h: $status $stderr" >&2; return 1; }
	h=$output
	run --separate-stderr "$p" --help
	[ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "--help: $status $stderr" >&2; return 1; }
	[ "$output" = "$h" ] || { echo "-h and --help differ" >&2; return 1; }
	[[ ${h%%$'\n'*} == "usage: $p "* ]] || { echo "not the synopsis first: $h" >&2; return 1; }
	for o in $(man_options "$p.1"); do
		grep -qE -- "^ +(-[a-zA-Z], )?$o([ ,]|$)" <<<"$h" ||
		    { echo "$p: no line for $o" >&2; return 1; }
	done
}
# help_has PROG PATTERN: a line of PROG's help matches PATTERN
help_has() {
	run --separate-stderr "$1" --help
	grep -qE -- "$2" <<<"$output" || { echo "no /$2/ in: $output" >&2; return 1; }
}

@test "help: nn-gen"     { help_ok nn-gen; }
@test "help: nn-split"   { help_ok nn-split; }
@test "help: nn-train"   { help_ok nn-train; }
@test "help: nn-tune"    { help_ok nn-tune; }
@test "help: nn-predict" { help_ok nn-predict; }
@test "help: nn-eval"    { help_ok nn-eval; }
@test "help: nn-model"   { help_ok nn-model; }
@test "help: nn-plot"    { help_ok nn-plot; }
@test "help: nn-idx"     { help_ok nn-idx; }
@test "help: -h wins over a bad operand"           { row 0 '^usage: nn-gen KIND' nn-gen nosuchkind -h; }
@test "help: -h and --version in every help" {
	for b in "$BATS_TEST_DIRNAME"/../bin/nn-*; do
		"$b" -h | grep -q '^  -h, --help ' || return 1
		"$b" -h | grep -q '^      --version ' || return 1
	done
}

# ---- defaults and lists -----------------------------------------------------
@test "help: nn-gen -n default"                    { help_has nn-gen '^  -n N +rows to write \(default: 200\)$'; }
@test "help: nn-gen --noise per kind"              { help_has nn-gen '--noise X .*\(default: linear 0.01, moons 0.1, circles 0.05, '; }
@test "help: nn-gen kinds"                         { help_has nn-gen '^  spirals +K spiral arms$'; }
@test "help: nn-split -t default"                  { help_has nn-split '^  -t, --test FRACTION .*\(default: 0.25\)$'; }
@test "help: nn-tune takes nn-train's rows"         { help_has nn-tune '^  -l, --layers WIDTHS .*\(default: 16,8\)$'; }
@test "help: nn-tune's own -s"                     { help_has nn-tune '^  -s, --seed SEED +seed of the search'; }
@test "help: nn-train -l default"                  { help_has nn-train '^  -l, --layers WIDTHS .*\(default: 16,8\)$'; }
@test "help: nn-train -r default, per optimizer"   { help_has nn-train '^  -r, --rate RATE +learning rate \(default: 0.1; adam 0.001, adamw 0.001, rmsprop 0.001, adagrad 0.01\)$'; }
@test "help: nn-train --beta2 default"             { help_has nn-train '--beta2 B2 .*\(default: 0.999; rmsprop 0.9\)$'; }
@test "help: nn-train --lr-gamma per schedule"     { help_has nn-train '--lr-gamma G .*\(default: 0.5; exponential 0.95, inverse 0.01\)$'; }
@test "help: nn-train optimizers"                  { help_has nn-train '^ +one of: sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad$'; }
@test "help: nn-train activations (no softmax)"    { help_has nn-train '^ +one of: linear, sigmoid, tanh, relu, leaky-relu, elu, swish, gelu$'; }
@test "help: nn-train losses"                      { help_has nn-train '^ +one of: bce, cce, mse, mae, huber$'; }
@test "help: nn-train --na default"                { help_has nn-train '--na LIST .*\(default: ,NA,N/A,NaN,nan,\?,null,NULL,None\)$'; }
@test "help: nn-eval --format values"              { help_has nn-eval '^ +one of: text, csv, json$'; }
@test "help: nn-plot figures"                      { help_has nn-plot '^  confusion +the confusion matrix'; }
@test "help: nn-plot --cols default"               { help_has nn-plot '--cols N .*\(default: 4\)$'; }
@test "help: nn-model commands"                    { help_has nn-model '^  import +a model from another format'; }
@test "help: nn-idx --prefix default"              { help_has nn-idx '--prefix NAME .*\(default: p\)$'; }

# default D of option OPT in nn-train's help ("16,8", "0.1; adam 0.001, ...")
train_default() {
	nn-train --help | grep -E -- "^ +(-[a-z], )?$1 " | sed -n 's/.*(default: \(.*\))$/\1/p'
}
# info KEY: the value nn-model info shows for KEY in m.nn
info() { nn-model info m.nn | sed -n "s/^ *$1  *//p" | head -n 1; }

@test "help: nn-train's defaults are those training uses" {
	nn-gen moons -n 40 >d.csv                # < 50 rows: no epoch search
	nn-train -q -o m.nn d.csv
	[ "$(nn-model info m.nn | grep -c 'relu')" -eq 2 ]
	[ "$(train_default --activation)" = relu ]
	[ "$(train_default --layers)" = 16,8 ]
	nn-model info m.nn | grep -qE '^  layer 1 +2 -> 16 ' && nn-model info m.nn | grep -qE '^  layer 2 +16 -> 8 '
	[ "$(info batch)" = "$(train_default --batch)" ]
	[ "$(info seed)" = "$(train_default --seed)" ]
	[ "$(info epochs)" = "$(train_default --epochs | sed 's/.*at most //')" ]
	[ "$(info 'learning rate')" = "$(train_default --rate | cut -d';' -f1)" ]
	info resumable | grep -q "^yes: $(train_default --optimizer);"
	info scaling | grep -q "^$(train_default --scale) "
	nn-model info m.nn | grep -q "missing values: $(train_default --missing)\$"
}
@test "help: nn-train's per-optimizer defaults are the library's" {
	nn-gen moons -n 40 >d.csv
	nn-train -q -e 1 --optimizer rmsprop -o m.nn d.csv
	[ "$(info 'learning rate')" = "$(train_default --rate | grep -oE 'rmsprop [0-9.e-]+' | cut -d' ' -f2)" ]
	info resumable | grep -q "decay $(train_default --beta2 | grep -oE 'rmsprop [0-9.e-]+' | cut -d' ' -f2),"
	info resumable | grep -q "eps $(train_default --eps);"
}
@test "help: nn-gen's -n default is the rows it writes" {
	n=$(nn-gen --help | sed -n 's/^  -n N .*(default: \([0-9]*\))$/\1/p')
	[ "$(nn-gen moons | tail -n +2 | wc -l)" -eq "$n" ]
}

# ---- usage errors: one line, then Try, exit 2 ------------------------------------
@test "usage: --lr names -r, --rate"               { row 2 "^nn-train: unknown option '--lr'; did you mean '-r, --rate'\?$" nn-train --lr 0.01 x.csv; }
@test "usage: --lr=0.01 likewise"                  { row 2 "^nn-train: unknown option '--lr'; did you mean '-r, --rate'\?$" nn-train --lr=0.01 x.csv; }
@test "usage: --learning_rate"                     { row 2 "^nn-train: unknown option '--learning_rate'; did you mean '-r, --rate'\?$" nn-train --learning_rate 0.1 x.csv; }
@test "usage: --batch_size"                        { row 2 "did you mean '-b, --batch'\?$" nn-train --batch_size 8 x.csv; }
@test "usage: --hidden"                            { row 2 "did you mean '-l, --layers'\?$" nn-train --hidden 32 x.csv; }
@test "usage: --max_iter"                          { row 2 "did you mean '-e, --epochs'\?$" nn-train --max_iter 5 x.csv; }
@test "usage: a typo, by edit distance"            { row 2 "^nn-train: unknown option '--optimzer'; did you mean '--optimizer'\?$" nn-train --optimzer adam x.csv; }
@test "usage: a transposition"                     { row 2 "did you mean '--target'\?$" nn-train --traget y x.csv; }
@test "usage: underscores for dashes"              { row 2 "did you mean '--no-header'\?$" nn-predict --no_header -m m.nn; }
@test "usage: nn-predict --modle"                  { row 2 "did you mean '-m, --model'\?$" nn-predict --modle m.nn; }
@test "usage: nn-gen --samples names -n"           { row 2 "^nn-gen: unknown option '--samples'; did you mean '-n'\?$" nn-gen moons --samples 5; }
@test "usage: a known name the program lacks"      { row 2 "^nn-gen: unknown option '--lr'$" nn-gen moons --lr 1; }
@test "usage: unknown long option"                 { row 2 "^nn-eval: unknown option '--zzz'$" nn-eval --zzz; }
@test "usage: ambiguous long option"               { row 2 "^nn-train: ambiguous option '--lr-' \(--lr-step, --lr-gamma\)$" nn-train --lr- 3 x.csv; }
@test "usage: unknown short option"                { row 2 "^nn-split: unknown option '-x'$" nn-split -x a b c; }
@test "usage: unknown short option in a cluster"   { row 2 "^nn-train: unknown option '-x'$" nn-train -qx a.csv; }
@test "usage: missing argument, short"             { row 2 "^nn-train: option '-r' needs an argument RATE$" nn-train x.csv -r; }
@test "usage: missing argument, long"              { row 2 "^nn-plot: option '--size' needs an argument WxH$" nn-plot loss x.log --size; }
@test "usage: missing argument, abbreviated"       { row 2 "^nn-eval: option '--format' needs an argument FORMAT$" nn-eval --form; }
@test "usage: an argument to a flag"               { row 2 "^nn-predict: option '--proba' takes no argument$" nn-predict --proba=yes -m m.nn; }
@test "usage: an argument to --help"               { row 2 "^nn-idx: option '--help' takes no argument$" nn-idx --help=x; }
@test "usage: a bad value"                         { row 2 '^nn-train: -e: expected an integer' nn-train -e many -o m.nn x.csv; }
@test "usage: a bad word"                          { row 2 '^nn-train: --optimizer: expected sgd' nn-train --optimizer fast -o m.nn x.csv; }
@test "usage: missing KIND"                        { row 2 '^nn-gen: missing KIND \(linear, moons, circles, blobs, xor, spirals, regression\)$' nn-gen -n 3; }
@test "usage: missing FIGURE"                      { row 2 '^nn-plot: missing FIGURE \(data, boundary, grid, loss, activations, gradients, updates, confusion, roc, pr, tune\)$' nn-plot; }
@test "usage: a figure's missing operand"          { row 2 '^nn-plot: missing an operand: nn-plot gradients LOG$' nn-plot gradients; }
@test "usage: missing COMMAND"                     { row 2 '^nn-model: missing COMMAND' nn-model; }
@test "usage: missing TRAIN and TEST"              { row 2 '^nn-split: missing TRAIN and TEST$' nn-split in.csv; }
@test "usage: extra operand, nn-train"             { row 2 "^nn-train: extra operand 'b.csv'$" nn-train -o m.nn a.csv b.csv; }
@test "usage: extra operand, nn-predict"           { row 2 "^nn-predict: extra operand 'b.csv'$" nn-predict -m m.nn a.csv b.csv; }
@test "usage: extra operand, nn-gen"               { row 2 "^nn-gen: extra operand 'x'$" nn-gen moons x; }
@test "usage: -o outside export and import"        { row 2 '^nn-model: -o: only export and import take it$' nn-model info -o x m.nn; }
@test "usage: stdout is empty on a usage error" {
	run --separate-stderr nn-train --lr 0.1 x.csv
	[ "$status" -eq 2 ] && [ -z "$output" ]
}
