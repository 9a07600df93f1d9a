# 1-optimizers.bash - experiment 1 of nnkit(7): how fast each optimizer
# brings the training loss down on the same network, data and seed.
#
# moons, 1000 rows, noise 0.2, a stratified 70/30 split; -l 16,8 relu,
# batch 32, 200 epochs.  Each optimizer runs at its usual rate (nn-train's
# default for it), and Adam also at 0.01; plain SGD also at a high rate of 0.5,
# with and without an exponential decay of the rate.  From each log: the
# first epoch whose mean training loss is at most 0.1, the loss at epoch 10
# and at the end, and the standard deviation of the loss over the last 20
# epochs (how much it still jumps about); then the test accuracy.
# shellcheck source=scripts/experiments.d/lib.bash
source "$EXP_LIB"
exp_dir 1-optimizers

n=$(quick 1000 300)
e=$(quick 200 30)
target=0.1
nn-gen moons -n "$n" --noise 0.2 --seed 1 >moons.csv
nn-split -t 0.3 --seed 1 --stratify moons.csv train.csv test.csv

# name|options
runs=(
	"sgd|--optimizer sgd -r 0.1"
	"sgd, high rate|--optimizer sgd -r 0.5"
	"sgd, high rate, decay|--optimizer sgd -r 0.5 --schedule exponential --lr-gamma 0.98"
	"momentum 0.9|--optimizer momentum -r 0.1"
	"nesterov 0.9|--optimizer nesterov -r 0.1"
	"rmsprop|--optimizer rmsprop -r 0.001"
	"adam|--optimizer adam -r 0.001"
	"adam, rate 0.01|--optimizer adam -r 0.01"
)

title "1. Optimizers: moons $n rows (noise 0.2), -l 16,8 relu, batch 32, $e epochs"
printf '%-22s %-6s %-11s %8s %8s %8s %7s %7s\n' \
    optimizer rate schedule "ep<=$target" "loss@10" "final" "spread" "test"
for r in "${runs[@]}"; do
	name=${r%%|*} opts=${r#*|}
	tag=$(tagof "$name")
	# shellcheck disable=SC2086
	nn-train -q -l 16,8 -a relu -b 32 -e "$e" -s 1 $opts \
	    --log "$tag.log" -o "$tag.nn" train.csv
	rate=$(echo "$opts" | sed -n 's/.*-r \([^ ]*\).*/\1/p')
	sched=constant
	[[ $opts == *--schedule* ]] && sched=$(echo "$opts" | sed -n 's/.*--schedule \([^ ]*\).*/\1/p')
	printf '%-22s %-6s %-11s %8s %8.4f %8.4f %7s %7s\n' "$name" "$rate" "$sched" \
	    "$(first_le "$tag.log" train_loss "$target")" \
	    "$(col "$tag.log" train_loss 10)" "$(col "$tag.log" train_loss last)" \
	    "$(spread "$tag.log" 20)" "$(accuracy "$tag.nn" test.csv)"
done
echo "ep<=$target: first epoch with mean training loss <= $target; spread: sd of the loss over the last 20 epochs"
