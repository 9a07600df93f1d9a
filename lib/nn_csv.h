/*
 * nn_csv.h - every CSV read in nnkit goes through here, on top of libcsv.
 *
 * Two layers:
 *  - nn_csv: a streaming reader.  The caller says, per column, whether it is
 *    a number (parsed straight into a float matrix, no per-field allocation),
 *    a text field (kept as a string for the rows of the current batch) or
 *    skipped.  Memory is bounded by the batch, so nn-predict can stream an
 *    endless input.
 *  - nn_data: a whole training set read into memory, with a target column
 *    whose values are interned into sorted class labels (and parsed as
 *    numbers when they all are, for regression).
 *
 * Every error names the input, the physical line and, for a field, the
 * 1-based column: "train.csv:17:3: expected a number, got "abc"".
 * Blank lines are skipped.  CR LF line ends are accepted.
 */
#ifndef NN_CSV_H
#define NN_CSV_H

#include "nn_base.h"
#include "nn_enc.h"
#include "nn_model.h"

/* ---- streaming reader --------------------------------------------------- */

/* Column roles for nn_csv_set_roles(): a value >= 0 is the index of a numeric
 * column in the output matrix; NN_COL_SKIP ignores the column; NN_COL_TEXT(k)
 * keeps it as text slot k (0 <= k < ntext). */
#define NN_COL_SKIP (-1)
#define NN_COL_TEXT(k) (-2 - (k))

typedef struct nn_csv nn_csv;

/* Start reading fp (not closed by nn_csv_free; may be a pipe: it is read
 * once, front to back).  name is used in messages ("train.csv", "<stdin>").
 * The first record is read now: with header != 0 it gives the column names;
 * otherwise the names are "1", "2", ... and the record is the first data row.
 * Errors: empty input ("NAME: empty input"), I/O, malformed CSV.
 * Returns NULL on error.  Owned by the caller: nn_csv_free. */
nn_csv *nn_csv_open(FILE *fp, const char *name, int header, nn_err *e);
/* The same with the field separator delim (',', '\t', ';', '|', any
 * byte but a quote or a line end), or 0: nn_csv_open's default, detect it.
 * Lines before the first record that are blank or start with '#' are
 * skipped (and counted).  Detection: the one of comma, tab, semicolon and
 * pipe that the first record's line holds most often outside quotes
 * (ties in that order; none: comma). */
nn_csv *nn_csv_open_d(FILE *fp, const char *name, int header, int delim,
    nn_err *e);
void nn_csv_free(nn_csv *c);
/* The separator in use (given or detected): writers of derived files use
 * it too. */
int nn_csv_delim(const nn_csv *c);
/* Fields of numeric columns equal to one of na[0..n) (borrowed; the
 * empty string counts) read as NaN: missing, for the caller to fill. */
void nn_csv_set_na(nn_csv *c, const char *const *na, size_t n);
/* Whether s is one of the missing-value tokens set. */
int nn_csv_is_na(const nn_csv *c, const char *s);

size_t nn_csv_ncols(const nn_csv *c);
/* Borrowed: valid until nn_csv_free. */
const char *nn_csv_colname(const nn_csv *c, size_t j);
/* Index of the column named `name`, or -1. */
long nn_csv_find(const nn_csv *c, const char *name);

/* roles: ncols entries, copied.  nnum: width of the numeric matrix (every
 * index in [0, nnum) must appear exactly once); ntext: number of text slots.
 * allow_nonfinite: accept "nan", "inf" in numeric columns (else an error
 * naming line and column).  Empty numeric fields are always an error. */
int nn_csv_set_roles(nn_csv *c, const int *roles, size_t nnum, size_t ntext,
    int allow_nonfinite, nn_err *e);

/* Read up to max data rows; numeric columns go to x (max, nnum), row-major.
 * Returns the number of rows read (0 at the end of the input), or -1 on
 * error (ragged row: "NAME:LINE: expected N fields, got M"; non-numeric
 * field: "NAME:LINE:COL: expected a number, got "abc""). */
long nn_csv_read(nn_csv *c, float *x, size_t max, nn_err *e);

/* Text slot k of row i of the last nn_csv_read; borrowed, valid until the
 * next nn_csv_read. */
const char *nn_csv_text(const nn_csv *c, size_t i, size_t k);
/* Physical line number (1-based) where row i of the last read started. */
unsigned long nn_csv_line(const nn_csv *c, size_t i);
/* CRC-32 of every byte consumed from fp so far (the whole input once
 * nn_csv_read has returned 0). */
uint32_t nn_csv_crc(const nn_csv *c);

