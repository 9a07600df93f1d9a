# scaleout.bash - scripts/bench's scale-out section (nn-train-mpi), sourced
# by it: W1 under mpirun.  Needs bench's R, timed, calc, note, $train,
# $epochs, $res, $out.
#
#   scaleout_measure   the runs: plain nn-train --threads 1, and nn-train-mpi
#                      under -np 1 --threads 1, -np 1 --threads 2 and
#                      -np 2 --threads 1, each 1 and E epochs (samples/s of
#                      the median epoch after the first, from -v; the
#                      difference of the runs in the details); peak RSS of each
#                      rank; rank 0's exchange statistics (-v)
#   scaleout_rows      the table's rows
#   scaleout_details   the estimate of 8 and 64 ranks on 10 and 100 Gbit/s
#
# The estimate's model (nn-train-mpi(1), COST): a batch of B rows is S =
# min(16, B / 64) shards; with P ranks a rank computes own = ceil(S /
# min(P, S)) shards, receives its slice (1/P) of the other shards'
# gradients, (S - own) * 4W / P bytes for W parameters, the others'
# stepped slices, (P - 1) / P * 4W, and the rows of its shards held
# elsewhere, own * 64 * 4D * (P - 1) / P; a step costs compute + bytes /
# bandwidth (latency is small beside these messages).  Compute per shard
# comes from the measured one-rank, one-thread rate; W and D from the
# model (nn-model info).

scaleout_ok=0
so_epochs=4

# so_run GROUP NP THREADS EPOCHS MODEL: one nn-train-mpi W1 run; the peak
# RSS of each rank into $res/GROUP.rss.RANK
so_run() {
	local g=$1 np=$2 t=$3 e=$4 m=$5
	rm -f "$res/$g.rss."*
	timed "$g" /dev/null mpirun -q --oversubscribe --bind-to none -np "$np" \
	    sh -c '/usr/bin/time -f %M -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' "$res/$g.rss" \
	    bin/nn-train-mpi -v -l 256,128 -a relu --optimizer adam -r 0.001 -b 128 \
	    -e "$e" --scale minmax --threads "$t" -s 1 -o "$m" "$train"
}

