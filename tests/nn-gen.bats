#!/usr/bin/env bats
# nn-gen: a table of good and bad invocations.  The good rows check the
# shape of the CSV and the geometry of each kind; the bad rows check that a
# bad option is one line and exit 2.
#
# (bats reads a one-line test's name up to its last " {", so the checks with
# braces live in the helpers below.)
load common

KINDS="linear moons circles blobs xor spirals regression"

fail() { echo "$*" >&2; return 1; }
# ncols: the distinct field counts of stdin's lines
ncols() { awk -F, '{ print NF }' | sort -u | tr '\n' ' '; }
# counts: "label:count" for each label of stdin (last column), sorted
counts() { awk -F, 'NR > 1 { c[$NF]++ } END { for (k in c) print k ":" c[k] }' | sort -n | tr '\n' ' '; }
# within LO HI: every number on stdin lies in [LO, HI]
within() { awk -v lo="$1" -v hi="$2" '$1 < lo || $1 > hi { print "out of range: " $1; bad = 1 } END { exit bad }'; }
# rows_all N ARGS...: every kind gives N data rows with ARGS
rows_all() {
	local want=$1 k n
	shift
	for k in $KINDS; do
		n=$(nn-gen "$k" "$@" | wc -l)
		[ "$n" -eq $((want + 1)) ] || fail "$k: $n lines"
	done
}
# same_fields ARGS...: every line of nn-gen ARGS has as many fields as the header
same_fields() { local c; c=$(nn-gen "$@" -n 300 | ncols); [[ "$c" =~ ^[0-9]+\ $ ]] || fail "$*: field counts $c"; }
# deterministic: same seed same bytes, other seed other bytes, for every kind
deterministic() {
	local k
	for k in $KINDS; do
		nn-gen "$k" -n 500 --seed 42 >a; nn-gen "$k" -n 500 --seed 42 >b
		cmp a b || fail "$k: same seed, different bytes" || return 1
		nn-gen "$k" -n 50 --seed 1 >a; nn-gen "$k" -n 50 --seed 2 >b
		! cmp -s a b || fail "$k: seeds 1 and 2 give the same bytes" || return 1
	done
}
# mixed_prefix: the first 100 of 10000 xor rows hold both classes, >= 30 each
mixed_prefix() {
	local c
	c=$(nn-gen xor -n 10000 | head -101 | counts)
	[[ "$c" =~ ^0:([0-9]+)\ 1:([0-9]+)\ $ ]] || fail "counts $c" || return 1
	[ "${BASH_REMATCH[1]}" -ge 30 ] && [ "${BASH_REMATCH[2]}" -ge 30 ] || fail "counts $c"
}
# runs: how often the label changes from one row to the next
runs() { awk -F, 'NR > 2 && $NF != p { r++ } { p = $NF } END { print r + 0 }'; }
# numeric: every feature is a number, every label an integer in [0, $1)
numeric() {
	awk -F, -v k="$1" 'NR > 1 {
		for (i = 1; i < NF; i++) if ($i !~ /^-?[0-9.]+(e[-+][0-9]+)?$/) { print "bad number " $i; exit 1 }
		if ($NF !~ /^[0-9]+$/ || $NF >= k) { print "bad label " $NF; exit 1 } }'
}
# radii F: circles with no noise lie on radius 1 (label 0) or F (label 1)
radii() {
	awk -F, -v f="$1" 'NR > 1 { r = sqrt($1*$1 + $2*$2); w = $3 == 0 ? 1 : f
		if (r < w - 1e-6 || r > w + 1e-6) { print "radius " r " for label " $3; exit 1 } }'
}
# mean_inner: the mean radius of class 1
mean_inner() { awk -F, 'NR > 1 && $3 == 1 { s += sqrt($1*$1 + $2*$2); n++ } END { print s / n }'; }
# between X LO HI: LO < X < HI
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x > lo && x < hi) }' || fail "$1 not in ($2, $3)"; }
# moons0: with no noise, label 0 is the upper unit half circle about (0, 0),
# label 1 the lower one about (1, 0.5)
moons0() {
	awk -F, 'NR > 1 {
		if ($3 == 0) { r = sqrt($1*$1 + $2*$2); ok = $2 >= -1e-7 }
		else { r = sqrt(($1-1)^2 + ($2-0.5)^2); ok = $2 <= 0.5 + 1e-7 }
		if (!ok || r < 1 - 1e-6 || r > 1 + 1e-6) { print "off the arc: " $0; exit 1 } }'
}
# outer_sd: standard deviation of the distance of label 0 from the unit circle
outer_sd() { awk -F, 'NR > 1 && $3 == 0 { d = sqrt($1*$1 + $2*$2) - 1; s += d * d; n++ } END { print sqrt(s / n) }'; }
# xor0: the label is x1*x2 > 0, coordinates in [-1, 1]
xor0() { awk -F, 'NR > 1 && (($1 * $2 > 0) != ($3 == 1) || $1 < -1 || $1 > 1 || $2 < -1 || $2 > 1) { print "wrong: " $0; bad = 1 } END { exit bad }'; }
quadrants() { awk -F, 'NR > 1 { print ($1 > 0) ($2 > 0) }' | sort -u | tr '\n' ' '; }
radius() { awk -F, 'NR > 1 { print sqrt($1*$1 + $2*$2) }'; }
# class_sd SD: every class's x1 has standard deviation within 5% of SD
class_sd() {
	awk -F, -v want="$1" 'NR > 1 { n[$NF]++; s[$NF] += $1; q[$NF] += $1 * $1 }
		END { for (k in n) { m = s[k] / n[k]; sd = sqrt(q[k] / n[k] - m * m)
			if (sd < 0.95 * want || sd > 1.05 * want) { print "class " k " sd " sd; exit 1 } } }'
}
# vertices D: each class mean is near its own vertex of [-1, 1]^D
vertices() {
	awk -F, -v d="$1" 'NR > 1 { n[$NF]++; for (j = 1; j <= d; j++) s[$NF, j] += $j }
		END { for (k in n) { v = ""
			for (j = 1; j <= d; j++) { m = s[k, j] / n[k]; if (m > -0.85 && m < 0.85) { print "class " k " mean " m; exit 1 }; v = v (m > 0) }
			if (v in seen) { print "two classes at vertex " v; exit 1 }; seen[v] = 1 } }'
}
# slopes: target / x1 for the rows with |x1| > 0.5, lowest and highest
slopes() { awk -F, 'NR > 1 && ($1 > 0.5 || $1 < -0.5) { print $2 / $1 }' | sort -g | sed -n '1p;$p' | tr '\n' ' '; }
# linear_fit: with no noise every slope is the same coefficient in (0, 100)
linear_fit() { local s; s=($(nn-gen regression --noise 0 --features 1 -n 300 | slopes)); between "${s[0]}" 0 100 && between "$(awk -v a="${s[0]}" -v b="${s[1]}" 'BEGIN { print b / a }')" 0.999999 1.000001; }
spread() { local s; s=($(nn-gen regression --noise 5 --features 1 -n 300 | slopes)); between "$(awk -v a="${s[0]}" -v b="${s[1]}" 'BEGIN { print b - a }')" 1 1e9; }
# head_quiet: a billion rows into head end at once, with nothing on stderr
head_quiet() { local out; out=$(timeout 10 bash -c 'nn-gen moons -n 1000000000 2>err | head -3'); [ "$(wc -l <<<"$out")" -eq 3 ] && [ ! -s err ]; }
full() { [ -w /dev/full ] || skip "no /dev/full"; row 1 'stdout' bash -c 'nn-gen moons -n 100000 >/dev/full'; }

