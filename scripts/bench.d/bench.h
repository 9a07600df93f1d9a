/*
 * bench.h - what scripts/bench's C programs share (gemm_ceiling.c,
 * dnnl_gemm.c): a clock, and operands filled with plain values.
 */
#ifndef NN_BENCH_H
#define NN_BENCH_H

#include <stdint.h>
#include <time.h>

#include "nn_base.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* n floats uniform in [lo, hi): values that are never subnormal, so that
 * the products run at full speed as nn-train's do on scaled inputs. */
static float *
filled(size_t n, float lo, float hi, uint64_t *st)
{
	float *v = nn_xmalloc(n * sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
		v[i] = lo + (hi - lo) * (float)(*st >> 40) / (float)(1 << 24);
	}
	return v;
}

#endif
