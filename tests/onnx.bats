#!/usr/bin/env bats
# nn-model export --format onnx and import: every exported model passes the
# ONNX checker (python3-onnx) and ONNX Runtime (onnxruntime-node from npm,
# run by tests/onnx/run.js) reproduces nn-predict --proba within 1e-5; the
# export imported back predicts within 1e-6 of the original.  Imports of a
# PyTorch MLP (torch.onnx.export, python3-torch) and of skl2onnx-shaped
# graphs (built with onnx.helper, tests/onnx/graphs.py) agree with their
# own outputs within 1e-5; bad files are refused, each with one line.
# Each max difference is appended to $BATS_RUN_TMPDIR/onnx-diffs.  The
# regression target is of order 1: ORT sums a Gemm in another order than
# nnkit, a few float ulps apart, and 1e-5 is 3 ulps at 50.
load common

PY=/usr/bin/python3     # Debian's python3 with python3-onnx and -torch

setup_file() {
	export D="$BATS_FILE_TMPDIR" O="$BATS_TEST_DIRNAME/onnx"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	# ONNX Runtime: installed from npm into tests/onnx/node_modules (its
	# CPU library ships in the package) unless already there, or unless
	# make check NO_INSTALL=1 (a package build) says to fetch nothing
	if [ -z "${NO_INSTALL:-}" ] && [ ! -d "$O/node_modules/onnxruntime-node" ] &&
	    command -v npm >/dev/null; then
		(cd "$O" && npm install --ignore-scripts --no-audit --no-fund >/dev/null 2>&1)
	fi
	(
		cd "$D" || exit 1
		nn-gen moons -n 200 --seed 3 >moons.csv
		awk 'BEGIN { srand(7); split("red green blue", c, " ");
			print "x1,x2,colour";
			for (i = 0; i < 300; i++) { k = i % 3 + 1;
				printf "%.4f,%.4f,%s\n", 4*k + rand()*3, -3*k + rand()*3, c[k] } }' >colours.csv
		awk 'BEGIN { srand(3); print "a,b,y";
			for (i = 0; i < 300; i++) { a = rand(); b = rand();
				printf "%.5f,%.5f,%.5f\n", a, b, 2*a - 0.7*b + 0.5 } }' >reg.csv
		# every 7th field of x2 missing
		awk -F, 'NR > 1 && NR % 7 == 0 { $2 = "" } 1' OFS=, moons.csv >gaps.csv
	)
}

fail() { echo "$*" >&2; return 1; }

need_ort() {
	local why="npm install --ignore-scripts in tests/onnx failed"
	[ -z "${NO_INSTALL:-}" ] || why="not fetched under NO_INSTALL"
	[ -d "$O/node_modules/onnxruntime-node" ] ||
	    skip "onnxruntime-node is not installed ($why)"
}
need_onnx() { "$PY" -c 'import onnx' 2>/dev/null || skip "python3-onnx is not installed"; }
need_torch() { "$PY" -c 'import torch' 2>/dev/null || skip "python3-torch is not installed"; }

# The last K fields of each data line of nn-predict's output.
last_fields() { awk -F, -v k="$1" 'NR > 1 { s = $(NF-k+1); for (i = NF-k+2; i <= NF; i++) s = s "," $i; print s }'; }

# maxdiff A B TOL WHAT: same shape, every |a - b| <= TOL; logs the max.
maxdiff() {
	awk -F, -v tol="$3" -v what="$4" 'NR == FNR { for (i = 1; i <= NF; i++) a[FNR, i] = $i; n[FNR] = NF; rows = FNR; next }
	    { if (n[FNR] != NF) { print "row " FNR ": " NF " fields, not " n[FNR]; bad = 1; exit 1 }
	      for (i = 1; i <= NF; i++) { d = a[FNR, i] - $i; if (d < 0) d = -d; if (d > m) m = d } r = FNR }
	    END { if (bad) exit 1; if (r != rows) { print r " rows, not " rows; exit 1 }
	      printf "%s max abs difference %.3g\n", what, m >> ENVIRON["BATS_RUN_TMPDIR"] "/onnx-diffs"
	      if (m > tol) { printf "max abs difference %g > %g\n", m, tol; exit 1 } }' "$1" "$2" >&2
}

# export_row NAME DATA COLS [nn-train options]: train, export, check with
# the ONNX checker, compare ONNX Runtime with nn-predict --proba, and the
# model imported back with the original.
export_row() {
	local name=$1 data=$D/$2 cols=$3 k
	shift 3
	need_ort
	nn-train -q -e 20 -s 1 "$@" -o "$name.nn" "$data" || fail "nn-train failed"
	nn-model export --format onnx -o "$name.onnx" "$name.nn" || fail "export failed"
	if "$PY" -c 'import onnx' 2>/dev/null; then
		"$PY" -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)' \
		    "$name.onnx" || fail "the ONNX checker refused $name.onnx"
	fi
	node "$O/run.js" "$name.onnx" "$data" "$cols" >ort.csv || fail "onnxruntime failed"
	k=$(head -1 ort.csv | awk -F, '{ print NF }')
	nn-predict --proba -m "$name.nn" "$data" | last_fields "$k" >nn.csv
	maxdiff nn.csv ort.csv 1e-5 "ort $name"
	nn-model import "$name.onnx" -o back.nn || fail "import failed"
	nn-predict --proba -m back.nn "$data" | last_fields "$k" >back.csv
	maxdiff nn.csv back.csv 1e-6 "round trip $name"
}

