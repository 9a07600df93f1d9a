#!/usr/bin/env bats
# Prediction at scale (nn-predict(1)): a file cut into parts of a multiple
# of 1024 rows, the parts predicted apart (GNU parallel --pipe; split +
# xargs -P, with the header put back or with --no-header), and the outputs
# joined, gives the bytes of one nn-predict run over the whole file -- for
# 1, 2, 3 and 7 parts, a last part shorter, gzip input, --proba, a
# regression, a model with ID and categorical columns, a deep one with
# smaller batches.  Parts cut elsewhere: the same to within 1e-6.  Then
# --no-output-header's own rows.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	# overlapping classes, so that probabilities are not all 0 and 1 and
	# a last digit that moved would show; 7000 rows: 1, 2, 3 or 7 parts
	# of a multiple of 1024 rows, the last part shorter
	nn-gen blobs -n 7000 --classes 3 --features 10 --noise 4 --seed 3 >"$D/b.csv"
	nn-train -q -l 64,32 -e 5 -o "$D/b.nn" "$D/b.csv"
	gzip -c "$D/b.csv" >"$D/b.csv.gz"
	nn-gen regression -n 5000 --features 5 --noise 0.3 --seed 4 >"$D/r.csv"
	nn-train -q -l 32 -e 5 -o "$D/r.nn" "$D/r.csv"
	# an ID column copied to the output, a categorical one one-hot encoded
	mkenc >"$D/enc.csv"
	nn-train -q --id id -e 5 -o "$D/enc.nn" "$D/enc.csv"
	# 600 layers of 48: batches of fewer than 1024 rows, which parts of
	# 1024 rows line up with only as a power of two
	head -n 257 "$D/b.csv" >"$D/small.csv"
	nn-train -q -l "$(printf '48,%.0s' $(seq 599))48" -e 1 -o "$D/deep.nn" "$D/small.csv"
	head -n 2101 "$D/b.csv" >"$D/deep.csv"
}

mkenc() {
	awk 'BEGIN { srand(5); split("red green blue", c, " "); print "id,x1,colour,x2,y";
		for (i = 1; i <= 5000; i++) { k = i % 3 + 1; a = rand();
			printf "r%d,%.4f,%s,%.4f,%s\n", i, a, c[k], rand(),
			    (a + k + rand() > 3) ? "hi" : "lo" } }'
}

needs_parallel() {
	command -v parallel >/dev/null ||
	    skip "GNU parallel is not installed (scripts/install-deps installs it)"
}

# body_rows FILE: the data rows of FILE (gzip or not), its header aside
body_rows() { echo $(($(gzip -dcf "$1" | wc -l) - 1)); }

# per K FILE: rows per part for K parts of FILE's data rows: a multiple
# of 1024 (the rule of nn-predict(1)), checked to make exactly K parts
per() {
	local r n
	r=$(body_rows "$2")
	n=$(( ( (r + $1 - 1) / $1 + 1023) / 1024 * 1024 ))
	[ $(( (r + n - 1) / n )) -eq "$1" ] || { echo "$r rows make no $1 parts of $n" >&2; return 1; }
	echo "$n"
}

# same RECIPE K FILE NN-PREDICT-ARGS...: the recipe's output for K parts
# is byte for byte one nn-predict run's over FILE
same() {
	local recipe=$1 k=$2 f=$3
	shift 3
	nn-predict "$@" "$f" >whole.csv
	"$recipe" "$k" "$f" "$@" >parts.csv
	[ -s whole.csv ] && cmp whole.csv parts.csv
}

# GNU parallel --pipe: the header line repeated into every block
# (--header 1), the blocks' outputs in order (-k) without their header
# lines, after the one header line of the header alone.
par_pipe() {
	local k=$1 f=$2 n
	shift 2
	n=${ROWS:-$(per "$k" "$f")} || return 1
	gzip -dcf "$f" | head -n 1 | nn-predict "$@"
	gzip -dcf "$f" | parallel --pipe -N "$n" --header 1 -k \
	    nn-predict --no-output-header "$@"
}

