/*
 * data.c - a user's CSV as a training set: column roles, feature types,
 * missing values, categorical encoding.
 *
 * Two roads.  An all-numeric file on disk takes the numeric reader of
 * csv.c (parallel parts, no copy of any text): its speed is the speed of
 * training on the data sets nnkit is benchmarked on.  Anything else -- a
 * string column, a --categorical one, a pipe or a compressed input where
 * the numeric reader cannot start over -- takes the general reader below,
 * which keeps every needed field as text until it has seen the whole
 * column, and only then decides what the column is: a column whose
 * non-missing values are all numbers is numeric; one that is mostly
 * strings is categorical; one that is mostly numbers with a few strings is
 * a typo, reported with its line and column name rather than silently
 * turned into categories.  When the numeric road fails it is left for the
 * general one, which reads the file again and either succeeds or gives the
 * precise error.
 *
 * With ranks (nn_data_opts.dist), both roads are sharded: each rank
 * parses only its own byte range of the file (cut at row starts, quotes
 * or not: nn_shard), and the ranks then fit together what one process
 * fits on all the rows -- labels interned in row order, column sums as a
 * chain in rank order (the same additions in the same order, so the same
 * bytes), medians over every rank's values, categories as the sorted
 * union of every rank's, the CRC joined -- so a rank holds its rows of x
 * and every row's y and t.  The ranks take the road one process would:
 * the numeric one first, the general one where one process falls back to
 * it.  When any rank meets an error (or cannot read its part), every
 * rank reads the whole file as one process would (nn_data.whole says
 * why): one result, and one message with its line.
 *
 * nn_data_read_with (a fitted encoder: nothing to decide) reads its
 * rank's byte range the general reader's way, and joins the same way.
 *
 * Whatever the road, what was decided ends up in an nn_enc (nn_enc.h) that
 * the model keeps, so prediction encodes exactly as training did.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn_csv.h"

const char *const nn_na_default[] = {
	"", "NA", "N/A", "NaN", "nan", "?", "null", "NULL", "None",
};
const size_t nn_na_default_n = sizeof(nn_na_default) / sizeof(nn_na_default[0]);

/* Rows read per batch by the general reader. */
#define BATCH 4096
/* A name or value quoted in a message: at most this many bytes. */
#define QUOTE 40

enum { R_FEATURE, R_TARGET, R_SKIP, R_ID };

/* ====================================================================== */
/* Column lists and roles                                                 */
/* ====================================================================== */

static long
find_name(const char *const *names, size_t n, const char *s, size_t len)
{
	for (size_t j = 0; j < n; j++)
		if (strlen(names[j]) == len && memcmp(names[j], s, len) == 0)
			return (long)j;
	return -1;
}

/* A 1-based column number in s[0, len), or 0. */
static size_t
col_number(const char *s, size_t len, size_t n)
{
	size_t v = 0;

	if (len == 0 || len > 9)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	return v >= 1 && v <= n ? v : 0;
}

int
nn_cols_select(const char *list, const char *const *names, size_t n,
    const char *file, const char *opt, unsigned char *mark, nn_err *e)
{
	const char *p = list;

	if (*list == '\0')
		return nn_errf(e, "%s: expected a list of columns, got \"\"", opt);
	for (;;) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		long j = find_name(names, n, p, len);
		const char *dash = memchr(p, '-', len);
		size_t a, b;

		if (j >= 0) {
			mark[j] = 1;
		} else if ((a = col_number(p, len, n)) > 0) {
			mark[a - 1] = 1;
		} else if (dash != NULL && dash > p &&
		    (a = col_number(p, (size_t)(dash - p), n)) > 0 &&
		    (b = col_number(dash + 1, len - (size_t)(dash - p) - 1, n)) > 0 &&
		    a <= b) {
			for (size_t k = a; k <= b; k++)
				mark[k - 1] = 1;
		} else if (len == 0) {
			return nn_errf(e, "%s: an empty item in \"%.*s\"", opt,
			    QUOTE, list);
		} else {
			return nn_errf(e, "%s: %s: no column \"%.*s\" (%zu columns%s)",
			    file, opt, (int)(len < QUOTE ? len : QUOTE), p, n,
			    n > 0 ? ", by name or number" : "");
		}
		if (q == NULL)
			break;
		p = q + 1;
	}
	return 0;
}

/* Each column's role from the options; *tc the target column or -1. */
static int
resolve_roles(const nn_data_opts *o, const char *const *names, size_t n,
    const char *file, int *role, long *tc, unsigned char *cat, nn_err *e)
{
	unsigned char *m = nn_xcalloc(n ? n : 1, 1);
	int rc = -1;

	*tc = -1;
	if (o->target == NULL) {
		*tc = (long)n - 1;
	} else if (*o->target != '\0') {
		memset(m, 0, n);
		if (nn_cols_select(o->target, names, n, file, "--target", m, e) < 0)
			goto out;
		for (size_t j = 0; j < n; j++)
			if (m[j]) {
				if (*tc >= 0) {
					nn_errf(e, "--target: one column, got \"%.*s\"",
					    QUOTE, o->target);
					goto out;
				}
				*tc = (long)j;
			}
	}
	for (size_t j = 0; j < n; j++)
		role[j] = (long)j == *tc ? R_TARGET : R_FEATURE;
	if (o->features != NULL) {
		memset(m, 0, n);
		if (nn_cols_select(o->features, names, n, file, "--features", m, e) < 0)
			goto out;
		for (size_t j = 0; j < n; j++) {
			if (m[j] && (long)j == *tc) {
				nn_errf(e, "--features: \"%.*s\" is the target", QUOTE,
				    names[j]);
				goto out;
			}
			if (!m[j] && role[j] == R_FEATURE)
				role[j] = R_SKIP;
		}
	}
	static const struct { int r; const char *opt; } lists[] = {
		{ R_SKIP, "--ignore" }, { R_ID, "--id" },
	};
	for (size_t l = 0; l < 2; l++) {
		const char *spec = l == 0 ? o->ignore : o->id;
		if (spec == NULL)
			continue;
		memset(m, 0, n);
		if (nn_cols_select(spec, names, n, file, lists[l].opt, m, e) < 0)
			goto out;
		for (size_t j = 0; j < n; j++) {
			if (!m[j])
				continue;
			if ((long)j == *tc) {
				nn_errf(e, "%s: \"%.*s\" is the target%s", lists[l].opt,
				    QUOTE, names[j], o->target == NULL ? " (the last "
				    "column, without --target)" : "");
				goto out;
			}
			if (o->features != NULL && role[j] == R_FEATURE) {
				nn_errf(e, "%s: \"%.*s\" is also in --features",
				    lists[l].opt, QUOTE, names[j]);
				goto out;
			}
			role[j] = lists[l].r;
		}
	}
	memset(cat, 0, n);
	if (o->categorical != NULL) {
		if (nn_cols_select(o->categorical, names, n, file, "--categorical",
		    cat, e) < 0)
			goto out;
		for (size_t j = 0; j < n; j++)
			if (cat[j] && role[j] != R_FEATURE) {
				nn_errf(e, "--categorical: \"%.*s\" is not a feature",
				    QUOTE, names[j]);
				goto out;
			}
	}
	rc = 0;
out:
	free(m);
	return rc;
}

/* ====================================================================== */
/* The general reader: every needed column as text                        */
/* ====================================================================== */

/* One column's fields, as read. */
typedef struct tcol {
	char *a;                /* the fields, NUL-terminated, one after another */
	size_t alen, acap;
	size_t *off;            /* (n) where row i's field starts in a */
} tcol;

typedef struct table {
	const char *name;
	nn_csv *c;
	size_t ncols, n, cap;
	int *role;              /* (ncols) */
	unsigned char *cat;     /* (ncols) --categorical */
	long tc;
	long *slot;             /* (ncols) text slot of a column read, or -1 */
	tcol *col;              /* (nslot) */
	size_t nslot;
	unsigned long *line;    /* (n) */
	const char *const *na;
	size_t nna;
} table;

static const char *
field(const table *t, size_t j, size_t i)
{
	const tcol *c = &t->col[t->slot[j]];

	return c->a + c->off[i];
}

static int
na(const table *t, const char *s)
{
	for (size_t k = 0; k < t->nna; k++)
		if (strcmp(t->na[k], s) == 0)
			return 1;
	return 0;
}

static void
table_free(table *t)
{
	for (size_t k = 0; k < t->nslot; k++) {
		free(t->col[k].a);
		free(t->col[k].off);
	}
	free(t->col);
	free(t->slot);
	free(t->role);
	free(t->cat);
	free(t->line);
	nn_csv_free(t->c);
	memset(t, 0, sizeof(*t));
}

/* From the reader c (taken: freed with t), resolve the roles (or take
 * want's names: every one must be a column), read every needed column to
 * the end. */
