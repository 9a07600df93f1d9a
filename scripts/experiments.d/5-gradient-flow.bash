# 5-gradient-flow.bash - experiment 5 of nnkit(7): how large the gradient of
# each layer's weights is, epoch by epoch, in a small relu network.
#
# moons, 1000 rows, noise 0.2; -l 4,3 relu (layers 1 and 2 hidden, 3 the
# sigmoid output), SGD at 0.1, batch 32, 50 epochs.  grad_norm_L in the log
# is the mean over the epoch's steps of the norm of the gradient of layer
# L's weights; update_ratio_L the mean of |step| / |W|.  Healthy flow: the
# norms of all layers of the same order, none collapsing towards zero (the
# first layer's gradient is the product of all the layers above it, see
# experiment 6).  A mini-batch gradient keeps the noise of its 32 rows, so
# its norm does not fall to zero as the loss flattens out.
# shellcheck source=scripts/experiments.d/lib.bash
source "$EXP_LIB"
exp_dir 5-gradient-flow

n=$(quick 1000 300)
e=$(quick 50 10)
nn-gen moons -n "$n" --noise 0.2 --seed 1 >moons.csv
nn-train -q -l 4,3 -a relu --optimizer sgd -r 0.1 -b 32 -e "$e" -s 1 \
    --log flow.log -o flow.nn moons.csv

title "5. Gradient flow: moons $n rows (noise 0.2), -l 4,3 relu, sgd 0.1, $e epochs"
printf '%5s %8s %7s %11s %11s %11s %11s\n' epoch loss acc \
    grad_norm_1 grad_norm_2 grad_norm_3 update_ratio_1
for ep in 1 2 3 5 10 20 30 40 50; do
	[ "$ep" -le "$e" ] || continue
	printf '%5s %8.4f %7.3f %11.3e %11.3e %11.3e %11.3e\n' "$ep" \
	    "$(col flow.log train_loss "$ep")" "$(col flow.log train_acc "$ep")" \
	    "$(col flow.log grad_norm_1 "$ep")" "$(col flow.log grad_norm_2 "$ep")" \
	    "$(col flow.log grad_norm_3 "$ep")" "$(col flow.log update_ratio_1 "$ep")"
done
echo "layer 1: input -> 4, layer 2: 4 -> 3, layer 3: 3 -> output; the full log: 5-gradient-flow/flow.log"