scaleout_measure() {
	if [ ! -x bin/nn-train-mpi ] || ! command -v mpirun >/dev/null; then
		note "scale-out: no bin/nn-train-mpi or mpirun (make MPI=1, scripts/install-deps): rows skipped"
		return 0
	fi
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	local cfg e r g m
	for cfg in plain mpi1x1 mpi1x2 mpi2x1; do
		for e in 1 $so_epochs; do
			for ((r = 1; r <= reps; r++)); do
				note "scale-out W1: $cfg, $e epoch(s), run $r of $reps"
				g=so.run m=$out/models/so-$cfg-e$e.nn
				case $cfg in
				plain) timed $g /dev/null bin/nn-train -v -l 256,128 -a relu \
				    --optimizer adam -r 0.001 -b 128 -e "$e" --scale minmax \
				    --threads 1 -s 1 -o "$m" "$train" || return 0 ;;
				mpi1x1) so_run $g 1 1 "$e" "$m" || return 0 ;;
				mpi1x2) so_run $g 1 2 "$e" "$m" || return 0 ;;
				mpi2x1) so_run $g 2 1 "$e" "$m" || return 0 ;;
				esac
				# each epoch after the first (-v): the view a busy moment
				# or the start and the reading move least
				[ "$e" = 1 ] || R[so.$cfg.ep]+=" $(awk '/^epoch [0-9]+\// && $2 !~ /^1\// {
				    sub(/s$/, "", $NF); printf "%s ", $NF }' "$res/so.run.err")"
				if [ -z "${R[so.$cfg.e$e.wall_s]:-}" ] ||
				    awk "BEGIN { exit !(${R[so.run.wall_s]} < ${R[so.$cfg.e$e.wall_s]}) }"; then
					R[so.$cfg.e$e.wall_s]=${R[so.run.wall_s]}
					if [ "$cfg" = plain ]; then
						R[so.$cfg.e$e.rss0]=${R[so.run.rss_kb]}
					else
						R[so.$cfg.e$e.rss0]=$(cat "$res/so.run.rss.0" 2>/dev/null || echo '')
						R[so.$cfg.e$e.rss1]=$(cat "$res/so.run.rss.1" 2>/dev/null || echo '')
						# rank 0's exchanges: "N exchanges, X MB received (K KB each), S s in them"
						R[so.$cfg.e$e.xline]=$(grep ' exchanges,' "$res/so.run.err" | grep -v 'all-to-all' | tail -n 1 || true)
						# and the all-to-all's: "N all-to-all exchanges (gradient slices, rows), X MB received ..."
						R[so.$cfg.e$e.rline]=$(grep 'all-to-all exchanges' "$res/so.run.err" | tail -n 1 || true)
					fi
				fi
			done
		done
		R[so.$cfg.dsps]=$(calc "$ntrain * ($so_epochs - 1) / (${R[so.$cfg.e$so_epochs.wall_s]} - ${R[so.$cfg.e1.wall_s]})" %.0f)
		# the median epoch's samples/s
		R[so.$cfg.sps]=$(tr ' ' '\n' <<<"${R[so.$cfg.ep]:-}" | awk -v n="$ntrain" \
		    'NF && $1 > 0 { v[++k] = n / $1 } END { if (!k) exit
		    for (i = 2; i <= k; i++) for (j = i; j > 1 && v[j] < v[j - 1]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		    printf "%.0f", v[int((k + 1) / 2)] }')
	done
	# the same weights under every configuration
	# W and D of the model, for the estimate
	R[so.W]=$(bin/nn-model info "$out/models/so-plain-e$so_epochs.nn" | awk '$1 == "parameters" { print $2 }')
	R[so.D]=$(bin/nn-model info "$out/models/so-plain-e$so_epochs.nn" | awk '$1 == "architecture" { print $2 }')
	R[so.same]=identical
	for cfg in mpi1x1 mpi1x2 mpi2x1; do
		cmp -s <(bin/nn-model weights "$out/models/so-plain-e$so_epochs.nn") \
		    <(bin/nn-model weights "$out/models/so-$cfg-e$so_epochs.nn") || R[so.same]=differ
	done
	# per step of the 2-rank run: bytes received and seconds in exchanges
	local x=${R[so.mpi2x1.e$so_epochs.xline]:-}
	if [ -n "$x" ]; then
		R[so.xn]=$(sed -n 's/.*: \([0-9]*\) exchanges,.*/\1/p' <<<"$x")
		R[so.xmb]=$(sed -n 's/.*exchanges, \([0-9.]*\) MB.*/\1/p' <<<"$x")
		R[so.xs]=$(sed -n 's/.*, \([0-9.]*\) s in them.*/\1/p' <<<"$x")
	fi
	x=${R[so.mpi2x1.e$so_epochs.rline]:-}
	if [ -n "$x" ]; then
		R[so.rn]=$(sed -n 's/.*: \([0-9]*\) all-to-all exchanges.*/\1/p' <<<"$x")
		R[so.rmb]=$(sed -n 's/.*rows), \([0-9.]*\) MB.*/\1/p' <<<"$x")
		R[so.rs]=$(sed -n 's/.*, \([0-9.]*\) s in them.*/\1/p' <<<"$x")
	fi
	scaleout_ok=1
}

scaleout_rows() {
	[ "$scaleout_ok" = 1 ] || return 0
	local r
	r=$(ratio "${R[so.mpi1x1.sps]:-}" "${R[so.plain.sps]:-}")
	row "scale-out W1: -np 1 under mpirun, samples/s" "$(fmt "${R[so.mpi1x1.sps]:-}" %.0f)" \
	    "nn-train, 1 thread" "$(fmt "${R[so.plain.sps]:-}" %.0f)" "$(fmt "$r" %.3f)" \
	    ">= 0.95 (overhead <= 5%)" "$(judge "$r" '>=' 0.95)"
	r=$(ratio "${R[so.mpi2x1.sps]:-}" "${R[so.mpi1x2.sps]:-}")
	row "scale-out W1: -np 2 --threads 1, samples/s" "$(fmt "${R[so.mpi2x1.sps]:-}" %.0f)" \
	    "-np 1 --threads 2" "$(fmt "${R[so.mpi1x2.sps]:-}" %.0f)" "$(fmt "$r" %.3f)" "(measured)" "-"
	r=$(ratio "${R[so.mpi2x1.e$so_epochs.rss0]:-}" "${R[so.mpi1x2.e$so_epochs.rss0]:-}")
	row "scale-out W1: peak RSS per rank, -np 2 (rank 0 / rank 1), MB" \
	    "$(mb "${R[so.mpi2x1.e$so_epochs.rss0]:-}") / $(mb "${R[so.mpi2x1.e$so_epochs.rss1]:-}")" \
	    "-np 1 --threads 2" "$(mb "${R[so.mpi1x2.e$so_epochs.rss0]:-}")" "$(fmt "$r" %.3f)" "(measured)" "-"
	row "scale-out W1: weights of -np 1, 2 x threads 1, 2 vs nn-train" "${R[so.same]:-n/a}" \
	    "" "" "" "identical" "$([ "${R[so.same]:-}" = identical ] && echo PASS || echo MISS)"
}