@test "onnx: binary (relu)"                  { export_row binary moons.csv x1,x2 -l 8 -a relu; }
@test "onnx: multiclass with string labels"  { export_row colours colours.csv x1,x2 -l 8; }
@test "onnx: regression"                     { export_row reg reg.csv a,b -l 8 -a tanh; }
@test "onnx: leaky-relu with slope 0.2"      { export_row leaky moons.csv x1,x2 -l 8 -a leaky-relu --leaky-slope 0.2; }
@test "onnx: elu"                            { export_row elu moons.csv x1,x2 -l 8 -a elu; }
@test "onnx: sigmoid"                        { export_row sigmoid moons.csv x1,x2 -l 8 -a sigmoid; }
@test "onnx: tanh"                           { export_row tanh moons.csv x1,x2 -l 8 -a tanh; }
@test "onnx: swish"                          { export_row swish moons.csv x1,x2 -l 8 -a swish; }
@test "onnx: gelu"                           { export_row gelu moons.csv x1,x2 -l 8 -a gelu; }
@test "onnx: linear"                         { export_row linear moons.csv x1,x2 -l 8 -a linear; }
@test "onnx: --batchnorm"                    { export_row bn colours.csv x1,x2 -l 8,8 --batchnorm; }
@test "onnx: --residual"                     { export_row res moons.csv x1,x2 -l 8,8,8 --residual -a gelu; }
@test "onnx: --scale standard"               { export_row standard reg.csv a,b -l 8 --scale standard; }
@test "onnx: --scale minmax"                 { export_row minmax reg.csv a,b -l 8 --scale minmax; }
@test "onnx: --scale none"                   { export_row none moons.csv x1,x2 -l 8 --scale none; }
@test "onnx: missing values filled"          { export_row gaps gaps.csv x1,x2 -l 8 --missing median; }

@test "onnx: a categorical column is refused, named" {
	printf 'x,colour,y\n1,red,0\n2,blue,1\n3,red,0\n4,blue,1\n' >cat.csv
	nn-train -q -e 2 --categorical colour -o cat.nn cat.csv
	row 1 'column "colour" is categorical: one-hot string inputs are not exported' nn-model export --format onnx -o cat.onnx cat.nn
	[ ! -e cat.onnx ] || fail "cat.onnx written"
}
@test "onnx: export without --format is a usage error" { nn-gen moons -n 20 >d.csv; nn-train -q -e 1 -o m.nn d.csv; run nn-model export -o m.onnx m.nn; [ "$status" -eq 2 ]; }
@test "onnx: --format json is not this one's"  { nn-gen moons -n 20 >d.csv; nn-train -q -e 1 -o m.nn d.csv; run nn-model export --format xml -o m.onnx m.nn; [ "$status" -eq 2 ]; }

# import_row KIND: a PyTorch MLP, trained briefly and exported by torch,
# imported: nn-predict --proba equals torch's outputs within 1e-5.
import_torch() {
	need_torch
	"$PY" "$O/torch_mlp.py" "$1" . 2>/dev/null || fail "torch_mlp.py $1 failed"
	row 0 '' nn-model import "$1.onnx" -o "$1.nn"
	nn-predict --proba -m "$1.nn" "$1.csv" | last_fields "$(head -1 "$1.torch.csv" | awk -F, '{ print NF }')" >nn.csv
	maxdiff nn.csv "$1.torch.csv" 1e-5 "torch $1"
}
@test "onnx import: torch binary (LeakyReLU, Sigmoid)"     { import_torch binary; }
@test "onnx import: torch multiclass (ReLU, Tanh, Softmax)" { import_torch multiclass; }
@test "onnx import: torch regression (GELU, ELU)"          { import_torch regression; }

import_skl() {
	need_onnx
	"$PY" "$O/graphs.py" "$1" g.onnx || fail "graphs.py $1 failed"
	row 0 '' nn-model import g.onnx -o g.nn
	nn-predict --proba -m g.nn g.onnx.csv | last_fields "$(head -1 g.onnx.ref.csv | awk -F, '{ print NF }')" >nn.csv
	maxdiff nn.csv g.onnx.ref.csv 1e-5 "$1"
}
@test "onnx import: skl2onnx-shaped MLPClassifier (label nodes ignored)" { import_skl skl-classifier; }
@test "onnx import: skl2onnx-shaped MLPRegressor"  { import_skl skl-regressor; }

bad() { need_onnx; "$PY" "$O/graphs.py" "$1" b.onnx || fail "graphs.py $1"; row 1 "$2" nn-model import b.onnx -o b.nn; [ ! -e b.nn ]; }
@test "onnx import: truncated file"         { nn-gen moons -n 20 >d.csv; nn-train -q -e 1 -o m.nn d.csv; nn-model export --format onnx -o m.onnx m.nn; head -c 300 m.onnx >t.onnx; row 1 'not an ONNX model.*truncated' nn-model import t.onnx -o t.nn; }
@test "onnx import: data length disagrees with dims" { bad bad-length "initializer 'w': its dimensions make 12 values \(48 bytes\) but it holds 44 bytes"; }
@test "onnx import: unsupported op, named"  { bad bad-op "unsupported node 'conv1' \(Conv\)"; }
@test "onnx import: Gemm shapes not chaining" { bad bad-chain "'dense2' \(Gemm\): shapes do not chain"; }
@test "onnx import: a cycle"                { bad bad-cycle 'cycle through node'; }
@test "onnx import: 2 GiB claimed in a tiny file" { bad bad-huge '536870912 values \(2147483648 bytes\) but it holds 0 bytes'; [ "$(wc -c <b.onnx)" -lt 1024 ]; }
@test "onnx import: double weights"         { bad bad-double "input 'w' is double \(float only\)"; }
@test "onnx import: not a file"             { row 1 'nope.onnx' nn-model import nope.onnx -o n.nn; }
