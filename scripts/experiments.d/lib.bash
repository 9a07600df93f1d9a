# lib.bash - helpers shared by the experiments of scripts/experiments.
#
# Sourced by each scripts/experiments.d/N-name.bash, which runs with the
# working directory at the repository root and these in the environment:
# EXP_OUT (the output folder), EXP_QUICK (1 for --quick), PATH with bin/.
# A log is what nn-train --log writes: a CSV header, then one row per epoch;
# its columns are found by name, never by position.

set -euo pipefail

# Enter the experiment's own folder under EXP_OUT.
exp_dir() {
	mkdir -p "$EXP_OUT/$1"
	cd "$EXP_OUT/$1"
}

# quick FULL SMALL: FULL normally, SMALL under --quick.
quick() {
	if [ "${EXP_QUICK:-0}" = 1 ]; then echo "$2"; else echo "$1"; fi
}

# title TEXT...: the experiment's heading, underlined.
title() {
	local t="$*"
	printf '%s\n%s\n' "$t" "$(printf '%s' "$t" | tr -c '\n' '=')"
	[ "${EXP_QUICK:-0}" = 1 ] && echo "(--quick: shortened run, numbers not meaningful)"
	return 0
}

# metric MODEL DATA NAME [CLASS]: one figure of nn-eval's csv report on
# nn-predict's output (accuracy, macro_f1, recall with CLASS, ...).
metric() {
	nn-predict -m "$1" "$2" | nn-eval --format csv |
	    awk -F, -v m="$3" -v c="${4-}" '$1 == m && $2 == c { print $3; f = 1 }
		END { if (!f) { print "metric: no " m " " c > "/dev/stderr"; exit 1 } }'
}

# accuracy MODEL DATA: the accuracy with three decimals.
accuracy() {
	printf '%.3f' "$(metric "$1" "$2" accuracy)"
}

# col LOG COLUMN EPOCH: the value of COLUMN in the row of EPOCH ("last":
# the last row); empty when the log has no such row or the field is empty.
col() {
	awk -F, -v name="$2" -v e="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i
			  if (!c) { print "col: no column " name > "/dev/stderr"; exit 1 }
			  next }
		{ last = $c }
		e != "last" && $1 == e { print $c; found = 1; exit }
		END { if (e == "last" && NR > 1) print last }' "$1"
}

# first_le LOG COLUMN TARGET: the first epoch whose COLUMN is at most
# TARGET, or "never".
first_le() {
	awk -F, -v name="$2" -v t="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		$c != "" && $c + 0 <= t + 0 { print $1; f = 1; exit }
		END { if (!f) print "never" }' "$1"
}

# spread LOG K: the standard deviation of train_loss over the last K epochs,
# how much the loss still jumps from epoch to epoch at the end.
spread() {
	tail -n "$2" "$1" | awk -F, -v k="$2" '{ s += $2; ss += $2 * $2; n++ }
		END { m = s / n; v = ss / n - m * m; printf "%.4f", (v > 0 ? sqrt(v) : 0) }'
}

# best_epoch LOG: the epoch of the lowest val_loss, the one --patience saves
# (the first of equals: a later epoch must improve to replace it).
best_epoch() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "val_loss") c = i; next }
		$c != "" && (b == "" || $c + 0 < b + 0) { b = $c; e = $1 }
		END { print e }' "$1"
}

# epochs LOG: the number of epochs the log holds.
epochs() {
	tail -n 1 "$1" | cut -d, -f1
}

# has_opt OPTION: whether this nn-train's synopsis has OPTION (e.g.
# --dropout), as "[OPTION]" or "[OPTION ARG]" ("--init" is not "--init-from").
has_opt() {
	nn-train --help 2>&1 | grep -q -e "\\[$1[] ]"
}

# has_act NAME: whether nn-train accepts the hidden activation NAME.
has_act() {
	local d
	d=$(mktemp -d)
	printf 'x,y\n0,0\n1,1\n' >"$d/t.csv"
	if nn-train -q -l 2 -a "$1" -e 1 -o "$d/m.nn" "$d/t.csv" 2>/dev/null; then
		rm -rf "$d"; return 0
	fi
	rm -rf "$d"; return 1
}

# widths N W: N hidden layers of width W, as -l wants them ("W,W,...").
widths() {
	local s="$2" i
	for ((i = 1; i < $1; i++)); do s="$s,$2"; done
	echo "$s"
}

# tagof NAME: NAME as a file name: lower case, runs of other characters as
# one "-" ("SGD, high rate" -> "sgd-high-rate").
tagof() {
	echo "$1" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9\n' '-' | tr -s '-' | sed 's/^-//; s/-$//'
}
