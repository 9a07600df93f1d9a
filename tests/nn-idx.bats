#!/usr/bin/env bats
# nn-idx: a table of conversions and of bad IDX files.  The fixtures are made
# once per run by setup_file: the small ones byte by byte with printf, the
# typed and larger ones by a short python3 script, both independent of the
# program under test.
load common

# mkidx FILE CODE DIMS VALUES: an IDX file of type CODE (hex: 08 09 0b 0c 0d
# 0e), sizes DIMS ("2 2 3") and the values VALUES, or, when VALUES is
# "seq:K", the bytes i % K for every index i.
mkidx() {
	python3 -c '
import struct, sys
path, code, dims, vals = sys.argv[1:5]
fmt = {"08": "B", "09": "b", "0b": "h", "0c": "i", "0d": "f", "0e": "d"}[code]
dims = [int(d) for d in dims.split()]
with open(path, "wb") as out:
    out.write(bytes([0, 0, int(code, 16), len(dims)]))
    out.write(struct.pack(">%dI" % len(dims), *dims))
    if vals.startswith("seq:"):
        n, k = 1, int(vals[4:])
        for d in dims:
            n *= d
        out.write(bytes(i % k for i in range(n)))
    else:
        conv = float if fmt in "fd" else int
        v = [conv(x) for x in vals.split()]
        out.write(struct.pack(">%d%s" % (len(v), fmt), *v))
' "$@"
}

setup_file() {
	export F="$BATS_FILE_TMPDIR"
	cd "$F" || return 1
	# u8, sizes 2x2x3: 2 records of 2 rows by 3 columns, and their labels
	printf '\0\0\010\003\0\0\0\002\0\0\0\002\0\0\0\003' >u8.idx
	printf '\000\001\002\003\004\005\372\373\374\375\376\377' >>u8.idx
	printf '\0\0\010\001\0\0\0\002\007\011' >lab.idx
	mkidx f32.idx 0d "3 2" "0.5 -2.25 0.1 16777216 -0 3.4028234663852886e38"
	mkidx f64.idx 0e "2 2" "0.1 -1e300 0.3333333333333333 5"
	mkidx s8.idx 09 "3" "-128 127 -1"
	mkidx s16.idx 0b "3" "-32768 32767 -1"
	mkidx s32.idx 0c "3" "-2147483648 2147483647 -10"
	mkidx flab.idx 0d "2" "1.5 -3"
	mkidx lab3.idx 08 "3" "1 2 3"
	mkidx lab2d.idx 08 "2 1" "1 2"
	mkidx nan.idx 0d "2 2" "1 2 3 nan"
	mkidx inf.idx 0e "2 1" "inf 1"
	mkidx nanlab.idx 0d "2" "1 nan"
	mkidx many.idx 08 "5000 7 9" seq:251           # 63 bytes a record
	mkidx manylab.idx 08 "5000" seq:10
	mkidx wide.idx 08 "2 300000" seq:256           # rows > the output buffer
	# bad headers and bodies
	printf 'hello, world\n' >text.idx
	# gzip: whole, in two members, cut short, with a wrong CRC
	gzip -c u8.idx >u8.idx.gz
	gzip -c lab.idx >lab.idx.gz
	{ head -c 10 u8.idx | gzip -c; tail -c +11 u8.idx | gzip -c; } >two.idx.gz
	head -c 30 u8.idx.gz >cut.idx.gz
	{ head -c -8 u8.idx.gz; printf '\0\0\0\0'; tail -c 4 u8.idx.gz; } >crc.idx.gz
	printf '\0\0\007\001\0\0\0\001\0' >type07.idx
	printf '\0\0\010\000' >nodims.idx
	printf '\0\0\010\002\0\0\0\002\0\0\0\000' >zerodim.idx
	printf '\0\0\010\002\0\0\0\000\0\0\0\001' >zerocount.idx
	printf '\0\0\010\002\0\0\0\001\200\0\0\0' >hugedim.idx
	printf '\0\0\010\003\0\0\0\001\0\001\0\0\0\001\0\0' >toowide.idx
	printf '\0\0\010\003\0\0\0\002\0\0\0\002' >shorthdr.idx
	printf '\0\0' >short.idx
	: >empty.idx
	head -c 25 u8.idx >trunc.idx                   # 1 record and 3 bytes
	head -c 9 lab.idx >trunclab.idx
	{ cat u8.idx; printf 'x'; } >tail.idx
	{ cat lab.idx; printf 'x'; } >taillab.idx
}

