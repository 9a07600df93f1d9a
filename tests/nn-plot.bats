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
	# 100 epochs: the last x tick is 100; the moons in other shapes
	nn-train -q -l 8 -e 100 --val-split 0.2 --log "$D/hundred.csv" \
	    -o "$D/hundred.nn" "$D/moons.csv"
	tr , ';' <"$D/moons.csv" >"$D/semi.csv"
	tr , ';' <"$D/pred.csv" >"$D/psemi.csv"
	tail -n +2 "$D/moons.csv" >"$D/nohead.csv"
	awk -F, 'NR == 1 { print "x1,x2,word,label"; next } { print $1 "," $2 ",w" NR % 3 "," $3 }' "$D/moons.csv" >"$D/cat.csv"
	printf 'x1,x2,label\n0.5,0.2,\303\251t\303\251\n0.1,0.4,hiver\n' >"$D/utf8.csv"
	tune_logs "$D"     # nn-tune's tables, written by hand (below)
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
class_at() { python3 "$BATS_TEST_DIRNAME/png_pixel.py" class "$1" "$2" "$3" 3 BF8400 4897C4; }
# the moons with the labels swapped
flipped() { awk -F, 'NR == 1 { print; next } { print $1 "," $2 "," 1 - $3 }' "$1"; }
accuracy() { nn-predict -m "$1" "$2" | awk -F, 'NR > 1 { n++; ok += $1 == $2 } END { print ok / n }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# termenv [VAR=VALUE ...] ARGS...: nn-plot ARGS --term into out.txt in an
# 80x24 xterm with no colour variables, then the ones given
termenv() {
	local v=()
	while [[ $1 == *=* ]]; do v+=("$1"); shift; done
	env -u NO_COLOR -u COLORTERM TERM=xterm COLUMNS=80 LINES=24 "${v[@]}" nn-plot "$@" --term >out.txt
}
plain() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }
noesc() { ! grep -q $'\x1b' "$1" || { echo "$1: an escape sequence" >&2; return 1; }; }
# every byte printable 7-bit ASCII (lines apart)
ascii7() { ! LC_ALL=C grep -q '[^ -~]' "$1" || { echo "$1: a byte outside ASCII" >&2; return 1; }; }
has() { grep -q "$2" "$1" || { echo "$1: no $2" >&2; return 1; }; }
hasnt() { ! grep -q "$2" "$1" || { echo "$1: $2" >&2; return 1; }; }
# the 4 cells before " LABEL" (a legend's swatch) differ for two labels
swatches_differ() {
	python3 -c 'import re, sys
t = re.sub("\x1b\\[[0-9;]*m", "", open(sys.argv[1], encoding="utf-8").read())
def sw(l):
    m = re.search("(....) " + re.escape(l) + "(?= |$)", t, re.M)
    return m.group(1) if m else None
a, b = sw(sys.argv[2]), sw(sys.argv[3])
print("swatches: %r %r" % (a, b), file=sys.stderr)
sys.exit(0 if a and b and a != b else 1)' "$@"
}
# the last x tick of a 100-epoch loss figure in a W-column terminal: whole
tick100() { termenv COLUMNS="$1" loss "$D/hundred.csv" && term_is out.txt "$1" 23 && plain out.txt | grep -Eq '(^| )100( |$)'; }
# widths ARGS...: the figure at 40, 80 and 200 columns, every line as wide
widths() { for w in 40 80 200; do termenv COLUMNS=$w "$@" && term_is out.txt $w 23 || return 1; done; }
# colours_in FILE HEX...: each colour drawn somewhere in a PNG (a pixel of
# exactly it) or an SVG (a fill or stroke of it)
colours_in() {
	python3 -c 'import re, sys
sys.path.insert(0, sys.argv[1])
import png_pixel
f, want = sys.argv[2], [tuple(int(h[i:i + 2], 16) for i in (0, 2, 4)) for h in sys.argv[3:]]
if f.endswith(".svg"):
    got = {tuple(round(float(v) * 2.55) for v in m) for m in re.findall(r"rgb\(([0-9.]+)%,([0-9.]+)%,([0-9.]+)%\)", open(f).read())}
else:
    w, h, bpp, rows = png_pixel.decode(f)
    got = {tuple(r[i:i + 3]) for r in rows for i in range(0, w * bpp, bpp)}
miss = [c for c in want if c not in got]
print("missing: %r" % miss, file=sys.stderr)
sys.exit(1 if miss else 0)' "$BATS_TEST_DIRNAME" "$@"
}
# the class colours of the palette, in order
C0=BF8400 C1=4897C4 C2=009E73

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
@test "nn-plot: data, 3 features"                   { row 1 'b3.csv: 3 feature columns; the data figure draws 2: choose them with --x COL --y COL$' nn-plot data "$D/b3.csv" -o out.png; nofile; }
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