@test "nn-gen: usage == SYNOPSIS"                   { check_usage nn-gen nn-gen.1; }
@test "nn-gen: --version"                            { row 0 '^nn-gen \(nnkit\) [0-9]' nn-gen --version; }
@test "nn-gen: no KIND is a usage error"             { row 2 '^nn-gen: missing KIND \(linear, moons, circles, blobs, xor, spirals, regression\)$' nn-gen; }
@test "nn-gen: two KINDs are a usage error"          { row 2 "^nn-gen: extra operand 'circles'$" nn-gen moons circles; }

# --- shape --------------------------------------------------------------
@test "nn-gen: moons header"                         { row 0 '^x1,x2,label$' nn-gen moons; }
@test "nn-gen: blobs --features 4 header"            { row 0 '^x1,x2,x3,x4,label$' nn-gen blobs --features 4; }
@test "nn-gen: regression header says target"        { row 0 '^x1,x2,x3,target$' nn-gen regression --features 3; }
@test "nn-gen: default -n is 200, every kind"        { rows_all 200; }
@test "nn-gen: -n 37 gives 37 rows, every kind"      { rows_all 37 -n 37; }
@test "nn-gen: -n 1 gives one row"                   { rows_all 1 -n 1; }
@test "nn-gen: linear 5-D: 6 fields on every line"   { same_fields linear --features 5; [ "$(nn-gen linear --features 5 | ncols)" = "6 " ]; }
@test "nn-gen: blobs 7-D: 8 fields on every line"    { same_fields blobs --features 7; [ "$(nn-gen blobs --features 7 | ncols)" = "8 " ]; }
@test "nn-gen: regression 9-D: 10 fields"            { [ "$(nn-gen regression --features 9 | ncols)" = "10 " ]; }
@test "nn-gen: 2-D kinds: 3 fields"                  { for k in moons circles xor spirals; do [ "$(nn-gen $k | ncols)" = "3 " ] || fail "$k"; done; }
@test "nn-gen: numbers parse, labels in [0, K)"      { nn-gen blobs --classes 4 --features 3 -n 500 | numeric 4; nn-gen spirals --classes 7 | numeric 7; }

