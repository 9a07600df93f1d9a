#!/usr/bin/env bats
# nn-tune: searches on a small set, determinism across -j, the printed
# command line against nn-train, interruption and --resume-log, and every
# bad space (one line, exit 2).
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 200 --seed 3 >"$D/moons.csv"
	nn-gen moons -n 100 --seed 4 >"$D/val.csv"
	nn-gen regression -n 200 --seed 3 >"$D/reg.csv"
}

# The table without its seconds column (wall time), sorted: what must not
# depend on -j, nor on an interruption.
table() { sed 's/,[^,]*$//' "$1" | sort; }
# The number of trial lines of a CSV table.
lines() { echo $(($(wc -l <"$1") - 1)); }
# nomodel: a bad row must not have written m.nn
nomodel() { [ ! -e m.nn ] || { echo "m.nn was written" >&2; return 1; }; }

G=(-l '|4|8,4' -r '0.1|0.3' -e 20)

@test "nn-tune: usage == SYNOPSIS"      { check_usage nn-tune nn-tune.1; }
@test "nn-tune: --version"              { row 0 '^nn-tune \(nnkit\) [0-9]' nn-tune --version; }

# ---- the searches -------------------------------------------------------
@test "nn-tune: grid: a header and a line per point" {
	row 0 'best of 6: trial' nn-tune -j 2 "${G[@]}" "$D/moons.csv"
	[ "${lines[0]}" = "trial,rung,epochs,layers,rate,metric,mean,sd,seconds" ]
	[ "${#lines[@]}" -eq 7 ]
	# the empty element is the network without a hidden layer
	grep -q '^[0-9]*,0,20,,0.1,accuracy,' <<<"$output"
	grep -q '^[0-9]*,0,20,"8,4",0.3,accuracy,' <<<"$output"
}
@test "nn-tune: grid of a range: --grid-points, ends included" {
	row 0 '' nn-tune -q -j 2 -r log:0.01:1 --grid-points 3 --search grid -l 4 -e 5 "$D/moons.csv"
	[ "$(cut -d, -f4 <<<"$output" | sed 1d | sort -g | tr '\n' ' ')" = "0.01 0.1 1 " ]
}
@test "nn-tune: random: --trials draws in the range" {
	row 0 '' nn-tune -q -j 2 --trials 7 -r log:0.01:0.5 -b int:8:64 -l 4 -e 5 "$D/moons.csv"
	[ "${#lines[@]}" -eq 8 ]
	[ "${lines[0]}" = "trial,rung,epochs,rate,batch,metric,mean,sd,seconds" ]
	sed 1d <<<"$output" | awk -F, '$4 < 0.01 || $4 > 0.5 || $5 < 8 || $5 > 64 || $5 != int($5) { exit 1 }'
}
@test "nn-tune: random: another -s, other draws; same -s, same draws" {
	nn-tune -q -j 2 --trials 4 -r log:0.01:0.5 -l 4 -e 5 "$D/moons.csv" >a.csv
	nn-tune -q -j 2 --trials 4 -r log:0.01:0.5 -l 4 -e 5 "$D/moons.csv" >b.csv
	nn-tune -q -j 2 --trials 4 -r log:0.01:0.5 -l 4 -e 5 -s 2 "$D/moons.csv" >c.csv
	cmp <(table a.csv) <(table b.csv)
	! cmp -s <(table a.csv) <(table c.csv)
}
@test "nn-tune: halving: rungs of 9, 3, 1 for 3, 9, 27 epochs" {
	row 0 'rung 2' nn-tune -j 2 --search halving --trials 9 -l '4|8,4|16,8' -r log:0.01:1 -e 27 "$D/moons.csv"
	[ "$(sed 1d <<<"$output" | cut -d, -f2,3 | sort | uniq -c | tr '\n' ' ' | tr -s ' ')" = " 9 0,3 3 1,9 1 2,27 " ]
}
@test "nn-tune: halving: the best of a rung go on" {
	nn-tune -q -j 2 --format jsonl --search halving --trials 9 -l '4|8,4' -r log:0.01:1 -e 27 "$D/moons.csv" >h.jsonl
	# rung 1's configurations are rung 0's three best (the earlier on a tie)
	a=$(jq -sc '[.[] | select(.rung == 0)] | sort_by(-.mean, .trial) | .[0:3] | map(.params) | sort' h.jsonl)
	b=$(jq -sc '[.[] | select(.rung == 1)] | map(.params) | sort' h.jsonl)
	[ "$a" = "$b" ]
}
@test "nn-tune: jsonl" {
	row 0 '' nn-tune -q -j 2 --format jsonl -l '4|8,4' -r '0.1|0.3' -e 5 "$D/moons.csv"
	[ "${#lines[@]}" -eq 4 ]
	jq -se 'any(.[]; .params.layers == "8,4" and .params.rate == 0.3 and .metric == "accuracy" and .rung == 0 and .epochs == 5 and (.mean | type) == "number" and (.sd | type) == "number" and (.seconds | type) == "number" and (.trial | type) == "number")' <<<"$output" >/dev/null
}
@test "nn-tune: one configuration: the table of nn-train --cv" {
	nn-tune -q -l 8,4 -r 0.3 -e 20 --cv 5 "$D/moons.csv" >t.csv
	nn-train -l 8,4 -r 0.3 -e 20 --cv 5 --cv-format csv "$D/moons.csv" >c.csv 2>/dev/null
	[ "$(sed -n 2p t.csv | cut -d, -f5)" = "$(awk -F, '$1 == "mean" { printf "%.15g", $5 }' c.csv)" ]
}
@test "nn-tune: --seeds 3 --val-split: mean and sd over the seeds" {
	row 0 'over 3 trainings' nn-tune -j 2 --seeds 3 --val-split 0.25 -l '4|8' -e 10 "$D/moons.csv"
	sed 1d <<<"$output" | grep -v '^nn-' | awk -F, '$7 <= 0 { exit 1 }'
}
@test "nn-tune: --val FILE, --metric auc" {
	row 0 'auc' nn-tune -j 2 --val "$D/val.csv" --metric auc -l '4|8' -e 10 "$D/moons.csv"
	grep -q ',auc,0\.[0-9]*,0,' <<<"$output"
}
@test "nn-tune: regression: rmse by default, r2 asked" {
	row 0 'rmse' nn-tune -j 2 -l '4|8' -e 10 --cv 3 "$D/reg.csv"
	row 0 'r2' nn-tune -j 2 -l '4|8' -e 10 --cv 3 --metric r2 "$D/reg.csv"
}
@test "nn-tune: --time: no trial starts after it" {
	row 0 '--time 0.001 reached: [0-9]+ of 9 trials done' nn-tune -j 2 --time 0.001 -l '4|8|16' -r '0.05|0.1|0.2' -e 2000 "$D/moons.csv"
	[ "$(sed 1d <<<"$output" | grep -c '^[0-9]')" -lt 9 ]
}
@test "nn-tune: -q: nothing on stderr" { row 0 '' nn-tune -q -j 2 -l '4|8' -e 5 "$D/moons.csv"; [ -z "$stderr" ]; }
@test "nn-tune: other options pass on"  { row 0 '' nn-tune -q -j 2 -l '4|8' -e 5 --optimizer adam --scale minmax -b 16 "$D/moons.csv"; }