# ---- roc and pr: nn-predict --proba's output --------------------------------
proba2() { nn-predict --proba -m "$D/moons.nn" "$D/moons.csv" >p2.csv; }
proba3() { nn-predict --proba -m "$D/colours.nn" "$D/colours.csv" >p3.csv; }
@test "nn-plot: roc png, binary"                    { proba2; fig png roc p2.csv; }
@test "nn-plot: roc png, 3 classes"                 { proba3; fig png roc p3.csv; }
@test "nn-plot: roc svg"                            { proba3; fig svg roc p3.csv; }
@test "nn-plot: roc pdf"                            { proba2; fig pdf roc p2.csv; }
@test "nn-plot: roc term, the AUC in the legend"    { proba2; term 80 24 roc p2.csv; grep -q 'AUC = 0\.[0-9]\{4\}' out.txt; grep -q chance out.txt; }
@test "nn-plot: roc, default size 600x540"          { proba2; nn-plot roc p2.csv -o out.png; png_is out.png 600 540; }
@test "nn-plot: pr png, binary"                     { proba2; fig png pr p2.csv; }
@test "nn-plot: pr svg, 3 classes"                  { proba3; fig svg pr p3.csv; }
@test "nn-plot: pr term, AP per class"              { proba3; term 100 30 pr p3.csv; grep -q 'red (AP [01]\.[0-9]\{4\})' out.txt; grep -q 'macro AP' out.txt; }
@test "nn-plot: roc from a pipe"                    { nn-predict --proba -m "$D/moons.nn" "$D/moons.csv" | nn-plot roc - -o out.png; png_is out.png 600 540; }
@test "nn-plot: roc, the legend's AUC is nn-eval's" { proba2; a=$(nn-eval --format json p2.csv | jq -r .roc_auc); term 80 24 roc p2.csv; grep -q "AUC = $(printf %.4f "$a")" out.txt; }
@test "nn-plot: roc without p_* columns"            { row 1 'pred.csv: no p_\* columns: the curves need probabilities \(nn-predict --proba\)' nn-plot roc "$D/pred.csv" -o out.png; nofile; }
@test "nn-plot: pr, one class only"                 { printf 'label,predicted_label,p_0,p_1\n1,1,0.2,0.8\n1,1,0.3,0.7\n' >one.csv; row 1 'one.csv: only class "1" occurs in the truth' nn-plot pr one.csv -o out.png; nofile; }
@test "nn-plot: roc, probability out of range"      { printf 'label,predicted_label,p_0,p_1\n1,1,0.2,0.8\n0,1,-0.5,1.5\n' >bad.csv; row 1 'bad.csv:3: p_0: expected a probability in \[0, 1\], got -0.5' nn-plot roc bad.csv -o out.png; nofile; }
@test "nn-plot: roc, not a number"                  { printf 'label,predicted_label,p_0,p_1\n1,1,0.2,0.8\n0,1,abc,0.5\n' >bad.csv; row 1 'bad.csv:3:p_0: ' nn-plot roc bad.csv -o out.png; nofile; }
@test "nn-plot: roc, rows not summing to 1"         { printf 'label,predicted_label,p_0,p_1\n1,1,0.2,0.2\n' >bad.csv; row 1 'bad.csv:2: probabilities sum to 0.4' nn-plot roc bad.csv -o out.png; nofile; }
@test "nn-plot: roc, a label without p_ column"     { printf 'label,predicted_label,p_0,p_1\n1,1,0.2,0.8\n2,1,0.2,0.8\n' >bad.csv; row 1 'bad.csv:3:1: true label "2" has no probability column p_2' nn-plot roc bad.csv -o out.png; nofile; }
@test "nn-plot: roc, header only"                   { printf 'label,predicted_label,p_0,p_1\n' >bad.csv; row 1 'bad.csv: no data rows' nn-plot roc bad.csv -o out.png; nofile; }
@test "nn-plot: roc, no truth column"               { printf 'predicted_label,p_0,p_1\n1,0.2,0.8\n' >bad.csv; row 1 'bad.csv: no column of true labels' nn-plot roc bad.csv -o out.png; nofile; }
@test "nn-plot: roc, two files"                     { proba2; run nn-plot roc p2.csv p2.csv -o out.png; [ "$status" -eq 2 ]; nofile; }
@test "nn-plot: pr -m is refused"                   { proba2; row 2 '^nn-plot: -m does not apply to the pr figure$' nn-plot pr -m "$D/moons.nn" p2.csv -o out.png; nofile; }
# --term and the environment: NO_COLOR (set, not empty) no escape at all;
# TERM=dumb 7-bit ASCII; 24-bit colour only when COLORTERM says so
@test "nn-plot: NO_COLOR, data: no escape"          { termenv NO_COLOR=1 data "$D/colours.csv"; noesc out.txt; term_is out.txt 80 23; }
@test "nn-plot: NO_COLOR, boundary: no escape"      { termenv NO_COLOR=1 boundary -m "$D/colours.nn" "$D/colours.csv"; noesc out.txt; term_is out.txt 80 23; }
@test "nn-plot: NO_COLOR, grid: no escape"          { termenv NO_COLOR=1 grid "$D/moons.nn:$D/moons.csv" "$D/reg.nn:$D/reg.csv"; noesc out.txt; }
@test "nn-plot: NO_COLOR, loss: no escape"          { termenv NO_COLOR=yes loss "$D/sgd.csv" "$D/adam.csv"; noesc out.txt; term_is out.txt 80 23; }
@test "nn-plot: NO_COLOR, activations: no escape"   { termenv NO_COLOR=1 activations; noesc out.txt; }
@test "nn-plot: NO_COLOR, gradients: no escape"     { termenv NO_COLOR=1 gradients "$D/sgd.csv"; noesc out.txt; }
@test "nn-plot: NO_COLOR, updates: no escape"       { termenv NO_COLOR=1 updates "$D/sgd.csv"; noesc out.txt; }
@test "nn-plot: NO_COLOR, confusion: no escape"     { termenv NO_COLOR=1 confusion "$D/pred.csv"; noesc out.txt; term_is out.txt 80 23; }
@test "nn-plot: NO_COLOR keeps UTF-8 labels"        { termenv NO_COLOR=1 data "$D/utf8.csv"; noesc out.txt; has out.txt $'\xc3\xa9t\xc3\xa9'; }
@test "nn-plot: NO_COLOR empty: colour"             { termenv NO_COLOR= data "$D/moons.csv"; has out.txt $'\x1b\\[38;5;'; }
@test "nn-plot: TERM=dumb, data: ASCII"             { termenv TERM=dumb data "$D/colours.csv"; ascii7 out.txt; term_is out.txt 80 23; }
@test "nn-plot: TERM=dumb, boundary: ASCII"         { termenv TERM=dumb boundary -m "$D/moons.nn" "$D/moons.csv"; ascii7 out.txt; }
@test "nn-plot: TERM=dumb, loss: ASCII"             { termenv TERM=dumb loss "$D/sgd.csv"; ascii7 out.txt; }
@test "nn-plot: TERM=dumb, confusion: ASCII"        { termenv TERM=dumb confusion "$D/pred.csv"; ascii7 out.txt; }
@test "nn-plot: TERM=dumb, a UTF-8 label: ASCII"    { termenv TERM=dumb data "$D/utf8.csv"; ascii7 out.txt; has out.txt '?t?'; }
@test "nn-plot: TERM=dumb beats COLORTERM"          { termenv TERM=dumb COLORTERM=truecolor data "$D/moons.csv"; ascii7 out.txt; }
@test "nn-plot: no COLORTERM: 256 colours"          { termenv data "$D/moons.csv"; has out.txt $'\x1b\\[38;5;'; hasnt out.txt $'\x1b\\[38;2;'; }
@test "nn-plot: COLORTERM=truecolor: 24-bit"        { termenv COLORTERM=truecolor data "$D/moons.csv"; has out.txt $'\x1b\\[38;2;'; hasnt out.txt $'\x1b\\[38;5;'; }
@test "nn-plot: COLORTERM=24bit: 24-bit"            { termenv COLORTERM=24bit boundary -m "$D/moons.nn" "$D/moons.csv"; has out.txt $'\x1b\\[48;2;'; }
@test "nn-plot: COLORTERM=other: 256 colours"       { termenv COLORTERM=yes loss "$D/sgd.csv"; has out.txt $'\x1b\\[48;5;'; hasnt out.txt ';2;'; }

