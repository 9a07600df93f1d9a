/*
 * dist.c - collective steps over the ranks of an nn_dist, built on its
 * share() alone, so a transport supplies three primitives and the library
 * gets the rest.
 *
 * Nothing here adds floating-point numbers from different ranks in an order
 * the transport chooses: a sum whose bytes matter runs as a chain in rank
 * order (nn_dist_chain), exactly as one process would run it over the rows
 * in file order.
 */
#include <stdlib.h>
#include <string.h>

#include "nn_base.h"

int
nn_dist_on(const nn_dist *d)
{
	return d != NULL && d->size > 1;
}

int
nn_dist_gather(const nn_dist *d, const void *mine, size_t len, void **all,
    size_t *lens, nn_err *e)
{
	const int N = d->size;
	uint64_t *len64 = nn_xmalloc((size_t)N * sizeof(*len64));
	void **buf = nn_xmalloc((size_t)N * sizeof(*buf));
	size_t *bl = nn_xmalloc((size_t)N * sizeof(*bl));
	int *root = nn_xmalloc((size_t)N * sizeof(*root));
	size_t total = 0;
	unsigned char *out = NULL;
	int rc = -1;

	*all = NULL;
	for (int r = 0; r < N; r++) {
		len64[r] = r == d->rank ? (uint64_t)len : 0;
		buf[r] = &len64[r];
		bl[r] = sizeof(uint64_t);
		root[r] = r;
	}
	if (d->share(d->ctx, buf, bl, root, (size_t)N, e) < 0)
		goto out;
	for (int r = 0; r < N; r++) {
		if (len64[r] > SIZE_MAX - total) {
			nn_errf(e, "ranks: %s", "more data than memory can hold");
			goto out;
		}
		lens[r] = (size_t)len64[r];
		total += lens[r];
	}
	out = nn_xmalloc(total ? total : 1);
	total = 0;
	for (int r = 0; r < N; r++) {
		buf[r] = out + total;
		bl[r] = lens[r];
		if (r == d->rank && len)
			memcpy(out + total, mine, len);
		total += lens[r];
	}
	if (d->share(d->ctx, buf, bl, root, (size_t)N, e) < 0)
		goto out;
	*all = out;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(len64);
	free(buf);
	free(bl);
	free(root);
	return rc;
}

int
nn_dist_chain(const nn_dist *d, void *acc, size_t len,
    void (*step)(void *ctx, void *acc), void *ctx, nn_err *e)
{
	if (!nn_dist_on(d)) {
		step(ctx, acc);
		return 0;
	}
	for (int r = 0; r < d->size; r++) {
		void *const buf[1] = { acc };
		const size_t bl[1] = { len };
		const int root[1] = { r };
		if (r == d->rank)
			step(ctx, acc);
		if (d->share(d->ctx, buf, bl, root, 1, e) < 0)
			return -1;
	}
	return 0;
}

int
nn_dist_sum(const nn_dist *d, uint64_t *v, size_t n, nn_err *e)
{
	void *all;
	size_t *lens;

	if (!nn_dist_on(d))
		return 0;
	lens = nn_xmalloc((size_t)d->size * sizeof(*lens));
	if (nn_dist_gather(d, v, n * sizeof(*v), &all, lens, e) < 0) {
		free(lens);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t s = 0, x;
		for (int r = 0; r < d->size; r++) {
			memcpy(&x, (unsigned char *)all + ((size_t)r * n + i) *
			    sizeof(x), sizeof(x));
			s += x;
		}
		v[i] = s;
	}
	free(all);
	free(lens);
	return 0;
}

int
nn_dist_scan(const nn_dist *d, uint64_t v, uint64_t *before, uint64_t *total,
    nn_err *e)
{
	void *all;
	size_t *lens;
	uint64_t x;

	*before = 0;
	*total = v;
	if (!nn_dist_on(d))
		return 0;
	lens = nn_xmalloc((size_t)d->size * sizeof(*lens));
	if (nn_dist_gather(d, &v, sizeof(v), &all, lens, e) < 0) {
		free(lens);
		return -1;
	}
	*total = 0;
	for (int r = 0; r < d->size; r++) {
		memcpy(&x, (unsigned char *)all + (size_t)r * sizeof(x), sizeof(x));
		if (r < d->rank)
			*before += x;
		*total += x;
	}
	free(all);
	free(lens);
	return 0;
}
