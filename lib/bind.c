/*
 * bind.c - matching a file's columns and labels to what a model, or a
 * training set, has learned.
 *
 * Three programs apply learned names to a new file: nn-predict and nn-plot
 * (a model to a CSV) and nn-train (a validation file to its training
 * data).  Each used to carry its own copy of the rules; this is the one:
 *
 *  - Features are found by name, in any order; other columns are ignored,
 *    so a test file may keep an id column or reorder its columns.
 *  - A model trained without a header names its features by position
 *    ("1", "2", ... skipping the target), and a file read without one has
 *    no names: both are matched by position, as the training layout
 *    (target included) or as the features alone.
 *  - Every missing column is reported in one message: a user with a file
 *    that lacks five columns fixes it once, not five times.
 *  - Labels are matched by string, never by their position in a sorted
 *    list: the reference order may be numeric ("2" < "10") while the file's
 *    is by strcmp.
 *
 * Lookups go through a sorted index (nn_bind_index): a file may have
 * thousands of columns, and scanning the list once per wanted name would
 * be quadratic.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nn_bind.h"

/* Longest name quoted in a message, in bytes; and the length of the list
 * after which the rest of the names are only counted ("and 7 more"), so
 * that the message keeps its tail within an nn_err. */
#define SHOW_MAX 40
#define LIST_MAX 300

/* ====================================================================== */
/* The index                                                              */
/* ====================================================================== */

typedef struct ix_ent {
	const char *s;
	size_t k;                /* position in the caller's list */
} ix_ent;

/* One allocation: the entries follow the header. */
struct nn_bind_index {
	size_t n;
	ix_ent ent[];            /* (n) by strcmp, equal names by position */
};

static int
cmp_ent(const void *a, const void *b)
{
	const ix_ent *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c != 0)
		return c;
	return (x->k > y->k) - (x->k < y->k);
}

nn_bind_index *
nn_bind_index_new(const char *const *names, size_t n)
{
	/* n pointers already exist in memory, so n entries cannot overflow */
	nn_bind_index *ix = nn_xmalloc(sizeof(*ix) + n * sizeof(ix->ent[0]));

	ix->n = n;
	for (size_t k = 0; k < n; k++)
		ix->ent[k] = (ix_ent){ names[k], k };
	if (n > 1)
		qsort(ix->ent, n, sizeof(ix->ent[0]), cmp_ent);
	return ix;
}