# each series its own swatch: in colour (a gap for the dashed line) and
# in glyphs (a glyph per colour)
@test "nn-plot: train and validation swatches differ"          { termenv loss "$D/hundred.csv"; swatches_differ out.txt train validation; }
@test "nn-plot: train and validation swatches differ, NO_COLOR" { termenv NO_COLOR=1 loss "$D/hundred.csv"; swatches_differ out.txt train validation; }
@test "nn-plot: two logs: swatches differ, TERM=dumb"          { termenv TERM=dumb loss "$D/sgd.csv" "$D/adam.csv"; swatches_differ out.txt train validation; swatches_differ out.txt sgd adam; }
@test "nn-plot: activations: f and f' swatches differ"         { termenv NO_COLOR=1 activations relu; swatches_differ out.txt 'f(x)' "f'(x)"; }

# tick labels whole at every width; no line wider than the terminal
@test "nn-plot: 100 epochs show 100, 40 columns"    { tick100 40; }
@test "nn-plot: 100 epochs show 100, 80 columns"    { tick100 80; }
@test "nn-plot: 100 epochs show 100, 200 columns"   { tick100 200; }
@test "nn-plot: widths 40/80/200, data"             { widths data "$D/colours.csv"; }
@test "nn-plot: widths 40/80/200, boundary"         { widths boundary -m "$D/moons.nn" "$D/moons.csv"; }
@test "nn-plot: widths 40/80/200, grid"             { widths grid "$D/moons.nn:$D/moons.csv" "$D/colours.nn:$D/colours.csv"; }
@test "nn-plot: widths 40/80/200, loss"             { widths loss "$D/sgd.csv" "$D/adam.csv"; }
@test "nn-plot: widths 40/80/200, activations"      { widths activations; }
@test "nn-plot: widths 40/80/200, gradients"        { widths gradients "$D/sgd.csv"; }
@test "nn-plot: widths 40/80/200, confusion"        { widths confusion "$D/pred.csv"; }
@test "nn-plot: widths 40/80/200, NO_COLOR"         { widths NO_COLOR=1 loss "$D/hundred.csv"; }

