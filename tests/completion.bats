#!/usr/bin/env bats
# Shell completion (completion/nnkit.bash, completion/_nnkit), written at
# build time from the programs' option tables by completion/mkcomp.
load common

C="$BATS_TEST_DIRNAME/../completion"

# comp WORD...: complete the last WORD of the command line WORD... with the
# bash completion; the candidates, sorted, one a line, in $out.
comp() {
	# shellcheck source=/dev/null
	source "$C/nnkit.bash"
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	local f
	f=$(complete -p "$1" | awk '{ print $3 }')
	# a completion function's status means nothing (bats runs under set -e)
	"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" || true
	out=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
}
# has WORD...: each WORD is one of the candidates; hasnt WORD...: none is
has() { local w; for w; do grep -qxF -- "$w" <<<"$out" || { echo "no $w in: $out" >&2; return 1; }; done; }
hasnt() { local w; for w; do ! grep -qxF -- "$w" <<<"$out" || { echo "$w in: $out" >&2; return 1; }; done; }

data() {
	printf 'age,income,city,bought\n30,1,a,yes\n' >shop.csv
	printf 'x\n' >m.nn
	printf 'x\n' >old.nn
	printf 'x\n' >notes.txt
}

@test "completion: the scripts are generated and parse" {
	[ -s "$C/nnkit.bash" ] && [ -s "$C/_nnkit" ]
	bash -n "$C/nnkit.bash"
	command -v zsh >/dev/null || skip "no zsh"
	zsh -n "$C/_nnkit"
}
@test "completion: every program has a bash completion" {
	source "$C/nnkit.bash"
	for b in "$BATS_TEST_DIRNAME"/../bin/nn-*; do
		complete -p "$(basename "$b")" || return 1
	done
}
@test "completion: zsh's #compdef names every program" {
	for b in "$BATS_TEST_DIRNAME"/../bin/nn-*; do
		head -n 1 "$C/_nnkit" | grep -qw -- "$(basename "$b")" || return 1
	done
}
@test "completion: every long option of --help is offered" {
	for b in "$BATS_TEST_DIRNAME"/../bin/nn-*; do
		n=$(basename "$b")
		comp "$n" -
		for o in $("$n" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
			has "$o" || { echo "$n: $o" >&2; return 1; }
		done
	done
}
@test "completion: nn-train --l (an option prefix)" {
	comp nn-train --l
	has --layers --leaky-slope --lr-step --lr-gamma --l1 --l2 --loss --log
	hasnt --rate --target
}
@test "completion: nn-gen KIND"                   { comp nn-gen ''; has linear moons circles blobs xor spirals regression; }
@test "completion: nn-gen m"                      { comp nn-gen m; [ "$out" = moons ]; }
@test "completion: nn-gen kinds only first"       { comp nn-gen moons ''; [ -z "$out" ]; }
@test "completion: nn-plot FIGURE"                { comp nn-plot ''; has data boundary grid loss activations gradients updates confusion; }
@test "completion: nn-plot FIGURE after -o OUT"   { comp nn-plot -o f.png c; [ "$out" = confusion ]; }
@test "completion: nn-model COMMAND"              { comp nn-model ''; has info weights export import; }
@test "completion: nn-train --optimizer"          { comp nn-train --optimizer a; has adam adamw adagrad; hasnt sgd; }
@test "completion: nn-train -a (no softmax)"      { comp nn-train -a ''; has relu tanh gelu; hasnt softmax; }
@test "completion: nn-train --loss="              { comp nn-train --loss = h; [ "$out" = huber ]; }
@test "completion: nn-eval --format"              { comp nn-eval --format ''; has text csv json; }
@test "completion: nn-predict -m MODEL files"     { data; comp nn-predict -m ''; has m.nn old.nn; hasnt shop.csv notes.txt; }
@test "completion: nn-train --resume MODEL files" { data; comp nn-train --resume o; [ "$out" = old.nn ]; }
@test "completion: nn-train FILE: data files"     { data; comp nn-train -o m.nn ''; has shop.csv notes.txt; hasnt m.nn; }
@test "completion: nn-train --target column names" {
	data
	comp nn-train shop.csv --target ''
	has age income city bought
	printf 'other\n' >val.csv
	comp nn-train --val val.csv shop.csv --target i
	[ "$out" = income ]
}
@test "completion: nn-train --ignore a list being built" {
	data
	comp nn-train shop.csv --ignore age,c
	[ "$out" = age,city ]
	comp nn-train shop.csv --ignore = age,
	has age,income age,city age,bought
	hasnt age,age
}
@test "completion: column names of a semicolon file" {
	printf 'a b;c\n1;2\n' >semi.csv
	comp nn-split semi.csv --stratify --target ''
	has 'a b' c
}
@test "completion: no columns without a data file" { comp nn-train --target ''; [ -z "$out" ]; }
@test "completion: the argument of -o is not the data file" {
	data
	comp nn-train -o shop.csv --target ''
	[ -z "$out" ]
}
@test "completion: --version and -h are offered" { comp nn-idx -; has -h --help --version -n --prefix --no-header; }

# zsh: the file defines every program's function, _arguments gets a spec
# per option, and the column helper reads the header of the data file.
zsh_run() {
	command -v zsh >/dev/null || skip "no zsh"
	run zsh -fc '
		service=$1; shift
		_arguments() { print -rl -- "$@"; }
		compadd() { shift; print -rl -- ${(P)1}; }
		_values() { shift 3; print -rl -- "$@"; }
		source '"$C"'/_nnkit
		'"$1"'
	' zsh "${@:2}"
}
@test "completion: zsh: nn-train's _arguments specs" {
	zsh_run '' nn-train
	[ "$status" -eq 0 ]
	grep -qF -- '--optimizer=[how the gradient moves the weights]:NAME:(sgd momentum nesterov adam adamw rmsprop adagrad)' <<<"$output"
	grep -qF -- '-r+' <<<"$output"
	grep -qF -- '--target=' <<<"$output"
}
@test "completion: zsh: column names for --target" {
	data
	zsh_run 'words=(nn-train -o m.nn shop.csv --target ""); CURRENT=6; argopts=(-o --target); _nnkit_columns 0' nn-train
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | tail -n 4 | tr '\n' ' ')" = "age income city bought " ]
}
