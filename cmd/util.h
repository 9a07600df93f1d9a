/*
 * util.h - what every nnkit program shares: option values that exit 2 when
 * bad (the options themselves: opts.h), opening inputs ("-" or no name =
 * stdin), --version, checked output, and the rule that no output
 * overwrites an input.  Only cmd/ may print or exit; lib/ returns errors.
 */
#ifndef NN_CMD_UTIL_H
#define NN_CMD_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "nn.h"

/* Long option values shared by every program. */
#define OPT_HELP 'h'
#define OPT_VERSION 0x100

/* Print "PROG (nnkit) VERSION" on stdout and exit 0. */
void print_version(void) __attribute__((noreturn));

/* -h/--help, usage errors and each program's options: opts.h. */

/* Range-checked option values: on a bad value print
 * "PROG: OPT: expected ..., got "s"" and exit 2 (a usage error). */
long opt_long(const char *s, long lo, long hi, const char *opt);
double opt_double(const char *s, double lo, double hi, const char *opt);
uint64_t opt_seed(const char *s, const char *opt);
/* The command line as one string (a model records it): words joined by
 * spaces, single-quoted when a shell would read anything in them.
 * Owned by the caller. */
char *join_argv(int argc, char **argv);
/* A field separator: one character, or tab, comma, semicolon, pipe, space,
 * \t; anything else exits 2. */
int opt_delim(const char *s, const char *opt);

/* Open path for reading; NULL or "-" is stdin.  gzip data, known by its
 * first bytes, is read decompressed (nn_input_open).  *name gets the name
 * to use in messages ("<stdin>" or path).  Exits 1 with "PROG: path:
 * strerror" on failure.  The file is noted as an input (note_input).
 * Standard input that is a terminal is announced first on stderr
 * ("PROG: reading data from the terminal; end with Ctrl-D"). */
FILE *open_input(const char *path, const char **name);
/* What open_input opens with: nn_input_open, or nn-train-mpi's (every
 * rank opens its own copy, or gets rank 0's bytes: cmd/mpi.h). */
extern FILE *(*input_opener)(const char *path, nn_err *e);
/* The ranks that share the reading of fp, when it was opened by a rank
 * that can read its own part of it (nn-train-mpi: nn_data_opts.dist), else
 * NULL (every other program: always). */
extern const nn_dist *(*input_parts)(FILE *fp);

/* Why a read of fp failed: gzip's message (nn_input_error), else
 * strerror(errno). */
const char *input_error(FILE *fp);

/*
 * No program writes over one of its inputs.  Each input is noted (its
 * device and inode, through symbolic links) when open_input opens it, or by
 * note_input for one a program opens itself (a model, through
 * nn_model_load) or before it is opened; NULL is no input, "-" standard
 * input, and a path that cannot be stat'ed is skipped (opening it will
 * fail).  Only regular files count: a terminal or /dev/null may be both.
 *
 * Standard output is never an input: note_input and open_input refuse, at
 * once, an input that is also standard output (guard_stdout), before a byte
 * of it is read.  Under `>` the shell has emptied the file already, and the
 * message should say why, not "empty input".
 *
 * guard_output(path, what): call before creating or replacing output path,
 * given by option or operand `what` ("-o", "--log", "TRAIN"), once the
 * inputs are noted; NULL does nothing, "-" is standard output.  A path that
 * does not exist yet is never an input.
 *
 * On an overlap they exit 2 (a usage error), with one of
 *   PROG: -o data.csv is also an input; refusing to overwrite it
 *   PROG: -o link.csv is also an input (data.csv); refusing to overwrite it
 *   PROG: standard output is also an input (data.csv); refusing to
 *   overwrite it
 */
void note_input(const char *path);
void guard_output(const char *path, const char *what);
void guard_stdout(void);

/* Flush and check stdout; a write error exits 1 ("PROG: stdout: ...").  A
 * closed pipe (EPIPE, when SIGPIPE is ignored) exits quietly. */
void close_stdout(void);

/* Print "PROG: msg" for an nn_err and exit with status. */
void die_err(int status, const nn_err *e) __attribute__((noreturn));

/* nn-predict's prediction column is named after the model's task, so that
 * nn-eval and nn-plot read the task from the header instead of guessing it
 * from the values; "predicted" (hand-made files) says nothing. */
#define PRED_COL_LABEL "predicted_label"     /* binary, multiclass */
#define PRED_COL_VALUE "predicted_value"     /* regression */
#define PRED_COL_PLAIN "predicted"

/* The prediction column of c: the last column named PRED_COL_LABEL or
 * PRED_COL_VALUE (nn-predict writes it after the echoed target, which
 * could bear the same name), else the first named PRED_COL_PLAIN; -1 when
 * there is none. */
long pred_column(const nn_csv *c);

/* v on stdout in the fewest digits (15 to 17) that read back as exactly v
 * (a table that is read again ranks and averages as the first did); a
 * value that is not finite as none ("" in CSV, "null" in JSON). */
void put_exact(double v, const char *none);

#endif