# --no-header and -d, as nn-train and nn-predict take them
@test "nn-plot: data --no-header"                   { row 0 '' nn-plot data --no-header "$D/nohead.csv" -o out.png; png_is out.png 640 480; }
@test "nn-plot: data --no-header: columns 1, 2"     { termenv NO_COLOR=1 data --no-header "$D/nohead.csv"; [ "$(tail -1 out.txt | tr -d ' ')" = 1 ]; }
@test "nn-plot: boundary --no-header"               { row 0 '' nn-plot boundary -m "$D/moons.nn" --no-header "$D/nohead.csv" -o out.png; png_is out.png 640 480; }
@test "nn-plot: grid --no-header"                   { row 0 '' nn-plot grid --no-header "$D/moons.nn:$D/nohead.csv" -o out.png; }
@test "nn-plot: data -d ';': the same figure"       { nn-plot data -d ';' "$D/semi.csv" --title t -o a.svg; nn-plot data "$D/moons.csv" --title t -o b.svg; cmp a.svg b.svg; }
@test "nn-plot: data -d semicolon"                  { row 0 '' nn-plot data -d semicolon "$D/semi.csv" -o out.png; }
@test "nn-plot: boundary -d ';': the same figure"   { nn-plot boundary -m "$D/moons.nn" -d ';' "$D/semi.csv" --title t -o a.svg; nn-plot boundary -m "$D/moons.nn" "$D/moons.csv" --title t -o b.svg; cmp a.svg b.svg; }
@test "nn-plot: confusion -d ';'"                   { row 0 '' nn-plot confusion -d ';' "$D/psemi.csv" -o out.png; }
@test "nn-plot: -d ',' on a semicolon file"         { row 1 'semi.csv: 0 feature columns' nn-plot data -d , "$D/semi.csv" -o out.png; nofile; }
@test "nn-plot: -d two characters"                  { row 2 '^nn-plot: -d: expected one character' nn-plot data -d ';;' "$D/semi.csv" -o out.png; nofile; }
@test "nn-plot: --no-header for loss"               { row 2 '^nn-plot: --no-header does not apply to the loss figure$' nn-plot loss --no-header "$D/sgd.csv" -o out.png; nofile; }
@test "nn-plot: -d for loss"                        { row 2 '^nn-plot: -d does not apply to the loss figure$' nn-plot loss -d , "$D/sgd.csv" -o out.png; nofile; }
@test "nn-plot: -d for activations"                 { row 2 '^nn-plot: -d does not apply to the activations figure$' nn-plot activations -d , -o out.png; nofile; }
@test "nn-plot: --no-header for confusion"          { row 2 "no-header does not apply to the confusion figure: it finds nn-predict's columns by name" nn-plot confusion --no-header "$D/pred.csv" -o out.png; nofile; }

