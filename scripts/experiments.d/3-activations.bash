# 3-activations.bash - experiment 3 of nnkit(7): the same network with each
# hidden activation.
#
# moons, 500 rows, noise 0.2, a stratified 70/30 split; -l 16,8, plain SGD at
# 0.1, batch 32, 200 epochs, seed 1 for every row: only the activation
# changes (and with it the initialisation, He for the relu family, Glorot
# otherwise).  sigmoid, tanh and relu are the lesson's three; the others run
# when this nn-train has them, and linear shows what the network is without
# a non-linearity: a single linear boundary however many layers it has.
# shellcheck source=scripts/experiments.d/lib.bash
source "$EXP_LIB"
exp_dir 3-activations

n=$(quick 500 200)
e=$(quick 200 30)
nn-gen moons -n "$n" --noise 0.2 --seed 1 >moons.csv
nn-split -t 0.3 --seed 1 --stratify moons.csv train.csv test.csv

title "3. Activations: moons $n rows (noise 0.2), -l 16,8, sgd 0.1, batch 32, $e epochs"
printf '%-11s %8s %8s %9s %7s %7s\n' activation "loss@10" "final" "ep<=0.15" train test
for a in sigmoid tanh relu leaky-relu elu swish gelu linear; do
	if ! has_act "$a"; then
		printf '%-11s %s\n' "$a" "(not in this nn-train yet)"
		continue
	fi
	nn-train -q -l 16,8 -a "$a" --optimizer sgd -r 0.1 -b 32 -e "$e" -s 1 \
	    --log "$a.log" -o "$a.nn" train.csv
	printf '%-11s %8.4f %8.4f %9s %7s %7s\n' "$a" \
	    "$(col "$a.log" train_loss 10)" "$(col "$a.log" train_loss last)" \
	    "$(first_le "$a.log" train_loss 0.15)" \
	    "$(accuracy "$a.nn" train.csv)" "$(accuracy "$a.nn" test.csv)"
done
echo "loss: mean training loss at epoch 10 and the last; ep<=0.15: first epoch with loss <= 0.15"
