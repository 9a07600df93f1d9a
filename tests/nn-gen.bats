#!/usr/bin/env bats
# nn-gen: a table of good and bad invocations.  The good rows check the
# shape of the CSV and the geometry of each kind; the bad rows check that a
# bad option is one line and exit 2.
load common

# ncols: the distinct field counts of stdin's lines
ncols() { awk -F, '{ print NF }' | sort -u | tr '\n' ' '; }
# counts: "label:count" for each label of stdin (last column), sorted
counts() { awk -F, 'NR > 1 { c[$NF]++ } END { for (k in c) print k ":" c[k] }' | sort -n | tr '\n' ' '; }
# within LO HI: every number on stdin lies in [LO, HI]
within() { awk -v lo="$1" -v hi="$2" '{ if ($1 < lo || $1 > hi) { print "out of range: " $1; bad = 1 } } END { exit bad }'; }

@test "nn-gen: usage == SYNOPSIS"                  { check_usage nn-gen nn-gen.1; }
@test "nn-gen: --version"                           { row 0 '^nn-gen \(nnkit\) [0-9]' nn-gen --version; }
@test "nn-gen: no KIND is a usage error"            { row 2 '^usage: nn-gen KIND' nn-gen; }
@test "nn-gen: two KINDs are a usage error"         { row 2 '^usage: nn-gen KIND' nn-gen moons circles; }

# --- shape --------------------------------------------------------------
@test "nn-gen: moons header"                        { row 0 '^x1,x2,label$' nn-gen moons; }
@test "nn-gen: blobs --features 4 header"           { row 0 '^x1,x2,x3,x4,label$' nn-gen blobs --features 4; }
@test "nn-gen: regression header says target"       { row 0 '^x1,x2,x3,target$' nn-gen regression --features 3; }
@test "nn-gen: default -n is 200"                   { for k in linear moons circles blobs xor spirals regression; do n=$(nn-gen $k | wc -l); [ "$n" -eq 201 ] || { echo "$k: $n lines"; return 1; }; done; }
@test "nn-gen: -n 37 gives 37 rows"                 { for k in linear moons circles blobs xor spirals regression; do n=$(nn-gen $k -n 37 | wc -l); [ "$n" -eq 38 ] || { echo "$k: $n lines"; return 1; }; done; }
@test "nn-gen: -n 1 gives one row"                  { run nn-gen spirals --classes 5 -n 1; [ "$status" -eq 0 ]; [ "${#lines[@]}" -eq 2 ]; }
@test "nn-gen: every row has D+1 fields"            { for a in "linear --features 5" "blobs --features 7" "regression --features 9" "moons" "xor"; do c=$(nn-gen $a -n 300 | ncols); d=$(nn-gen $a -n 1 | head -1 | ncols); [ "$c" = "$d" ] || { echo "$a: field counts $c"; return 1; }; done; [ "$(nn-gen blobs --features 7 | ncols)" = "8 " ]; }
@test "nn-gen: numbers parse, labels are integers"  { nn-gen blobs --classes 4 --features 3 -n 500 | awk -F, 'NR > 1 { for (i = 1; i < NF; i++) if ($i !~ /^-?[0-9.]+(e[-+][0-9]+)?$/) exit 1; if ($NF !~ /^[0-3]$/) exit 1 }'; }

