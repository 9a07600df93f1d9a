/*
 * dist_threads.h - ranks in one process for the unit tests: an nn_dist
 * whose ranks are threads.  share() copies from the root's buffer, max()
 * takes the largest value, swap() copies each rank's items for this one; a
 * barrier around each, as a transport would block.
 *
 *   dt_board b;  dt_init(&b, P);
 *   for each rank k: dt_rank(&b, k) is its nn_dist (pass to a thread)
 *   dt_free(&b);
 */
#ifndef DIST_THREADS_H
#define DIST_THREADS_H

#include <pthread.h>
#include <string.h>

#include "nn_base.h"

enum { DT_MAXR = 8 };

typedef struct dt_board dt_board;
typedef struct dt_rank_ctx {
	dt_board *b;
	int rank;
} dt_rank_ctx;
struct dt_board {
	int size;
	pthread_barrier_t bar;
	void *const *buf[DT_MAXR];
	int v[DT_MAXR];
	const unsigned char *send[DT_MAXR];
	const size_t *scount[DT_MAXR];
	dt_rank_ctx ctx[DT_MAXR];
	nn_dist d[DT_MAXR];
};

static int
dt_share(void *ctx, void *const *buf, const size_t *len, const int *root,
    size_t k, nn_err *e)
{
	dt_rank_ctx *c = ctx;

	(void)e;
	c->b->buf[c->rank] = buf;
	pthread_barrier_wait(&c->b->bar);
	for (size_t i = 0; i < k; i++)
		if (root[i] != c->rank && len[i])
			memcpy(buf[i], c->b->buf[root[i]][i], len[i]);
	pthread_barrier_wait(&c->b->bar);
	return 0;
}

static int
dt_max(void *ctx, int *v, nn_err *e)
{
	dt_rank_ctx *c = ctx;
	int m = *v;

	(void)e;
	c->b->v[c->rank] = *v;
	pthread_barrier_wait(&c->b->bar);
	for (int r = 0; r < c->b->size; r++)
		if (c->b->v[r] > m)
			m = c->b->v[r];
	pthread_barrier_wait(&c->b->bar);
	*v = m;
	return 0;
}

static int
dt_swap(void *ctx, const void *send, const size_t *scount, void *recv,
    const size_t *rcount, size_t item, nn_err *e)
{
	dt_rank_ctx *c = ctx;
	dt_board *b = c->b;
	unsigned char *out = recv;
	int rc = 0;

	b->send[c->rank] = send;
	b->scount[c->rank] = scount;
	pthread_barrier_wait(&b->bar);
	for (int q = 0; q < b->size; q++) {
		/* rank q's items for this rank follow its items for ranks
		 * below this one */
		size_t off = 0;
		for (int r = 0; r < c->rank; r++)
			off += b->scount[q][r];
		if (b->scount[q][c->rank] != rcount[q]) {
			rc = nn_errf(e, "dt_swap: rank %d expects %zu items from "
			    "rank %d, which sends %zu", c->rank, rcount[q], q,
			    b->scount[q][c->rank]);
			break;
		}
		if (rcount[q])
			memcpy(out, b->send[q] + off * item, rcount[q] * item);
		out += rcount[q] * item;
	}
	pthread_barrier_wait(&b->bar);
	return rc;
}

static void
dt_init(dt_board *b, int size)
{
	memset(b, 0, sizeof(*b));
	b->size = size;
	pthread_barrier_init(&b->bar, NULL, (unsigned)size);
	for (int r = 0; r < size; r++) {
		b->ctx[r] = (dt_rank_ctx){ b, r };
		b->d[r] = (nn_dist){ .rank = r, .size = size, .share = dt_share,
		    .max = dt_max, .swap = dt_swap, .ctx = &b->ctx[r] };
	}
}

static nn_dist *
dt_rank(dt_board *b, int r)
{
	return &b->d[r];
}

static void
dt_free(dt_board *b)
{
	pthread_barrier_destroy(&b->bar);
}

#endif