# --- balance and order ----------------------------------------------------
@test "nn-gen: moons balanced"                       { [ "$(nn-gen moons -n 200 | counts)" = "0:100 1:100 " ]; }
@test "nn-gen: odd n: first class gets the extra"    { [ "$(nn-gen circles -n 201 | counts)" = "0:101 1:100 " ]; }
@test "nn-gen: blobs 3 classes of 100 rows"          { [ "$(nn-gen blobs --classes 3 -n 100 | counts)" = "0:34 1:33 2:33 " ]; }
@test "nn-gen: spirals 4 arms of 10 rows"            { [ "$(nn-gen spirals --classes 4 -n 10 | counts)" = "0:3 1:3 2:2 3:2 " ]; }
@test "nn-gen: linear 5 classes in 3-D balanced"     { [ "$(nn-gen linear --classes 5 --features 3 -n 1000 | counts)" = "0:200 1:200 2:200 3:200 4:200 " ]; }
@test "nn-gen: linear label noise keeps balance"     { [ "$(nn-gen linear --noise 0.5 -n 400 | counts)" = "0:200 1:200 " ]; }
@test "nn-gen: rows shuffled: prefix holds both"     { mixed_prefix; }
@test "nn-gen: labels not in blocks"                 { r=$(nn-gen moons -n 1000 | runs); [ "$r" -gt 300 ]; }

# --- determinism ----------------------------------------------------------
@test "nn-gen: seed decides the bytes, every kind"   { deterministic; }
@test "nn-gen: default seed is 1"                    { nn-gen blobs >a; nn-gen blobs --seed 1 >b; cmp a b; }
@test "nn-gen: options before or after KIND"         { nn-gen --seed 9 -n 20 moons >a; nn-gen moons -n 20 --seed 9 >b; cmp a b; }
@test "nn-gen: -n 50 is a prefix of -n 5000 (regression)" { nn-gen regression -n 5000 | head -51 >a; nn-gen regression -n 50 >b; cmp a b; }

# --- geometry -----------------------------------------------------------
@test "nn-gen: circles --noise 0: radii 1 and 0.3"   { nn-gen circles --noise 0 --factor 0.3 -n 400 | radii 0.3; }
@test "nn-gen: circles default factor is 0.5"        { nn-gen circles --noise 0 -n 400 | radii 0.5; }
@test "nn-gen: circles --factor 0: inner is a point" { nn-gen circles --noise 0 --factor 0 -n 50 | radii 0; }
@test "nn-gen: circles noisy: mean inner ~ factor"   { between "$(nn-gen circles --noise 0.05 --factor 0.6 -n 4000 | mean_inner)" 0.58 0.62; }
@test "nn-gen: moons --noise 0: unit half circles"   { nn-gen moons --noise 0 -n 400 | moons0; }
@test "nn-gen: moons default noise is 0.1"           { between "$(nn-gen moons -n 5000 | outer_sd)" 0.08 0.12; }
@test "nn-gen: moons noisy leave the arcs"           { ! nn-gen moons -n 400 | moons0 >/dev/null; }
@test "nn-gen: xor --noise 0: label = x1*x2 > 0"     { nn-gen xor --noise 0 -n 1000 | xor0; }
@test "nn-gen: xor fills all four quadrants"         { [ "$(nn-gen xor -n 400 | quadrants)" = "00 01 10 11 " ]; }
@test "nn-gen: spirals --noise 0 in the unit disc"   { nn-gen spirals --noise 0 --classes 3 -n 600 | radius | within 0 1.000001; }
@test "nn-gen: blobs --noise 0: one point a class"   { [ "$(nn-gen blobs --noise 0 --classes 4 --features 3 -n 400 | tail -n +2 | sort -u | wc -l)" -eq 4 ]; }
@test "nn-gen: blobs centres inside [-10, 10]"       { nn-gen blobs --noise 0 --classes 20 --features 5 -n 100 | tail -n +2 | cut -d, -f1-5 | tr ',' '\n' | within -10 10; }
@test "nn-gen: blobs sd = --noise"                   { nn-gen blobs --noise 2 -n 8000 | class_sd 2; }
@test "nn-gen: blobs default sd is 1"                { nn-gen blobs --classes 3 -n 9000 | class_sd 1; }
@test "nn-gen: linear classes at distinct vertices"  { nn-gen linear --noise 0 --classes 4 --features 3 -n 8000 | vertices 3; }
@test "nn-gen: regression --noise 0 is linear"       { linear_fit; }
@test "nn-gen: regression --noise 5 is not"          { spread; }