# --- balance and order ----------------------------------------------------
@test "nn-gen: moons balanced"                      { [ "$(nn-gen moons -n 200 | counts)" = "0:100 1:100 " ]; }
@test "nn-gen: odd n: first class gets the extra"   { [ "$(nn-gen circles -n 201 | counts)" = "0:101 1:100 " ]; }
@test "nn-gen: blobs 3 classes of 100 rows"         { [ "$(nn-gen blobs --classes 3 -n 100 | counts)" = "0:34 1:33 2:33 " ]; }
@test "nn-gen: spirals 4 arms of 10 rows"           { [ "$(nn-gen spirals --classes 4 -n 10 | counts)" = "0:3 1:3 2:2 3:2 " ]; }
@test "nn-gen: linear 5 classes in 3-D balanced"    { [ "$(nn-gen linear --classes 5 --features 3 -n 1000 | counts)" = "0:200 1:200 2:200 3:200 4:200 " ]; }
@test "nn-gen: linear with label noise stays balanced" { [ "$(nn-gen linear --noise 0.5 -n 400 | counts)" = "0:200 1:200 " ]; }
@test "nn-gen: rows are shuffled (prefix is mixed)" { c=$(nn-gen xor -n 10000 | head -101 | counts); [[ "$c" =~ ^0:([0-9]+)\ 1:([0-9]+)\ $ ]]; [ "${BASH_REMATCH[1]}" -ge 30 ] && [ "${BASH_REMATCH[2]}" -ge 30 ]; }
@test "nn-gen: labels not in blocks"                { r=$(nn-gen moons -n 1000 | awk -F, 'NR > 2 && $3 != p { r++ } { p = $3 } END { print r }'); [ "$r" -gt 300 ]; }

# --- determinism ----------------------------------------------------------
@test "nn-gen: same seed, same bytes"               { for k in linear moons circles blobs xor spirals regression; do nn-gen $k -n 500 --seed 42 >a; nn-gen $k -n 500 --seed 42 >b; cmp a b || return 1; done; }
@test "nn-gen: different seed, different bytes"     { for k in linear moons circles blobs xor spirals regression; do nn-gen $k -n 50 --seed 1 >a; nn-gen $k -n 50 --seed 2 >b; ! cmp -s a b || { echo "$k: same output"; return 1; }; done; }
@test "nn-gen: default seed is 1"                   { nn-gen blobs >a; nn-gen blobs --seed 1 >b; cmp a b; }
@test "nn-gen: options may follow or precede KIND"  { nn-gen --seed 9 -n 20 moons >a; nn-gen moons -n 20 --seed 9 >b; cmp a b; }
@test "nn-gen: a larger -n extends the set with the same parameters" { nn-gen regression --noise 0 -n 2000 --features 1 | awk -F, 'NR > 1 && $1 != 0 { print $2 / $1 }' | sort -u | awk 'NR == 1 { lo = $1 } { hi = $1 } END { exit !(hi - lo < 1e-4 * (hi > 0 ? hi : -hi)) }'; }