# split + xargs -P: the data rows cut into K files, the header line put
# back before each, two at a time, the outputs joined in the files' order.
split_header() {
	local k=$1 f=$2 n
	shift 2
	n=$(per "$k" "$f") || return 1
	cut_parts "$n" "$f" "$k" || return 1
	ls parts/p.* | xargs -P 2 -I{} bash -c \
	    'f=$0 p=$1; shift; { head -n 1 "$f"; cat "$p"; } | nn-predict --no-output-header "$@" >"$p.out"' \
	    "$f" {} "$@" || return 1
	head -n 1 "$f" | nn-predict "$@"
	cat parts/p.*.out
}

# The same with the parts left without a header: --no-header, columns by
# position (the training file's layout, or the features alone).
split_bare() {
	local k=$1 f=$2 n
	shift 2
	n=$(per "$k" "$f") || return 1
	cut_parts "$n" "$f" "$k" || return 1
	ls parts/p.* | xargs -P 2 -I{} bash -c \
	    'p=$0; nn-predict --no-header --no-output-header "$@" "$p" >"$p.out"' \
	    {} "$@" || return 1
	head -n 1 "$f" | nn-predict "$@"
	cat parts/p.*.out
}

# cut_parts N FILE K: FILE's data rows in parts/p.00, p.01, ..., N rows
# each, K files
cut_parts() {
	rm -rf parts && mkdir parts && tail -n +2 "$2" | split -l "$1" -d - parts/p. &&
	    [ "$(ls parts | wc -l)" -eq "$3" ]
}

# close WANT GOT: the same labels and row count, every number within
# 1e-6 of WANT's (relative, for one above 1)
close() {
	awk -F, 'NR == FNR { w[FNR] = $0; n = FNR; next }
		{ if (FNR > n) exit 1; split(w[FNR], a, ",")
		  for (i = 1; i <= NF; i++) {
			if ($i == a[i]) continue
			d = $i - a[i]; m = a[i] < 0 ? -a[i] : a[i]
			if ((d < 0 ? -d : d) > 1e-6 * (m > 1 ? m : 1)) exit 1 } }
		END { if (FNR != n) exit 1 }' "$1" "$2"
}