fail() { echo "$*" >&2; return 1; }
U8_CSV='p1,p2,p3,p4,p5,p6
0,1,2,3,4,5
250,251,252,253,254,255'
U8_LAB_CSV='p1,p2,p3,p4,p5,p6,label
0,1,2,3,4,5,7
250,251,252,253,254,255,9'
# out_is TEXT CMD...: CMD succeeds, prints exactly TEXT and nothing on stderr
out_is() {
	local want=$1
	shift
	run --separate-stderr "$@"
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	[ "$output" = "$want" ] || fail "got:"$'\n'"$output"$'\n'"expected:"$'\n'"$want"
}
# ncols: the distinct field counts of stdin's lines
ncols() { awk -F, '{ print NF }' | sort -u | tr '\n' ' '; }
# many_ok: row i of many.idx holds the bytes (63 i + j) % 251 and label i % 10
many_ok() {
	nn-idx "$@" | awk -F, 'NR > 1 { i = NR - 2
		for (j = 1; j < NF; j++) if ($j != (63 * i + j - 1) % 251) { print "row " i " col " j ": " $j; exit 1 }
		if ($NF != i % 10) { print "row " i " label " $NF; exit 1 }
		n++ } END { if (n != 5000) { print n " rows"; exit 1 } }'
}
# wide_ok: both 300000-value rows hold i % 256 in column i+1
wide_ok() {
	nn-idx --no-header "$F/wide.idx" | awk -F, '{ if (NF != 300000) { print NF " fields"; exit 1 }
		for (j = 1; j <= NF; j++) if ($j != (300000 * (NR - 1) + j - 1) % 256) { print "row " NR " col " j; exit 1 } }
		END { if (NR != 2) { print NR " rows"; exit 1 } }'
}
# slow_pipe: the file arrives in pieces, with pauses between them
slow_pipe() { { head -c 5; sleep 0.2; head -c 11; sleep 0.2; cat; } <"$1"; }
# quiet_head: nn-idx | head -1 prints one line and no message
quiet_head() {
	local out
	out=$(nn-idx "$F/many.idx" 2>&1 >/dev/null | head -1) || return 1
	[ -z "$out" ] || fail "stderr: $out"
	[ "$(nn-idx "$F/many.idx" | head -1 | wc -l)" -eq 1 ]
}
# partial_ok: a truncated file leaves the complete rows on stdout, no more
partial_ok() {
	row 1 'trunc\.idx: truncated: expected 2 records, got 1$' nn-idx "$F/trunc.idx"
	[ "$output" = "$(printf '%s\n' "$U8_CSV" | head -2)" ] || fail "stdout: $output"
}
fmnist() {
	dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || skip "dataset-fashion-mnist is not installed"
	D=/usr/share/datasets/fashion-mnist
}
# fm100: the first 100 Fashion-MNIST test images: 101 lines of 785 fields,
# labels 0 to 9
fm100() {
	fmnist
	nn-idx -n 100 <(zcat $D/t10k-images-idx3-ubyte.gz) <(zcat $D/t10k-labels-idx1-ubyte.gz) >fm.csv
	[ "$(wc -l <fm.csv)" -eq 101 ] || fail "$(wc -l <fm.csv) lines"
	[ "$(ncols <fm.csv)" = "785 " ] || fail "fields: $(ncols <fm.csv)"
	head -1 fm.csv | grep -Eq '^p1,p2,.*,p784,label$' || fail "header"
	awk -F, 'NR > 1 && ($NF !~ /^[0-9]$/ || $1 !~ /^[0-9]+$/) { exit 1 }' fm.csv || fail "labels"
}
# fmall: the whole test set, 10000 rows, every pixel 0..255
fmall() {
	fmnist
	nn-idx --no-header <(zcat $D/t10k-images-idx3-ubyte.gz) <(zcat $D/t10k-labels-idx1-ubyte.gz) >fm.csv
	[ "$(wc -l <fm.csv)" -eq 10000 ] || fail "$(wc -l <fm.csv) lines"
	awk -F, '{ for (j = 1; j < NF; j++) if ($j < 0 || $j > 255) exit 1 }' fm.csv
}
# fmgz: the .gz files as distributed, read directly: what zcat gives
fmgz() {
	fmnist
	nn-idx -n 300 $D/t10k-images-idx3-ubyte.gz $D/t10k-labels-idx1-ubyte.gz >gz.csv
	nn-idx -n 300 <(zcat $D/t10k-images-idx3-ubyte.gz) <(zcat $D/t10k-labels-idx1-ubyte.gz) >zcat.csv
	[ "$(wc -l <gz.csv)" -eq 301 ] || fail "$(wc -l <gz.csv) lines"
	cmp gz.csv zcat.csv
}