# data --x COL --y COL: by name or number; only those and the target read
@test "nn-plot: --x --y by name"                    { row 0 '' nn-plot data "$D/b3.csv" --x x1 --y x3 -o out.png; png_is out.png 640 480; }
@test "nn-plot: --x --y by number: the same"        { nn-plot data "$D/b3.csv" --x 1 --y 3 -o a.svg; nn-plot data "$D/b3.csv" --x x1 --y x3 -o b.svg; cmp a.svg b.svg; }
@test "nn-plot: --x --y: the axes' names"           { termenv NO_COLOR=1 data "$D/b3.csv" --x x3 --y x2; [ "$(tail -1 out.txt | tr -d ' ')" = x3 ]; }
@test "nn-plot: --x --y with --target"              { row 0 '' nn-plot data "$D/b3.csv" --target 1 --x x2 --y label -o out.png; }
@test "nn-plot: --x unknown name"                   { row 1 '^nn-plot: .*b3\.csv: --x: no column "zz" \(4 columns, by name or number\)$' nn-plot data "$D/b3.csv" --x zz --y x2 -o out.png; nofile; }
@test "nn-plot: --y number out of range"            { row 1 'b3\.csv: --y: no column "9"' nn-plot data "$D/b3.csv" --x x1 --y 9 -o out.png; nofile; }
@test "nn-plot: --x a range"                        { row 1 'b3\.csv: --x: "1-2" names 2 columns; give one$' nn-plot data "$D/b3.csv" --x 1-2 --y x3 -o out.png; nofile; }
@test "nn-plot: --x the target"                     { row 1 'b3\.csv: --x: "label" is the target column$' nn-plot data "$D/b3.csv" --x label --y x1 -o out.png; nofile; }
@test "nn-plot: --x and --y the same column"        { row 1 'b3\.csv: --x and --y name the same column "x1"$' nn-plot data "$D/b3.csv" --x 1 --y x1 -o out.png; nofile; }
@test "nn-plot: --x without --y"                    { row 2 '^nn-plot: --x without --y: give both' nn-plot data "$D/b3.csv" --x x1 -o out.png; nofile; }
@test "nn-plot: --y without --x"                    { row 2 '^nn-plot: --y without --x: give both' nn-plot data "$D/b3.csv" --y x1 -o out.png; nofile; }
@test "nn-plot: --x empty"                          { row 2 '^nn-plot: --x: expected one column, by name or number, got ""$' nn-plot data "$D/b3.csv" --x '' --y x1 -o out.png; nofile; }
@test "nn-plot: --x a list"                         { row 2 '^nn-plot: --x: expected one column' nn-plot data "$D/b3.csv" --x x1,x2 --y x3 -o out.png; nofile; }
@test "nn-plot: --x for loss"                       { row 2 '^nn-plot: --x does not apply to the loss figure$' nn-plot loss --x a --y b "$D/sgd.csv" -o out.png; nofile; }
@test "nn-plot: --x for boundary"                   { row 2 "^nn-plot: --x and --y do not apply to the boundary figure: its axes are the model's two inputs$" nn-plot boundary -m "$D/moons.nn" --x x1 --y x2 "$D/moons.csv" -o out.png; nofile; }
@test "nn-plot: a string column not drawn"          { row 0 '' nn-plot data "$D/cat.csv" --x x1 --y x2 -o out.png; png_is out.png 640 480; }
@test "nn-plot: a string column, no --x/--y"        { row 1 'cat\.csv: 3 feature columns; the data figure draws 2: choose them with --x COL --y COL$' nn-plot data "$D/cat.csv" -o out.png; nofile; }
@test "nn-plot: --x a string column"                { row 1 'cat\.csv:2:word: expected a number, got "w2"' nn-plot data "$D/cat.csv" --x word --y x2 -o out.png; nofile; }
@test "nn-plot: boundary beside a string column"    { row 0 '' nn-plot boundary -m "$D/moons.nn" "$D/cat.csv" -o out.png; png_is out.png 640 480; }

# a class legend: each label as read, in its class's colour; with the
# points out of the range the legend's swatches are the only class colours
@test "nn-plot: data legend, terminal"              { termenv NO_COLOR=1 data "$D/colours.csv"; plain out.txt | grep -Eq '[*] +blue'; plain out.txt | grep -Eq 'o +green'; plain out.txt | grep -Eq '[+] +red'; }
@test "nn-plot: boundary legend, terminal"          { termenv TERM=dumb boundary -m "$D/colours.nn" "$D/colours.csv"; grep -Eq '[*] +blue' out.txt; grep -Eq 'o +green' out.txt; grep -Eq '[+] +red' out.txt; }
@test "nn-plot: grid panels have a legend"          { termenv NO_COLOR=1 COLUMNS=160 LINES=30 grid "$D/colours.nn:$D/colours.csv" "$D/moons.nn:$D/moons.csv"; grep -Eq '[+] +red' out.txt; grep -Eq 'o +1 ' out.txt; }
@test "nn-plot: data legend, PNG"                   { nn-plot data "$D/colours.csv" --range 100,101,100,101 -o out.png; colours_in out.png $C0 $C1 $C2; }
@test "nn-plot: no legend with --bare"              { nn-plot data "$D/colours.csv" --range 100,101,100,101 --bare -o out.png; ! colours_in out.png $C0; }
@test "nn-plot: boundary legend, PNG"               { nn-plot boundary -m "$D/colours.nn" "$D/colours.csv" --range 100,101,100,101 -o out.png; colours_in out.png $C0 $C1 $C2; }
@test "nn-plot: boundary legend, SVG"               { nn-plot boundary -m "$D/colours.nn" "$D/colours.csv" --range 100,101,100,101 -o out.svg; colours_in out.svg $C0 $C1 $C2; }
@test "nn-plot: roc and pr, -d ';'"                 { nn-predict --proba -m "$D/moons.nn" "$D/moons.csv" >p.csv; mkdir s; tr , ';' <p.csv >s/p.csv; for f in roc pr; do nn-plot $f p.csv -o c.svg; (cd s && nn-plot $f -d ';' p.csv -o s.svg); cmp c.svg s/s.svg; done; }
@test "nn-plot: roc, --no-header refused"           { row 2 'no-header does not apply to the roc figure' nn-plot roc --no-header "$D/moons.csv" -o r.svg; }