# ---- determinism and nn-train ------------------------------------------
@test "nn-tune: -j 1 and -j 2: the same table and the same model" {
	mkdir j1 j2
	(cd j1 && nn-tune -q -j 1 --search halving --trials 9 -l '|4|8,4' -r log:0.01:1 -e 27 -o m.nn "$D/moons.csv" >t.csv)
	(cd j2 && nn-tune -q -j 2 --search halving --trials 9 -l '|4|8,4' -r log:0.01:1 -e 27 -o m.nn "$D/moons.csv" >t.csv)
	cmp <(table j1/t.csv) <(table j2/t.csv)
	cmp j1/m.nn j2/m.nn
}
@test "nn-tune: the printed command line trains -o's model (cmp)" {
	nn-tune -j 2 "${G[@]}" --optimizer 'sgd|adam' -b 16 -o best.nn "$D/moons.csv" >t.csv 2>err.txt
	cmd=$(grep '^nn-train ' err.txt)
	[[ $cmd == *" -o best.nn "* ]]
	mv best.nn tuned.nn
	eval "$cmd" 2>/dev/null
	cmp tuned.nn best.nn
}
@test "nn-tune: the command line keeps --val-split for --patience" {
	nn-tune -j 2 -l '4|8' -e 30 --val-split 0.25 --patience 5 -o best.nn "$D/moons.csv" >t.csv 2>err.txt
	cmd=$(grep '^nn-train ' err.txt)
	[[ $cmd == *"--val-split 0.25"* ]]
	mv best.nn tuned.nn
	eval "$cmd" 2>/dev/null
	cmp tuned.nn best.nn
}

