#!/usr/bin/env bats
# nn-split: a table of good and bad invocations.  Each bad row checks the
# exit status, the one-line message, and that neither output (nor a
# temporary file) is left behind.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 200 --seed 4 >"$D/moons.csv"
	nn-gen blobs --classes 3 -n 300 >"$D/blobs.csv"
	# 80 rows of class a, 20 of b, the class first
	awk 'BEGIN { print "kind,v"; for (i = 0; i < 100; i++) print (i % 5 ? "a" : "b") "," i }' >"$D/skewed.csv"
	awk 'BEGIN { for (i = 0; i < 100; i++) print i "," i % 2 }' >"$D/noheader.csv"
	printf 'name,note,y\n"Smith, J","said ""hi""",1\nplain,x,0\n" pad ",y,1\nlast,z,0\n' >"$D/quoted.csv"
	printf 'a,b\n1,2\n3,4\n' >"$D/two.csv"
	printf 'v,y\n1,a\n2,a\n3,b\n4,b\n' >"$D/pairs.csv"
	printf 'a,b\n1,2\n3,4\n5,6\n' >"$D/three.csv"
	printf 'a,b\n1,2\n' >"$D/one.csv"
	printf 'a,b\n1,2\n3\n5,6\n' >"$D/ragged.csv"
	printf 'a,b\n1,2\n3,"4\n' >"$D/quote.csv"
	printf 'a,b\n' >"$D/header.csv"
	: >"$D/empty.csv"
}

fail() { echo "$*" >&2; return 1; }
# rows FILE: data rows of FILE (not the header)
rows() { tail -n +2 "$1" | wc -l; }
# split_sizes TRAIN TEST: the two files have these data row counts
split_sizes() { [ "$(rows train.csv)" -eq "$1" ] && [ "$(rows test.csv)" -eq "$2" ] || fail "train $(rows train.csv), test $(rows test.csv)"; }
# nofiles: neither output nor a temporary file (.NAME.nnkit-tmp.*) exists in the
# current directory
nofiles() {
	local left
	left=$(ls -A | grep -E 'train|test|out' | tr '\n' ' ')
	[ -z "$left" ] || fail "left behind: $left"
}
# same_rows INPUT: train + test data rows == INPUT's, as multisets
same_rows() { cmp <(tail -n +2 "$1" | sort) <(tail -q -n +2 train.csv test.csv | sort); }
# headers INPUT: both outputs start with INPUT's header
headers() { local h; h=$(head -1 "$1"); [ "$(head -1 train.csv)" = "$h" ] && [ "$(head -1 test.csv)" = "$h" ] || fail "headers differ"; }
# classes FILE [COL]: "class:count ..." of FILE's data rows (default last column)
classes() { awk -F, -v c="${2:-0}" 'NR > 1 { k[c ? $c : $NF]++ } END { for (x in k) print x ":" k[x] }' "$1" | sort | tr '\n' ' '; }
# shuffled INPUT: the test rows are not just INPUT's first rows
shuffled() { ! cmp -s <(tail -n +2 test.csv) <(tail -n +2 "$1" | head -n "$(rows test.csv)"); }
# twice ARGS: the same command twice gives the same bytes
twice() { nn-split "$@" train.csv test.csv && mv train.csv a && mv test.csv b && nn-split "$@" train.csv test.csv && cmp a train.csv && cmp b test.csv; }
# seeds INPUT: seeds 1 and 2 give different test files
seeds() { nn-split --seed 1 "$1" tr1 te1 && nn-split --seed 2 "$1" tr2 te2 && ! cmp -s te1 te2; }
# untouched: pre-existing outputs keep their content
untouched() { [ "$(cat train.csv)" = old-train ] && [ "$(cat test.csv)" = old-test ] || fail "outputs changed"; [ -z "$(ls -A | grep '^\.')" ] || fail "temp file left"; }
olds() { echo old-train >train.csv; echo old-test >test.csv; }
readonly_dir() {
	[ "$(id -u)" -ne 0 ] || skip "root can write anywhere"
	mkdir ro && chmod 555 ro
	row 1 'ro/test.csv: Permission denied' nn-split "$D/moons.csv" train.csv ro/test.csv
	[ ! -e train.csv ] && [ -z "$(ls -A ro)" ]
}

@test "nn-split: usage == SYNOPSIS"                   { check_usage nn-split nn-split.1; }
@test "nn-split: --version"                            { row 0 '^nn-split \(nnkit\) [0-9]' nn-split --version; }