# --- geometry -----------------------------------------------------------
@test "nn-gen: circles --noise 0: radii 1 and factor" { nn-gen circles --noise 0 --factor 0.3 -n 400 | awk -F, 'NR > 1 { r = sqrt($1*$1 + $2*$2); w = $3 == 0 ? 1 : 0.3; if (r < w - 1e-6 || r > w + 1e-6) { print "radius " r " for label " $3; exit 1 } }'; }
@test "nn-gen: circles default factor is 0.5"       { nn-gen circles --noise 0 -n 400 | awk -F, 'NR > 1 && $3 == 1 { r = sqrt($1*$1 + $2*$2); if (r < 0.5 - 1e-6 || r > 0.5 + 1e-6) exit 1 }'; }
@test "nn-gen: circles --factor 0: inner is a point" { nn-gen circles --noise 0 --factor 0 -n 50 | awk -F, 'NR > 1 && $3 == 1 && ($1 * $1 + $2 * $2 > 1e-12) { exit 1 }'; }
@test "nn-gen: circles with noise: mean inner radius ~ factor" { nn-gen circles --noise 0.05 --factor 0.6 -n 4000 | awk -F, 'NR > 1 && $3 == 1 { s += sqrt($1*$1 + $2*$2); n++ } END { m = s / n; exit !(m > 0.58 && m < 0.62) }'; }
@test "nn-gen: moons --noise 0: two unit half circles" { nn-gen moons --noise 0 -n 400 | awk -F, 'NR > 1 { if ($3 == 0) { r = sqrt($1*$1 + $2*$2); ok = $2 >= -1e-7 } else { r = sqrt(($1-1)^2 + ($2-0.5)^2); ok = $2 <= 0.5 + 1e-7 } if (!ok || r < 1 - 1e-6 || r > 1 + 1e-6) { print; exit 1 } }'; }
@test "nn-gen: moons default noise is 0.1"          { nn-gen moons -n 5000 | awk -F, 'NR > 1 && $3 == 0 { d = sqrt($1*$1 + $2*$2) - 1; s += d * d; n++ } END { sd = sqrt(s / n); exit !(sd > 0.08 && sd < 0.12) }'; }
@test "nn-gen: xor --noise 0: label = x1*x2 > 0"   { nn-gen xor --noise 0 -n 1000 | awk -F, 'NR > 1 { if (($1 * $2 > 0) != ($3 == 1) || $1 < -1 || $1 > 1 || $2 < -1 || $2 > 1) exit 1 }'; }
@test "nn-gen: xor fills all four quadrants"       { [ "$(nn-gen xor -n 400 | awk -F, 'NR > 1 { print ($1 > 0) ($2 > 0) }' | sort -u | tr '\n' ' ')" = "00 01 10 11 " ]; }
@test "nn-gen: spirals --noise 0 within unit disc" { nn-gen spirals --noise 0 --classes 3 -n 600 | awk -F, 'NR > 1 { print sqrt($1*$1 + $2*$2) }' | within 0 1.000001; }
@test "nn-gen: blobs --noise 0: one point per class" { [ "$(nn-gen blobs --noise 0 --classes 4 --features 3 -n 400 | tail -n +2 | sort -u | wc -l)" -eq 4 ]; }
@test "nn-gen: blobs centres inside [-10, 10]"     { nn-gen blobs --noise 0 --classes 20 --features 5 -n 100 | tail -n +2 | cut -d, -f1-5 | tr ',' '\n' | within -10 10; }
@test "nn-gen: blobs sd = --noise"                  { nn-gen blobs --noise 2 --classes 1000 -n 2000 --seed 3 >/dev/null; nn-gen blobs --noise 2 -n 8000 | awk -F, 'NR > 1 { n[$3]++; s[$3] += $1; q[$3] += $1 * $1 } END { for (k in n) { m = s[k] / n[k]; sd = sqrt(q[k] / n[k] - m * m); if (sd < 1.9 || sd > 2.1) exit 1 } }'; }
@test "nn-gen: linear class means near distinct hypercube vertices" { nn-gen linear --noise 0 --classes 4 --features 3 -n 8000 | awk -F, 'NR > 1 { n[$4]++; for (j = 1; j <= 3; j++) s[$4, j] += $j } END { for (k = 0; k < 4; k++) { v = ""; for (j = 1; j <= 3; j++) { m = s[k, j] / n[k]; if (m > -0.85 && m < 0.85) exit 1; v = v (m > 0) } if (v in seen) exit 1; seen[v] = 1 } }'; }
@test "nn-gen: regression --noise 0 is linear in x" { nn-gen regression --noise 0 --features 1 -n 300 | awk -F, 'NR > 1 && $1 != 0 { print $2 / $1 }' | sort -g | sed -n '1p;$p' | awk 'NR == 1 { a = $1 } NR == 2 { exit !(a > 0 && a < 100 && ($1 - a) < 1e-4 * a) }'; }
@test "nn-gen: regression --noise adds spread"      { nn-gen regression --noise 5 --features 1 -n 300 | awk -F, 'NR > 1 && ($1 > 0.5 || $1 < -0.5) { print $2 / $1 }' | sort -g | sed -n '1p;$p' | awk 'NR == 1 { a = $1 } NR == 2 { exit !($1 - a > 1) }'; }

# --- streaming ----------------------------------------------------------
@test "nn-gen: -n 1e9 | head streams, ends quietly" { run bash -c "nn-gen moons -n 1000000000 2>err | head -3"; [ "${#lines[@]}" -eq 3 ]; [ ! -s err ]; }
@test "nn-gen: write error is exit 1"               { [ -w /dev/full ] || skip "no /dev/full"; run --separate-stderr bash -c 'nn-gen moons -n 100000 >/dev/full'; [ "$status" -eq 1 ]; [[ "$stderr" == *stdout* ]]; }