@test "shard: parallel --pipe, 1 block"                  { needs_parallel; same par_pipe 1 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: parallel --pipe, 2 blocks"                 { needs_parallel; same par_pipe 2 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: parallel --pipe, 3 blocks"                 { needs_parallel; same par_pipe 3 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: parallel --pipe, 7 blocks"                 { needs_parallel; same par_pipe 7 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: parallel --pipe, 3 blocks, --proba"        { needs_parallel; same par_pipe 3 "$D/b.csv" --proba -m "$D/b.nn"; }
@test "shard: parallel --pipe, 2 blocks, gzip, --proba"  { needs_parallel; same par_pipe 2 "$D/b.csv.gz" --proba -m "$D/b.nn"; }
@test "shard: parallel --pipe, 7 blocks, gzip, --proba"  { needs_parallel; same par_pipe 7 "$D/b.csv.gz" --proba -m "$D/b.nn"; }
@test "shard: parallel --pipe, 3 blocks, regression"     { needs_parallel; same par_pipe 3 "$D/r.csv" -m "$D/r.nn"; }
@test "shard: parallel --pipe, 2 blocks, IDs, categories" { needs_parallel; same par_pipe 2 "$D/enc.csv" --proba -m "$D/enc.nn"; }
@test "shard: parallel --pipe, 3 blocks, a deep model"   { needs_parallel; same par_pipe 3 "$D/deep.csv" --proba -m "$D/deep.nn"; }
@test "shard: blocks of 715 rows: within 1e-6" { needs_parallel; nn-predict --proba -m "$D/b.nn" "$D/b.csv" >whole.csv; ROWS=715 par_pipe 7 "$D/b.csv" --proba -m "$D/b.nn" >parts.csv; close whole.csv parts.csv; }
@test "shard: split + xargs -P, 1 part"                  { same split_header 1 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: split + xargs -P, 2 parts"                 { same split_header 2 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: split + xargs -P, 3 parts, --proba"        { same split_header 3 "$D/b.csv" --proba -m "$D/b.nn"; }
@test "shard: split + xargs -P, 7 parts"                 { same split_header 7 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: split + xargs -P, 3 parts, IDs, categories" { same split_header 3 "$D/enc.csv" --proba -m "$D/enc.nn"; }
@test "shard: split, --no-header parts, 3 parts"         { same split_bare 3 "$D/b.csv" -m "$D/b.nn"; }
@test "shard: split, --no-header parts, 7 parts, --proba" { same split_bare 7 "$D/b.csv" --proba -m "$D/b.nn"; }
@test "shard: split + xargs -P, 3 parts, a deep model"   { same split_header 3 "$D/deep.csv" -m "$D/deep.nn"; }
@test "shard: split, --no-header parts, regression"      { same split_bare 2 "$D/r.csv" -m "$D/r.nn"; }
@test "shard: split, --no-header parts, features alone"  { cut -d, -f1-10 "$D/b.csv" >f.csv; same split_bare 3 f.csv --proba -m "$D/b.nn"; }
@test "shard: --no-header parts of an ID model: refused" { tail -n +2 "$D/enc.csv" >p.csv; row 1 '^nn-predict: p\.csv: the model copies ID columns, found by name: the input needs a header$' nn-predict --no-header --no-output-header -m "$D/enc.nn" p.csv; [ -z "$output" ]; }
@test "shard: --no-header parts in another layout: refused" { tail -n +2 "$D/b.csv" | cut -d, -f1-5 >p.csv; row 1 '^nn-predict: p\.csv: 5 columns, but the model takes 10 features \(11 columns with the target\)$' nn-predict --no-header --no-output-header -m "$D/b.nn" p.csv; }

# --no-output-header
@test "--no-output-header: the rows, not the header"     { row 0 '' nn-predict --no-output-header -m "$D/b.nn" "$D/b.csv"; cmp <(printf '%s\n' "$output") <(nn-predict -m "$D/b.nn" "$D/b.csv" | tail -n +2); }
@test "--no-output-header: a header alone: nothing, exit 0" { head -n 1 "$D/b.csv" >h.csv; row 0 '' nn-predict --no-output-header --proba -m "$D/b.nn" h.csv; [ -z "$output" ]; }
@test "--no-output-header with --no-header"              { tail -n +2 "$D/b.csv" >p.csv; row 0 '' nn-predict --no-header --no-output-header -m "$D/b.nn" p.csv; cmp <(printf '%s\n' "$output") <(nn-predict -m "$D/b.nn" "$D/b.csv" | tail -n +2); }
@test "--no-output-header with --format libsvm"          { printf '1 1:0.5 2:0.2\n0 1:1\n' >t.svm; row 0 '' nn-predict --format libsvm --no-output-header -m "$D/r.nn" t.svm; [ "${#lines[@]}" -eq 2 ]; }
@test "--no-output-header: empty input is still an error" { : >e.csv; row 1 '^nn-predict: e\.csv: empty input$' nn-predict --no-output-header -m "$D/b.nn" e.csv; [ -z "$output" ]; }
@test "--no-output-header: a missing column still refused" { row 1 'r\.csv: no columns "x6", "x7", "x8", "x9", "x10" \(features of the model\)$' nn-predict --no-output-header -m "$D/b.nn" "$D/r.csv"; [ -z "$output" ]; }
@test "--no-output-header=yes: takes no argument"        { row 2 "^nn-predict: option '--no-output-header' takes no argument$" nn-predict --no-output-header=yes -m "$D/b.nn" "$D/b.csv"; [ -z "$output" ]; }
@test "--no-: ambiguous"                                 { row 2 "^nn-predict: ambiguous option '--no-' \(--no-header, --no-output-header\)$" nn-predict --no- -m "$D/b.nn" "$D/b.csv"; }
@test "--no_output_header: did you mean"                 { row 2 "did you mean '--no-output-header'\?$" nn-predict --no_output_header -m "$D/b.nn" "$D/b.csv"; }
@test "--no-output-header in help"                       { row 0 '^      --no-output-header  the output has no header line$' nn-predict --help; }
