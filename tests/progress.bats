#!/usr/bin/env bats
# The progress bars of nn-train and the terminal hint of every program, on
# a real terminal: tmux, in detached sessions of a fixed size, its panes
# read with capture-pane (-J joins a line the terminal wrapped, so a bar
# that wrapped shows as a line longer than the pane).
#
# Timing: nothing waits a fixed time for output to appear.  `await`
# polls the pane until a pattern shows, with a deadline generous enough for
# the sanitizer builds; a training that must outlast the checks is given
# far more epochs than it can finish, and teardown ends it with the tmux
# server.  Only the absence of a bar (-q, stderr a file) needs a run that
# ends: it waits for the command's end marker.
load common

# one tmux server per test, by name, so that nothing else is touched
tm() { tmux -L "$SOCK" "$@"; }

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 4000 --seed 1 >"$D/moons.csv"
	# ~16 MB for the reading bar
	nn-gen blobs --features 20 -n 70000 --seed 1 >"$D/big.csv"
}

eval "common_$(declare -f setup)"
setup() {
	common_setup || return 1
	command -v tmux >/dev/null || skip "tmux not installed (apt-get install tmux)"
	SOCK="nnkit-progress-$$-$BATS_TEST_NUMBER"
	BIN="$BATS_TEST_DIRNAME/../bin"
	# long enough to be watched: it is ended by teardown
	LONG="nn-train --task binary -l 64,64 -e 100000 -b 8 -o m.nn $D/moons.csv"
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
}

# start WIDTH CMD: CMD in a detached session WIDTH columns wide, in $TMP,
# with bin/ first on PATH; "__END__" is printed when it returns.
start() {
	local w=$1
	shift
	tm new-session -d -s t -x "$w" -y 24 \
	    "cd '$TMP' && PATH='$BIN':\$PATH; $*; echo __END__; sleep 600"
}

# screen [-J]: the pane's text, trailing blanks and empty lines removed
screen() { tm capture-pane -p "$@" -t t | sed -e 's/ *$//' -e '/^$/d'; }

# await PATTERN [SECONDS]: poll until a line of the pane matches the
# extended regular expression; the pane is shown on failure.
await() {
	local pat=$1 end=$((SECONDS + ${2:-30}))
	while [ $SECONDS -lt $end ]; do
		screen -J | grep -Eq -- "$pat" && return 0
		sleep 0.1
	done
	echo "timed out waiting for /$pat/; the pane:" >&2
	screen -J >&2
	return 1
}

# fits WIDTH: the pane, lines joined where they wrapped, has no line longer
# than WIDTH and exactly one line of the bar ("epoch N/E ...")
fits() {
	local w=$1 text long bars
	text=$(screen -J)
	long=$(awk -v w="$w" 'length($0) > w' <<<"$text")
	bars=$(grep -Ec '^epoch [0-9]+/[0-9]+' <<<"$text")
	if [ -n "$long" ] || [ "$bars" -ne 1 ]; then
		printf 'width %s: %s bar lines; wider lines: %s\npane:\n%s\n' \
		    "$w" "$bars" "$long" "$text" >&2
		return 1
	fi
}

# the bar line now
bar() { screen -J | grep -E '^epoch [0-9]+/[0-9]+' | tail -1; }

ETA='ETA ([0-9]+s|[0-9]+m[0-5][0-9]s|[0-9]+h[0-5][0-9]m)$'

# watch WIDTH: over several redraws, the bar stays one line that fits
watch_bar() {
	local w=$1 first now i
	await '^epoch [0-9]+/[0-9]+' || return 1
	first=$(bar)
	for i in $(seq 50); do
		fits "$w" || return 1
		now=$(bar)
		[ "$now" != "$first" ] && [ "$i" -ge 5 ] && return 0
		sleep 0.1
	done
	echo "the bar was not redrawn: $now" >&2
	return 1
}

@test "progress: 40 columns: one line, never wider, epoch and ETA kept" {
	start 40 "$LONG"
	watch_bar 40
	bar | grep -Eq "^epoch [0-9]+/100000 .*$ETA"
	! screen | grep -q 'rows/s'
}

@test "progress: 80 columns: batch, running-mean loss, rows/s, ETA" {
	start 80 "$LONG"
	watch_bar 80
	bar | grep -Eq "^epoch [0-9]+/100000 .*batch [0-9]+/500 loss [0-9.e+-]+ [0-9.]+[kM]? rows/s $ETA"
	! screen | grep -q '^reading'      # a small file: no reading bar
}

@test "progress: 200 columns: the meter too" {
	start 200 "$LONG"
	watch_bar 200
	bar | grep -Eq "^epoch [0-9]+/100000 \[#*\.*\] batch .* rows/s $ETA"
}