# --- streaming ----------------------------------------------------------
@test "nn-gen: -n 1e9 | head streams, ends quietly"  { head_quiet; }
@test "nn-gen: write error is exit 1"                { full; }

# --- bad options ----------------------------------------------------------
@test "nn-gen: unknown KIND"                         { row 2 'unknown data set "moon"' nn-gen moon; }
@test "nn-gen: -n 0"                                 { row 2 '^nn-gen: -n: expected an integer in \[1, ' nn-gen moons -n 0; }
@test "nn-gen: -n -5"                                { row 2 '-n: expected an integer' nn-gen moons -n -5; }
@test "nn-gen: -n abc"                               { row 2 '-n: expected an integer.*"abc"' nn-gen moons -n abc; }
@test "nn-gen: -n 1.5"                               { row 2 '-n: expected an integer' nn-gen moons -n 1.5; }
@test "nn-gen: -n too large"                         { row 2 '-n: expected an integer' nn-gen moons -n 99999999999999999999; }
@test "nn-gen: --noise -1"                           { row 2 '--noise: expected a number in \[0, ' nn-gen moons --noise -1; }
@test "nn-gen: --noise abc"                          { row 2 '--noise: expected a number' nn-gen blobs --noise abc; }
@test "nn-gen: --noise nan"                          { row 2 '--noise: expected a number' nn-gen circles --noise nan; }
@test "nn-gen: --noise inf"                          { row 2 '--noise: expected a number' nn-gen circles --noise inf; }
@test "nn-gen: linear --noise 1.5 (a fraction)"      { row 2 'for linear, a fraction' nn-gen linear --noise 1.5; }
@test "nn-gen: --factor 1.5"                         { row 2 '--factor: expected a number in \[0, 1\), got "1.5"' nn-gen circles --factor 1.5; }
@test "nn-gen: --factor 1"                           { row 2 '--factor: expected a number in \[0, 1\)' nn-gen circles --factor 1; }
@test "nn-gen: --factor -0.1"                        { row 2 '--factor: expected a number' nn-gen circles --factor -0.1; }
@test "nn-gen: --factor for moons"                   { row 2 '--factor: only circles' nn-gen moons --factor 0.3; }
@test "nn-gen: moons --classes 3"                    { row 2 '--classes: moons has exactly 2 classes' nn-gen moons --classes 3; }
@test "nn-gen: xor --classes 4"                      { row 2 '--classes: xor has exactly 2 classes' nn-gen xor --classes 4; }
@test "nn-gen: blobs --classes 1"                    { row 2 '--classes: expected an integer in \[2, 1000\]' nn-gen blobs --classes 1; }
@test "nn-gen: blobs --classes 1001"                 { row 2 '--classes: expected an integer' nn-gen blobs --classes 1001; }
@test "nn-gen: regression --classes"                 { row 2 '--classes: regression has no classes' nn-gen regression --classes 2; }
@test "nn-gen: spirals --features 3"                 { row 2 '--features: spirals has exactly 2 features' nn-gen spirals --features 3; }
@test "nn-gen: circles --features 1"                 { row 2 '--features: circles has exactly 2 features' nn-gen circles --features 1; }
@test "nn-gen: --features 0"                         { row 2 '--features: expected an integer in \[1, ' nn-gen blobs --features 0; }
@test "nn-gen: linear --features 101"                { row 2 '--features: linear takes at most 100' nn-gen linear --features 101; }
@test "nn-gen: linear: more classes than vertices"   { row 2 '5 classes need --features 3' nn-gen linear --classes 5; }
@test "nn-gen: --seed -1"                            { row 2 '--seed: expected a non-negative integer' nn-gen moons --seed -1; }
@test "nn-gen: --seed abc"                           { row 2 '--seed: expected a non-negative integer' nn-gen moons --seed abc; }
@test "nn-gen: option without its value"             { run --separate-stderr nn-gen moons --noise; [ "$status" -eq 2 ]; }
