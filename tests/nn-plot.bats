#!/usr/bin/env bats
# nn-plot: every figure in every format, checked by what the file is (PNG
# header and size, well-formed SVG, PDF header and trailer, the terminal
# picture's lines and columns), a pixel check of a decision boundary, and a
# table of bad inputs, each one line on stderr with no output file left.
load common

setup_file() {
	export D="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	nn-gen moons -n 300 --noise 0.1 --seed 5 >"$D/moons.csv"
	nn-train -q -l 16,8 -e 200 --val-split 0.2 --log "$D/sgd.csv" \
	    -o "$D/moons.nn" "$D/moons.csv"
	nn-train -q -l 16,8 -e 50 --optimizer adam -r 0.01 --val-split 0.2 \
	    --log "$D/adam.csv" -o "$D/adam.nn" "$D/moons.csv"
	awk 'BEGIN { srand(7); split("red green blue", c, " ");
		print "x1,x2,colour";
		for (i = 0; i < 300; i++) { k = i % 3 + 1;
			printf "%.4f,%.4f,%s\n", 4*k + rand(), -3*k + rand(), c[k] } }' >"$D/colours.csv"
	nn-train -q -o "$D/colours.nn" "$D/colours.csv"
	nn-predict -m "$D/colours.nn" "$D/colours.csv" >"$D/pred.csv"
	nn-gen blobs -n 60 --features 3 >"$D/b3.csv"
	nn-train -q -e 5 -o "$D/b3.nn" "$D/b3.csv"
	awk 'BEGIN { srand(3); print "a,b,y";
		for (i = 0; i < 200; i++) { a = rand(); b = rand();
			printf "%.5f,%.5f,%.5f\n", a, b, 2*a - b + 0.5 } }' >"$D/reg.csv"
	nn-train -q -e 50 -o "$D/reg.nn" "$D/reg.csv"
	# hand-made logs: no validation, no layer columns, and broken ones
	h='epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds'
	l1=',grad_norm_1,weight_norm_1,update_ratio_1'
	printf '%s%s\n1,0.9,,,,0.1,0.01,0.5,3,0.01\n2,0.5,,,,0.1,0.01,0.2,3.1,0.004\n' "$h" "$l1" >"$D/noval.csv"
	printf '%s\n1,0.9,0.5,1.0,0.4,0.1,0.01\n2,0.5,0.7,0.6,0.6,0.1,0.01\n' "$h" >"$D/nolayer.csv"
	printf '%s\n1,0.9,0.5,1.0,0.4,0.1,0.01\n2,0.5,0.7\n' "$h" >"$D/ragged.csv"
	printf '%s\n1,0.9,0.5,1.0,0.4,0.1,0.01\n2,abc,0.7,0.6,0.6,0.1,0.01\n' "$h" >"$D/word.csv"
	printf '%s\n1,0.9,0.5,1.0,0.4,0.1,0.01\n2,0.5,0.7,nan,0.6,0.1,0.01\n' "$h" >"$D/nan.csv"
	printf '%s\n1,0.9,0.5,1.0,0.4,0.1,0.01\n2,inf,0.7,0.6,0.6,0.1,0.01\n' "$h" >"$D/inf.csv"
	printf '%s\n1,0.9,1.5,1.0,0.4,0.1,0.01\n' "$h" >"$D/acc.csv"
	printf '%s\n2,0.9,0.5,1.0,0.4,0.1,0.01\n1,0.5,0.7,0.6,0.6,0.1,0.01\n' "$h" >"$D/order.csv"
	printf '%s\n1,,0.5,1.0,0.4,0.1,0.01\n' "$h" >"$D/noloss.csv"
	printf 'epoch,loss\n1,0.5\n' >"$D/header.csv"
	printf '%s%s\n1,0.9,,,,0.1,0.01,0.5,3\n' "$h" ',grad_norm_1,weight_norm_1' >"$D/partial.csv"
	printf '%s\n' "$h" >"$D/headonly.csv"
	: >"$D/empty.csv"
	printf 'x1,x2,label\n0.5,0.2,0\n0.1\n' >"$D/dragged.csv"
	printf 'x1,x2,label\n0.5,abc,0\n' >"$D/dword.csv"
	printf 'x1,x2,label\n0.5,nan,0\n' >"$D/dnan.csv"
	printf 'x1,x2,label\n' >"$D/dheader.csv"
	printf 'colour,guess\nred,red\n' >"$D/nopred.csv"
	printf 'colour,predicted\nred,red\n,blue\n' >"$D/blank.csv"
	printf 'colour,predicted\n' >"$D/pheader.csv"
	head -c 100 "$D/moons.nn" >"$D/truncated.nn"
}