# --- bad options ----------------------------------------------------------
@test "nn-gen: unknown KIND"                        { row 2 'unknown data set "moon"' nn-gen moon; }
@test "nn-gen: -n 0"                                { row 2 '^nn-gen: -n: expected an integer in \[1, ' nn-gen moons -n 0; }
@test "nn-gen: -n -5"                               { row 2 '-n: expected an integer' nn-gen moons -n -5; }
@test "nn-gen: -n abc"                              { row 2 '-n: expected an integer.*"abc"' nn-gen moons -n abc; }
@test "nn-gen: -n 1.5"                              { row 2 '-n: expected an integer' nn-gen moons -n 1.5; }
@test "nn-gen: -n too large"                        { row 2 '-n: expected an integer' nn-gen moons -n 99999999999999999999; }
@test "nn-gen: --noise -1"                          { row 2 '--noise: expected a number in \[0, ' nn-gen moons --noise -1; }
@test "nn-gen: --noise abc"                         { row 2 '--noise: expected a number' nn-gen blobs --noise abc; }
@test "nn-gen: --noise nan"                         { row 2 '--noise: expected a number' nn-gen circles --noise nan; }
@test "nn-gen: --noise inf"                         { row 2 '--noise: expected a number' nn-gen circles --noise inf; }
@test "nn-gen: linear --noise 1.5 (a fraction)"     { row 2 'for linear, a fraction' nn-gen linear --noise 1.5; }
@test "nn-gen: --factor 1.5"                        { row 2 '--factor: expected a number in \[0, 1\), got "1.5"' nn-gen circles --factor 1.5; }
@test "nn-gen: --factor 1"                          { row 2 '--factor: expected a number in \[0, 1\)' nn-gen circles --factor 1; }
@test "nn-gen: --factor -0.1"                       { row 2 '--factor: expected a number' nn-gen circles --factor -0.1; }
@test "nn-gen: --factor for moons"                  { row 2 '--factor: only circles' nn-gen moons --factor 0.3; }
@test "nn-gen: moons --classes 3"                   { row 2 '--classes: moons has exactly 2 classes' nn-gen moons --classes 3; }
@test "nn-gen: xor --classes 4"                     { row 2 '--classes: xor has exactly 2 classes' nn-gen xor --classes 4; }
@test "nn-gen: blobs --classes 1"                   { row 2 '--classes: expected an integer in \[2, 1000\]' nn-gen blobs --classes 1; }
@test "nn-gen: blobs --classes 1001"                { row 2 '--classes: expected an integer' nn-gen blobs --classes 1001; }
@test "nn-gen: regression --classes"                { row 2 '--classes: regression has no classes' nn-gen regression --classes 2; }
@test "nn-gen: spirals --features 3"                { row 2 '--features: spirals has exactly 2 features' nn-gen spirals --features 3; }
@test "nn-gen: circles --features 1"                { row 2 '--features: circles has exactly 2 features' nn-gen circles --features 1; }
@test "nn-gen: --features 0"                        { row 2 '--features: expected an integer in \[1, ' nn-gen blobs --features 0; }
@test "nn-gen: linear --features 101"               { row 2 '--features: linear takes at most 100' nn-gen linear --features 101; }
@test "nn-gen: linear: more classes than vertices"  { row 2 '5 classes need --features 3' nn-gen linear --classes 5; }
@test "nn-gen: --seed -1"                           { row 2 '--seed: expected a non-negative integer' nn-gen moons --seed -1; }
@test "nn-gen: --seed abc"                          { row 2 '--seed: expected a non-negative integer' nn-gen moons --seed abc; }
@test "nn-gen: option without value"                { run --separate-stderr nn-gen moons --noise; [ "$status" -eq 2 ]; [[ "$stderr" == *usage:* ]]; }