static int
table_load(table *t, nn_csv *c, const char *name, const nn_data_opts *o,
    const nn_enc *want, nn_err *e)
{
	int *roles = NULL;
	size_t nslot = 0;
	long k;

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->na = o->na;
	t->nna = o->nna;
	t->c = c;
	nn_csv_set_progress(t->c, o->progress, o->progress_arg);
	t->ncols = nn_csv_ncols(t->c);
	const char **names = nn_xmalloc(t->ncols * sizeof(*names));
	for (size_t j = 0; j < t->ncols; j++)
		names[j] = nn_csv_colname(t->c, j);
	t->role = nn_xmalloc(t->ncols * sizeof(*t->role));
	t->cat = nn_xcalloc(t->ncols, 1);
	if (want == NULL) {
		if (resolve_roles(o, names, t->ncols, name, t->role, &t->tc,
		    t->cat, e) < 0)
			goto bad;
	} else {
		/* the model's columns by name, all at once in the message */
		char miss[400];
		size_t nmiss = 0, len = 0;
		for (size_t j = 0; j < t->ncols; j++)
			t->role[j] = R_SKIP;
		t->tc = -1;
		if (o->target != NULL && *o->target != '\0') {
			if ((k = find_name(names, t->ncols, o->target,
			    strlen(o->target))) < 0) {
				nn_errf(e, "%s: no target column \"%.*s\"", name,
				    QUOTE, o->target);
				goto bad;
			}
			t->role[k] = R_TARGET;
			t->tc = k;
		}
		miss[0] = '\0';
		for (size_t m = 0; m < want->ncols; m++) {
			const char *cn = want->cols[m].name;
			if ((k = find_name(names, t->ncols, cn, strlen(cn))) >= 0 &&
			    t->role[k] == R_SKIP) {
				t->role[k] = R_FEATURE;
				continue;
			}
			if (nmiss++ < 8 && len < sizeof(miss) - 60)
				len += (size_t)snprintf(miss + len, sizeof(miss) - len,
				    "%s\"%.*s\"", nmiss > 1 ? ", " : "", QUOTE, cn);
		}
		if (nmiss > 0) {
			nn_errf(e, "%s: no column%s %s%s (the model's)", name,
			    nmiss > 1 ? "s" : "", miss, nmiss > 8 ? ", ..." : "");
			goto bad;
		}
	}
	/* every column but the skipped ones is read as text */
	roles = nn_xmalloc(t->ncols * sizeof(*roles));
	t->slot = nn_xmalloc(t->ncols * sizeof(*t->slot));
	for (size_t j = 0; j < t->ncols; j++) {
		t->slot[j] = t->role[j] == R_SKIP ? -1 : (long)nslot;
		roles[j] = t->role[j] == R_SKIP ? NN_COL_SKIP :
		    NN_COL_TEXT((int)nslot);
		nslot += t->role[j] != R_SKIP;
	}
	t->nslot = nslot;
	t->col = nn_xcalloc(nslot ? nslot : 1, sizeof(*t->col));
	if (nn_csv_set_roles(t->c, roles, 0, nslot, 0, e) < 0)
		goto bad;
	for (;;) {
		long got = nn_csv_read(t->c, NULL, BATCH, e);
		if (got < 0)
			goto bad;
		if (got == 0)
			break;
		if (t->n + (size_t)got > t->cap) {
			t->cap = t->cap ? 2 * t->cap : BATCH;
			while (t->cap < t->n + (size_t)got)
				t->cap *= 2;
			t->line = nn_xrealloc(t->line, t->cap * sizeof(*t->line));
			for (size_t s = 0; s < nslot; s++)
				t->col[s].off = nn_xrealloc(t->col[s].off,
				    t->cap * sizeof(size_t));
		}
		for (size_t i = 0; i < (size_t)got; i++) {
			t->line[t->n + i] = nn_csv_line(t->c, i);
			for (size_t s = 0; s < nslot; s++) {
				tcol *c = &t->col[s];
				const char *v = nn_csv_text(t->c, i, s);
				size_t len = strlen(v) + 1;
				if (c->alen + len > c->acap) {
					c->acap = c->acap ? 2 * c->acap : 4096;
					while (c->alen + len > c->acap)
						c->acap *= 2;
					c->a = nn_xrealloc(c->a, c->acap);
				}
				memcpy(c->a + c->alen, v, len);
				c->off[t->n + i] = c->alen;
				c->alen += len;
			}
		}
		t->n += (size_t)got;
	}
	free(roles);
	free(names);
	return 0;
bad:
	free(roles);
	free(names);
	table_free(t);
	return -1;
}

/* table_load from the start of fp. */
static int
table_read(table *t, FILE *fp, const char *name, const nn_data_opts *o,
    const nn_enc *want, nn_err *e)
{
	nn_csv *c = nn_csv_open_d(fp, name, o->header, o->delim, e);

	memset(t, 0, sizeof(*t));
	return c == NULL ? -1 : table_load(t, c, name, o, want, e);
}

/* ====================================================================== */
/* Deciding and fitting                                                   */
/* ====================================================================== */

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The fill of a numeric column from its n values (NaN = missing, skipped):
 * mean, median or the most frequent value (ties: the smallest).  -1 if
 * every value is missing. */
static int
numeric_fill(const float *v, size_t n, const unsigned char *keep,
    nn_missing how, float *fill)
{
	float *s = NULL;
	size_t m = 0;
	double sum = 0.0;

	for (size_t i = 0; i < n; i++)
		if ((keep == NULL || keep[i]) && !isnan(v[i])) {
			sum += v[i];
			m++;
		}
	if (m == 0)
		return -1;
	if (how != NN_MISSING_MEDIAN && how != NN_MISSING_MODE) {
		*fill = (float)(sum / (double)m);
		return 0;
	}
	s = nn_xmalloc(m * sizeof(*s));
	m = 0;
	for (size_t i = 0; i < n; i++)
		if ((keep == NULL || keep[i]) && !isnan(v[i]))
			s[m++] = v[i];
	qsort(s, m, sizeof(*s), cmp_float);
	if (how == NN_MISSING_MEDIAN) {
		*fill = m % 2 ? s[m / 2] :
		    (float)(((double)s[m / 2 - 1] + s[m / 2]) / 2.0);
	} else {
		size_t best = 0, bestn = 0;
		for (size_t i = 0; i < m;) {
			size_t j = i;
			while (j < m && s[j] == s[i])
				j++;
			if (j - i > bestn) {
				bestn = j - i;
				best = i;
			}
			i = j;
		}
		*fill = s[best];
	}
	free(s);
	return 0;
}

/* What a feature column turned out to be. */
typedef struct fcol {
	size_t j;               /* file column */
	nn_ctype type;
	float *v;               /* numeric: (n), NaN = missing */
	uint32_t *code;         /* categorical: (n) index into cats, or
	                           UINT32_MAX = missing */
	char **cats;            /* (ncat) sorted */
	size_t ncat;
	uint64_t nmiss;
} fcol;

#define MISSING_CODE UINT32_MAX