# --- good -----------------------------------------------------------------
@test "nn-split: -t 0.3 of 200 rows: 140 + 60"         { row 0 '' nn-split -t 0.3 "$D/moons.csv" train.csv test.csv; split_sizes 140 60; }
@test "nn-split: default -t 0.25: 150 + 50"            { nn-split "$D/moons.csv" train.csv test.csv; split_sizes 150 50; }
@test "nn-split: --test=0.1 long form"                 { nn-split --test=0.1 "$D/moons.csv" train.csv test.csv; split_sizes 180 20; }
@test "nn-split: test count rounds up (3 rows, 0.25)"  { nn-split -t 0.25 "$D/three.csv" train.csv test.csv; split_sizes 2 1; }
@test "nn-split: test count rounds up (0.301 of 100)"  { nn-split -t 0.301 "$D/skewed.csv" train.csv test.csv; split_sizes 69 31; }
@test "nn-split: 0.07 of 100 is 7, not 8"              { nn-split -t 0.07 "$D/skewed.csv" train.csv test.csv; split_sizes 93 7; }
@test "nn-split: 2 rows split 1 + 1"                   { nn-split -t 0.5 "$D/two.csv" train.csv test.csv; split_sizes 1 1; }
@test "nn-split: outputs hold the input's rows"        { nn-split -t 0.3 "$D/moons.csv" train.csv test.csv; same_rows "$D/moons.csv"; }
@test "nn-split: header in both outputs"               { nn-split -t 0.3 "$D/moons.csv" train.csv test.csv; headers "$D/moons.csv"; }
@test "nn-split: rows are shuffled"                    { nn-split -t 0.3 "$D/moons.csv" train.csv test.csv; shuffled "$D/moons.csv"; }
@test "nn-split: stdin as -"                           { rowin 0 '' "$D/moons.csv" nn-split -t 0.3 - train.csv test.csv; split_sizes 140 60; same_rows "$D/moons.csv"; }
@test "nn-split: pipeline from nn-gen"                 { nn-gen moons -n 500 | nn-split -t 0.3 - train.csv test.csv; split_sizes 350 150; }
@test "nn-split: same seed, same bytes"                { twice --seed 5 -t 0.3 "$D/moons.csv"; }
@test "nn-split: same seed, same bytes (--stratify)"  { twice --stratify "$D/blobs.csv"; }
@test "nn-split: different seeds, different split"     { seeds "$D/moons.csv"; }
@test "nn-split: default seed is 1"                    { nn-split "$D/moons.csv" a b; nn-split --seed 1 "$D/moons.csv" train.csv test.csv; cmp a train.csv; cmp b test.csv; }
@test "nn-split: --stratify keeps 3 balanced classes"  { nn-split --stratify -t 0.3 "$D/blobs.csv" train.csv test.csv; [ "$(classes test.csv)" = "0:30 1:30 2:30 " ]; [ "$(classes train.csv)" = "0:70 1:70 2:70 " ]; }
@test "nn-split: --stratify --target by name"          { nn-split --stratify --target kind "$D/skewed.csv" train.csv test.csv; [ "$(classes test.csv 1)" = "a:20 b:5 " ]; [ "$(classes train.csv 1)" = "a:60 b:15 " ]; }
@test "nn-split: --stratify --target by number"        { nn-split --stratify --target 1 "$D/skewed.csv" train.csv test.csv; [ "$(classes test.csv 1)" = "a:20 b:5 " ]; }
@test "nn-split: without --stratify the skew drifts"   { for s in 1 2 3 4 5 6 7 8; do nn-split --seed $s "$D/skewed.csv" train.csv test.csv; [ "$(classes test.csv 1)" = "a:20 b:5 " ] || return 0; done; fail "8 plain splits all stratified by chance"; }
@test "nn-split: --stratify total = plain total"       { nn-split --stratify -t 0.33 "$D/skewed.csv" train.csv test.csv; split_sizes 67 33; same_rows "$D/skewed.csv"; }
@test "nn-split: --stratify keeps a TRAIN row per class" { nn-split --stratify -t 0.75 "$D/pairs.csv" train.csv test.csv; split_sizes 2 2; [ "$(classes test.csv)" = "a:1 b:1 " ]; }
@test "nn-split: -t 0.75 of 4 without --stratify: 1 + 3" { nn-split -t 0.75 "$D/pairs.csv" train.csv test.csv; split_sizes 1 3; }
@test "nn-split: --no-header"                          { nn-split --no-header -t 0.3 "$D/noheader.csv" train.csv test.csv; [ "$(wc -l <test.csv)" -eq 30 ]; [ "$(wc -l <train.csv)" -eq 70 ]; cmp <(sort "$D/noheader.csv") <(cat train.csv test.csv | sort); }
@test "nn-split: --no-header --stratify --target 2"    { nn-split --no-header --stratify --target 2 -t 0.3 "$D/noheader.csv" train.csv test.csv; [ "$(awk -F, '$2 == 1' test.csv | wc -l)" -eq 15 ]; }
@test "nn-split: quoted fields survive"                { nn-split -t 0.5 "$D/quoted.csv" train.csv test.csv; same_rows "$D/quoted.csv"; }
@test "nn-split: replaces existing outputs"            { olds; nn-split "$D/moons.csv" train.csv test.csv; split_sizes 150 50; }
@test "nn-split: outputs in another directory"         { mkdir sub; nn-split "$D/moons.csv" sub/train.csv sub/test.csv; [ "$(rows sub/test.csv)" -eq 50 ]; [ "$(ls -A sub | tr '\n' ' ')" = "test.csv train.csv " ]; }
@test "nn-split: gzip INPUT, the plain input's split" { gzip -c "$D/moons.csv" >in.gz; nn-split in.gz a b; nn-split "$D/moons.csv" train.csv test.csv; cmp a train.csv && cmp b test.csv; }
@test "nn-split: gzip on stdin"                       { gzip -c "$D/moons.csv" >in.gz; rowin 0 '' in.gz nn-split - train.csv test.csv; split_sizes 150 50; same_rows "$D/moons.csv"; }
@test "nn-split: truncated gzip INPUT"                { gzip -c "$D/moons.csv" | head -c 2000 >cut.gz; row 1 '^nn-split: cut\.gz: truncated gzip data \(unexpected end of file\)$' nn-split cut.gz train.csv test.csv; nofiles; }
@test "nn-split: TRAIN over INPUT"                     { cp "$D/moons.csv" in.csv; saved in.csv; row 2 '^nn-split: TRAIN in\.csv is also an input; refusing to overwrite it$' nn-split in.csv in.csv test.csv; unchanged in.csv; nofiles; }
@test "nn-split: TEST over INPUT"                      { cp "$D/moons.csv" in.csv; saved in.csv; row 2 '^nn-split: TEST in\.csv is also an input; refusing to overwrite it$' nn-split in.csv train.csv in.csv; unchanged in.csv; nofiles; }
@test "nn-split: TEST a link to INPUT"                 { cp "$D/moons.csv" in.csv; ln -s in.csv l.csv; saved in.csv; row 2 '^nn-split: TEST l\.csv is also an input \(in\.csv\); refusing' nn-split in.csv train.csv l.csv; unchanged in.csv; nofiles; }
@test "nn-split: TRAIN over INPUT on stdin"            { cp "$D/moons.csv" in.csv; saved in.csv; rowin 2 '^nn-split: TRAIN in\.csv is also an input \(<stdin>\); refusing' in.csv nn-split - in.csv test.csv; unchanged in.csv; nofiles; }
@test "nn-split: stdout appended to INPUT"             { cp "$D/moons.csv" in.csv; saved in.csv; row 2 '^nn-split: standard output is also an input \(in\.csv\); refusing' bash -c 'nn-split in.csv train.csv test.csv >>in.csv'; unchanged in.csv; nofiles; }
@test "nn-split: no temporary file left on success"    { nn-split "$D/moons.csv" train.csv test.csv; [ "$(ls -A | tr '\n' ' ')" = "test.csv train.csv " ]; }