# PNG header, and the size asked for
png_is() { [ "$(python3 "$BATS_TEST_DIRNAME/png_pixel.py" size "$1")" = "$2 $3" ] || { echo "$1: not a $2x$3 PNG" >&2; return 1; }; }
# well-formed XML whose root is an svg element W x H points
svg_is() {
	python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
ok = r.tag == "{http://www.w3.org/2000/svg}svg" and r.get("width") == sys.argv[2] + "pt" and r.get("height") == sys.argv[3] + "pt"
sys.exit(0 if ok else 1)' "$1" "$2" "$3" || { echo "$1: not a $2x$3 SVG" >&2; return 1; }
}
pdf_is() { [ "$(head -c 5 "$1")" = "%PDF-" ] && tail -c 32 "$1" | grep -q '%%EOF' || { echo "$1: not a PDF" >&2; return 1; }; }
# the terminal picture: L lines of exactly C characters once colours go
term_is() {
	python3 -c 'import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
lines = re.sub("\x1b\\[[0-9;]*m", "", t).split("\n")
ok = lines[-1] == "" and len(lines) - 1 == int(sys.argv[3]) and all(len(l) == int(sys.argv[2]) for l in lines[:-1])
sys.exit(0 if ok else 1)' "$1" "$2" "$3" || { echo "$1: not $2 columns x $3 lines" >&2; return 1; }
}
# fig FORMAT ARGS...: draw into out.FORMAT at 523x311 (odd on purpose)
fig() {
	local f=$1
	shift
	row 0 '' nn-plot "$@" --size 523x311 -o "out.$f"
	case $f in
	png) png_is out.png 523 311 ;;
	svg) svg_is out.svg 523 311 ;;
	pdf) pdf_is out.pdf ;;
	esac
}
# term C L ARGS...: in a C x L terminal (one line is left for the prompt)
term() {
	local c=$1 l=$2
	shift 2
	COLUMNS=$c LINES=$l nn-plot "$@" --term >out.txt && term_is out.txt "$c" $((l - 1))
}
# no temporary file beside the output
notemp() { ! compgen -G '.out*' >/dev/null || { echo "temporary file left: $(ls -A)" >&2; return 1; }; }
# no output file, and no temporary one beside it
nofile() { ! compgen -G 'out*' >/dev/null && ! compgen -G '.out*' >/dev/null || { echo "output left: $(ls -A)" >&2; return 1; }; }
# class of the boundary colour around pixel (x, y) of a PNG: 0 orange, 1 sky blue
class_at() { python3 "$BATS_TEST_DIRNAME/png_pixel.py" class "$1" "$2" "$3" 3 E69F00 56B4E9; }
# the moons with the labels swapped
flipped() { awk -F, 'NR == 1 { print; next } { print $1 "," $2 "," 1 - $3 }' "$1"; }
accuracy() { nn-predict -m "$1" "$2" | awk -F, 'NR > 1 { n++; ok += $1 == $2 } END { print ok / n }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

@test "nn-plot: usage == SYNOPSIS"                  { check_usage nn-plot nn-plot.1; }
@test "nn-plot: --version"                          { row 0 '^nn-plot \(nnkit\) [0-9]' nn-plot --version; }

@test "nn-plot: data png"                           { fig png data "$D/moons.csv"; }
@test "nn-plot: data svg"                           { fig svg data "$D/colours.csv"; }
@test "nn-plot: data pdf"                           { fig pdf data "$D/moons.csv"; }
@test "nn-plot: data term"                          { term 80 24 data "$D/colours.csv"; }
@test "nn-plot: data, regression target"            { fig png data "$D/reg.csv"; }
@test "nn-plot: boundary png"                       { fig png boundary -m "$D/moons.nn" "$D/moons.csv"; }
@test "nn-plot: boundary svg, 3 classes"            { fig svg boundary -m "$D/colours.nn" "$D/colours.csv"; }
@test "nn-plot: boundary pdf"                       { fig pdf boundary -m "$D/moons.nn" "$D/moons.csv"; }
@test "nn-plot: boundary term"                      { term 100 30 boundary -m "$D/colours.nn" "$D/colours.csv"; }
@test "nn-plot: boundary of a regression model"     { fig png boundary -m "$D/reg.nn" "$D/reg.csv"; }
@test "nn-plot: boundary without labels"            { cut -d, -f1,2 "$D/moons.csv" >f.csv; fig png boundary -m "$D/moons.nn" f.csv; }
@test "nn-plot: grid png"                           { fig png grid --cols 2 "$D/moons.nn:$D/moons.csv" "$D/colours.nn:$D/colours.csv" "$D/reg.nn:$D/reg.csv"; }
@test "nn-plot: grid svg"                           { fig svg grid "$D/moons.nn:$D/moons.csv" "$D/adam.nn:$D/moons.csv"; }
@test "nn-plot: grid pdf"                           { fig pdf grid --title 'two models' "$D/moons.nn:$D/moons.csv" "$D/adam.nn:$D/moons.csv"; }
@test "nn-plot: grid, panel labels"                 { COLUMNS=120 LINES=30 nn-plot grid "$D/moons.nn:$D/moons.csv:first one" "$D/adam.nn:$D/moons.csv" --term >out.txt; sed 's/\x1b\[[0-9;]*m//g' out.txt | grep -q 'first one, 16-8 relu, accuracy'; sed 's/\x1b\[[0-9;]*m//g' out.txt | grep -q 'moons, 16-8 relu, accuracy'; }
@test "nn-plot: grid term"                          { term 120 30 grid "$D/moons.nn:$D/moons.csv" "$D/colours.nn:$D/colours.csv"; }
@test "nn-plot: loss png"                           { fig png loss "$D/sgd.csv" "$D/adam.csv"; }
@test "nn-plot: loss svg, --ylog"                   { fig svg loss --ylog "$D/sgd.csv"; }
@test "nn-plot: loss pdf, no validation"            { fig pdf loss "$D/noval.csv"; }
@test "nn-plot: loss term"                          { term 90 25 loss "$D/sgd.csv" "$D/adam.csv"; }
@test "nn-plot: loss from stdin"                    { rowin 0 '' "$D/sgd.csv" nn-plot loss - -o out.png; png_is out.png 1100 460; }
@test "nn-plot: activations png"                    { fig png activations; }
@test "nn-plot: activations svg, two"               { fig svg activations relu tanh; }
@test "nn-plot: activations pdf, --range"           { fig pdf activations --range -2,2 sigmoid; }
@test "nn-plot: activations term"                   { term 100 40 activations; }
@test "nn-plot: gradients png"                      { fig png gradients "$D/sgd.csv"; }
@test "nn-plot: gradients svg"                      { fig svg gradients "$D/adam.csv"; }
@test "nn-plot: gradients pdf"                      { fig pdf gradients "$D/noval.csv"; }
@test "nn-plot: gradients term"                     { term 80 24 gradients "$D/sgd.csv"; }
@test "nn-plot: updates png"                        { fig png updates "$D/sgd.csv"; }
@test "nn-plot: updates svg"                        { fig svg updates "$D/adam.csv"; }
@test "nn-plot: updates pdf"                        { fig pdf updates "$D/noval.csv"; }
@test "nn-plot: updates term"                       { term 80 24 updates "$D/sgd.csv"; }
@test "nn-plot: confusion png"                      { fig png confusion "$D/pred.csv"; }
@test "nn-plot: confusion svg"                      { fig svg confusion "$D/pred.csv"; }
@test "nn-plot: confusion pdf"                      { fig pdf confusion "$D/pred.csv"; }
@test "nn-plot: confusion term"                     { term 80 24 confusion "$D/pred.csv"; }
@test "nn-plot: confusion from a pipe"              { nn-predict -m "$D/colours.nn" "$D/colours.csv" | nn-plot confusion - -o out.png; png_is out.png 1000 500; }

@test "nn-plot: default size 640x480"               { row 0 '' nn-plot data "$D/moons.csv" -o out.png; png_is out.png 640 480; }
@test "nn-plot: grid default size per panel"        { row 0 '' nn-plot grid "$D/moons.nn:$D/moons.csv" "$D/adam.nn:$D/moons.csv" -o out.png; png_is out.png 760 330; }
@test "nn-plot: upper-case extension"               { row 0 '' nn-plot data "$D/moons.csv" -o out.SVG; svg_is out.SVG 640 480; }
@test "nn-plot: -o - writes PNG"                    { nn-plot data "$D/moons.csv" -o - >out.png; png_is out.png 640 480; }
@test "nn-plot: --format svg -o -"                  { nn-plot data "$D/moons.csv" --format svg -o - >out.svg; svg_is out.svg 640 480; }
@test "nn-plot: --format pdf beats the extension"   { row 0 '' nn-plot data "$D/moons.csv" --format pdf -o out.png; pdf_is out.png; }
@test "nn-plot: no -o, not a tty: PNG on stdout"    { nn-plot data "$D/moons.csv" >out.png; png_is out.png 640 480; }
@test "nn-plot: --term --size COLSxLINES"           { nn-plot data "$D/moons.csv" --term --size 50x12 >out.txt; term_is out.txt 50 12; }
@test "nn-plot: --term small terminal: 20x6"        { COLUMNS=5 LINES=2 nn-plot data "$D/moons.csv" --term >out.txt; term_is out.txt 20 6; }
@test "nn-plot: --term ends lines with a reset"     { term 60 10 data "$D/moons.csv"; [ "$(grep -c $'\x1b\\[0m$' out.txt)" -eq 9 ]; }
@test "nn-plot: --title"                            { COLUMNS=80 LINES=20 nn-plot data "$D/moons.csv" --title 'my moons' --term >out.txt; grep -q 'my moons' <(sed 's/\x1b\[[0-9;]*m//g' out.txt); }
@test "nn-plot: same input, same SVG bytes"         { nn-plot boundary -m "$D/moons.nn" "$D/moons.csv" -o a.svg; sleep 1; nn-plot boundary -m "$D/moons.nn" "$D/moons.csv" -o b.svg; cmp a.svg b.svg; }
@test "nn-plot: same input, same PDF bytes"         { nn-plot loss "$D/sgd.csv" -o a.pdf; sleep 1; nn-plot loss "$D/sgd.csv" -o b.pdf; cmp a.pdf b.pdf; }
@test "nn-plot: same input, same PNG bytes"         { nn-plot grid "$D/moons.nn:$D/moons.csv" -o a.png; nn-plot grid "$D/moons.nn:$D/moons.csv" -o b.png; cmp a.png b.png; }
# gz_fig: a boundary from gzip model and data, named as the plain ones
# (the title shows the data's name): the same SVG bytes
gz_fig() {
	mkdir p g
	cp "$D/moons.nn" p/m.nn; cp "$D/moons.csv" p/d.csv
	gzip -c "$D/moons.nn" >g/m.nn; gzip -c "$D/moons.csv" >g/d.csv
	(cd p && nn-plot boundary -m m.nn d.csv -o out.svg) &&
	    (cd g && nn-plot boundary -m m.nn d.csv -o out.svg) && cmp p/out.svg g/out.svg
}
@test "nn-plot: gzip model and data, same SVG"     { gz_fig; }
@test "nn-plot: loss from a gzip log on stdin"     { gzip -c "$D/sgd.csv" >log.gz; rowin 0 '' log.gz nn-plot loss - -o out.png; png_is out.png 1100 460; }
@test "nn-plot: truncated gzip data"               { gzip -c "$D/moons.csv" | head -c 2000 >cut.gz; row 1 '^nn-plot: cut\.gz: truncated gzip data \(unexpected end of file\)$' nn-plot data cut.gz -o out.png; nofile; }
# no output over an input: exit 2, the input's bytes unchanged, no image
@test "nn-plot: -o over the data"                  { cp "$D/moons.csv" d.csv; saved d.csv; row 2 '^nn-plot: -o d\.csv is also an input; refusing to overwrite it$' nn-plot data d.csv --format png -o d.csv; unchanged d.csv; nofile; }
@test "nn-plot: -o over the model"                 { cp "$D/moons.nn" m.nn; saved m.nn; row 2 '^nn-plot: -o m\.nn is also an input; refusing to overwrite it$' nn-plot boundary -m m.nn "$D/moons.csv" --format svg -o m.nn; unchanged m.nn; nofile; }
@test "nn-plot: -o over a grid's model"            { cp "$D/moons.nn" m.nn; saved m.nn; row 2 '^nn-plot: -o m\.nn is also an input; refusing to overwrite it$' nn-plot grid "m.nn:$D/moons.csv" --format svg -o m.nn; unchanged m.nn; nofile; }
@test "nn-plot: -o over a log"                     { cp "$D/sgd.csv" l.csv; saved l.csv; row 2 '^nn-plot: -o l\.csv is also an input; refusing to overwrite it$' nn-plot loss "$D/adam.csv" l.csv --format png -o l.csv; unchanged l.csv; nofile; }
@test "nn-plot: -o over a link to the data"        { cp "$D/pred.csv" p.csv; ln -s p.csv out.png; saved p.csv; row 2 '^nn-plot: -o out\.png is also an input \(p\.csv\); refusing' nn-plot confusion p.csv -o out.png; unchanged p.csv; [ -L out.png ]; }
@test "nn-plot: stdout appended to the data"       { cp "$D/moons.csv" d.csv; saved d.csv; row 2 '^nn-plot: standard output is also an input \(d\.csv\); refusing to overwrite it$' bash -c 'nn-plot data d.csv >>d.csv'; unchanged d.csv; }
@test "nn-plot: -o - appended to the model"        { cp "$D/moons.nn" m.nn; saved m.nn; row 2 '^nn-plot: standard output is also an input \(m\.nn\)' bash -c 'nn-plot boundary -m m.nn "$0" -o - >>m.nn' "$D/moons.csv"; unchanged m.nn; }
@test "nn-plot: stdout appended to a log on stdin" { cp "$D/sgd.csv" l.csv; saved l.csv; row 2 '^nn-plot: standard output is also an input \(<stdin>\)' bash -c 'nn-plot loss - <l.csv >>l.csv'; unchanged l.csv; }
@test "nn-plot: replaces an existing file"          { echo old >out.png; row 0 '' nn-plot data "$D/moons.csv" -o out.png; png_is out.png 640 480; notemp; }

# The moons (sklearn's): class 0 is the upper arc centred on (0, 1), class 1
# the lower one on (1, -0.5).  With --bare and --range -1.5,2.5,-1,1.5 at
# 400x250, those are pixels (150, 50) and (250, 200).
@test "nn-plot: the moons model is >= 0.95 accurate" { a=$(accuracy "$D/moons.nn" "$D/moons.csv"); at_least "$a" 0.95; }
@test "nn-plot: boundary colours at the moons' centres" { nn-plot boundary -m "$D/moons.nn" "$D/moons.csv" --bare --range -1.5,2.5,-1,1.5 --size 400x250 -o out.png; [ "$(class_at out.png 150 50)" = 0 ]; [ "$(class_at out.png 250 200)" = 1 ]; }
@test "nn-plot: boundary colours follow the model"  { flipped "$D/moons.csv" >f.csv; nn-train -q -l 16,8 -e 200 -o f.nn f.csv; nn-plot boundary -m f.nn f.csv --bare --range -1.5,2.5,-1,1.5 --size 400x250 -o out.png; [ "$(class_at out.png 150 50)" = 1 ]; [ "$(class_at out.png 250 200)" = 0 ]; }
@test "nn-plot: the title gives the accuracy"       { COLUMNS=100 LINES=20 nn-plot boundary -m "$D/moons.nn" "$D/moons.csv" --term >out.txt; a=$(accuracy "$D/moons.nn" "$D/moons.csv"); grep -q "accuracy $(printf '%.3f' "$a")" <(sed 's/\x1b\[[0-9;]*m//g' out.txt); }

@test "nn-plot: boundary of a 3-input model"        { row 1 'b3.nn: the model takes 3 inputs; a decision boundary needs 2' nn-plot boundary -m "$D/b3.nn" "$D/b3.csv" -o out.png; nofile; }
@test "nn-plot: grid with a 3-input model"          { row 1 'b3.nn: the model takes 3 inputs' nn-plot grid "$D/moons.nn:$D/moons.csv" "$D/b3.nn:$D/b3.csv" -o out.png; nofile; }
@test "nn-plot: unknown figure"                     { row 2 'unknown figure "pie"' nn-plot pie -o out.png; nofile; }
@test "nn-plot: no figure"                          { row 2 '^nn-plot: missing FIGURE \(data, boundary' nn-plot -o out.png; nofile; }
@test "nn-plot: unwritable output"                  { row 1 'moons.csv/out.png: Not a directory' nn-plot data "$D/moons.csv" -o "$D/moons.csv/out.png"; }
@test "nn-plot: missing output directory"           { row 1 'nodir/out.png: No such file or directory' nn-plot data "$D/moons.csv" -o nodir/out.png; nofile; }
@test "nn-plot: failure keeps the old file"         { echo old >out.png; row 1 'word.csv:3:2' nn-plot loss "$D/word.csv" -o out.png; [ "$(cat out.png)" = old ]; notemp; }
@test "nn-plot: -o a directory fails before drawing" { mkdir d.png; row 1 '^nn-plot: d\.png: Is a directory$' nn-plot data "$D/moons.csv" -o d.png; [ -z "$(ls -A d.png)" ]; }
@test "nn-plot: -o a FIFO is refused, not replaced" { mkfifo f.png; row 1 '^nn-plot: f\.png: a FIFO, not a regular file; refusing to replace it$' nn-plot data "$D/moons.csv" -o f.png; [ -p f.png ]; }
@test "nn-plot: -o a 0444 file is refused"          { echo old >out.png; chmod 444 out.png; row 1 '^nn-plot: out\.png: Permission denied \(a read-only file, mode 0444; refusing to replace it\)$' nn-plot data "$D/moons.csv" -o out.png; [ "$(cat out.png)" = old ]; notemp; }
@test "nn-plot: -o a link replaces the file it leads to" { echo old >real.png; ln -s real.png out.png; row 0 '' nn-plot data "$D/moons.csv" -o out.png; [ -L out.png ]; png_is real.png 640 480; }
@test "nn-plot: unknown extension"                  { row 2 'out.jpg: unknown image format' nn-plot data "$D/moons.csv" -o out.jpg; nofile; }
@test "nn-plot: no extension"                       { row 2 'unknown image format' nn-plot data "$D/moons.csv" -o out; nofile; }
@test "nn-plot: bad --format"                       { row 2 '--format: expected png, svg or pdf, got "gif"' nn-plot data "$D/moons.csv" --format gif -o out.png; nofile; }
@test "nn-plot: -o and --term"                      { row 2 'give one of them' nn-plot data "$D/moons.csv" --term -o out.png; nofile; }
@test "nn-plot: --format with --term"               { row 2 'does not apply to --term' nn-plot data "$D/moons.csv" --term --format svg; }
@test "nn-plot: --size without x"                   { row 2 '--size: expected WxH' nn-plot data "$D/moons.csv" --size 640 -o out.png; nofile; }
@test "nn-plot: --size too small"                   { row 2 '--size: expected WxH with W in \[16, 16384\]' nn-plot data "$D/moons.csv" --size 8x8 -o out.png; nofile; }
@test "nn-plot: --size too large"                   { row 2 '--size' nn-plot data "$D/moons.csv" --size 20000x100 -o out.png; nofile; }
@test "nn-plot: --size not numbers"                 { row 2 '--size: .*"axb"' nn-plot data "$D/moons.csv" --size axb -o out.png; nofile; }
@test "nn-plot: --size negative"                    { row 2 '--size' nn-plot data "$D/moons.csv" --size -640x480 -o out.png; nofile; }
@test "nn-plot: --term --size too small"            { row 2 'columns x lines' nn-plot data "$D/moons.csv" --term --size 10x3; }
@test "nn-plot: --cols 0"                           { row 2 '--cols' nn-plot grid --cols 0 "$D/moons.nn:$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: --cols not a number"                { row 2 '--cols' nn-plot grid --cols x "$D/moons.nn:$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: --cols for loss"                    { row 2 '--cols does not apply to the loss figure' nn-plot loss --cols 2 "$D/sgd.csv" -o out.png; nofile; }
@test "nn-plot: -m for data"                        { row 2 '-m does not apply to the data figure' nn-plot data -m "$D/moons.nn" "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: --ylog for gradients"               { row 2 '--ylog does not apply' nn-plot gradients --ylog "$D/sgd.csv" -o out.png; nofile; }
@test "nn-plot: --range reversed"                   { row 2 '--range: expected' nn-plot data --range 1,0,0,1 "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: --range three numbers"              { row 2 '--range: expected' nn-plot data --range 0,1,2 "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: --range not numbers"                { row 2 '--range: expected' nn-plot data --range a,b,c,d "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: --range nan"                        { row 2 '--range: expected' nn-plot data --range nan,1,0,1 "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: --range X0,X1 for data"             { row 2 'needs X0,X1,Y0,Y1' nn-plot data --range 0,1 "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: boundary without -m"                { row 2 'needs -m MODEL' nn-plot boundary "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: boundary, missing model"            { row 1 'nope.nn' nn-plot boundary -m nope.nn "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: boundary, truncated model"          { row 1 'truncated.nn' nn-plot boundary -m "$D/truncated.nn" "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: boundary, file without features"    { row 1 'reg.csv: no columns "x1", "x2" \(features of the model\)$' nn-plot boundary -m "$D/moons.nn" "$D/reg.csv" -o out.png; nofile; }
@test "nn-plot: boundary, file without one feature" { cut -d, -f1,3 "$D/moons.csv" >f.csv; row 1 'f.csv: no column "x2" \(a feature of the model\)$' nn-plot boundary -m "$D/moons.nn" f.csv -o out.png; nofile; }
@test "nn-plot: boundary, ragged row"               { row 1 'dragged.csv:3: expected 3 fields, got 1' nn-plot boundary -m "$D/moons.nn" "$D/dragged.csv" -o out.png; nofile; }
@test "nn-plot: boundary, non-numeric"              { row 1 'dword.csv:2:x2: expected a number, got "abc"' nn-plot boundary -m "$D/moons.nn" "$D/dword.csv" -o out.png; nofile; }
@test "nn-plot: boundary, NaN"                      { row 1 'dnan.csv:2:x2' nn-plot boundary -m "$D/moons.nn" "$D/dnan.csv" -o out.png; nofile; }
@test "nn-plot: boundary, header only"              { row 1 'dheader.csv: no data rows' nn-plot boundary -m "$D/moons.nn" "$D/dheader.csv" -o out.png; nofile; }
@test "nn-plot: boundary, empty input"              { row 1 'empty.csv: empty input' nn-plot boundary -m "$D/moons.nn" "$D/empty.csv" -o out.png; nofile; }
@test "nn-plot: boundary, two files"                { run --separate-stderr nn-plot boundary -m "$D/moons.nn" "$D/moons.csv" "$D/moons.csv" -o out.png; [ "$status" -eq 2 ]; nofile; }
@test "nn-plot: grid, not MODEL:FILE"               { row 2 'grid: expected MODEL:FILE or MODEL:FILE:LABEL, got "m.nn"' nn-plot grid m.nn -o out.png; nofile; }
@test "nn-plot: grid, empty FILE"                   { row 2 'expected MODEL:FILE' nn-plot grid m.nn: -o out.png; nofile; }
@test "nn-plot: grid, empty FILE before a label"    { row 2 'expected MODEL:FILE' nn-plot grid m.nn::x -o out.png; nofile; }
@test "nn-plot: data, 3 features"                   { row 1 'b3.csv: 3 feature columns; the data figure needs 2' nn-plot data "$D/b3.csv" -o out.png; nofile; }
@test "nn-plot: data, ragged row"                   { row 1 'dragged.csv:3: expected 3 fields, got 1' nn-plot data "$D/dragged.csv" -o out.png; nofile; }
@test "nn-plot: data, non-numeric"                  { row 1 'dword.csv:2:x2' nn-plot data "$D/dword.csv" -o out.png; nofile; }
@test "nn-plot: data, NaN"                          { row 1 'dnan.csv:2:x2' nn-plot data "$D/dnan.csv" -o out.png; nofile; }
@test "nn-plot: data, header only"                  { row 1 'dheader.csv' nn-plot data "$D/dheader.csv" -o out.png; nofile; }
@test "nn-plot: data, empty input"                  { row 1 'empty.csv: empty input' nn-plot data "$D/empty.csv" -o out.png; nofile; }
@test "nn-plot: data, missing file"                 { row 1 'nope.csv: No such file' nn-plot data nope.csv -o out.png; nofile; }
@test "nn-plot: data, unknown --target"             { row 1 'zz' nn-plot data --target zz "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: log, ragged row"                    { row 1 'ragged.csv:3: expected 7 fields, got 3' nn-plot loss "$D/ragged.csv" -o out.png; nofile; }
@test "nn-plot: log, non-numeric"                   { row 1 'word.csv:3:2: expected a number, got "abc"' nn-plot loss "$D/word.csv" -o out.png; nofile; }
@test "nn-plot: log, NaN"                           { row 1 'nan.csv:3:4: expected a number, got "nan"' nn-plot loss "$D/nan.csv" -o out.png; nofile; }
@test "nn-plot: log, Inf"                           { row 1 'inf.csv:3:2: expected a number, got "inf"' nn-plot loss "$D/inf.csv" -o out.png; nofile; }
@test "nn-plot: log, accuracy above 1"              { row 1 'acc.csv:2:3: train_acc must be in \[0, 1\], got 1.5' nn-plot loss "$D/acc.csv" -o out.png; nofile; }
@test "nn-plot: log, epochs going back"             { row 1 'order.csv:3:1: epoch 1 after epoch 2' nn-plot loss "$D/order.csv" -o out.png; nofile; }
@test "nn-plot: log, empty train_loss"              { row 1 'noloss.csv:2:2: empty train_loss' nn-plot loss "$D/noloss.csv" -o out.png; nofile; }
@test "nn-plot: log, not a log"                     { row 1 'moons.csv:1:1: expected the column "epoch"' nn-plot loss "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: log, short header"                  { row 1 'header.csv:1:2: expected the column "train_loss"' nn-plot loss "$D/header.csv" -o out.png; nofile; }
@test "nn-plot: log, partial layer columns"         { row 1 'partial.csv:1: 9 columns' nn-plot gradients "$D/partial.csv" -o out.png; nofile; }
@test "nn-plot: log, header only"                   { row 1 'headonly.csv: no data rows' nn-plot loss "$D/headonly.csv" -o out.png; nofile; }
@test "nn-plot: log, empty input"                   { row 1 'empty.csv: empty input' nn-plot loss "$D/empty.csv" -o out.png; nofile; }
@test "nn-plot: log, second of two is bad"          { row 1 'word.csv:3:2' nn-plot loss "$D/sgd.csv" "$D/word.csv" -o out.png; nofile; }
@test "nn-plot: gradients without layer columns"    { row 1 'nolayer.csv: the log has no per-layer columns' nn-plot gradients "$D/nolayer.csv" -o out.png; nofile; }
@test "nn-plot: updates without layer columns"      { row 1 'nolayer.csv: the log has no per-layer columns' nn-plot updates "$D/nolayer.csv" -o out.png; nofile; }
@test "nn-plot: gradients of two logs"              { run --separate-stderr nn-plot gradients "$D/sgd.csv" "$D/adam.csv" -o out.png; [ "$status" -eq 2 ]; nofile; }
@test "nn-plot: unknown activation"                 { row 2 'unknown activation "mish" \(linear, sigmoid' nn-plot activations mish -o out.png; nofile; }
@test "nn-plot: softmax has no curve"               { row 2 'softmax is not element-wise' nn-plot activations relu softmax -o out.png; nofile; }
@test "nn-plot: confusion of regression values"   { printf 'y,predicted_value\n1,1\n' >r.csv; row 1 'r.csv: column predicted_value holds a regression' nn-plot confusion r.csv -o out.png; nofile; }
@test "nn-plot: confusion, no predicted column"     { row 1 'nopred.csv: no column "predicted"' nn-plot confusion "$D/nopred.csv" -o out.png; nofile; }
@test "nn-plot: confusion, empty label"             { row 1 'blank.csv:3:1: empty true label' nn-plot confusion "$D/blank.csv" -o out.png; nofile; }
@test "nn-plot: confusion, header only"             { row 1 'pheader.csv: no data rows' nn-plot confusion "$D/pheader.csv" -o out.png; nofile; }
@test "nn-plot: confusion, no truth column"         { nn-predict -m "$D/colours.nn" <(cut -d, -f1,2 "$D/colours.csv") >p.csv; row 1 'no column of true labels' nn-plot confusion p.csv -o out.png; nofile; }