@test "nn-idx: usage == SYNOPSIS"                     { check_usage nn-idx nn-idx.1; }
@test "nn-idx: --version"                              { row 0 '^nn-idx \(nnkit\) [0-9]' nn-idx --version; }
@test "nn-idx: no file is a usage error"               { row 2 '^nn-idx: missing IMAGES$' nn-idx; }
@test "nn-idx: three files are a usage error"          { row 2 "^nn-idx: extra operand '.*lab.idx'$" nn-idx "$F/u8.idx" "$F/lab.idx" "$F/lab.idx"; }
# --- good conversions
@test "nn-idx: u8 2x2x3, exact CSV"                    { out_is "$U8_CSV" nn-idx "$F/u8.idx"; }
@test "nn-idx: u8 2x2x3 with labels, exact CSV"        { out_is "$U8_LAB_CSV" nn-idx "$F/u8.idx" "$F/lab.idx"; }
@test "nn-idx: --no-header"                            { out_is "$(tail -n +2 <<<"$U8_LAB_CSV")" nn-idx --no-header "$F/u8.idx" "$F/lab.idx"; }
@test "nn-idx: --prefix names the columns"             { row 0 '^px1,px2,px3,px4,px5,px6,label$' nn-idx --prefix px "$F/u8.idx" "$F/lab.idx"; }
@test "nn-idx: -n 1 converts one record"               { out_is "$(head -2 <<<"$U8_LAB_CSV")" nn-idx -n 1 "$F/u8.idx" "$F/lab.idx"; }
@test "nn-idx: -n above the count converts all"        { out_is "$U8_CSV" nn-idx -n 1000 "$F/u8.idx"; }
@test "nn-idx: float, exact shortest CSV"              { out_is $'p1,p2\n0.5,-2.25\n0.1,16777216\n-0,3.4028235e+38' nn-idx "$F/f32.idx"; }
@test "nn-idx: double, exact shortest CSV"             { out_is $'p1,p2\n0.1,-1e+300\n0.3333333333333333,5' nn-idx "$F/f64.idx"; }
@test "nn-idx: signed byte"                            { out_is $'p1\n-128\n127\n-1' nn-idx "$F/s8.idx"; }
@test "nn-idx: short"                                  { out_is $'p1\n-32768\n32767\n-1' nn-idx "$F/s16.idx"; }
@test "nn-idx: int, with short labels"                 { out_is $'p1,label\n-2147483648,-32768\n2147483647,32767\n-10,-1' nn-idx "$F/s32.idx" "$F/s16.idx"; }
@test "nn-idx: float labels"                           { out_is $'p1,p2,p3,p4,p5,p6,label\n0,1,2,3,4,5,1.5\n250,251,252,253,254,255,-3' nn-idx "$F/u8.idx" "$F/flab.idx"; }
@test "nn-idx: gzip files, read decompressed"          { out_is "$U8_LAB_CSV" nn-idx "$F/u8.idx.gz" "$F/lab.idx.gz"; }
@test "nn-idx: gzip images, plain labels"              { out_is "$U8_LAB_CSV" nn-idx "$F/u8.idx.gz" "$F/lab.idx"; }
@test "nn-idx: gzip in two members"                    { out_is "$U8_CSV" nn-idx "$F/two.idx.gz"; }
@test "nn-idx: gzip through a pipe"                    { out_is "$U8_LAB_CSV" nn-idx <(cat "$F/u8.idx.gz") - <"$F/lab.idx.gz"; }
@test "nn-idx: stdout appended to IMAGES"           { cp "$F/u8.idx" i.idx; saved i.idx; row 2 '^nn-idx: standard output is also an input \(i\.idx\); refusing to overwrite it$' bash -c 'nn-idx i.idx >>i.idx'; unchanged i.idx; }
@test "nn-idx: stdout appended to LABELS"           { cp "$F/lab.idx" l.idx; saved l.idx; row 2 '^nn-idx: standard output is also an input \(l\.idx\)' bash -c 'nn-idx "$0" l.idx >>l.idx' "$F/u8.idx"; unchanged l.idx; }
@test "nn-idx: stdout over IMAGES"                  { cp "$F/u8.idx" i.idx; row 2 '^nn-idx: standard output is also an input \(i\.idx\)' bash -c 'nn-idx i.idx >i.idx'; [ ! -s i.idx ]; }
@test "nn-idx: stdout appended to stdin's IMAGES"   { cp "$F/u8.idx" i.idx; saved i.idx; row 2 '^nn-idx: standard output is also an input \(<stdin>\)' bash -c 'nn-idx - <i.idx >>i.idx'; unchanged i.idx; }
@test "nn-idx: pipes from process substitution"        { out_is "$U8_LAB_CSV" nn-idx <(cat "$F/u8.idx") <(cat "$F/lab.idx"); }
@test "nn-idx: images on stdin"                        { out_is "$U8_LAB_CSV" bash -c 'nn-idx - "$F/lab.idx" <"$F/u8.idx"'; }
@test "nn-idx: labels on stdin"                        { out_is "$U8_LAB_CSV" bash -c 'nn-idx "$F/u8.idx" - <"$F/lab.idx"'; }
@test "nn-idx: a pipe that delivers in pieces"         { out_is "$U8_LAB_CSV" nn-idx <(slow_pipe "$F/u8.idx") <(slow_pipe "$F/lab.idx"); }
@test "nn-idx: 5000 records across read blocks"        { many_ok "$F/many.idx" "$F/manylab.idx"; }
@test "nn-idx: 5000 records through pipes"             { many_ok <(cat "$F/many.idx") <(cat "$F/manylab.idx"); }
@test "nn-idx: rows wider than the output buffer"      { wide_ok; }
@test "nn-idx: | head -1 ends quietly"                 { quiet_head; }
@test "nn-idx: Fashion-MNIST, first 100 test images"   { fm100; }
@test "nn-idx: Fashion-MNIST, whole test set"          { fmall; }
@test "nn-idx: Fashion-MNIST .gz files, read directly" { fmgz; }
# --- bad files: one line, exit 1
@test "nn-idx: text is not an IDX file"                { row 1 'text\.idx: not an IDX file$' nn-idx "$F/text.idx"; }
@test "nn-idx: truncated gzip data"                    { row 1 'cut\.idx\.gz: truncated gzip data \(unexpected end of file\)$' nn-idx "$F/cut.idx.gz"; }
@test "nn-idx: gzip data with a wrong CRC"             { row 1 'crc\.idx\.gz: corrupt gzip data: incorrect data check$' nn-idx "$F/crc.idx.gz"; }
@test "nn-idx: empty file"                             { row 1 'empty\.idx: not an IDX file$' nn-idx "$F/empty.idx"; }
@test "nn-idx: 2-byte file"                            { row 1 'short\.idx: not an IDX file$' nn-idx "$F/short.idx"; }
@test "nn-idx: unknown type code"                      { row 1 'type07\.idx: unknown IDX type code 0x07' nn-idx "$F/type07.idx"; }
@test "nn-idx: no dimensions"                          { row 1 'nodims\.idx: .*no dimensions' nn-idx "$F/nodims.idx"; }
@test "nn-idx: a size of 0"                            { row 1 'zerodim\.idx: dimension 2 is 0$' nn-idx "$F/zerodim.idx"; }
@test "nn-idx: a count of 0"                           { row 1 'zerocount\.idx: dimension 1 is 0$' nn-idx "$F/zerocount.idx"; }
@test "nn-idx: a size of 2^31"                         { row 1 'hugedim\.idx: dimension 2 is 2147483648' nn-idx "$F/hugedim.idx"; }
@test "nn-idx: a record of 2^32 values"                { row 1 'toowide\.idx: a record of more than 16777216 values' nn-idx "$F/toowide.idx"; }
@test "nn-idx: truncated header"                       { row 1 'shorthdr\.idx: truncated header' nn-idx "$F/shorthdr.idx"; }
@test "nn-idx: truncated data"                         { row 1 'trunc\.idx: truncated: expected 2 records, got 1$' nn-idx "$F/trunc.idx"; }
@test "nn-idx: truncated data, complete rows written"  { partial_ok; }
@test "nn-idx: truncated data in a pipe"               { row 1 'truncated: expected 2 records, got 1$' nn-idx <(cat "$F/trunc.idx"); }
@test "nn-idx: -n within a truncated file is fine"     { out_is "$(head -2 <<<"$U8_CSV")" nn-idx -n 1 "$F/trunc.idx"; }
@test "nn-idx: truncated labels"                       { row 1 'trunclab\.idx: truncated: expected 2 records, got 1$' nn-idx "$F/u8.idx" "$F/trunclab.idx"; }
@test "nn-idx: image and label counts differ"          { row 1 'u8\.idx has 2 records but .*lab3\.idx has 3 labels$' nn-idx "$F/u8.idx" "$F/lab3.idx"; }
@test "nn-idx: a label file of two dimensions"         { row 1 'lab2d\.idx: a label file has one dimension, this one has 2$' nn-idx "$F/u8.idx" "$F/lab2d.idx"; }
@test "nn-idx: images as labels"                       { row 1 'a label file has one dimension, this one has 3$' nn-idx "$F/u8.idx" "$F/u8.idx"; }
@test "nn-idx: trailing bytes after the images"        { row 1 'tail\.idx: more data after the 2 records' nn-idx "$F/tail.idx"; }
@test "nn-idx: trailing bytes after the labels"        { row 1 'taillab\.idx: more data after the 2 records' nn-idx "$F/u8.idx" "$F/taillab.idx"; }
@test "nn-idx: -n 1 does not look past record 1"       { out_is "$(head -2 <<<"$U8_CSV")" nn-idx -n 1 "$F/tail.idx"; }
@test "nn-idx: NaN in the images"                      { row 1 'nan\.idx: record 2, value 2: not a finite number$' nn-idx "$F/nan.idx"; }
@test "nn-idx: infinity in the images"                 { row 1 'inf\.idx: record 1, value 1: not a finite number$' nn-idx "$F/inf.idx"; }
@test "nn-idx: NaN in the labels"                      { row 1 'nanlab\.idx: record 2: not a finite number$' nn-idx "$F/u8.idx" "$F/nanlab.idx"; }
@test "nn-idx: missing file"                           { row 1 'nope\.idx: No such file' nn-idx "$F/nope.idx"; }
@test "nn-idx: a directory"                            { row 1 ': Is a directory$' nn-idx "$F"; }
# --- bad options: one line, exit 2
@test "nn-idx: -n 0"                                   { row 2 '^nn-idx: -n: expected an integer in \[1, 4294967295\], got "0"$' nn-idx -n 0 "$F/u8.idx"; }
@test "nn-idx: -n -1"                                  { row 2 '^nn-idx: -n: expected an integer' nn-idx -n -1 "$F/u8.idx"; }
@test "nn-idx: -n 2^32"                                { row 2 '^nn-idx: -n: expected an integer' nn-idx -n 4294967296 "$F/u8.idx"; }
@test "nn-idx: -n 1.5"                                 { row 2 '^nn-idx: -n: expected an integer' nn-idx -n 1.5 "$F/u8.idx"; }
@test "nn-idx: -n abc"                                 { row 2 '^nn-idx: -n: expected an integer' nn-idx -n abc "$F/u8.idx"; }
@test "nn-idx: --prefix with a comma"                  { row 2 '^nn-idx: --prefix: expected a column name' nn-idx --prefix a,b "$F/u8.idx"; }
@test "nn-idx: --prefix with a quote"                  { row 2 '^nn-idx: --prefix: expected a column name' nn-idx --prefix 'a"' "$F/u8.idx"; }
@test "nn-idx: --prefix empty"                         { row 2 '^nn-idx: --prefix: expected a column name' nn-idx --prefix '' "$F/u8.idx"; }
@test "nn-idx: --prefix with --no-header"              { row 2 '^nn-idx: --prefix: .*--no-header' nn-idx --no-header --prefix q "$F/u8.idx"; }
@test "nn-idx: both files on stdin"                    { row 2 'both be standard input' nn-idx - -; }