/* Progress of a long read, for a program's reading bar (the library never
 * prints): fn(arg, done, total) is called each time the bytes read from
 * the input since nn_csv_open pass another multiple of NN_PROGRESS_STEP,
 * and once when a stream ends (then total == done: what is left to do is
 * no more reading).  total is the input's size from where the reader
 * started when the input is a regular file, else 0 (a pipe; gzip data,
 * whose compressed size says nothing of the bytes read).  done may pass
 * total by a little (a chunk read twice where parallel parts meet).  The
 * parallel reader of nn_data_read may call it from any of its threads,
 * never two at once.  fn NULL: no calls. */
typedef void nn_progress_fn(void *arg, uint64_t done, uint64_t total);
#define NN_PROGRESS_STEP ((uint64_t)4 << 20)
void nn_csv_set_progress(nn_csv *c, nn_progress_fn *fn, void *arg);

/* ---- whole data sets -------------------------------------------------- */

typedef struct nn_data_opts {
	int header;          /* first line holds column names */
	const char *target;  /* column name, or 1-based number; NULL = last column;
	                        "" = no target column (all columns features) */
	int delim;           /* field separator, 0: detect (nn_csv_open_d) */
	/* Column lists: names or 1-based numbers, commas and ranges
	 * ("1,3-5,price"), or NULL.  features: only these are features (else
	 * every column not otherwise named); ignore: not read at all; id: never
	 * features, remembered for prediction's output; categorical: one-hot
	 * even if every value is a number (zip codes, codes 1-4). */
	const char *features, *ignore, *id, *categorical;
	const char *const *na;  /* (nna) missing-value tokens; NULL: none, and
	                           an empty or non-numeric feature is an error */
	size_t nna;
	nn_missing missing;     /* what a missing feature becomes */
	size_t max_categories;  /* a column with more distinct strings is an
	                           error (0: no limit) */
	int numeric_only;       /* every feature must be a number: no
	                           categories, the numeric reader's errors */
	/* Ranks (nn_base.h), or NULL: nn_data_read and nn_data_read_with
	 * then read only this rank's byte range of a regular file when they
	 * can (out->part), with everything fitted on the rows (labels,
	 * fills, the CRC) as one process would fit it on all of them. */
	const nn_dist *dist;
	nn_progress_fn *progress;  /* NULL, or told of the bytes read
	                              (nn_csv_set_progress); a reader that
	                              starts the file over starts from 0 */
	void *progress_arg;
} nn_data_opts;

/* The missing-value tokens without --na: "", NA, N/A, NaN, nan, ?, null,
 * NULL, None. */
extern const char *const nn_na_default[];
extern const size_t nn_na_default_n;
/* Default of --max-categories. */
#define NN_MAX_CATEGORIES 100

typedef struct nn_data {
	size_t n, d;          /* rows, features */
	float *x;             /* (n, d) features, as read (not scaled) */
	char **feat_names;    /* (d) column names of the features */
	char *target_name;    /* NULL when there is no target */
	size_t ncols;         /* columns in the file */
	long target_col;      /* 0-based column of the target in the file, -1 none */
	/* target, when there is one: */
	size_t nlabels;       /* distinct target values */
	char **labels;        /* (nlabels) sorted: numerically when all numeric,
	                         else by strcmp */
	uint32_t *y;          /* (n) index into labels */
	float *t;             /* (n) target as a number, NULL unless every value
	                         is a finite number */
	int t_integral;       /* every target value is an integer */
	uint32_t crc;         /* CRC-32 of the input's bytes */
	int delim;            /* the field separator read */
	/* How the file's columns became the d features (nn_data_read): owned,
	 * handed to the model; and what it took. */
	nn_enc *enc;
	uint64_t *filled;     /* (enc->ncols) missing values filled */
	size_t dropped_target;  /* rows left out: missing target */
	size_t dropped_missing; /* rows left out: --missing drop */
	/* With nn_data_opts.dist: part set when x holds only this rank's rows
	 * [lo, hi) of the n (y and t hold every row's, as without; so does
	 * everything else: labels, enc and its fills, filled, the dropped
	 * counts, crc -- the bytes one process reading the whole file gets;
	 * nn_data_read_with's enc and filled stay NULL, as without);
	 * else every rank read every row, and whole says why (static text,
	 * e.g. "standard input"), NULL without dist. */
	int part;
	size_t lo, hi;
	const char *whole;
} nn_data;

/* Read a whole CSV for training (lib/data.c): every column gets its role
 * from o; a feature column whose non-missing values are all numbers is
 * numeric, any other is categorical (one-hot, categories sorted);
 * missing values are filled as o->missing says, the fills learned here;
 * a row with a missing target is left out (counted).  out->enc says all of
 * it, for the model.  Every error names the file, the line and the
 * column's name.  On error returns -1 and leaves *out empty.  Owned by the
 * caller: nn_data_free (safe on a zeroed or freed struct). */
