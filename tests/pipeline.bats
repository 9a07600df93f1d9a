#!/usr/bin/env bats
# The whole pipeline, as the README shows it: nn-gen | nn-split, nn-train,
# nn-predict | nn-eval.
load common

accuracy() { nn-eval --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["accuracy"])'; }
atleast() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

@test "pipeline: moons 1000 -> 16,8 for 200 epochs reaches 0.95" {
	nn-gen moons -n 1000 --seed 1 | nn-split -t 0.3 --seed 1 - tr.csv te.csv
	nn-train -q -l 16,8 -e 200 -o m.nn tr.csv
	a=$(nn-predict -m m.nn te.csv | accuracy)
	echo "accuracy $a"
	atleast "$a" 0.95
	nn-predict -m m.nn te.csv | nn-eval | grep -q '^accuracy'
}
@test "pipeline: string labels red/green/blue, 3x3 confusion matrix, the same strings back" {
	nn-gen blobs --classes 3 -n 600 --seed 2 | sed -e '1!s/,0$/,red/' -e '1!s/,1$/,green/' -e '1!s/,2$/,blue/' |
	    nn-split -t 0.3 --seed 2 --stratify - tr.csv te.csv
	nn-train -q -o m.nn tr.csv
	nn-predict -m m.nn te.csv | cut -d, -f2 | tail -n +2 | sort -u | tr '\n' ' ' | grep -qx 'blue green red '
	n=$(nn-predict -m m.nn te.csv | nn-eval --format json |
	    python3 -c 'import json, sys; m = json.load(sys.stdin)["confusion_matrix"]; print(len(m), *map(len, m))')
	[ "$n" = "3 3 3 3" ]
}
@test "pipeline: 25 classes numbered 0-24 are scored as multiclass, with no --task in nn-eval" {
	nn-gen blobs --classes 25 -n 2000 --seed 1 | nn-split -t 0.3 --seed 1 - train.csv test.csv
	nn-train -q --task multiclass -o m.nn train.csv
	nn-predict -m m.nn test.csv | nn-eval --format json >out.json 2>err
	[ ! -s err ]
	[ "$(jq -r .task out.json)" = classification ]
	[ "$(jq -c '[.n, (.labels | length), (.confusion_matrix | length)]' out.json)" = '[600,25,25]' ]
	atleast "$(jq .accuracy out.json)" 0.5
	# nn-eval -m says the same, and so does the text report
	nn-predict -m m.nn test.csv | nn-eval -m m.nn --format json | cmp - out.json
	nn-predict -m m.nn test.csv | nn-eval | grep -q '^accuracy'
}
@test "pipeline: the same command twice gives the same model bytes" {
	nn-gen circles -n 400 --seed 3 >d.csv
	nn-train -q -l 8,4 -o m.nn d.csv; mv m.nn a.nn
	nn-train -q -l 8,4 -o m.nn d.csv
	cmp a.nn m.nn
}
@test "pipeline: -r 1e6 exits 3 naming epoch, batch and layer; the old model stays" {
	nn-gen moons -n 1000 --seed 1 >d.csv
	nn-train -q -l 16,8 -o m.nn d.csv; cp m.nn old.nn
	row 3 'not finite at epoch [0-9]+, batch [0-9]+, layer [0-9]+' nn-train -q -r 1e6 -l 16,8 -o m.nn d.csv
	cmp m.nn old.nn
}
@test "pipeline: make demo prints the 3 x 4 table of median test accuracies" {
	run "$BATS_TEST_DIRNAME/../scripts/demo"
	[ "$status" -eq 0 ]
	grep -Eq '^data +none +4 +8-4 +16-8-4' <<<"$output"
	for d in linear moons circles; do
		n=$(grep -E "^$d " <<<"$output" | grep -oE '[01]\.[0-9]{3} \([01]\.[0-9]{2}-[01]\.[0-9]{2}\)' | wc -l)
		[ "$n" -eq 4 ] || { echo "$d: $n cells"; return 1; }
	done
	# the deeper networks learn the circles (a linear model cannot)
	grep -E '^circles ' <<<"$output" | awk '{ exit !($8 >= 0.9 && $2 < 0.8) }'
}