# --- bad input: exit 1, one line, no file left ------------------------------
@test "nn-split: ragged row"                           { row 1 'ragged.csv:3: expected 2 fields, got 1' nn-split "$D/ragged.csv" train.csv test.csv; nofiles; }
@test "nn-split: unterminated quote"                   { row 1 'quote.csv:3' nn-split "$D/quote.csv" train.csv test.csv; nofiles; }
@test "nn-split: empty input"                          { row 1 'empty.csv: empty input' nn-split "$D/empty.csv" train.csv test.csv; nofiles; }
@test "nn-split: empty stdin"                          { rowin 1 '<stdin>: empty input' "$D/empty.csv" nn-split - train.csv test.csv; nofiles; }
@test "nn-split: header only"                          { row 1 'header.csv: 0 data rows: at least 2' nn-split "$D/header.csv" train.csv test.csv; nofiles; }
@test "nn-split: one row"                              { row 1 'one.csv: 1 data row: at least 2' nn-split "$D/one.csv" train.csv test.csv; nofiles; }
@test "nn-split: -t leaving train empty"               { row 1 'two.csv: -t 0.9 of 2 rows leaves no row for training' nn-split -t 0.9 "$D/two.csv" train.csv test.csv; nofiles; }
@test "nn-split: unknown target"                       { row 1 'skewed.csv: no column "zz"' nn-split --stratify --target zz "$D/skewed.csv" train.csv test.csv; nofiles; }
@test "nn-split: target number out of range"           { row 1 'skewed.csv: column 3 out of range \(2 columns\)' nn-split --stratify --target 3 "$D/skewed.csv" train.csv test.csv; nofiles; }
@test "nn-split: missing input"                        { row 1 'nope.csv: No such file' nn-split nope.csv train.csv test.csv; nofiles; }
@test "nn-split: TRAIN in a missing directory"         { row 1 'nodir/train.csv: No such file' nn-split "$D/moons.csv" nodir/train.csv test.csv; nofiles; }
@test "nn-split: TEST in a missing directory"          { row 1 'nodir/test.csv: No such file' nn-split "$D/moons.csv" train.csv nodir/test.csv; nofiles; }
@test "nn-split: TEST in an unwritable directory"      { readonly_dir; }
@test "nn-split: bad input leaves old outputs alone"   { olds; row 1 'ragged.csv:3' nn-split "$D/ragged.csv" train.csv test.csv; untouched; }
@test "nn-split: bad output leaves old TRAIN alone"    { olds; row 1 'nodir/test.csv' nn-split "$D/moons.csv" train.csv nodir/test.csv; untouched; }
@test "nn-split: TEST a directory, before reading"  { mkdir d; row 1 '^nn-split: d: Is a directory$' nn-split nope.csv train.csv d; nofiles; }
@test "nn-split: TEST a FIFO is refused"             { mkfifo t; row 1 '^nn-split: t: a FIFO, not a regular file; refusing to replace it$' nn-split "$D/moons.csv" train.csv t; [ -p t ]; nofiles; }
@test "nn-split: TRAIN a link to /dev/null is refused" { ln -s /dev/null train.csv; row 1 '^nn-split: train\.csv -> /dev/null: a character device, not a regular file; refusing to replace it$' nn-split "$D/moons.csv" train.csv test.csv; [ -L train.csv ]; [ ! -e test.csv ]; }
@test "nn-split: a 0444 TEST is refused"             { olds; chmod 444 test.csv; row 1 '^nn-split: test\.csv: Permission denied \(a read-only file, mode 0444; refusing to replace it\)$' nn-split "$D/moons.csv" train.csv test.csv; untouched; }
@test "nn-split: TRAIN and TEST through links"       { olds; ln -s train.csv a; ln -s test.csv b; row 0 '' nn-split "$D/moons.csv" a b; [ -L a ] && [ -L b ]; split_sizes 150 50; }