long
nn_bind_index_find(const nn_bind_index *ix, const char *s)
{
	size_t lo = 0, hi = ix->n;

	/* the first entry >= s: of equal names, the one given first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->ent[mid].s, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->n && strcmp(ix->ent[lo].s, s) == 0)
		return (long)ix->ent[lo].k;
	return -1;
}

void
nn_bind_index_free(nn_bind_index *ix)
{
	free(ix);
}

/* A name given twice (its second position), or -1. */
static long
index_dup(const nn_bind_index *ix)
{
	for (size_t i = 1; i < ix->n; i++)
		if (strcmp(ix->ent[i - 1].s, ix->ent[i].s) == 0)
			return (long)ix->ent[i].k;
	return -1;
}

/* ====================================================================== */
/* Messages                                                               */
/* ====================================================================== */

/* A message being built; a part that does not fit is cut, as nn_errf
 * would cut it. */
typedef struct msg {
	char s[sizeof(((nn_err *)0)->msg)];
	size_t n;
} msg;

static void __attribute__((format(printf, 2, 3)))
mput(msg *m, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (m->n + 1 >= sizeof(m->s))
		return;
	va_start(ap, fmt);
	k = vsnprintf(m->s + m->n, sizeof(m->s) - m->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		m->n += (size_t)k;
	if (m->n >= sizeof(m->s))
		m->n = sizeof(m->s) - 1;
}

/* s in quotes, at most SHOW_MAX bytes of it, with its control bytes
 * escaped so that the message stays on one line. */
static void
mshow(msg *m, const char *s)
{
	size_t n = strlen(s);

	mput(m, "\"");
	for (size_t i = 0; i < n && i < SHOW_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n')
			mput(m, "\\n");
		else if (ch == '\r')
			mput(m, "\\r");
		else if (ch == '\t')
			mput(m, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			mput(m, "\\x%02x", ch);
		else
			mput(m, "%c", ch);
	}
	mput(m, "%s\"", n > SHOW_MAX ? "..." : "");
}

/* "FILE: HEAD "a", "b" and 3 more TAIL" over names[idx[0..n)]; at least
 * one name however long the file's. */
static int
list_err(nn_err *e, const char *file, const char *head,
    const char *const *names, const size_t *idx, size_t n, const char *tail)
{
	msg m = { .n = 0 };
	size_t i;

	mput(&m, "%s: %s ", file, head);
	for (i = 0; i < n && (i == 0 || m.n < LIST_MAX); i++) {
		if (i > 0)
			mput(&m, ", ");
		mshow(&m, names[idx[i]]);
	}
	if (i < n)
		mput(&m, " and %zu more", n - i);
	mput(&m, "%s", tail);
	return nn_errf(e, "%s", m.s);
}

/* ====================================================================== */
/* Columns                                                                */
/* ====================================================================== */

int
nn_bind_columns(const char *const *have, size_t nhave,
    const char *const *want, size_t nwant, const char *file,
    const char *what, size_t *col, nn_err *e)
{
	nn_bind_index *hx = nn_bind_index_new(have, nhave);
	nn_bind_index *wx = nn_bind_index_new(want, nwant);
	size_t *miss = nn_xmalloc(nwant * sizeof(*miss)), nmiss = 0;
	char tail[256];
	msg m = { .n = 0 };
	long k;
	int rc = -1;

	if ((k = index_dup(hx)) >= 0) {
		mput(&m, "%s: duplicate column name ", file);
		mshow(&m, have[k]);
		nn_errf(e, "%s", m.s);
		goto out;
	}
	if ((k = index_dup(wx)) >= 0) {
		mput(&m, "%s names feature ", what);
		mshow(&m, want[k]);
		nn_errf(e, "%s twice", m.s);
		goto out;
	}
	for (size_t j = 0; j < nwant; j++) {
		if ((k = nn_bind_index_find(hx, want[j])) < 0)
			miss[nmiss++] = j;
		else
			col[j] = (size_t)k;
	}
	if (nmiss > 0) {
		snprintf(tail, sizeof(tail), nmiss == 1 ? " (a feature of %s)" :
		    " (features of %s)", what);
		list_err(e, file, nmiss == 1 ? "no column" : "no columns", want,
		    miss, nmiss, tail);
		goto out;
	}
	rc = 0;
out:
	free(miss);
	nn_bind_index_free(wx);
	nn_bind_index_free(hx);
	return rc;
}

/* Were the model's features named by nn-train --no-header: each its
 * 1-based column number in the training file, the target's skipped? */
static int
positional_names(const nn_model *m)
{
	char buf[32];

	for (size_t j = 0; j < m->nin; j++) {
		snprintf(buf, sizeof(buf), "%zu", j + 1 + (j >= m->target_col));
		if (strcmp(m->feat_names[j], buf) != 0)
			return 0;
	}
	return 1;
}

/* By name: every feature, and the target when the file has it. */
static int
by_name(const nn_model *m, const nn_csv *c, const char *file, int *roles,
    nn_err *e)
{
	size_t nc = nn_csv_ncols(c);
	const char **names = nn_xmalloc(nc * sizeof(*names));
	size_t *col = nn_xmalloc(m->nin * sizeof(*col));
	long t;
	int rc;

	for (size_t j = 0; j < nc; j++)
		names[j] = nn_csv_colname(c, j);
	rc = nn_bind_columns(names, nc, (const char *const *)m->feat_names,
	    m->nin, file, "the model", col, e);
	for (size_t j = 0; rc == 0 && j < m->nin; j++)
		roles[col[j]] = (int)j;
	free(col);
	free(names);
	if (rc < 0)
		return -1;
	/* a target that is also a feature stays a feature */
	t = m->target_name ? nn_csv_find(c, m->target_name) : -1;
	if (t < 0 || roles[t] != NN_COL_SKIP)
		return 0;
	roles[t] = NN_COL_TEXT(0);
	return 1;
}

int
nn_bind_model(const nn_model *m, const nn_csv *c, const char *file,
    int header, int *roles, nn_err *e)
{
	size_t nc = nn_csv_ncols(c);

	for (size_t j = 0; j < nc; j++)
		roles[j] = NN_COL_SKIP;
	if (header && !positional_names(m))
		return by_name(m, c, file, roles, e);
	if (nc == m->ncols && m->target_col < nc) {
		for (size_t j = 0, f = 0; j < nc; j++)
			roles[j] = j == m->target_col ? NN_COL_TEXT(0) : (int)f++;
		return 1;
	}
	if (nc == m->nin) {
		for (size_t j = 0; j < nc; j++)
			roles[j] = (int)j;
		return 0;
	}
	return nn_errf(e, "%s: %zu column%s, but the model takes %zu features "
	    "(%lu columns with the target)", file, nc, nc == 1 ? "" : "s",
	    m->nin, (unsigned long)m->ncols);
}

/* ====================================================================== */
/* Labels                                                                 */
/* ====================================================================== */

int
nn_bind_labels(const char *const *have, size_t nhave,
    const char *const *ref, size_t nref, const char *file,
    const char *what, uint32_t *map, nn_err *e)
{
	nn_bind_index *rx = nn_bind_index_new(ref, nref);
	size_t *miss = nn_xmalloc(nhave * sizeof(*miss)), nmiss = 0;
	char tail[256];

	for (size_t k = 0; k < nhave; k++) {
		long r = nn_bind_index_find(rx, have[k]);
		if (r < 0)
			miss[nmiss++] = k;
		else
			map[k] = (uint32_t)r;
	}
	nn_bind_index_free(rx);
	if (nmiss > 0) {
		snprintf(tail, sizeof(tail), nmiss == 1 ? " does not occur in %s" :
		    " do not occur in %s", what);
		list_err(e, file, nmiss == 1 ? "class" : "classes", have, miss,
		    nmiss, tail);
	}
	free(miss);
	return nmiss > 0 ? -1 : 0;
}