/* Decide column j: numeric, categorical, or a typo in a numeric column. */
static int
decide(const table *t, const nn_data_opts *o, size_t j, fcol *f, nn_err *e)
{
	const char *cname = nn_csv_colname(t->c, j);
	size_t nnum = 0, nstr = 0, bad = 0;
	int cat = t->cat[j];

	f->j = j;
	for (size_t i = 0; !cat && i < t->n; i++) {
		const char *s = field(t, j, i);
		float v;
		if (na(t, s))
			continue;
		if (nn_parse_float(s, strlen(s), &v) == 0) {
			if (!isfinite(v))
				return nn_errf(e, "%s:%lu:%.*s: not a finite number: "
				    "%.*s (--na \"%.*s\" makes it a missing value)",
				    t->name, t->line[i], QUOTE, cname, QUOTE, s,
				    QUOTE, s);
			nnum++;
		} else if (nstr++ == 0)
			bad = i;
	}
	if (!cat && nstr == 0) {
		if (nnum == 0)
			return nn_errf(e, "%s: column \"%.*s\" is empty (every value "
			    "missing): --ignore it", t->name, QUOTE, cname);
		f->type = NN_CTYPE_NUMERIC;
		f->v = nn_xmalloc((t->n ? t->n : 1) * sizeof(float));
		for (size_t i = 0; i < t->n; i++) {
			const char *s = field(t, j, i);
			if (na(t, s)) {
				f->v[i] = NAN;
				f->nmiss++;
			} else
				nn_parse_float(s, strlen(s), &f->v[i]);
		}
		return 0;
	}
	if (!cat && nnum > nstr) {
		const char *s = field(t, j, bad);
		return nn_errf(e, "%s:%lu:%.*s: expected a number, got \"%.*s\" "
		    "(%zu other values of the column are numbers: a typo? "
		    "--na \"%.*s\" makes it a missing value, --categorical "
		    "a category)", t->name, t->line[bad], QUOTE, cname, QUOTE, s,
		    nnum, QUOTE, s);
	}
	/* categorical: the distinct non-missing strings, sorted */
	nn_strtab *st = nn_strtab_new();
	f->type = NN_CTYPE_CATEGORICAL;
	f->code = nn_xmalloc((t->n ? t->n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < t->n; i++) {
		const char *s = field(t, j, i);
		if (na(t, s)) {
			f->code[i] = MISSING_CODE;
			f->nmiss++;
			continue;
		}
		long k = nn_strtab_intern(st, s, strlen(s));
		if (k < 0 || (o->max_categories > 0 &&
		    nn_strtab_count(st) > o->max_categories)) {
			nn_strtab_free(st);
			size_t total = 0;
			nn_strtab *all = nn_strtab_new();
			for (size_t r = 0; r < t->n; r++)
				if (!na(t, field(t, j, r)))
					nn_strtab_intern(all, field(t, j, r),
					    strlen(field(t, j, r)));
			total = nn_strtab_count(all);
			nn_strtab_free(all);
			return nn_errf(e, "%s: column \"%.*s\" has %zu distinct "
			    "values, more than --max-categories %zu: an ID or free "
			    "text? --ignore it (or --id), or raise --max-categories",
			    t->name, QUOTE, cname, total, o->max_categories);
		}
		f->code[i] = (uint32_t)k;
	}
	f->ncat = nn_strtab_count(st);
	if (f->ncat == 0) {
		nn_strtab_free(st);
		return nn_errf(e, "%s: column \"%.*s\" is empty (every value "
		    "missing): --ignore it", t->name, QUOTE, cname);
	}
	/* sort, and renumber the codes */
	char **sorted = nn_xmalloc(f->ncat * sizeof(char *));
	uint32_t *map = nn_xmalloc(f->ncat * sizeof(uint32_t));
	for (size_t k = 0; k < f->ncat; k++)
		sorted[k] = (char *)nn_strtab_str(st, k);
	qsort(sorted, f->ncat, sizeof(char *), cmp_strp);
	f->cats = nn_xmalloc(f->ncat * sizeof(char *));
	for (size_t k = 0; k < f->ncat; k++) {
		f->cats[k] = nn_xstrdup(sorted[k]);
		map[nn_strtab_find(st, sorted[k], strlen(sorted[k]))] =
		    (uint32_t)k;
	}
	for (size_t i = 0; i < t->n; i++)
		if (f->code[i] != MISSING_CODE)
			f->code[i] = map[f->code[i]];
	free(sorted);
	free(map);
	nn_strtab_free(st);
	return 0;
}

static void
fcol_free(fcol *f)
{
	free(f->v);
	free(f->code);
	for (size_t k = 0; k < f->ncat; k++)
		free(f->cats[k]);
	free(f->cats);
}

/* The most frequent category among the kept rows (ties: the first). */
static uint32_t
mode_cat(const fcol *f, size_t n, const unsigned char *keep)
{
	uint64_t *cnt = nn_xcalloc(f->ncat, sizeof(*cnt));
	uint32_t best = 0;

	for (size_t i = 0; i < n; i++)
		if ((keep == NULL || keep[i]) && f->code[i] != MISSING_CODE)
			cnt[f->code[i]]++;
	for (uint32_t k = 1; k < f->ncat; k++)
		if (cnt[k] > cnt[best])
			best = k;
	free(cnt);
	return best;
}

/* ====================================================================== */
/* Building the data set                                                  */
/* ====================================================================== */

static char *
joined(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = nn_xmalloc(la + lb + 2);

	memcpy(s, a, la);
	s[la] = '=';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

/* Whether feature column f misses row i. */
static int
fmiss(const fcol *f, size_t i)
{
	return f->v ? isnan(f->v[i]) : f->code[i] == MISSING_CODE;
}

/* The ID columns of t into enc. */
static void
enc_ids(nn_enc *enc, const table *t)
{
	for (size_t j = 0; j < t->ncols; j++)
		if (t->role[j] == R_ID) {
			enc->ids = nn_xrealloc(enc->ids, (enc->nid + 1) *
			    sizeof(char *));
			enc->ids[enc->nid++] = nn_xstrdup(nn_csv_colname(t->c, j));
		}
}

/* The n kept rows of t, encoded as enc says, into out->x (n, D), the fills
 * counted in out->filled; the D feature names into out->feat_names. */
static void
encode_kept(const table *t, const fcol *fc, size_t nf, const nn_enc *enc,
    const unsigned char *keep, size_t n, size_t D, nn_data *out)
{
	out->filled = nn_xcalloc(nf ? nf : 1, sizeof(uint64_t));
	out->x = nn_xcalloc((n ? n : 1) * (D ? D : 1), sizeof(float));
	for (size_t i = 0, r = 0; i < t->n; i++) {
		float *row;
		if (!keep[i])
			continue;
		row = out->x + r++ * D;
		for (size_t f = 0; f < nf; f++) {
			const nn_incol *c = &enc->cols[f];
			if (c->type == NN_CTYPE_NUMERIC) {
				float v = fc[f].v[i];
				if (isnan(v)) {
					v = c->fill;
					out->filled[f]++;
				}
				row[c->off] = v;
			} else {
				uint32_t k = fc[f].code[i];
				if (k == MISSING_CODE) {
					k = c->fill_cat;
					out->filled[f]++;
				}
				row[c->off + k] = 1.0f;
			}
		}
	}
	out->feat_names = nn_xmalloc((D ? D : 1) * sizeof(char *));
	for (size_t f = 0; f < nf; f++) {
		const nn_incol *c = &enc->cols[f];
		if (c->type == NN_CTYPE_NUMERIC)
			out->feat_names[c->off] = nn_xstrdup(c->name);
		else
			for (size_t k = 0; k < c->ncat; k++)
				out->feat_names[c->off + k] = joined(c->name,
				    c->cats[k]);
	}
}

/* From the table and its decided feature columns: the encoder (fills
 * fitted on the kept rows), x, names, the target. */
static int
build(table *t, const nn_data_opts *o, fcol *fc, size_t nf, nn_data *out,
    nn_err *e)
{
	unsigned char *keep = nn_xmalloc(t->n ? t->n : 1);
	nn_strtab *labels = NULL;
	nn_enc *enc = nn_xcalloc(1, sizeof(*enc));
	size_t n = 0, D = 0;
	int rc = -1;

	memset(keep, 1, t->n ? t->n : 1);
	/* a missing target leaves the row out */
	if (t->tc >= 0)
		for (size_t i = 0; i < t->n; i++)
			if (na(t, field(t, (size_t)t->tc, i))) {
				keep[i] = 0;
				out->dropped_target++;
			}
	for (size_t i = 0; i < t->n; i++)
		n += keep[i];
	if (t->n > 0 && n == 0) {
		nn_errf(e, "%s: the target column \"%.*s\" has no values (every "
		    "one missing)", t->name, QUOTE,
		    nn_csv_colname(t->c, (size_t)t->tc));
		goto out;
	}
	/* missing features: an error, or rows left out */
	for (size_t f = 0; f < nf && o->missing == NN_MISSING_ERROR; f++) {
		if (fc[f].nmiss == 0)
			continue;
		for (size_t i = 0; i < t->n; i++)
			if (keep[i] && fmiss(&fc[f], i)) {
				nn_errf(e, "%s:%lu:%.*s: missing value (with --missing "
				    "error; --missing mean fills it)", t->name,
				    t->line[i], QUOTE, nn_csv_colname(t->c, fc[f].j));
				goto out;
			}
	}
	if (o->missing == NN_MISSING_DROP)
		for (size_t i = 0; i < t->n; i++)
			for (size_t f = 0; keep[i] && f < nf; f++)
				if (fmiss(&fc[f], i)) {
					keep[i] = 0;
					out->dropped_missing++;
					n--;
				}
	if (t->n > 0 && n == 0) {
		nn_errf(e, "%s: no rows left: every row misses a value "
		    "(--missing drop)", t->name);
		goto out;
	}
	/* the encoder */
	enc->missing = o->missing;
	enc->ncols = nf;
	enc->cols = nn_xcalloc(nf ? nf : 1, sizeof(*enc->cols));
	for (size_t f = 0; f < nf; f++) {
		nn_incol *c = &enc->cols[f];
		c->name = nn_xstrdup(nn_csv_colname(t->c, fc[f].j));
		c->src = (uint32_t)fc[f].j;
		c->type = fc[f].type;
		c->off = D;
		if (c->type == NN_CTYPE_NUMERIC) {
			nn_missing how = o->missing == NN_MISSING_DROP ||
			    o->missing == NN_MISSING_ERROR ? NN_MISSING_MEAN :
			    o->missing;
			if (numeric_fill(fc[f].v, t->n, keep, how, &c->fill) < 0) {
				nn_errf(e, "%s: column \"%.*s\" has no values in the "
				    "rows kept", t->name, QUOTE, c->name);
				goto out;
			}
		} else {
			c->fill_cat = mode_cat(&fc[f], t->n, keep);
			c->ncat = fc[f].ncat;
			c->cats = fc[f].cats;
			fc[f].cats = NULL;
			fc[f].ncat = 0;
		}
		D += nn_incol_width(c);
	}
	enc_ids(enc, t);
	/* x, filled, names */
	encode_kept(t, fc, nf, enc, keep, n, D, out);
	out->n = n;
	out->d = D;
	out->ncols = t->ncols;
	out->target_col = t->tc;
	out->delim = nn_csv_delim(t->c);
	out->crc = nn_csv_crc(t->c);
	if (t->tc >= 0) {
		out->target_name = nn_xstrdup(nn_csv_colname(t->c, (size_t)t->tc));
		labels = nn_strtab_new();
		out->y = nn_xmalloc((n ? n : 1) * sizeof(uint32_t));
		for (size_t i = 0, r = 0; i < t->n; i++) {
			if (!keep[i])
				continue;
			const char *s = field(t, (size_t)t->tc, i);
			long k = nn_strtab_intern(labels, s, strlen(s));
			if (k < 0) {
				nn_errf(e, "%s:%lu: too many distinct target values",
				    t->name, t->line[i]);
				goto out;
			}
			out->y[r++] = (uint32_t)k;
		}
		nn_data_labels(out, labels);
	}
	nn_enc_set_na(enc, o->na, o->nna);
	out->enc = enc;
	enc = NULL;
	rc = 0;
out:
	nn_enc_free(enc);
	nn_strtab_free(labels);
	free(keep);
	return rc;
}

/* The general road, from the start of fp. */
static int
read_general(FILE *fp, const char *name, const nn_data_opts *o, nn_data *out,
    nn_err *e)
{
	table t;
	fcol *fc = NULL;
	size_t nf = 0;
	int rc = -1;

	if (table_read(&t, fp, name, o, NULL, e) < 0)
		return -1;
	if (t.n == 0) {
		nn_errf(e, "%s: no data rows", name);
		goto out;
	}
	fc = nn_xcalloc(t.ncols, sizeof(*fc));
	for (size_t j = 0; j < t.ncols; j++) {
		if (t.role[j] != R_FEATURE)
			continue;
		if (decide(&t, o, j, &fc[nf++], e) < 0)
			goto out;
	}
	rc = build(&t, o, fc, nf, out, e);
out:
	for (size_t f = 0; f < nf; f++)
		fcol_free(&fc[f]);
	free(fc);
	table_free(&t);
	if (rc < 0)
		nn_data_free(out);
	return rc;
}

/* ====================================================================== */
/* The numeric road                                                       */
/* ====================================================================== */

/* The file column of the numeric reader's feature j: the j-th column that
 * is a feature (role NULL: every column but the last, the target). */
static uint32_t
src_col(const int *role, size_t ncols, size_t j)
{
	for (size_t c = 0; role != NULL && c < ncols; c++)
		if (role[c] == R_FEATURE && j-- == 0)
			return (uint32_t)c;
	return (uint32_t)j;
}

/* The numeric reader's rows of d with keep[i] set, their missing values
 * (NaN) filled as enc says (counted in d->filled), moved down over the rows
 * left out; d->n becomes the rows kept. */
static void
fill_kept(nn_data *d, const unsigned char *keep, const nn_enc *enc)
{
	const size_t D = d->d;
	size_t r = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (!keep[i])
			continue;
		for (size_t j = 0; j < D; j++) {
			float v = d->x[i * D + j];
			if (isnan(v)) {
				v = enc->cols[j].fill;
				d->filled[j]++;
			}
			d->x[r * D + j] = v;
		}
		if (d->y != NULL)
			d->y[r] = d->y[i];
		if (d->t != NULL)
			d->t[r] = d->t[i];
		r++;
	}
	d->n = r;
}

/* The ID columns among the ncols named cnames with roles role into enc. */
static void
enc_ids_named(nn_enc *enc, const char *const *cnames, const int *role,
    size_t ncols)
{
	for (size_t j = 0; j < ncols; j++)
		if (role[j] == R_ID) {
			enc->ids = nn_xrealloc(enc->ids, (enc->nid + 1) *
			    sizeof(char *));
			enc->ids[enc->nid++] = nn_xstrdup(cnames[j]);
		}
}

/* After the numeric reader: the encoder of numeric columns, the fills,
 * rows with a missing value left out or filled.  Returns 1 when the file
 * needs the general road after all (a missing target, a missing value
 * under --missing error, an empty column: the general reader names the
 * line). */
static int
finish_numeric(const nn_data_opts *o, const char *const *cnames,
    const int *role, size_t ncols, nn_data *d)
{
	const size_t D = d->d;
	unsigned char *keep = NULL;
	nn_enc *enc;
	size_t n = 0, nanrows = 0;
	nn_missing how = o->missing == NN_MISSING_DROP ||
	    o->missing == NN_MISSING_ERROR ? NN_MISSING_MEAN : o->missing;
	double *sum = NULL;
	size_t *cnt = NULL;

	for (size_t k = 0; k < d->nlabels; k++)
		for (size_t a = 0; a < o->nna; a++)
			if (strcmp(d->labels[k], o->na[a]) == 0)
				return 1;
	/* One pass in row order (the matrix is row-major): the column sums
	 * and counts of non-missing values, and which rows miss one.  Most
	 * files miss nothing, and then this is the only pass. */
	sum = nn_xcalloc(D ? D : 1, sizeof(double));
	cnt = nn_xcalloc(D ? D : 1, sizeof(size_t));
	keep = nn_xmalloc(d->n ? d->n : 1);
	for (size_t i = 0; i < d->n; i++) {
		const float *row = d->x + i * D;
		size_t miss = 0;
		/* elementwise over the columns: vectorises, and the order of
		 * each column's additions is the rows' */
		NN_SIMD_SUM(miss)
		for (size_t j = 0; j < D; j++) {
			const float v = row[j];
			const int ok = v == v;
			sum[j] += ok ? (double)v : 0.0;
			cnt[j] += (size_t)ok;
			miss += (size_t)!ok;
		}
		keep[i] = miss == 0 || o->missing != NN_MISSING_DROP;
		nanrows += miss != 0;
	}
	if (nanrows > 0 && o->missing == NN_MISSING_ERROR)
		goto general;          /* the general reader names the line */
	if (nanrows > 0 && o->missing == NN_MISSING_DROP) {
		/* the fills of what is kept */
		memset(sum, 0, D * sizeof(double));
		memset(cnt, 0, D * sizeof(size_t));
		for (size_t i = 0; i < d->n; i++)
			for (size_t j = 0; keep[i] && j < D; j++) {
				sum[j] += d->x[i * D + j];
				cnt[j]++;
			}
		d->dropped_missing = nanrows;
	}
	for (size_t i = 0; i < d->n; i++)
		n += keep[i];
	if (n == 0)
		goto general;
	enc = nn_xcalloc(1, sizeof(*enc));
	enc->missing = o->missing;
	enc->ncols = D;
	enc->cols = nn_xcalloc(D ? D : 1, sizeof(*enc->cols));
	d->filled = nn_xcalloc(D ? D : 1, sizeof(uint64_t));
	float *col = how == NN_MISSING_MEAN || nanrows == 0 ? NULL :
	    nn_xmalloc(d->n * sizeof(float));
	for (size_t j = 0; j < D; j++) {
		nn_incol *c = &enc->cols[j];
		c->name = nn_xstrdup(d->feat_names[j]);
		c->type = NN_CTYPE_NUMERIC;
		c->off = j;
		c->src = src_col(role, ncols, j);
		if (cnt[j] == 0) {
			free(col);
			nn_enc_free(enc);
			goto general;  /* an empty column: named there */
		}
		c->fill = (float)(sum[j] / (double)cnt[j]);
		if (col == NULL)
			continue;
		for (size_t i = 0; i < d->n; i++)
			col[i] = d->x[i * D + j];
		numeric_fill(col, d->n, keep, how, &c->fill);
	}
	free(col);
	/* fill, and close the gaps of dropped rows */
	if (nanrows > 0)
		fill_kept(d, keep, enc);
	enc_ids_named(enc, cnames, role, ncols);
	nn_enc_set_na(enc, o->na, o->nna);
	d->enc = enc;
	free(keep);
	free(sum);
	free(cnt);
	return 0;
general:
	free(keep);
	free(sum);
	free(cnt);
	return 1;
}

/* Every feature a number, every error the numeric reader's. */
static int
read_numeric_only(FILE *fp, const char *name, const nn_data_opts *o,
    nn_data *out, nn_err *e)
{
	nn_data_opts fo = *o;
	const size_t ncol = 0;

	if (nn_data_read_fast(fp, name, &fo, NULL, out, e) < 0)
		return -1;
	if (finish_numeric(o, NULL, NULL, ncol, out) != 0) {
		nn_data_free(out);
		return nn_errf(e, "%s: a target or feature is missing", name);
	}
	return 0;
}

/* One process's read of the whole file: the numeric road when it can,
 * else the general one. */
static int
read_whole(FILE *fp, const char *name, const nn_data_opts *o, nn_data *out,
    nn_err *e)
{
	struct stat st;
	int fd = fileno(fp);
	off_t at;

	memset(out, 0, sizeof(*out));
	if (o->numeric_only)
		return read_numeric_only(fp, name, o, out, e);
	/* The numeric road needs to start over on failure: a regular file. */
	if (o->categorical == NULL && fd >= 0 && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && (at = ftello(fp)) >= 0) {
		int role_ok = 0, *role = NULL;
		unsigned char *skip = NULL, *cat = NULL;
		const char **names = NULL;
		size_t ncols = 0;
		long tc;
		nn_csv *c = nn_csv_open_d(fp, name, o->header, o->delim, NULL);
		nn_err ign;

		if (c != NULL) {
			ncols = nn_csv_ncols(c);
			names = nn_xmalloc(ncols * sizeof(*names));
			role = nn_xmalloc(ncols * sizeof(*role));
			skip = nn_xcalloc(ncols, 1);
			cat = nn_xcalloc(ncols, 1);
			for (size_t j = 0; j < ncols; j++)
				names[j] = nn_xstrdup(nn_csv_colname(c, j));
			role_ok = resolve_roles(o, names, ncols, name, role, &tc,
			    cat, &ign) == 0;
			for (size_t j = 0; j < ncols; j++)
				skip[j] = role[j] == R_SKIP || role[j] == R_ID;
			nn_csv_free(c);
		}
		/* The numeric reader is told the target by its name, and ""
		 * would tell it there is none: a file whose target column has
		 * no name takes the general road. */
		int ok = role_ok && (tc < 0 || names[tc][0] != '\0') &&
		    fseeko(fp, at, SEEK_SET) == 0;
		if (ok) {
			nn_data_opts fo = *o;
			fo.target = tc >= 0 ? names[tc] : "";
			ok = nn_data_read_fast(fp, name, &fo, skip, out, &ign) == 0 &&
			    finish_numeric(o, names, role, ncols, out) == 0;
		}
		for (size_t j = 0; names != NULL && j < ncols; j++)
			free((char *)names[j]);
		free(names);
		free(role);
		free(skip);
		free(cat);
		if (ok)
			return 0;
		nn_data_free(out);
		if (fseeko(fp, at, SEEK_SET) != 0)
			return nn_errf(e, "%s: %s", name, strerror(errno));
	}
	return read_general(fp, name, o, out, e);
}

/* ====================================================================== */
/* The sharded road: each rank its own byte range                        */
/* ====================================================================== */

/* nn_data.whole: why every rank read the whole file (NN_WHOLE_*; never
 * NN_WHOLE_GENERAL, which only changes the road). */
static const char *const whole_why[] = {
	[NN_WHOLE_STDIN] = "standard input",
	[NN_WHOLE_NOTREG] = "not a plain file: a pipe, or compressed",
	[NN_WHOLE_ERROR] = "an error, named by the whole read",
	[NN_WHOLE_CHANGED] = "the file changed while read",
};

/* The strings of t, each NUL-terminated, one after another. */
static char *
strtab_pack(const nn_strtab *t, size_t *len)
{
	const size_t n = nn_strtab_count(t);
	char *s, *p;

	*len = 0;
	for (size_t k = 0; k < n; k++)
		*len += nn_strtab_len(t, k) + 1;
	p = s = nn_xmalloc(*len ? *len : 1);
	for (size_t k = 0; k < n; k++) {
		memcpy(p, nn_strtab_str(t, k), nn_strtab_len(t, k) + 1);
		p += nn_strtab_len(t, k) + 1;
	}
	return s;
}

/* Every rank's strings of mine, interned in rank order into a new table
 * *all (owned by the caller, set also on failure): the table one process
 * interning the rows in order builds.  Returns 0, -1 (the transport
 * failed: e) or 1 (the table is full). */
static int
strtab_union(const nn_dist *dist, const nn_strtab *mine, nn_strtab **all,
    nn_err *e)
{
	size_t len, *lens = nn_xmalloc((size_t)dist->size * sizeof(*lens));
	char *ser = strtab_pack(mine, &len);
	const char *p;
	void *got = NULL;
	int rc = -1;

	*all = nn_strtab_new();
	if (nn_dist_gather(dist, ser, len, &got, lens, e) < 0)
		goto out;
	rc = 0;
	p = got;
	for (int r = 0; r < dist->size && rc == 0; r++)
		for (const char *end = p + lens[r]; p < end && rc == 0;
		    p += strlen(p) + 1)
			if (nn_strtab_intern(*all, p, strlen(p)) < 0)
				rc = 1;
out:
	free(got);
	free(ser);
	free(lens);
	return rc;
}

/* Every rank's target values, interned in rank order into *all (the
 * table one process reading the rows in order builds), and this rank's y
 * (d->n indices into mine) renumbered into it.  Returns 0, -1 (the
 * transport failed), or NN_WHOLE_GENERAL (too many: the general reader's
 * error). */
static int
join_labels(const nn_dist *dist, const nn_strtab *mine, nn_data *d,
    nn_strtab **all, nn_err *e)
{
	const size_t nl = nn_strtab_count(mine);
	uint32_t *map;
	int rc = strtab_union(dist, mine, all, e);

	if (rc != 0)
		return rc < 0 ? -1 : NN_WHOLE_GENERAL;
	map = nn_xmalloc((nl ? nl : 1) * sizeof(*map));
	for (size_t k = 0; k < nl; k++)
		map[k] = (uint32_t)nn_strtab_find(*all, nn_strtab_str(mine, k),
		    nn_strtab_len(mine, k));
	for (size_t i = 0; i < d->n; i++)
		d->y[i] = map[d->y[i]];
	free(map);
	return 0;
}

/* One rank's step of the column sums (nn_dist_chain): its rows added, in
 * row order, onto the sums of the rows of the ranks before it: the same
 * additions in the same order as finish_numeric's one pass, so the same
 * bytes.  acc: double sum[D], then uint64_t cnt[D]. */
typedef struct colsum {
	const nn_data *d;
	nn_missing missing;
	unsigned char *keep;    /* (d->n) set by the first pass */
	int kept_only;          /* the second pass (--missing drop): every
	                           value of the rows kept */
	uint64_t nanrows;       /* this rank's rows that miss a value */
} colsum;

static void
colsum_step(void *ctx, void *acc)
{
	colsum *s = ctx;
	const size_t D = s->d->d;
	double *sum = acc;
	uint64_t *cnt = (uint64_t *)(sum + D);

	for (size_t i = 0; i < s->d->n; i++) {
		const float *row = s->d->x + i * D;
		size_t miss = 0;
		if (s->kept_only) {
			for (size_t j = 0; s->keep[i] && j < D; j++) {
				sum[j] += row[j];
				cnt[j]++;
			}
			continue;
		}
		NN_SIMD_SUM(miss)
		for (size_t j = 0; j < D; j++) {
			const float v = row[j];
			const int ok = v == v;
			sum[j] += ok ? (double)v : 0.0;
			cnt[j] += (uint64_t)ok;
			miss += (size_t)!ok;
		}
		s->keep[i] = miss == 0 || s->missing != NN_MISSING_DROP;
		s->nanrows += miss != 0;
	}
}

/* The median or mode of column j over every rank's rows kept, as
 * numeric_fill finds it over all of them: each rank's non-missing values,
 * in row order, gathered on every rank, so numeric_fill sorts the very
 * array one process would.  The cost: 4 bytes a value of one column of
 * the whole data at a time, on every rank, and as many through the
 * transport per column -- an exact median without a distributed
 * selection.  Only under --missing median or mode, when a value is
 * missing somewhere. */
static int
gathered_fill(const nn_dist *dist, const nn_data *d, const unsigned char *keep,
    size_t j, nn_missing how, float *fill, nn_err *e)
{
	float *v = nn_xmalloc((d->n ? d->n : 1) * sizeof(*v));
	size_t m = 0, total = 0, *lens;
	void *all;
	int rc = -1;

	for (size_t i = 0; i < d->n; i++)
		if (keep[i] && !isnan(d->x[i * d->d + j]))
			v[m++] = d->x[i * d->d + j];
	lens = nn_xmalloc((size_t)dist->size * sizeof(*lens));
	if (nn_dist_gather(dist, v, m * sizeof(*v), &all, lens, e) == 0) {
		for (int r = 0; r < dist->size; r++)
			total += lens[r] / sizeof(float);
		rc = numeric_fill(all, total, NULL, how, fill) < 0 ? -1 : 0;
		free(all);
	}
	free(lens);
	free(v);
	return rc;
}

/* Every rank's len-byte items a[0..k) (this rank's k), gathered in rank
 * order into a (reallocated): y or t of every row. */
static int
gather_rows(const nn_dist *dist, void **a, size_t k, size_t item, nn_err *e)
{
	size_t *lens = nn_xmalloc((size_t)dist->size * sizeof(*lens));
	void *all;
	int rc = nn_dist_gather(dist, *a, k * item, &all, lens, e);

	free(lens);
	if (rc < 0)
		return -1;
	free(*a);
	*a = all;
	return 0;
}

/* finish_numeric over the ranks' rows: d holds this rank's rows and
 * every rank's labels; the fills, counts and drops come out as one
 * process's over all the rows, x keeps this rank's rows (filled, the
 * dropped ones left out), y and t become every row's.  Returns 0, -1
 * (the transport failed), or NN_WHOLE_GENERAL where finish_numeric
 * sends the file to the general reader; the ranks' values are the same
 * there, so they agree without a word. */
static int
finish_shard(const nn_data_opts *o, const char *const *cnames,
    const int *role, size_t ncols, nn_data *d, nn_err *e)
{
	const nn_dist *dist = o->dist;
	const size_t D = d->d, accbytes = D * (sizeof(double) + sizeof(uint64_t));
	nn_missing how = o->missing == NN_MISSING_DROP ||
	    o->missing == NN_MISSING_ERROR ? NN_MISSING_MEAN : o->missing;
	colsum cs = { .d = d, .missing = o->missing };
	double *sum = NULL;
	uint64_t *cnt, g[2], before, total;
	size_t kept = 0;
	nn_enc *enc = NULL;
	int rc = -1;

	for (size_t k = 0; k < d->nlabels; k++)
		for (size_t a = 0; a < o->nna; a++)
			if (strcmp(d->labels[k], o->na[a]) == 0)
				return NN_WHOLE_GENERAL;
	sum = nn_xcalloc(accbytes ? accbytes : 1, 1);
	cnt = (uint64_t *)(sum + D);
	cs.keep = nn_xmalloc(d->n ? d->n : 1);
	if (nn_dist_chain(dist, sum, accbytes, colsum_step, &cs, e) < 0)
		goto out;
	for (size_t i = 0; i < d->n; i++)
		kept += cs.keep[i];
	g[0] = cs.nanrows;
	g[1] = kept;
	if (nn_dist_sum(dist, g, 2, e) < 0)
		goto out;
	rc = NN_WHOLE_GENERAL;
	if (g[0] > 0 && o->missing == NN_MISSING_ERROR)
		goto out;
	rc = -1;
	if (g[0] > 0 && o->missing == NN_MISSING_DROP) {
		memset(sum, 0, accbytes);
		cs.kept_only = 1;
		if (nn_dist_chain(dist, sum, accbytes, colsum_step, &cs, e) < 0)
			goto out;
		d->dropped_missing = (size_t)g[0];
	}
	rc = NN_WHOLE_GENERAL;
	if (g[1] == 0)
		goto out;
	for (size_t j = 0; j < D; j++)
		if (cnt[j] == 0)
			goto out;
	rc = -1;
	enc = nn_xcalloc(1, sizeof(*enc));
	enc->missing = o->missing;
	enc->ncols = D;
	enc->cols = nn_xcalloc(D ? D : 1, sizeof(*enc->cols));
	d->filled = nn_xcalloc(D ? D : 1, sizeof(uint64_t));
	for (size_t j = 0; j < D; j++) {
		nn_incol *c = &enc->cols[j];
		c->name = nn_xstrdup(d->feat_names[j]);
		c->type = NN_CTYPE_NUMERIC;
		c->off = j;
		c->src = src_col(role, ncols, j);
		c->fill = (float)(sum[j] / (double)cnt[j]);
		if (how != NN_MISSING_MEAN && g[0] > 0 &&
		    gathered_fill(dist, d, cs.keep, j, how, &c->fill, e) < 0)
			goto out;
	}
	/* fill, and close the gaps of dropped rows (this rank's) */
	if (cs.nanrows > 0)
		fill_kept(d, cs.keep, enc);
	if (nn_dist_sum(dist, d->filled, D, e) < 0 ||
	    nn_dist_scan(dist, kept, &before, &total, e) < 0)
		goto out;
	if ((d->y != NULL && gather_rows(dist, (void **)&d->y, kept,
	    sizeof(*d->y), e) < 0) || (d->t != NULL && gather_rows(dist,
	    (void **)&d->t, kept, sizeof(*d->t), e) < 0))
		goto out;
	enc_ids_named(enc, cnames, role, ncols);
	nn_enc_set_na(enc, o->na, o->nna);
	d->enc = enc;
	enc = NULL;
	d->part = 1;
	d->lo = (size_t)before;
	d->hi = (size_t)(before + kept);
	d->n = (size_t)total;
	rc = 0;
out:
	nn_enc_free(enc);
	free(cs.keep);
	free(sum);
	return rc;
}

/* The CRC-32 of the whole input from each rank's CRC of its bytes, joined
 * in rank order. */
static int
join_crc(const nn_dist *dist, uint32_t *crc, uint64_t bytes, nn_err *e)
{
	uint64_t mine[2] = { *crc, bytes }, *all;
	size_t *lens = nn_xmalloc((size_t)dist->size * sizeof(*lens));
	void *got;

	if (nn_dist_gather(dist, mine, sizeof(mine), &got, lens, e) < 0) {
		free(lens);
		return -1;
	}
	all = got;
	*crc = (uint32_t)all[0];
	for (int r = 1; r < dist->size; r++)
		*crc = nn_crc32_cat(*crc, (uint32_t)all[2 * r], all[2 * r + 1]);
	free(got);
	free(lens);
	return 0;
}

/* ---- the general road in parts ------------------------------------------ */

/*
 * Each rank reads its own rows with the general reader's table, and the
 * ranks decide together what read_general decides on all of them: a
 * column's counts of numbers and strings are sums; its categories the
 * sorted union of every rank's distinct values; a mean fill a chain of
 * the same additions in the same order; a median or mode numeric_fill on
 * every rank's values gathered in row order; a category fill the most
 * frequent in summed counts (ties: the first, as mode_cat).  The cost of
 * a median or mode: each numeric column's values of every rank, one
 * column at a time, as gathered_fill's.  Whatever
 * sends one process to an error (a typo in a numeric column, too many
 * categories, a missing value under --missing error, ...) sends every
 * rank to the whole file, which names it with its line.  The ranks'
 * figures are the same on every rank, so they agree without a word.
 */

/* Column j of this rank's rows: st[0] numbers, st[1] other strings,
 * st[2] numbers not finite (decide's counts). */
static void
gshard_count(const table *t, size_t j, uint64_t *st)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *s = field(t, j, i);
		float v;
		if (na(t, s))
			continue;
		if (nn_parse_float(s, strlen(s), &v) == 0) {
			st[0]++;
			st[2] += !isfinite(v);
		} else
			st[1]++;
	}
}