# --- usage errors: exit 2 ---------------------------------------------------
@test "nn-split: -t 0"                                 { row 2 '-t: expected a fraction in \(0, 1\), got "0"' nn-split -t 0 "$D/moons.csv" train.csv test.csv; nofiles; }
@test "nn-split: -t 1"                                 { row 2 '-t: expected a fraction in \(0, 1\)' nn-split -t 1 "$D/moons.csv" train.csv test.csv; nofiles; }
@test "nn-split: -t 1.5"                               { row 2 '-t: expected a fraction' nn-split -t 1.5 "$D/moons.csv" train.csv test.csv; }
@test "nn-split: -t -0.2"                              { row 2 '-t: expected a fraction' nn-split -t -0.2 "$D/moons.csv" train.csv test.csv; }
@test "nn-split: -t abc"                               { row 2 '-t: expected a fraction.*"abc"' nn-split -t abc "$D/moons.csv" train.csv test.csv; }
@test "nn-split: -t nan"                               { row 2 '-t: expected a fraction' nn-split -t nan "$D/moons.csv" train.csv test.csv; }
@test "nn-split: -t 30%"                               { row 2 '-t: expected a fraction' nn-split -t 30% "$D/moons.csv" train.csv test.csv; }
@test "nn-split: --seed -1"                            { row 2 '--seed: expected a non-negative integer' nn-split --seed -1 "$D/moons.csv" train.csv test.csv; }
@test "nn-split: --target without --stratify"          { row 2 '--target: only with --stratify' nn-split --target y "$D/moons.csv" train.csv test.csv; nofiles; }
@test "nn-split: TRAIN and TEST the same"              { row 2 'the same file' nn-split "$D/moons.csv" out.csv out.csv; nofiles; }
@test "nn-split: TRAIN and TEST the same file, two names" { olds; row 2 'the same file' nn-split "$D/moons.csv" train.csv ./train.csv; untouched; }
@test "nn-split: - as an output"                       { row 2 'file names' nn-split "$D/moons.csv" - test.csv; nofiles; }
@test "nn-split: two operands"                         { row 2 '^nn-split: missing TEST$' nn-split "$D/moons.csv" train.csv; nofiles; }
@test "nn-split: four operands"                        { row 2 "^nn-split: extra operand 'c'$" nn-split "$D/moons.csv" a b c; }