# The estimate, from the measured compute rate and exchange bytes.
scaleout_details() {
	[ "$scaleout_ok" = 1 ] || return 0
	local sps1=${R[so.mpi1x1.sps]:-} n=${R[so.xn]:-} mbytes=${R[so.xmb]:-} xs=${R[so.xs]:-}
	[ -n "$sps1" ] && [ -n "$n" ] && [ "$n" -gt 0 ] || return 0
	printf '\nScale-out (nn-train-mpi, W1)\n'
	local c
	for c in plain mpi1x1 mpi1x2 mpi2x1; do
		printf -- '- %s: median epoch %s samples/s (epochs 2-%s of %s runs); from the difference of the 1- and %s-epoch runs' \
		    "$c" "${R[so.$c.sps]:-n/a}" "$so_epochs" "$reps" "$so_epochs"
		printf ' %s samples/s\n' "${R[so.$c.dsps]:-n/a}"
	done
	printf -- '- -np 2, rank 0: %s broadcast exchanges (block checks, stepped slices), %s MB received (%s KB each), %s s in them (%s ms each, shared memory: %s GB/s)\n' \
	    "$n" "$mbytes" "$(calc "$mbytes * 1000 / $n" %.0f)" "$xs" "$(calc "$xs * 1000 / $n" %.3f)" \
	    "$(calc "$mbytes / 1000 / ($xs > 0 ? $xs : 1)" %.2f)"
	if [ -n "${R[so.rn]:-}" ] && [ "${R[so.rn]}" -gt 0 ]; then
		printf -- '- -np 2, rank 0: %s all-to-all exchanges (gradient slices, rows), %s MB received (%s KB each), %s s in them (%s ms each)\n' \
		    "${R[so.rn]}" "${R[so.rmb]}" "$(calc "${R[so.rmb]} * 1000 / ${R[so.rn]}" %.0f)" "${R[so.rs]}" \
		    "$(calc "${R[so.rs]} * 1000 / ${R[so.rn]}" %.3f)"
	fi
	local W=${R[so.W]:-} D=${R[so.D]:-}
	[ -n "$W" ] && [ -n "$D" ] || return 0
	printf -- '- compute: %s samples/s on one core -> %s ms a 64-row shard; W = %s parameters (%s KB), D = %s features (a shard'"'"'s rows %s KB)\n' \
	    "$sps1" "$(calc "64 * 1000 / $sps1" %.3f)" "$W" "$(calc "4 * $W / 1000" %.0f)" "$D" "$(calc "64 * 4 * $D / 1000" %.0f)"
	printf -- '- estimated efficiency (speed-up / ranks) of P ranks of one core, a step = compute of ceil(S/min(P,S)) shards + its slice of the other shards'"'"' gradients + the others'"'"' stepped slices + its shards'"'"' rows held elsewhere, over the network:\n'
	local B P
	printf '  | batch | shards S | ranks | 10 Gbit/s | 100 Gbit/s |\n  | ---: | ---: | ---: | ---: | ---: |\n'
	for B in 128 1024; do
		for P in 8 64; do
			printf '  | %s |' "$B"
			awk -v B=$B -v P=$P -v sps=$sps1 -v W="$W" -v D="$D" 'BEGIN {
				S = int(B / 64); if (S < 1) S = 1; if (S > 16) S = 16
				Pe = P < S ? P : S
				ts = 64 / sps                       # s per shard
				t1 = S * ts                         # one rank
				own = S / Pe; if (own != int(own)) own = int(own) + 1
				bytes = (S - own) * 4 * W / P + (P - 1) / P * 4 * W + own * 64 * 4 * D * (P - 1) / P
				printf " %d | %d |", S, P
				for (i = 0; i < 2; i++) {
					bw = (i == 0 ? 10 : 100) * 1e9 / 8
					step = own * ts + bytes / bw
					printf " %.0f%% |", 100 * t1 / step / P
				}
				printf "\n"
			}'
		done
	done
	printf '  (ranks beyond S have nothing to compute but still sum and step their slices)\n'
}