# ---- tune: nn-tune's table ---------------------------------------------------
# Written by awk in nn-tune's format: a 3 x 4 grid (layers x rate,
# accuracy, best 16,8 at 0.1), one rate (log_loss, best at 0.01), a random
# search over three (rows out of order), successive halving (log_loss, 27
# configurations at 5 epochs, then 15, 45), and a search over dropout.
tune_logs() {
	local h='trial,rung,epochs'
	awk -v h="$h" 'BEGIN { print h ",layers,rate,metric,mean,sd,seconds"; t = 0
		n = split("4|8,4|16,8", L, "|"); split("0.001 0.01 0.1 1", R, " ")
		for (i = 1; i <= n; i++) for (j = 1; j <= 4; j++)
			printf "%d,0,100,\"%s\",%s,accuracy,%.4f,%.4f,0.5\n", t++, L[i], R[j],
			    0.6 + 0.05 * i + 0.06 * j - (j == 4 ? 0.25 : 0), 0.01 * j }' >"$1/grid.csv"
	awk -v h="$h" 'BEGIN { print h ",rate,metric,mean,sd,seconds"; split("0.0001 0.001 0.01 0.1 1", R, " ")
		for (j = 1; j <= 5; j++) printf "%d,0,50,%s,log_loss,%.4f,0.02,0.3\n", j - 1, R[j], (j - 3) ^ 2 * 0.05 + 0.1 }' >"$1/one.csv"
	echo "$h,layers,rate,optimizer,metric,mean,sd,seconds" >"$1/random.csv"
	awk 'BEGIN { srand(4)
		split("4|8,4|16,8|", L, "|"); split("sgd adam", O, " ")
		for (t = 0; t < 30; t++) { r = 10 ^ (-4 + 3 * rand()); l = L[int(rand() * 4) + 1]; o = O[int(rand() * 2) + 1]
			printf "%d,0,60,\"%s\",%.6f,%s,accuracy,%.4f,%.4f,0.1\n", t, l, r, o,
			    0.95 - 0.05 * (log(r) / log(10) + 2) ^ 2 - (l == "" ? 0.1 : 0) + 0.02 * rand(), 0.01 } }' |
	    sort -t, -k9 >>"$1/random.csv"
	awk -v h="$h" 'BEGIN { srand(9); print h ",rate,dropout,metric,mean,sd,seconds"
		for (t = 0; t < 27; t++) { r[t] = 10 ^ (-3 + 2 * rand()); d[t] = int(rand() * 5) / 10; q[t] = rand() }
		n = 27; e = 5
		for (k = 0; k < 3; k++) { for (t = 0; t < 27; t++) if (q[t] < n / 27 + 1e-9)
			printf "%d,%d,%d,%.5f,%.1f,log_loss,%.4f,0.02,0.1\n", t, k, e, r[t], d[t], 0.6 - 0.1 * k + 0.3 * q[t]
			n /= 3; e *= 3 } }' >"$1/halving.csv"
	awk -v h="$h" 'BEGIN { print h ",dropout,metric,mean,sd,seconds"
		for (j = 0; j <= 5; j++) printf "%d,0,20,%.1f,f1,%.3f,0.01,0.2\n", j, j / 10, 0.9 - (j - 2) ^ 2 * 0.01 }' >"$1/dropout.csv"
}
# the x axis's tick labels of a terminal figure (the line above its name)
xticks() { plain out.txt | tail -n 2 | head -n 1; }
# tune ARGS...: nn-plot tune ARGS in an 80x24 terminal without colour
tterm() { termenv NO_COLOR=1 tune "$@" && term_is out.txt 80 23; }
# the highest mean of a table, as a title shows it (%.4g)
best_mean() { awk -F, 'NR > 1 && (m == "" || $(NF - 2) > m) { m = $(NF - 2) } END { printf "%.4g", m }' "$1"; }
# a table in another order: header, then the rows reversed
reversed() { head -n 1 "$1"; tail -n +2 "$1" | tac; }
# a table with one column fewer (by name)
without() { awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } { s = ""; for (i = 1; i <= NF; i++) if (i != k) s = s (s == "" && i == 1 ? "" : ",") $i; print s }' "$1"; }

