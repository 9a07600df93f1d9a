# 4-multiclass.bash - experiment 4 of nnkit(7): four classes, a softmax
# output and categorical cross-entropy, judged by nn-eval's report.
#
# spirals, 4 arms, 1000 rows, noise 0.05, a stratified 70/30 split; -l 32,32
# relu, momentum at 0.05, batch 32, 300 epochs.  nn-train picks the softmax
# output and the cross-entropy loss itself from the four labels.  The arms
# lie side by side, so the mistakes fall between neighbouring arms, which
# the confusion matrix shows.
#
# Then a rare class: the same data with five rows in six of arm 3 dropped
# from both sets, trained as it is and with --class-weight balanced.  With
# unequal supports the macro average (each class counts once) and the
# weighted one (each row counts once) part ways.
# shellcheck source=scripts/experiments.d/lib.bash
source "$EXP_LIB"
exp_dir 4-multiclass

n=$(quick 1000 400)
e=$(quick 300 30)
# shellcheck disable=SC2054 # commas belong to -l
opts=(-l 32,32 -a relu --optimizer momentum -r 0.05 -b 32 -e "$e" -s 1)
nn-gen spirals --classes 4 -n "$n" --noise 0.05 --seed 1 >spirals.csv
nn-split -t 0.3 --seed 1 --stratify spirals.csv train.csv test.csv

title "4. Multi-class: spirals, 4 arms, $n rows (noise 0.05), -l 32,32 relu, momentum 0.05, $e epochs"
nn-train -q "${opts[@]}" --log spirals.log -o spirals.nn train.csv
nn-predict -m spirals.nn --proba test.csv >test-pred.csv
echo "nn-predict -m spirals.nn --proba test.csv | nn-eval"
nn-eval test-pred.csv

# keep every row of arms 0-2 and one in six of arm 3 (by line number, so
# the choice is fixed)
rare() { awk -F, 'NR == 1 || $NF != 3 || NR % 6 == 0' "$1"; }
rare train.csv >rare-train.csv
rare test.csv >rare-test.csv
count() { awk -F, -v c="$2" 'NR > 1 && $NF == c { k++ } END { print k + 0 }' "$1"; }

echo
echo "4b. Arm 3 made rare: $(count rare-train.csv 3) of $(($(wc -l <rare-train.csv) - 1)) training rows," \
    "$(count rare-test.csv 3) of $(($(wc -l <rare-test.csv) - 1)) test rows"
printf '%-24s %8s %9s %11s %12s %9s\n' "" accuracy macro-f1 weighted-f1 precision-3 recall-3
for cw in "" "balanced"; do
	tag=rare${cw:+-$cw}
	nn-train -q "${opts[@]}" ${cw:+--class-weight "$cw"} --log "$tag.log" \
	    -o "$tag.nn" rare-train.csv
	nn-predict -m "$tag.nn" rare-test.csv | nn-eval --format csv >"$tag-eval.csv"
	m() { awk -F, -v m="$1" -v c="${2-}" '$1 == m && $2 == c { printf "%.3f", $3 }' "$tag-eval.csv"; }
	printf '%-24s %8s %9s %11s %12s %9s\n' "--class-weight ${cw:-none}" \
	    "$(m accuracy)" "$(m macro_f1)" "$(m weighted_f1)" "$(m precision 3)" "$(m recall 3)"
done