@test "progress: 20 columns: cut, never wrapped" {
	start 20 "$LONG"
	watch_bar 20
}

@test "progress: the last validation figures when validating" {
	start 100 "${LONG/-o/--val-split 0.2 -o}"
	await '^epoch [0-9]+/[0-9]+ .* val [0-9.e+-]+ [0-9.]+%'
	fits 100
}

@test "progress: a resize is honoured (SIGWINCH): wider shows more" {
	start 40 "$LONG"
	watch_bar 40
	tm resize-window -t t -x 120
	await '^epoch [0-9]+/[0-9]+ .* rows/s ETA'
	fits 120
}

@test "progress: a resize is honoured (SIGWINCH): narrower shows less" {
	start 120 "$LONG"
	await '^epoch [0-9]+/[0-9]+ .* rows/s ETA'
	tm resize-window -t t -x 40
	# the terminal rewraps the old line; the bar's own row fits anew
	local end=$((SECONDS + 30)) last
	while [ $SECONDS -lt $end ]; do
		last=$(screen | tail -1)
		[[ $last =~ ^epoch\ [0-9]+/[0-9]+ && $last != *rows/s* ]] && break
		sleep 0.1
	done
	[[ $last =~ ^epoch\ [0-9]+/[0-9]+ && ${#last} -le 40 ]] ||
	    { echo "last row: $last" >&2; false; }
}

@test "progress: -v: the per-epoch lines whole, one bar line at most" {
	start 80 "$LONG -v"
	# any epoch's line: on an idle machine epochs take milliseconds and the
	# first ones have scrolled off before the first look
	await '^epoch [0-9]+/100000  loss [0-9.]+'
	local text
	text=$(screen -J)
	# every per-epoch line starts the line, nothing of the bar glued to it
	! grep -E '  lr ' <<<"$text" | grep -Ev '^epoch [0-9]+/100000  loss [0-9.]+ .* lr [0-9.e+-]+  [0-9.]+s$'
	[ "$(grep -Ec 'ETA' <<<"$text")" -le 1 ]
}

@test "progress: -q draws nothing" {
	start 80 "nn-train -q -l 64,64 -e 100 -b 8 -o m.nn $D/moons.csv"
	await '^__END__$' 120
	[ "$(screen)" = "__END__" ] || { screen >&2; false; }
}

@test "progress: stderr not a terminal: no bar in the file" {
	start 80 "nn-train -l 64,64 -e 100 -b 8 -o m.nn $D/moons.csv 2>err.txt"
	await '^__END__$' 120
	grep -q 'final loss' err.txt
	! grep -q -e $'\r' -e $'\033' -e 'ETA' err.txt
}

@test "progress: a slow input shows the reading bar, in MB and MB/s" {
	# 5 MB at once, then 4 MB a second later (a report step of 4 MB
	# falls after the bar's half-second delay), then a pause to look
	start 60 "{ head -c 5000000 $D/big.csv; sleep 1;" \
	    "tail -c +5000001 $D/big.csv | head -c 4000000; sleep 5;" \
	    "tail -c +9000001 $D/big.csv; } | nn-train -e 1 -l 4 -o b.nn -"
	await '^reading <stdin> [0-9]+\.[0-9] MB [0-9]+ MB/s$'
	[ -z "$(screen -J | awk 'length($0) > 60')" ]
	await '^__END__$' 120
	! screen | grep -q '^reading'      # cleared when done
}

@test "hint: nn-train with standard input a terminal says so" {
	start 80 "nn-train -o x.nn"
	await '^nn-train: reading data from the terminal; end with Ctrl-D$'
	tm send-keys -t t C-d       # once: the end of a terminal is sticky
	await 'nn-train: <stdin>: empty input'
	[ ! -e x.nn ]
}

@test "hint: rows typed at the terminal, ended by one Ctrl-D" {
	start 80 "nn-train -q -e 1 --task binary -o x.nn"
	await 'end with Ctrl-D$'
	tm send-keys -t t 'a,b,y' Enter '1,2,0' Enter '3,4,1' Enter '5,6,0' Enter C-d
	await '^__END__$'
	[ -s x.nn ]
}

@test "hint: nn-eval too (open_input)" {
	start 80 "nn-eval"
	await '^nn-eval: reading data from the terminal; end with Ctrl-D$'
}

@test "hint: not with standard input a file or a pipe" {
	start 80 "nn-train -q -e 1 -o x.nn - <$D/moons.csv; cat $D/moons.csv | nn-train -q -e 1 -o y.nn -"
	await '^__END__$' 120
	! screen | grep -q 'terminal'
	[ -s x.nn ] && [ -s y.nn ]
}