/* A numeric column of this rank's rows, as decide reads it. */
static void
gshard_numeric(const table *t, size_t j, fcol *f)
{
	f->type = NN_CTYPE_NUMERIC;
	f->v = nn_xmalloc((t->n ? t->n : 1) * sizeof(float));
	for (size_t i = 0; i < t->n; i++) {
		const char *s = field(t, j, i);
		if (na(t, s)) {
			f->v[i] = NAN;
			f->nmiss++;
		} else
			nn_parse_float(s, strlen(s), &f->v[i]);
	}
}

/* A categorical column of this rank's rows: f->code indexes *mine, its
 * distinct values in order of first appearance.  1 when they are already
 * more than --max-categories allows (then so are every rank's together:
 * decide's error), else 0. */
static int
gshard_codes(const table *t, const nn_data_opts *o, size_t j, fcol *f,
    nn_strtab **mine)
{
	*mine = nn_strtab_new();
	f->type = NN_CTYPE_CATEGORICAL;
	f->code = nn_xmalloc((t->n ? t->n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < t->n; i++) {
		const char *s = field(t, j, i);
		long k;
		if (na(t, s)) {
			f->code[i] = MISSING_CODE;
			f->nmiss++;
			continue;
		}
		k = nn_strtab_intern(*mine, s, strlen(s));
		if (k < 0 || (o->max_categories > 0 &&
		    nn_strtab_count(*mine) > o->max_categories))
			return 1;
		f->code[i] = (uint32_t)k;
	}
	return 0;
}

/* The categories of f over every rank (mine: this rank's values): their
 * sorted union into f->cats, this rank's codes renumbered into it.
 * Returns 0, -1 (the transport failed) or NN_WHOLE_ERROR (too many, or
 * none: decide's errors). */
static int
gshard_cats(const nn_dist *dist, const nn_data_opts *o, size_t n, fcol *f,
    const nn_strtab *mine, nn_err *e)
{
	nn_strtab *all = NULL;
	uint32_t *map = NULL;
	int rc = strtab_union(dist, mine, &all, e);

	if (rc != 0) {
		rc = rc < 0 ? -1 : NN_WHOLE_ERROR;
		goto out;
	}
	rc = NN_WHOLE_ERROR;
	f->ncat = nn_strtab_count(all);
	if (f->ncat == 0 || (o->max_categories > 0 &&
	    f->ncat > o->max_categories)) {
		f->ncat = 0;
		goto out;
	}
	f->cats = nn_xmalloc(f->ncat * sizeof(char *));
	for (size_t k = 0; k < f->ncat; k++)
		f->cats[k] = nn_xstrdup(nn_strtab_str(all, k));
	qsort(f->cats, f->ncat, sizeof(char *), cmp_strp);
	map = nn_xmalloc((nn_strtab_count(mine) + 1) * sizeof(*map));
	for (size_t k = 0; k < nn_strtab_count(mine); k++) {
		const char *s = nn_strtab_str(mine, k);
		char **at = bsearch(&s, f->cats, f->ncat, sizeof(char *),
		    cmp_strp);
		map[k] = (uint32_t)(at - f->cats);
	}
	for (size_t i = 0; i < n; i++)
		if (f->code[i] != MISSING_CODE)
			f->code[i] = map[f->code[i]];
	rc = 0;
out:
	free(map);
	nn_strtab_free(all);
	return rc;
}

/* One rank's step of the numeric columns' sums over the rows kept
 * (nn_dist_chain): numeric_fill's additions, in row order, each column
 * on from the ranks before.  acc: double sum[k], then uint64_t cnt[k]. */
typedef struct gsum {
	const fcol *fc;
	const size_t *num;      /* (k) the numeric columns' indices in fc */
	size_t k, n;
	const unsigned char *keep;
} gsum;

static void
gsum_step(void *ctx, void *acc)
{
	const gsum *s = ctx;
	double *sum = acc;
	uint64_t *cnt = (uint64_t *)(sum + s->k);

	for (size_t q = 0; q < s->k; q++) {
		const float *v = s->fc[s->num[q]].v;
		for (size_t i = 0; i < s->n; i++)
			if (s->keep[i] && !isnan(v[i])) {
				sum[q] += v[i];
				cnt[q]++;
			}
	}
}

/* The fills of the encoder's columns (enc->cols[f] typed, its categories
 * in place) over
 * every rank's rows kept, as build fits them on all.  Returns 0, -1 (the
 * transport failed) or NN_WHOLE_ERROR (a column without values in the
 * rows kept). */
static int
gshard_fills(const nn_dist *dist, const nn_data_opts *o, const table *t,
    const fcol *fc, size_t nf, const unsigned char *keep, nn_enc *enc,
    nn_err *e)
{
	nn_missing how = o->missing == NN_MISSING_DROP ||
	    o->missing == NN_MISSING_ERROR ? NN_MISSING_MEAN : o->missing;
	size_t *num = nn_xmalloc((nf ? nf : 1) * sizeof(*num)), k = 0;
	double *sum;
	uint64_t *cnt;
	int rc = -1;

	for (size_t f = 0; f < nf; f++)
		if (fc[f].type == NN_CTYPE_NUMERIC)
			num[k++] = f;
	gsum gs = { fc, num, k, t->n, keep };
	sum = nn_xcalloc(k ? k : 1, sizeof(double) + sizeof(uint64_t));
	cnt = (uint64_t *)(sum + k);
	if (nn_dist_chain(dist, sum, k * (sizeof(double) + sizeof(uint64_t)),
	    gsum_step, &gs, e) < 0)
		goto out;
	rc = NN_WHOLE_ERROR;
	for (size_t q = 0; q < k; q++)
		if (cnt[q] == 0)
			goto out;
	rc = -1;
	for (size_t q = 0; q < k; q++) {
		const fcol *c = &fc[num[q]];
		float *v, *all;
		size_t m = 0, total = 0, *lens;
		int got;
		enc->cols[num[q]].fill = (float)(sum[q] / (double)cnt[q]);
		if (how != NN_MISSING_MEDIAN && how != NN_MISSING_MODE)
			continue;
		v = nn_xmalloc((t->n ? t->n : 1) * sizeof(*v));
		for (size_t i = 0; i < t->n; i++)
			if (keep[i] && !isnan(c->v[i]))
				v[m++] = c->v[i];
		lens = nn_xmalloc((size_t)dist->size * sizeof(*lens));
		got = nn_dist_gather(dist, v, m * sizeof(*v), (void **)&all, lens,
		    e);
		for (int r = 0; got == 0 && r < dist->size; r++)
			total += lens[r] / sizeof(float);
		if (got == 0)
			numeric_fill(all, total, NULL, how,
			    &enc->cols[num[q]].fill);
		if (got == 0)
			free(all);
		free(lens);
		free(v);
		if (got < 0)
			goto out;
	}
	for (size_t f = 0; f < nf; f++) {
		uint64_t *n;
		uint32_t best = 0;
		if (fc[f].type != NN_CTYPE_CATEGORICAL)
			continue;
		n = nn_xcalloc(enc->cols[f].ncat, sizeof(*n));
		for (size_t i = 0; i < t->n; i++)
			if (keep[i] && fc[f].code[i] != MISSING_CODE)
				n[fc[f].code[i]]++;
		if (nn_dist_sum(dist, n, enc->cols[f].ncat, e) < 0) {
			free(n);
			goto out;
		}
		for (uint32_t z = 1; z < enc->cols[f].ncat; z++)
			if (n[z] > n[best])
				best = z;
		enc->cols[f].fill_cat = best;
		free(n);
	}
	rc = 0;
out:
	free(sum);
	free(num);
	return rc;
}

/* build over the ranks: this rank's rows kept into out->x (filled), the
 * rest as one process's build over all of them.  Returns 0, -1 (the
 * transport failed) or an NN_WHOLE_* reason. */
static int
gshard_build(const nn_data_opts *o, const nn_shard *sp, table *t, fcol *fc,
    size_t nf, nn_data *out, nn_err *e)
{
	const nn_dist *dist = o->dist;
	unsigned char *keep = nn_xmalloc(t->n ? t->n : 1);
	nn_strtab *labels = NULL, *all = NULL;
	nn_enc *enc = nn_xcalloc(1, sizeof(*enc));
	/* g: rows with a target, missing values under --missing error,
	 * rows left by --missing drop, rows kept, a full label table, rows */
	uint64_t g[6] = { 0 }, before, total;
	uint32_t crc = nn_csv_crc(t->c);
	size_t n = 0, D = 0;
	int rc = -1;

	memset(keep, 1, t->n ? t->n : 1);
	for (size_t i = 0; t->tc >= 0 && i < t->n; i++)
		if (na(t, field(t, (size_t)t->tc, i)))
			keep[i] = 0;
	for (size_t i = 0; i < t->n; i++)
		g[0] += keep[i];
	for (size_t f = 0; f < nf && o->missing == NN_MISSING_ERROR; f++)
		for (size_t i = 0; fc[f].nmiss > 0 && i < t->n; i++)
			g[1] += keep[i] && fmiss(&fc[f], i);
	for (size_t i = 0; o->missing == NN_MISSING_DROP && i < t->n; i++)
		for (size_t f = 0; keep[i] && f < nf; f++)
			if (fmiss(&fc[f], i)) {
				keep[i] = 0;
				g[2]++;
			}
	for (size_t i = 0; i < t->n; i++)
		n += keep[i];
	g[3] = n;
	out->y = nn_xmalloc((n ? n : 1) * sizeof(uint32_t));
	if (t->tc >= 0) {
		labels = nn_strtab_new();
		for (size_t i = 0, r = 0; i < t->n; i++) {
			const char *s = field(t, (size_t)t->tc, i);
			long k;
			if (!keep[i])
				continue;
			if ((k = nn_strtab_intern(labels, s, strlen(s))) < 0) {
				g[4] = 1;
				break;
			}
			out->y[r++] = (uint32_t)k;
		}
	}
	g[5] = t->n;
	if (nn_dist_sum(dist, g, 6, e) < 0)
		goto out;
	rc = NN_WHOLE_ERROR;    /* build's errors */
	if (g[0] == 0 || g[1] > 0 || g[3] == 0 || g[4] > 0)
		goto out;
	rc = -1;
	/* the encoder */
	enc->missing = o->missing;
	enc->ncols = nf;
	enc->cols = nn_xcalloc(nf ? nf : 1, sizeof(*enc->cols));
	for (size_t f = 0; f < nf; f++) {
		nn_incol *c = &enc->cols[f];
		c->name = nn_xstrdup(nn_csv_colname(t->c, fc[f].j));
		c->src = (uint32_t)fc[f].j;
		c->type = fc[f].type;
		c->off = D;
		c->ncat = fc[f].ncat;
		c->cats = fc[f].cats;
		fc[f].cats = NULL;
		fc[f].ncat = 0;
		D += nn_incol_width(c);
	}
	if ((rc = gshard_fills(dist, o, t, fc, nf, keep, enc, e)) != 0)
		goto out;
	rc = -1;
	enc_ids(enc, t);
	/* x of this rank's rows kept, filled, names */
	encode_kept(t, fc, nf, enc, keep, n, D, out);
	out->n = n;
	out->d = D;
	if (nn_dist_sum(dist, out->filled, nf, e) < 0 ||
	    nn_dist_scan(dist, n, &before, &total, e) < 0 ||
	    join_crc(dist, &crc, (uint64_t)(sp->to - (sp->rank == 0 ?
	    sp->at : sp->from)), e) < 0)
		goto out;
	if (t->tc >= 0) {
		out->target_name = nn_xstrdup(nn_csv_colname(t->c, (size_t)t->tc));
		if ((rc = join_labels(dist, labels, out, &all, e)) != 0) {
			rc = rc < 0 ? -1 : NN_WHOLE_ERROR;
			goto out;
		}
		nn_data_labels(out, all);
		if (gather_rows(dist, (void **)&out->y, n, sizeof(*out->y),
		    e) < 0 || (out->t != NULL && gather_rows(dist,
		    (void **)&out->t, n, sizeof(*out->t), e) < 0))
			goto out;
	} else {
		free(out->y);
		out->y = NULL;
	}
	nn_enc_set_na(enc, o->na, o->nna);
	out->enc = enc;
	enc = NULL;
	out->ncols = t->ncols;
	out->target_col = t->tc;
	out->delim = nn_csv_delim(t->c);
	out->crc = crc;
	out->dropped_target = (size_t)(g[5] - g[0]);
	out->dropped_missing = (size_t)g[2];
	out->part = 1;
	out->lo = (size_t)before;
	out->hi = (size_t)(before + n);
	out->n = (size_t)total;
	rc = 0;
out:
	nn_enc_free(enc);
	nn_strtab_free(labels);
	nn_strtab_free(all);
	free(keep);
	return rc;
}

/* The general road in parts: this rank's rows of sp's range.  Returns 0
 * (out holds this rank's part), -1 (the transport failed) or an
 * NN_WHOLE_* reason, the same on every rank. */
static int
read_gshard(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_shard *sp, nn_data *out, nn_err *e)
{
	const nn_dist *dist = o->dist;
	table t;
	fcol *fc = NULL;
	nn_strtab **mine = NULL;
	uint64_t *st = NULL;
	size_t nf = 0;
	nn_csv *c;
	nn_err ign;
	char extra;
	int why = 0, rc = -1;

	memset(&t, 0, sizeof(t));
	if ((c = nn_csv_open_shard(fp, name, o, sp, &ign)) == NULL ||
	    table_load(&t, c, name, o, NULL, &ign) < 0)
		why = NN_WHOLE_ERROR;
	else if (sp->to == sp->size && pread(fileno(fp), &extra, 1,
	    (off_t)sp->size) > 0)
		why = NN_WHOLE_CHANGED;        /* it grew */
	if (dist->max(dist->ctx, &why, e) < 0)
		goto out;
	if ((rc = why) != 0)
		goto out;
	/* decide's counts, summed: numbers, strings, numbers not finite of
	 * each feature column; then the rows */
	for (size_t j = 0; j < t.ncols; j++)
		nf += t.role[j] == R_FEATURE;
	st = nn_xcalloc(3 * nf + 1, sizeof(*st));
	fc = nn_xcalloc(nf ? nf : 1, sizeof(*fc));
	mine = nn_xcalloc(nf ? nf : 1, sizeof(*mine));
	for (size_t j = 0, f = 0; j < t.ncols; j++)
		if (t.role[j] == R_FEATURE) {
			fc[f].j = j;
			if (!t.cat[j])
				gshard_count(&t, j, st + 3 * f);
			f++;
		}
	st[3 * nf] = t.n;
	rc = -1;
	if (nn_dist_sum(dist, st, 3 * nf + 1, e) < 0)
		goto out;
	rc = NN_WHOLE_ERROR;    /* decide's errors, and no rows */
	if (st[3 * nf] == 0)
		goto out;
	for (size_t f = 0; f < nf; f++) {
		const uint64_t *s = st + 3 * f;
		if (!t.cat[fc[f].j] && (s[2] > 0 || (s[1] == 0 && s[0] == 0) ||
		    (s[1] > 0 && s[0] > s[1])))
			goto out;
	}
	why = 0;
	for (size_t f = 0; f < nf; f++) {
		if (!t.cat[fc[f].j] && st[3 * f + 1] == 0)
			gshard_numeric(&t, fc[f].j, &fc[f]);
		else if (gshard_codes(&t, o, fc[f].j, &fc[f], &mine[f]) != 0)
			why = NN_WHOLE_ERROR;
	}
	rc = -1;
	if (dist->max(dist->ctx, &why, e) < 0)
		goto out;
	if ((rc = why) != 0)
		goto out;
	for (size_t f = 0; f < nf; f++)
		if (fc[f].type == NN_CTYPE_CATEGORICAL &&
		    (rc = gshard_cats(dist, o, t.n, &fc[f], mine[f], e)) != 0)
			goto out;
	rc = gshard_build(o, sp, &t, fc, nf, out, e);
out:
	for (size_t f = 0; f < nf; f++) {
		fcol_free(&fc[f]);
		nn_strtab_free(mine[f]);
	}
	free(fc);
	free(mine);
	free(st);
	table_free(&t);
	if (rc != 0)
		nn_data_free(out);
	return rc;
}

/* The columns as read_whole's numeric road tells them to the numeric
 * reader: names, roles, the columns to skip, the target by its name.
 * Returns 0, NN_WHOLE_GENERAL (a target without a name, which the
 * numeric reader cannot be told) or NN_WHOLE_ERROR. */
typedef struct cols {
	size_t ncols;
	char **names;           /* (ncols) */
	int *role;              /* (ncols) */
	unsigned char *skip;    /* (ncols) */
	long tc;
} cols;

static void
cols_free(cols *k)
{
	for (size_t j = 0; k->names != NULL && j < k->ncols; j++)
		free(k->names[j]);
	free(k->names);
	free(k->role);
	free(k->skip);
	memset(k, 0, sizeof(*k));
}

static int
cols_read(FILE *fp, const char *name, const nn_data_opts *o, cols *k)
{
	nn_csv *c = nn_csv_open_d(fp, name, o->header, o->delim, NULL);
	unsigned char *cat;
	nn_err ign;
	int rc;

	memset(k, 0, sizeof(*k));
	k->tc = -1;
	if (c == NULL)
		return NN_WHOLE_ERROR;
	k->ncols = nn_csv_ncols(c);
	k->names = nn_xmalloc(k->ncols * sizeof(*k->names));
	k->role = nn_xmalloc(k->ncols * sizeof(*k->role));
	k->skip = nn_xcalloc(k->ncols, 1);
	cat = nn_xcalloc(k->ncols, 1);
	for (size_t j = 0; j < k->ncols; j++)
		k->names[j] = nn_xstrdup(nn_csv_colname(c, j));
	nn_csv_free(c);
	rc = resolve_roles(o, (const char *const *)k->names, k->ncols, name,
	    k->role, &k->tc, cat, &ign) < 0 ? NN_WHOLE_ERROR :
	    k->tc >= 0 && k->names[k->tc][0] == '\0' ? NN_WHOLE_GENERAL : 0;
	for (size_t j = 0; j < k->ncols && rc == 0; j++)
		k->skip[j] = k->role[j] == R_SKIP || k->role[j] == R_ID;
	free(cat);
	return rc;
}

/* The numeric road in parts: each rank reads its byte range with
 * nn_data_read_shard, and the ranks join what one process would have
 * fitted.  Returns 0 (out holds this rank's part), -1 (the transport
 * failed: e), or an NN_WHOLE_* reason, the same on every rank. */
static int
read_nshard(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_shard *sp, nn_data *out, nn_err *e)
{
	const nn_dist *dist = o->dist;
	cols k = { .tc = -1 };
	nn_data_opts fo = *o;
	nn_strtab *mine = NULL, *all = NULL;
	uint64_t bytes = 0;
	nn_err ign;
	int why = 0, rc = -1;

	if (!o->numeric_only) {
		why = cols_read(fp, name, o, &k);
		fo.target = why == 0 && k.tc >= 0 ? k.names[k.tc] : "";
		if (fseeko(fp, (off_t)sp->at, SEEK_SET) != 0)
			why = NN_WHOLE_ERROR;
	}
	if (why == 0)
		why = nn_data_read_shard(fp, name, &fo, k.skip, sp, out, &mine,
		    &bytes, &ign);
	if (dist->max(dist->ctx, &why, e) < 0)
		goto out;
	if (why == 0 && out->target_col >= 0) {
		if ((why = join_labels(dist, mine, out, &all, e)) < 0)
			goto out;
		if (why == 0)
			nn_data_labels(out, all);
	}
	if (why == 0 && (why = finish_shard(o, (const char *const *)k.names,
	    k.role, k.ncols, out, e)) < 0)
		goto out;
	if (why == 0 && join_crc(dist, &out->crc, bytes, e) < 0)
		goto out;
	rc = why;
out:
	nn_strtab_free(mine);
	nn_strtab_free(all);
	cols_free(&k);
	if (rc != 0)
		nn_data_free(out);
	return rc;
}

/* The ranks' byte ranges of fp (nn_shard): 0 with *sp set, -1 (the
 * transport failed: e), or the NN_WHOLE_* reason on which every rank
 * agreed to read the whole file; fp stays where it was. */
static int
shard_range(FILE *fp, const char *name, const nn_data_opts *o, nn_shard *sp,
    nn_err *e)
{
	const nn_dist *dist = o->dist;
	int why;

	*sp = (nn_shard){ .rank = dist->rank, .nr = dist->size, .at = -1 };
	if (fp == stdin)
		why = NN_WHOLE_STDIN;
	else
		why = nn_shard_plan(fp, name, o, sp);
	if (dist->max(dist->ctx, &why, e) < 0)
		return -1;
	if (why != 0)
		return why;
	/* the quotes before each rank's share: where its cut may fall */
	if (nn_dist_scan(dist, sp->quotes, &sp->before, &sp->total, e) < 0)
		return -1;
	why = nn_shard_cut(fp, sp);
	if (dist->max(dist->ctx, &why, e) < 0)
		return -1;
	return why;
}

/* Each rank reads its byte range (nn_shard): on the numeric road where
 * one process takes it, else on the general one.  Returns 0 (out holds
 * this rank's part), -1 (the transport failed: e), or the NN_WHOLE_*
 * reason on which every rank agreed to read the whole file, with fp back
 * where it was. */
static int
read_shard(FILE *fp, const char *name, const nn_data_opts *o, nn_data *out,
    nn_err *e)
{
	nn_shard sp;
	int why;

	if ((why = shard_range(fp, name, o, &sp, e)) != 0)
		return why;
	/* the numeric road where one process tries it first (read_whole),
	 * else the general one; with numeric_only, the numeric reader's
	 * failure is an error */
	if (!o->numeric_only && o->categorical != NULL)
		why = NN_WHOLE_GENERAL;
	else if ((why = read_nshard(fp, name, o, &sp, out, e)) < 0)
		return -1;
	if (why == 0)
		return 0;
	if (why == NN_WHOLE_GENERAL && !o->numeric_only) {
		if ((why = read_gshard(fp, name, o, &sp, out, e)) < 0)
			return -1;
		if (why == 0) {
			(void)fseeko(fp, (off_t)sp.size, SEEK_SET);
			return 0;
		}
	}
	if (why == NN_WHOLE_GENERAL)
		why = NN_WHOLE_ERROR;
	if (fseeko(fp, (off_t)sp.at, SEEK_SET) != 0)
		return nn_errf(e, "%s: %s", name, strerror(errno));
	return why;
}

int
nn_data_read(FILE *fp, const char *name, const nn_data_opts *o,
    nn_data *out, nn_err *e)
{
	int why;

	memset(out, 0, sizeof(*out));
	if (!nn_dist_on(o->dist))
		return read_whole(fp, name, o, out, e);
	if ((why = read_shard(fp, name, o, out, e)) <= 0)
		return why;
	if (read_whole(fp, name, o, out, e) < 0)
		return -1;
	out->whole = whole_why[why];
	return 0;
}

/* ====================================================================== */
/* Reading with a fitted encoder                                          */
/* ====================================================================== */

/*
 * The rows are encoded as enc says, one at a time (with_encode); whatever
 * enc did not see in training (a category, a target value) is no
 * decision of the reader's, so with ranks (nn_data_opts.dist) each rank
 * reads its own byte range with the general reader's table
 * (nn_csv_open_shard, the cuts of nn_data_read) and encodes its rows
 * alone.  What the ranks then join is what nn_data_read joins: the target
 * values interned in rank order (the table one process builds in row
 * order, sorted by nn_data_labels), every row's y and t, the rows left
 * out, the CRC.  An error on any rank -- a missing value under --missing
 * error, a field that is not a number, a ragged row, no rows -- sends
 * every rank to the whole file, whose read names it with its line.
 */

/* This rank's rows of t (the columns of enc read) encoded into out->x
 * and out->y (indices into labels, NULL without a target), out->n the
 * rows kept; a row with a missing target is left out and counted.  The
 * missing-value tokens are the ones enc learned, when it kept any.
 * *full is set when labels could take no more (the index stored is then
 * not one).  -1 on a missing value under --missing error or a field of a
 * numeric column that is not a finite number: e names t's line. */
static int
with_encode(table *t, const char *name, const nn_enc *enc, nn_data *out,
    nn_strtab *labels, int *full, nn_err *e)
{
	size_t D = 0, n = 0;
	long *col;
	int rc = -1;

	if (enc->nna > 0) {     /* the tokens training learned to read */
		t->na = (const char *const *)enc->na;
		t->nna = enc->nna;
	}
	for (size_t m = 0; m < enc->ncols; m++)
		D += nn_incol_width(&enc->cols[m]);
	col = nn_xmalloc((enc->ncols ? enc->ncols : 1) * sizeof(*col));
	for (size_t m = 0; m < enc->ncols; m++)
		col[m] = -1;
	for (size_t m = 0; m < enc->ncols; m++)
		for (size_t j = 0; j < t->ncols; j++)
			if (t->role[j] == R_FEATURE &&
			    strcmp(nn_csv_colname(t->c, j), enc->cols[m].name) == 0)
				col[m] = (long)j;
	out->d = D;
	out->x = nn_xcalloc((t->n ? t->n : 1) * (D ? D : 1), sizeof(float));
	out->y = nn_xmalloc((t->n ? t->n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < t->n; i++) {
		if (t->tc >= 0 && na(t, field(t, (size_t)t->tc, i))) {
			out->dropped_target++;
			continue;
		}
		float *row = out->x + n * D;
		for (size_t m = 0; m < enc->ncols; m++) {
			const nn_incol *c = &enc->cols[m];
			const char *s = field(t, (size_t)col[m], i);
			int miss = na(t, s);
			if (miss && enc->missing == NN_MISSING_ERROR) {
				nn_errf(e, "%s:%lu:%.*s: missing value (the model was "
				    "trained with --missing error)", name, t->line[i],
				    QUOTE, c->name);
				goto out;
			}
			if (c->type == NN_CTYPE_NUMERIC) {
				float v = c->fill;
				if (!miss && (nn_parse_float(s, strlen(s), &v) != 0 ||
				    !isfinite(v))) {
					nn_errf(e, "%s:%lu:%.*s: expected a number, got "
					    "\"%.*s\"", name, t->line[i], QUOTE, c->name,
					    QUOTE, s);
					goto out;
				}
				row[c->off] = v;
			} else {
				long k = miss ? (long)c->fill_cat : nn_incol_find(c, s);
				if (k >= 0)
					row[c->off + (size_t)k] = 1.0f;
			}
		}
		if (labels != NULL) {
			const char *s = field(t, (size_t)t->tc, i);
			long k = nn_strtab_intern(labels, s, strlen(s));
			*full |= k < 0;
			out->y[n] = (uint32_t)k;
		}
		n++;
	}
	out->n = n;
	rc = 0;
out:
	free(col);
	return rc;
}

/* The whole file on this process (every rank, when they read it all). */
static int
read_with_whole(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_enc *enc, nn_data *out, nn_err *e)
{
	table t;
	nn_strtab *labels = NULL;
	int full = 0, rc = -1;

	if (table_read(&t, fp, name, o, enc, e) < 0)
		return -1;
	if (t.tc >= 0)
		labels = nn_strtab_new();
	if (with_encode(&t, name, enc, out, labels, &full, e) < 0)
		goto out;
	if (out->n == 0) {
		nn_errf(e, "%s: no data rows", name);
		goto out;
	}
	out->ncols = t.ncols;
	out->target_col = t.tc;
	out->delim = nn_csv_delim(t.c);
	out->crc = nn_csv_crc(t.c);
	if (labels != NULL) {
		out->target_name = nn_xstrdup(nn_csv_colname(t.c, (size_t)t.tc));
		nn_data_labels(out, labels);
	} else {
		free(out->y);
		out->y = NULL;
	}
	rc = 0;
out:
	nn_strtab_free(labels);
	table_free(&t);
	if (rc < 0)
		nn_data_free(out);
	return rc;
}

/* Each rank its byte range, encoded alone, then joined.  Returns 0 (out
 * holds this rank's part), -1 (the transport failed: e), or the NN_WHOLE_*
 * reason on which every rank agreed to read the whole file, with fp back
 * where it was. */
static int
read_with_shard(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_enc *enc, nn_data *out, nn_err *e)
{
	const nn_dist *dist = o->dist;
	nn_shard sp;
	table t;
	nn_strtab *labels = NULL, *all = NULL;
	uint64_t before, total, dropped;
	uint32_t crc = 0;
	nn_csv *c;
	nn_err ign;
	char extra;
	int why, full = 0, rc = -1;

	memset(&t, 0, sizeof(t));
	if ((why = shard_range(fp, name, o, &sp, e)) != 0)
		return why;
	if ((c = nn_csv_open_shard(fp, name, o, &sp, &ign)) == NULL ||
	    table_load(&t, c, name, o, enc, &ign) < 0)
		why = NN_WHOLE_ERROR;
	else if (sp.to == sp.size && pread(fileno(fp), &extra, 1,
	    (off_t)sp.size) > 0)
		why = NN_WHOLE_CHANGED;        /* it grew */
	if (why == 0) {
		if (t.tc >= 0)
			labels = nn_strtab_new();
		if (with_encode(&t, name, enc, out, labels, &full, &ign) < 0 ||
		    full)
			why = NN_WHOLE_ERROR;
		crc = nn_csv_crc(t.c);
	}
	if (dist->max(dist->ctx, &why, e) < 0)
		goto out;
	if ((rc = why) != 0)
		goto out;
	rc = -1;
	dropped = out->dropped_target;
	if (nn_dist_scan(dist, out->n, &before, &total, e) < 0 ||
	    nn_dist_sum(dist, &dropped, 1, e) < 0 ||
	    join_crc(dist, &crc, (uint64_t)(sp.to - (sp.rank == 0 ? sp.at :
	    sp.from)), e) < 0)
		goto out;
	rc = NN_WHOLE_ERROR;    /* no data rows: the whole read's message */
	if (total == 0)
		goto out;
	rc = -1;
	if (labels != NULL) {
		out->target_name = nn_xstrdup(nn_csv_colname(t.c, (size_t)t.tc));
		if ((rc = join_labels(dist, labels, out, &all, e)) != 0) {
			rc = rc < 0 ? -1 : NN_WHOLE_ERROR;
			goto out;
		}
		rc = -1;
		nn_data_labels(out, all);
		if (gather_rows(dist, (void **)&out->y, out->n, sizeof(*out->y),
		    e) < 0 || (out->t != NULL && gather_rows(dist,
		    (void **)&out->t, out->n, sizeof(*out->t), e) < 0))
			goto out;
	} else {
		free(out->y);
		out->y = NULL;
	}
	out->ncols = t.ncols;
	out->target_col = t.tc;
	out->delim = nn_csv_delim(t.c);
	out->crc = crc;
	out->dropped_target = (size_t)dropped;
	out->part = 1;
	out->lo = (size_t)before;
	out->hi = (size_t)(before + out->n);
	out->n = (size_t)total;
	rc = 0;
out:
	nn_strtab_free(labels);
	nn_strtab_free(all);
	table_free(&t);
	if (rc != 0)
		nn_data_free(out);
	if (rc > 0 && fseeko(fp, (off_t)sp.at, SEEK_SET) != 0)
		return nn_errf(e, "%s: %s", name, strerror(errno));
	if (rc == 0)
		(void)fseeko(fp, (off_t)sp.size, SEEK_SET);
	return rc;
}

int
nn_data_read_with(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_enc *enc, nn_data *out, nn_err *e)
{
	int why;

	memset(out, 0, sizeof(*out));
	if (!nn_dist_on(o->dist))
		return read_with_whole(fp, name, o, enc, out, e);
	if ((why = read_with_shard(fp, name, o, enc, out, e)) <= 0)
		return why;
	if (read_with_whole(fp, name, o, enc, out, e) < 0)
		return -1;
	out->whole = whole_why[why];
	return 0;
}

/* ====================================================================== */
/* The task a target asks for                                             */
/* ====================================================================== */

int
nn_data_task(const nn_data *d, nn_task *task, char *why, size_t len)
{
	const char *tn = d->target_name ? d->target_name : "?";
	const size_t k = d->nlabels;

	if (d->t == NULL) {
		*task = k > 2 ? NN_TASK_MULTICLASS : NN_TASK_BINARY;
		snprintf(why, len, "target \"%.*s\" has %zu distinct string%s",
		    QUOTE, tn, k, k == 1 ? "" : "s");
		return 0;
	}
	if (!d->t_integral) {
		*task = NN_TASK_REGRESSION;
		snprintf(why, len, "target \"%.*s\" has non-integer numbers",
		    QUOTE, tn);
		return 0;
	}
	if (k <= 20) {
		*task = k > 2 ? NN_TASK_MULTICLASS : NN_TASK_BINARY;
		snprintf(why, len, "target \"%.*s\" has %zu distinct integer%s",
		    QUOTE, tn, k, k == 1 ? "" : "s");
		return 0;
	}
	/* Many integers: class codes are a run 0..k-1 or 1..k with many rows
	 * each; counts and amounts are scattered, with few rows per value. */
	double lo = strtod(d->labels[0], NULL), hi = strtod(d->labels[k - 1], NULL);
	int run = hi - lo + 1.0 == (double)k && (lo == 0.0 || lo == 1.0);
	double per = (double)d->n / (double)k;
	if (run && per >= 5.0) {
		*task = NN_TASK_MULTICLASS;
		snprintf(why, len, "target \"%.*s\" has %zu consecutive integers "
		    "%s..%s, %.0f rows each on average: class codes", QUOTE, tn, k,
		    d->labels[0], d->labels[k - 1], per);
		return per < 10.0;
	}
	*task = NN_TASK_REGRESSION;
	snprintf(why, len, "target \"%.*s\" has %zu distinct integers%s, %.1f "
	    "rows each on average: a quantity", QUOTE, tn, k,
	    run ? " in a run" : "", per);
	return k <= 200 && (run || per >= 5.0);
}
