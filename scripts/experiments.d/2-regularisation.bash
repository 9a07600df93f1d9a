# 2-regularisation.bash - experiment 2 of nnkit(7): a network far too large
# for its data, trained with and without each kind of regularisation.
#
# Training set: moons, 200 rows, noise 0.3 (seed 2).  Validation set: 200
# more rows of the same distribution (seed 3).  Test set: 2000 more rows
# (seed 4), used for nothing but the test column.  Network: -l 128,128
# relu (17,000 weights for 200 points), Adam at 0.001, batch 32, 500 epochs.
# The gap is training accuracy minus validation accuracy: how much the
# network learnt about these 200 points that is not true of moons.  Early
# stopping picks its epoch on the validation set, so its validation accuracy
# flatters it; the test column is the fair comparison.  Every run also logs
# the validation loss, whose rise after its minimum is overfitting seen over
# time.
# shellcheck source=scripts/experiments.d/lib.bash
source "$EXP_LIB"
exp_dir 2-regularisation

n=$(quick 200 100)
e=$(quick 500 40)
nn-gen moons -n "$n" --noise 0.3 --seed 2 >train.csv
nn-gen moons -n "$n" --noise 0.3 --seed 3 >val.csv
nn-gen moons -n $((n * 10)) --noise 0.3 --seed 4 >test.csv

# name|options ("-" when this nn-train lacks the option).  Every run gets
# --val, which only watches (the weights are the same without it) and puts
# the validation loss into the log for nn-plot loss; only --patience stops
# early and keeps the best epoch.
drop="-"
has_opt --dropout && drop="--dropout 0.3"
runs=(
	"none|"
	"L1|--l1 0.001"
	"L2|--l2 0.003"
	"dropout|$drop"
	"early stopping|--patience $(quick 50 10)"
)

title "2. Regularisation: moons $n rows (noise 0.3), -l 128,128 relu, adam 0.001, $e epochs"
printf '%-15s %-15s %8s %6s %6s %6s %6s %14s %8s\n' \
    method options epochs train val gap test "best val loss" "final"
for r in "${runs[@]}"; do
	name=${r%%|*} opts=${r#*|}
	tag=$(tagof "$name")
	if [ "$opts" = "-" ]; then
		printf '%-15s %s\n' "$name" "(not in this nn-train yet)"
		continue
	fi
	# shellcheck disable=SC2086
	nn-train -q -l 128,128 -a relu --optimizer adam -r 0.001 -b 32 -e "$e" -s 1 \
	    $opts --val val.csv --log "$tag.log" -o "$tag.nn" train.csv
	ep=$(epochs "$tag.log")
	best=$(best_epoch "$tag.log")
	# with --patience the model saved is the best epoch's: say which
	[[ $opts == *--patience* ]] && ep="$best/$ep"
	tr=$(accuracy "$tag.nn" train.csv)
	va=$(accuracy "$tag.nn" val.csv)
	printf '%-15s %-15s %8s %6s %6s %6.3f %6s %8.4f@%-5s %8.4f\n' "$name" "${opts:--}" "$ep" \
	    "$tr" "$va" "$(awk -v a="$tr" -v b="$va" 'BEGIN { print a - b }')" \
	    "$(accuracy "$tag.nn" test.csv)" \
	    "$(col "$tag.log" val_loss "$best")" "$best" "$(col "$tag.log" val_loss last)"
done
echo "epochs: run (early stopping: saved/run); train, val, test: accuracy of the saved model;"
echo "gap = train - val; best val loss: lowest validation loss @ its epoch; final: at the last epoch"