int nn_data_read(FILE *fp, const char *name, const nn_data_opts *o,
    nn_data *out, nn_err *e);
/* Read a file with the columns enc was fitted on (validation data, or
 * the training data of a resumed run): the features by name, encoded as
 * enc says (fills, categories; unseen ones zero; a missing value an error
 * under --missing error), the target (o->target, NULL: none) as text
 * labels like nn_data_read's, a row with a missing target left out
 * (counted).  With o->dist each rank reads and encodes only its byte range
 * (cut as nn_data_read's, out->part), the ranks join the labels, y, t, the
 * counts and the CRC as one process's; any rank's error or doubt sends
 * every rank to the whole file (out->whole), so a message is one
 * process's.  Sets neither out->enc nor out->filled. */
int nn_data_read_with(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_enc *enc, nn_data *out, nn_err *e);
/* The numeric reader under nn_data_read (lib/csv.c): every feature column
 * numeric (a missing token reads as NaN), in parallel parts on a regular
 * file.  Fails on any other field; nn_data_read then reads the file again
 * with the general reader, which knows what to make of it. */
int nn_data_read_fast(FILE *fp, const char *name, const nn_data_opts *o,
    const unsigned char *skip, nn_data *out, nn_err *e);
/* Why the ranks of nn_data_read each read the whole file after all
 * (nn_data.whole says it in words).  Every rank finds its own reason, and
 * the ranks agree on the largest: one rank's error sends all of them to
 * the whole file, which then gives one process's result or message. */
enum {
	NN_WHOLE_NONE,          /* sharded: out->part */
	NN_WHOLE_GENERAL,       /* not a reason to read everything: the
	                           numeric reader does not take the file (a
	                           text field, a missing target, --categorical,
	                           ...), so the ranks read their parts with the
	                           general reader; the smallest, so any rank's
	                           real reason wins */
	NN_WHOLE_STDIN,         /* standard input */
	NN_WHOLE_NOTREG,        /* not a regular file */
	NN_WHOLE_ERROR,         /* an error, which the whole read names */
	NN_WHOLE_CHANGED,       /* the file changed while read */
};
/* One rank's byte range of a regular file (nn_data_read with o->dist).
 * The data bytes [start, size) after the header record are cut into
 * nr nearly equal nominal shares; each cut then moves on to just after
 * the first LF with an even number of quote bytes ('"') before it in the
 * data: a row start, since under strict CSV a field's quotes come in
 * pairs ("" inside a quoted field included), so the parity is odd exactly
 * inside a quoted field.  Rows [lo, hi) fall to the rank whose range
 * holds their start; a rank may get none.  Rank 0's range starts at the
 * header (at).  nn_shard_plan fills at, start, size and quotes (those of
 * this rank's nominal share) without a word between the ranks; the
 * caller sets before and total (nn_dist_scan of quotes); nn_shard_cut
 * then sets from and to, each rank its own and its successor's cut, so
 * the ranges meet without another word.  Both return 0 or an NN_WHOLE_*
 * reason; fp stays where it was. */
typedef struct nn_shard {
	int rank, nr;           /* this rank, of nr */
	int64_t at;             /* where fp stood: the header */
	int64_t start, size;    /* the data bytes */
	uint64_t quotes;        /* in this rank's nominal share */
	uint64_t before, total; /* the caller's: in the shares of the ranks
	                           before, and in all of them */
	int64_t from, to;       /* this rank's bytes (rank 0: from == start,
	                           its reader starts at at) */
} nn_shard;
int nn_shard_plan(FILE *fp, const char *name, const nn_data_opts *o,
    nn_shard *sp);
int nn_shard_cut(FILE *fp, nn_shard *sp);
/* A streaming reader of the rows of sp's range: rank 0's is nn_csv_open_d's
 * from at, stopped at to; another rank's has the header's columns and
 * delimiter and starts at from, its line numbers counted from 1 there (an
 * error in a shard is only a reason to read the whole file).  nn_csv_crc
 * is the CRC-32 of the range's bytes (rank 0's from at) once read. */
nn_csv *nn_csv_open_shard(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_shard *sp, nn_err *e);
/* nn_data_read_fast on this rank's byte range of a regular file only
 * (sp, after nn_shard_cut): the range is parsed in parts as a whole
 * file would be (one part when the data holds a quote: the parts of a
 * range are cut at any LF).  out->x and out->y hold its rows, y as
 * indices into *labels (its target values in order of first appearance;
 * owned, nn_strtab_free), out->crc the CRC-32 of its *bytes bytes (rank
 * 0's include the header).  No collective call: nn_data_read joins the
 * ranks.  Returns 0, NN_WHOLE_GENERAL when the numeric reader does not
 * take a field, or a reason to read the whole file. */