# ---- interruption and --resume-log ---------------------------------------
@test "nn-tune: SIGINT: a partial table, exit 130; --resume-log completes it" {
	S=(-l '4|8|16|8,4|16,8' -r '0.05|0.1|0.2' -e 1500)
	nn-tune -q -j 2 "${S[@]}" "$D/moons.csv" >full.csv
	nn-tune -j 2 "${S[@]}" "$D/moons.csv" >part.csv 2>err.txt &
	pid=$!
	for i in $(seq 1 3000); do [ "$(wc -l <part.csv)" -ge 4 ] && break; sleep 0.01; done
	kill -INT $pid
	rc=0; wait $pid || rc=$?
	[ "$rc" -eq 130 ]
	grep -Eq 'interrupted: [0-9]+ of 15 trials done; abandoned, and left out of the table:( trial [0-9]+,?)+ \(continue with --resume-log\)' err.txt
	n=$(lines part.csv)
	[ "$n" -ge 3 ] && [ "$n" -lt 15 ]
	nn-tune -q -j 2 "${S[@]}" --resume-log part.csv "$D/moons.csv" >all.csv
	cmp <(table full.csv) <(table all.csv)
	# the finished trials were not trained again: their lines are copied
	cmp <(sort part.csv) <(grep -Fxf part.csv all.csv | sort)
}
@test "nn-tune: --resume-log of another search"    { nn-tune -q -l '4|8' -e 5 "$D/moons.csv" >a.csv; row 1 'a.csv:1: not a table of this search' nn-tune -r '0.1|0.2' -e 5 --resume-log a.csv "$D/moons.csv"; }
@test "nn-tune: --resume-log with other values"    { nn-tune -q -j 1 -l '4|8' -e 5 "$D/moons.csv" >a.csv; row 1 'a.csv:3: trial 2 is not this search' nn-tune -l '4|16' -e 5 --resume-log a.csv "$D/moons.csv"; }

