# 6-vanishing.bash - experiment 6 of nnkit(7): vanishing gradients in a deep
# sigmoid network, and three remedies.
#
# moons, 1000 rows, noise 0.2, a stratified 70/30 split; ten hidden layers
# of 32 units (-l 32,32,...,32), plain SGD at 0.1, batch 32, 300 epochs.
# The backward pass multiplies the gradient by sigmoid' <= 1/4 once per
# layer, so by the first layer it has all but vanished: that layer, and with
# it the network, hardly moves.  relu (derivative 1 where active, He
# initialisation) passes the gradient down unshrunk; batch normalisation
# keeps each layer's inputs where the sigmoid is steep; residual connections
# give the gradient a path around every layer.  The last two run when this
# nn-train has --batchnorm and --residual.  relu with Glorot (xavier)
# initialisation instead of He shows the part the initial scale plays.
#
# Layers are numbered from the input: grad_norm_1 is the first hidden
# layer's, grad_norm_11 the output layer's.  "early" is epoch 1, "late" the
# last epoch.  A row with adam shows that an optimizer which rescales each
# weight's step can partly make up for a small gradient: it is a crutch, the
# gradient itself is still tiny.
# shellcheck source=scripts/experiments.d/lib.bash
source "$EXP_LIB"
exp_dir 6-vanishing

n=$(quick 1000 300)
e=$(quick 300 15)
depth=10 width=32
L=$(widths "$depth" "$width")
out=$((depth + 1))
nn-gen moons -n "$n" --noise 0.2 --seed 1 >moons.csv
nn-split -t 0.3 --seed 1 --stratify moons.csv train.csv test.csv

# name|options ("-" when this nn-train lacks them)
bn="-" res="-" xav="-"
has_opt --init && xav="-a relu --init xavier"
has_opt --batchnorm && bn="-a sigmoid --batchnorm"
has_opt --residual && res="-a sigmoid --residual"
runs=(
	"sigmoid|-a sigmoid"
	"relu|-a relu"
	"relu, xavier init|$xav"
	"sigmoid + batch norm|$bn"
	"sigmoid + residual|$res"
	"sigmoid, adam 0.001|-a sigmoid --optimizer adam -r 0.001"
)

title "6. Vanishing gradients: moons $n rows (noise 0.2), $depth x $width hidden, sgd 0.1, $e epochs"
printf '%-21s %9s %9s %9s %9s %7s %8s %7s %6s %6s\n' network \
    "g1 early" "g1 late" "g$out early" "g$out late" "/layer" "ep<=0.3" loss train test
for r in "${runs[@]}"; do
	name=${r%%|*} opts=${r#*|}
	tag=$(tagof "$name")
	if [ "$opts" = "-" ]; then
		printf '%-21s %s\n' "$name" "(not in this nn-train yet)"
		continue
	fi
	# shellcheck disable=SC2086
	nn-train -q -l "$L" --optimizer sgd -r 0.1 -b 32 -e "$e" -s 1 $opts \
	    --log "$tag.log" -o "$tag.nn" train.csv
	g1=$(col "$tag.log" grad_norm_1 1) gout=$(col "$tag.log" grad_norm_$out 1)
	printf '%-21s %9.2e %9.2e %9.2e %9.2e %7.2f %8s %7.4f %6s %6s\n' "$name" \
	    "$g1" "$(col "$tag.log" grad_norm_1 last)" \
	    "$gout" "$(col "$tag.log" grad_norm_$out last)" \
	    "$(awk -v a="$gout" -v b="$g1" -v d="$depth" 'BEGIN { print (b > 0 ? (a / b) ^ (1 / d) : "inf") }')" \
	    "$(first_le "$tag.log" train_loss 0.3)" "$(col "$tag.log" train_loss last)" \
	    "$(accuracy "$tag.nn" train.csv)" "$(accuracy "$tag.nn" test.csv)"
done
echo "gL: mean gradient norm of layer L's weights (1: first hidden, $out: output), early: epoch 1, late: the last"
echo "ep<=0.3: first epoch with training loss <= 0.3 (a guess scores 0.693); loss: last epoch"
echo "/layer: (g$out / g1)^(1/$depth) at epoch 1, the factor the gradient loses per layer on its way down"

# 6b: the opposite problem.  relu with residual connections and nothing to
# hold the sums back: each block adds its output to its input, the
# activations and gradients grow with depth, and at rate 0.1 a step soon
# overflows.  nn-train then stops with exit status 3 and writes nothing.
if has_opt --residual; then
	echo
	echo "6b. Exploding gradients: the same data and depth, relu + residual, $e epochs"
	printf '%-28s %9s %9s %7s %6s\n' network "g1 early" "g$out early" loss test
	runs=(
		"relu + residual|-a relu --residual"
		"  + --clip-norm 1|-a relu --residual --clip-norm 1"
		"  + --batchnorm|-a relu --residual --batchnorm"
		"  at rate 0.01|-a relu --residual -r 0.01"
	)
	for r in "${runs[@]}"; do
		name=${r%%|*} opts=${r#*|}
		tag=relu-residual$(tagof "$name" | sed 's/^relu-residual//; s/^./-&/; s/^--/-/')
		rc=0
		rm -f "$tag.nn"	# a failed run leaves an old model alone
		# shellcheck disable=SC2086
		nn-train -q -l "$L" --optimizer sgd -r 0.1 -b 32 -e "$e" -s 1 $opts \
		    --log "$tag.log" -o "$tag.nn" train.csv 2>"$tag.err" || rc=$?
		if [ "$rc" = 3 ]; then
			printf '%-28s %s\n' "$name" \
			    "diverged (exit 3):$(sed -n 's/.*\(at epoch [0-9]*, batch [0-9]*, layer [0-9]*\).*/ \1/p' "$tag.err")"
			continue
		fi
		[ "$rc" = 0 ] || { cat "$tag.err" >&2; exit "$rc"; }
		printf '%-28s %9.2e %9.2e %7.4f %6s\n' "$name" \
		    "$(col "$tag.log" grad_norm_1 1)" "$(col "$tag.log" grad_norm_$out 1)" \
		    "$(col "$tag.log" train_loss last)" "$(accuracy "$tag.nn" test.csv)"
	done
fi