@test "nn-plot: tune heat map png"                  { fig png tune "$D/grid.csv"; }
@test "nn-plot: tune heat map svg"                  { fig svg tune "$D/grid.csv"; }
@test "nn-plot: tune heat map pdf"                  { fig pdf tune "$D/grid.csv"; }
@test "nn-plot: tune heat map term"                 { term 80 24 tune "$D/grid.csv"; }
@test "nn-plot: tune line png"                      { fig png tune "$D/one.csv"; }
@test "nn-plot: tune line svg, --x"                 { fig svg tune --x rate "$D/grid.csv"; }
@test "nn-plot: tune line term"                     { term 90 25 tune "$D/one.csv"; }
@test "nn-plot: tune trials png, random"            { fig png tune "$D/random.csv"; }
@test "nn-plot: tune trials svg, halving"           { fig svg tune "$D/halving.csv"; }
@test "nn-plot: tune trials term"                   { term 100 30 tune "$D/halving.csv"; }
@test "nn-plot: tune points over two ranges, png"   { fig png tune --x rate --y layers "$D/random.csv"; }
@test "nn-plot: tune default size 720x500"          { row 0 '' nn-plot tune "$D/grid.csv" -o out.png; png_is out.png 720 500; }
@test "nn-plot: tune from stdin"                    { rowin 0 '' "$D/grid.csv" nn-plot tune - -o out.png; png_is out.png 720 500; }
# the best, named in the title and found the metric's way
@test "nn-plot: tune heat map: the best named"      { tterm "$D/grid.csv"; grep -q 'best accuracy 0.93 at layers=16,8, rate=0.1$' <(plain out.txt | sed 's/ *$//'); }
@test "nn-plot: tune, lower is better: log_loss"    { tterm "$D/one.csv"; grep -q 'best log_loss 0.1 at rate=0.01 ' out.txt; }
@test "nn-plot: tune, higher is better: f1"         { tterm "$D/dropout.csv"; grep -q 'best f1 0.9 at dropout=0.2 ' out.txt; }
@test "nn-plot: tune halving: best at its epochs"   { tterm "$D/halving.csv"; grep -Eq 'best log_loss 0\.[0-9]+ at rate=[0-9.]+, dropout=0\.[0-9] \(45 epochs\)' out.txt; }
@test "nn-plot: tune halving: rungs in the legend"  { tterm "$D/halving.csv"; grep -q 'rung 0 (5 epochs)' out.txt; grep -q 'rung 2 (45 epochs)' out.txt; grep -q 'best so far' out.txt; }
@test "nn-plot: tune random: the trials"            { tterm "$D/random.csv"; [ "$(plain out.txt | tail -n 1 | tr -d ' ')" = trial ]; grep -q 'trials (60 epochs)' out.txt; }
@test "nn-plot: tune random: best of the 30"        { b=$(best_mean "$D/random.csv"); tterm "$D/random.csv"; grep -q "best accuracy $b at" out.txt; }
@test "nn-plot: tune halving, best marked, SVG"     { nn-plot tune "$D/halving.csv" -o a.svg; nn-plot tune "$D/halving.csv" --title t -o b.svg; [ -s a.svg ]; ! cmp -s a.svg b.svg; }
# axes: a log scale for rates, a linear one otherwise, categories for words
@test "nn-plot: tune: rates on a log axis"          { tterm "$D/one.csv"; xticks | grep -Eq '0\.0001 +0\.001 +0\.01 +0\.1 +1 *$'; }
@test "nn-plot: tune: rates of a grid, log axis"    { tterm --x rate "$D/grid.csv"; xticks | grep -Eq '0\.001 +0\.01 +0\.1 +1 *$'; }
@test "nn-plot: tune: dropout on a linear axis"     { tterm "$D/dropout.csv"; xticks | grep -Eq '0\.1 +0\.2 +0\.3 +0\.4'; }
@test "nn-plot: tune: words on a category axis"     { tterm --x optimizer "$D/random.csv"; xticks | grep -Eq '^ +(sgd|adam) +(sgd|adam) *$'; }
@test "nn-plot: tune: layers as categories"         { tterm "$D/grid.csv"; xticks | grep -Eq '^ +4 +8,4 +16,8 *$'; }
@test "nn-plot: tune: no hidden layer, quoted"   { tterm --x layers "$D/random.csv"; xticks | grep -q '""'; }
@test "nn-plot: tune: --x --y swap the axes"        { tterm --x rate --y layers "$D/grid.csv"; xticks | grep -Eq '0\.001 +0\.01 +0\.1 +1 *$'; plain out.txt | grep -q '16,8|'; }
# series: the other hyperparameter's values, or the best over many
@test "nn-plot: tune --x: a line per other value"   { tterm --x rate "$D/grid.csv"; grep -q 'layers=4 ' out.txt; grep -q 'layers=8,4 ' out.txt; grep -q 'layers=16,8 ' out.txt; }
@test "nn-plot: tune --x: the best over many"       { tterm --x optimizer "$D/random.csv"; grep -q 'best over layers, rate' out.txt; }
@test "nn-plot: tune --x on halving: rungs"         { tterm --x dropout "$D/halving.csv"; grep -q 'rung 1 (15 epochs)' out.txt; }
@test "nn-plot: tune: rows in any order, one figure" { reversed "$D/random.csv" >r.csv; nn-plot tune r.csv --title t -o a.svg; nn-plot tune "$D/random.csv" --title t -o b.svg; cmp a.svg b.svg; }
@test "nn-plot: tune, a failed trial (nan)"         { sed '3s/,accuracy,[0-9.]*,/,accuracy,nan,/' "$D/grid.csv" >f.csv; row 0 '' nn-plot tune f.csv -o out.png; }
@test "nn-plot: tune, the best failed (empty mean)" { sed 's/^10,\(.*\),accuracy,[0-9.]*,/10,\1,accuracy,,/' "$D/grid.csv" >f.csv; termenv NO_COLOR=1 tune f.csv; grep -q 'best accuracy 0.88 at layers=8,4, rate=0.1' out.txt; }
# the terminal's modes and widths
@test "nn-plot: tune NO_COLOR: no escape"           { termenv NO_COLOR=1 tune "$D/grid.csv"; noesc out.txt; term_is out.txt 80 23; }
@test "nn-plot: tune TERM=dumb: ASCII"              { termenv TERM=dumb tune "$D/halving.csv"; ascii7 out.txt; }
@test "nn-plot: tune 256 colours"                   { termenv tune "$D/one.csv"; has out.txt $'\x1b\\[38;5;'; }
@test "nn-plot: tune widths 40/80/200, heat map"    { widths tune "$D/grid.csv"; }
@test "nn-plot: tune widths 40/80/200, trials"      { widths tune "$D/halving.csv"; }
# bad input: one line, exit 1 (usage: 2), nothing written
@test "nn-plot: tune, not nn-tune output"           { row 1 'sgd.csv:1: not nn-tune output: no columns "trial", "rung", "epochs", "metric", "mean", "sd" \(its header is trial,rung,epochs, the hyperparameters, metric,mean,sd,seconds\)$' nn-plot tune "$D/sgd.csv" -o out.png; nofile; }
@test "nn-plot: tune, no column mean"               { without "$D/grid.csv" mean >m.csv; row 1 'm.csv:1: not nn-tune output: no column "mean" \(its header is' nn-plot tune m.csv -o out.png; nofile; }
@test "nn-plot: tune, header only"                  { head -n 1 "$D/grid.csv" >h.csv; row 1 '^nn-plot: h\.csv: no trials$' nn-plot tune h.csv -o out.png; nofile; }
@test "nn-plot: tune, empty file"                   { row 1 'empty.csv: empty input' nn-plot tune "$D/empty.csv" -o out.png; nofile; }
@test "nn-plot: tune --x not a hyperparameter"      { row 1 '^nn-plot: .*grid\.csv: --x: "mean" is not a searched hyperparameter \(layers, rate\)$' nn-plot tune --x mean "$D/grid.csv" -o out.png; nofile; }
@test "nn-plot: tune --y not a hyperparameter"      { row 1 'grid\.csv: --y: "batch" is not a searched hyperparameter \(layers, rate\)$' nn-plot tune --x rate --y batch "$D/grid.csv" -o out.png; nofile; }
@test "nn-plot: tune --x and --y the same"          { row 1 'grid\.csv: --x and --y name the same hyperparameter "rate"$' nn-plot tune --x rate --y rate "$D/grid.csv" -o out.png; nofile; }
@test "nn-plot: tune --y without --x"               { row 2 '^nn-plot: --y without --x: ' nn-plot tune --y rate "$D/grid.csv" -o out.png; nofile; }
@test "nn-plot: tune, an unknown metric"            { sed '2s/accuracy/precision/' "$D/grid.csv" >b.csv; row 1 'b\.csv:2:6: metric: expected accuracy, log_loss, f1, auc, mse, rmse, mae or r2, got "precision"$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, two metrics"                  { sed '3s/accuracy/f1/' "$D/grid.csv" >b.csv; row 1 'b\.csv:3:6: metric "f1" after "accuracy": one search ranks by one metric$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, a trial not a number"         { sed '2s/^0,/x,/' "$D/grid.csv" >b.csv; row 1 'b\.csv:2:1: trial: expected an integer >= 0, got "x"$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, a negative rung"              { sed '2s/^0,0,/0,-1,/' "$D/grid.csv" >b.csv; row 1 'b\.csv:2:2: rung: expected an integer >= 0, got "-1"$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, a word as the mean"           { sed '2s/,accuracy,[0-9.]*,/,accuracy,high,/' "$D/grid.csv" >b.csv; row 1 'b\.csv:2:7: mean: expected a number, got "high"$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, a negative sd"                { sed '2s/,0\.0100,/,-1,/' "$D/grid.csv" >b.csv; row 1 'b\.csv:2:8: sd: expected a number >= 0, got "-1"$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, a ragged row"                 { cp "$D/one.csv" b.csv; echo 9,0,5,0.1,accuracy >>b.csv; row 1 'b\.csv:7: expected 8 fields, got 5' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, a column twice"               { sed '1s/rate/mean/' "$D/one.csv" >b.csv; row 1 'b\.csv:1: duplicate column name "mean"$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune, every trial failed"           { sed 's/,log_loss,[0-9.]*,/,log_loss,inf,/' "$D/one.csv" >b.csv; row 1 'b\.csv: no trial has a finite log_loss$' nn-plot tune b.csv -o out.png; nofile; }
@test "nn-plot: tune -d is refused"                 { row 2 '^nn-plot: -d does not apply to the tune figure$' nn-plot tune -d , "$D/grid.csv" -o out.png; nofile; }
@test "nn-plot: tune --no-header is refused"        { row 2 '^nn-plot: --no-header does not apply to the tune figure$' nn-plot tune --no-header "$D/grid.csv" -o out.png; nofile; }
@test "nn-plot: tune --range is refused"            { row 2 '^nn-plot: --range does not apply to the tune figure$' nn-plot tune --range 0,1,0,1 "$D/grid.csv" -o out.png; nofile; }
@test "nn-plot: tune, two logs"                     { run nn-plot tune "$D/grid.csv" "$D/one.csv" -o out.png; [ "$status" -eq 2 ]; nofile; }
@test "nn-plot: tune without a log"                 { row 2 '^nn-plot: missing an operand: nn-plot tune ' nn-plot tune -o out.png; nofile; }