# ---- bad spaces and refused options: one line, exit 2, no model ----------
@test "nn-tune: -r log:0:1"                { row 2 '^nn-tune: -r log:0:1: a log range needs LOW > 0' nn-tune -r log:0:1 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-tune: a range backwards"         { row 2 'the range is backwards' nn-tune -r 0.5:0.1 -o m.nn "$D/moons.csv"; nomodel; }
@test "nn-tune: an empty range"            { row 2 'the range is empty' nn-tune --dropout 0.2:0.2 "$D/moons.csv"; }
@test "nn-tune: an empty list"             { row 2 "--optimizer '\\|': an empty list" nn-tune --optimizer '|' "$D/moons.csv"; }
@test "nn-tune: an empty element"          { row 2 'value 2 of the list is empty' nn-tune --optimizer 'sgd||adam' "$D/moons.csv"; }
@test "nn-tune: a value twice"             { row 2 '"8" is listed twice' nn-tune -l '8|4|8' "$D/moons.csv"; }
@test "nn-tune: an unknown value"          { row 2 'got "nope"' nn-tune --optimizer 'sgd|nope' "$D/moons.csv"; }
@test "nn-tune: an unknown hyperparameter" { row 2 "unknown option '--nope'" nn-tune --nope '1|2' "$D/moons.csv"; }
@test "nn-tune: a bad layer list"          { row 2 '^nn-tune: -l: width' nn-tune -l '8|8,x' "$D/moons.csv"; }
@test "nn-tune: a range out of bounds"     { row 2 'would drop every unit' nn-tune --dropout 0:1 "$D/moons.csv"; }
@test "nn-tune: an unknown scale"          { row 2 'unknown scale "exp"' nn-tune -r exp:1:2 "$D/moons.csv"; }
@test "nn-tune: a range of words"          { row 2 'expected sgd, momentum' nn-tune --optimizer 'sgd:adam' "$D/moons.csv"; }
@test "nn-tune: int range, real ends"      { row 2 'integer ends' nn-tune -b int:1.5:8 "$D/moons.csv"; }
@test "nn-tune: a list to a passed option" { row 2 "--target 'a\\|b': --target is not a hyperparameter" nn-tune --target 'a|b' "$D/moons.csv"; }
@test "nn-tune: a combination per value"   { row 2 "--dropout acts on hidden layers, and -l '' makes none" nn-tune -l '|4' --dropout 0.2 "$D/moons.csv"; }
@test "nn-tune: plateau needs validation"  { row 2 'plateau needs a validation set' nn-tune --schedule 'constant|plateau' "$D/moons.csv"; }
@test "nn-tune: halving chooses -e"        { row 2 '-e: halving chooses the epochs' nn-tune --search halving -e '10|20' "$D/moons.csv"; }
@test "nn-tune: two evaluations"           { row 2 'give one' nn-tune --cv 3 --val-split 0.2 "$D/moons.csv"; }
@test "nn-tune: a metric of the other task" { row 2 'rmse is for regression; the task is binary' nn-tune --metric rmse "$D/moons.csv"; }
@test "nn-tune: --format is the table's"   { row 2 '--input-format libsvm is the input' nn-tune --format libsvm "$D/moons.csv"; }
@test "nn-tune: --resume refused"          { row 2 'nn-tune does not take --resume' nn-tune --resume m.nn "$D/moons.csv"; }
@test "nn-tune: --threads refused"         { row 2 '-j N sets how many run at once' nn-tune --threads 2 "$D/moons.csv"; }
@test "nn-tune: --trace refused"           { row 2 'nn-tune does not take --trace' nn-tune --trace "$D/moons.csv"; }
@test "nn-tune: -v refused"                { row 2 'a line per trial' nn-tune -v "$D/moons.csv"; }
@test "nn-tune: --cv 1"                    { row 2 '--cv' nn-tune --cv 1 "$D/moons.csv"; }
@test "nn-tune: --cv over the rows"        { printf 'x,label\n1,a\n2,b\n3,a\n' >s.csv; row 1 '--cv 5: only 3 rows' nn-tune -o m.nn s.csv; nomodel; }
@test "nn-tune: bad data"                  { printf 'x1,x2,label\n1,2,a\n3,4\n' >bad.csv; row 1 'bad.csv:3: expected 3 fields' nn-tune -o m.nn bad.csv; nomodel; }
@test "nn-tune: -o over the input"         { cp "$D/moons.csv" d.csv; row 2 'refusing to overwrite' nn-tune -o d.csv d.csv; }

# ---- the progress bar, on a terminal (tmux) ------------------------------
# The bar is on stderr when it is a terminal: trials done of all, the best
# so far; the table (stdout, a file here) is untouched by it.
@test "nn-tune: a progress bar on a terminal, not in the table" {
	command -v tmux >/dev/null || skip "tmux not installed (apt-get install tmux)"
	local sock="nnkit-tune-$$" end=$((SECONDS + 60))
	tmux -L "$sock" new-session -d -s t -x 100 -y 10 \
	    "cd '$TMP' && PATH='$BATS_TEST_DIRNAME/../bin':\$PATH; nn-tune -j 2 -l '4|8|16|8,4|16,8' -r '0.05|0.1|0.2' -e 3000 '$D/moons.csv' >t.csv; sleep 600"
	until tmux -L "$sock" capture-pane -p -t t | grep -Eq '^trial [0-9]+/15 .*best accuracy [0-9.]+'; do
		[ $SECONDS -lt $end ] || { tmux -L "$sock" capture-pane -p -t t >&2; tmux -L "$sock" kill-server; return 1; }
		sleep 0.1
	done
	tmux -L "$sock" kill-server
	! grep -q 'trial [0-9]*/' t.csv
}