int nn_data_read_shard(FILE *fp, const char *name, const nn_data_opts *o,
    const unsigned char *skip, const nn_shard *sp, nn_data *out,
    nn_strtab **labels, uint64_t *bytes, nn_err *e);
/* The CRC-32 of bytes A then B, from crc(A), crc(B) and B's length. */
uint32_t nn_crc32_cat(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
/* Sort the labels interned in t (numerically when every one is a finite
 * number) into d->labels, remap d->y (n, indices into t), and fill d->t and
 * d->t_integral when the target is numeric. */
void nn_data_labels(nn_data *d, const nn_strtab *t);
/* The task the target of d asks for, with the reason in why (for the
 * user: "target "species" has 3 distinct strings").  Strings: classes;
 * non-integer numbers: regression; up to 20 distinct integers: classes;
 * more: classes when they are a run 0..k-1 or 1..k with at least 5 rows
 * each on average, else regression.  Returns 1 when the rule is unsure
 * (the caller should say so and name --task), else 0. */
int nn_data_task(const nn_data *d, nn_task *task, char *why, size_t len);
/* Mark the columns of a LIST (see nn_data_opts) in mark[0..n), given the
 * column names; opt and file name the list in messages. */
int nn_cols_select(const char *list, const char *const *names, size_t n,
    const char *file, const char *opt, unsigned char *mark, nn_err *e);
void nn_data_free(nn_data *d);

/* ---- writing ----------------------------------------------------------- */

/* Write s as one CSV field, quoted (RFC 4180) only when it needs it.
 * Returns 0, or -1 on a write error (errno set). */
int nn_csv_put(FILE *fp, const char *s);
/* The same for a file whose field separator is delim. */
int nn_csv_put_d(FILE *fp, const char *s, int delim);

/* ---- hold-out split and K folds (split.c) ------------------------------ */

/* How rows are set aside for testing or validation, in one place, so that
 * nn-split's TEST and training's validation rows and folds follow the same
 * rules.  Rows are 0 .. n-1 (n <= UINT32_MAX); y, when not NULL, gives
 * each row's class, an index below nclass (e.g. nn_data's y and nlabels),
 * and makes the split stratified.  The same arguments and seed always give
 * the same result, on every platform. */

/* Each function seeds its generator with seed ^ its constant: its own
 * stream, so a program that uses the same --seed for something else (the
 * initial weights) does not correlate the two.  (nn-train's values from
 * before the split moved here.) */
#define NN_SEED_SPLIT 0x7a15eedULL     /* nn_split_holdout */
#define NN_SEED_KFOLD 0xf01d5eedULL    /* nn_split_kfold */

/* The test rows a fraction asks for: frac * n rounded up, forgiving the
 * rounding error of frac * n itself (0.07 of 100 is 7, not 8): 60 of 200
 * for 0.3, 1 of 3 for 0.25.  0 for frac <= 0, n for frac >= 1. */
size_t nn_split_ntest(double frac, size_t n);

/* Hold out *ntest of the n rows: is_test[i] (n) = 1 for a test row, else
 * 0.  order (n), unless NULL, gets the shuffled order the rows were taken
 * in; an output written in that order is shuffled too.
 *
 * Without y the test rows are the first *ntest of one seeded shuffle.  With
 * y each class gets its share of the test rows: of T = *ntest, a class with
 * k of the n rows gets T * k / n rounded down; the rows still missing go,
 * one each, to the classes with the largest remainders (ties in a random
 * order), so the total is T, as without y -- except that a class of two
 * or more rows keeps at least one for training: a row it cannot spare goes
 * to the next class in that order.  (A class of a single row is a row like
 * any other; stratifying by a column of distinct values is a plain split.)
 * Only when the classes cannot spare T rows in all (T > n minus the number
 * of classes of two rows or more) is the total smaller: every row but one
 * of each such class.  *ntest is set to the total, at least 1 when T >= 1.
 * Each class's test rows are the first of its rows in the shuffled order.
 *
 * Errors: *ntest >= n (while n > 0: no row would be left for training), a
 * class index >= nclass, n > UINT32_MAX. */
int nn_split_holdout(const uint32_t *y, size_t n, size_t nclass,
    size_t *ntest, uint64_t seed, uint8_t *is_test, uint32_t *order,
    nn_err *e);

/* Deal the n rows into k folds: fold[i] (n) in [0, k).  The rows are
 * shuffled and dealt round-robin -- with y class after class (in index
 * order), the count running on from one class to the next -- so fold sizes
 * differ by at most one row, and so do a class's rows in any two folds.
 * Errors: k < 2, k > n (an empty fold), a class index >= nclass,
 * n > UINT32_MAX. */
int nn_split_kfold(const uint32_t *y, size_t n, size_t nclass, size_t k,
    uint64_t seed, uint32_t *fold, nn_err *e);

#endif
