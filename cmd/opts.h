/*
 * opts.h - a program's options, described once.
 *
 * Each program's options are one table, in cmd/opts/PROG.h.  From it come
 * getopt_long's struct option[] and short-option string (opts.c), the
 * lines of -h/--help with their defaults, the "did you mean" of a mistyped
 * option, and the bash and zsh completion (completion/mkcomp.c, at build
 * time).  Nothing is written twice, so nothing can drift.
 *
 * A table is an array of opt_spec, one row per option, ended by { 0 }:
 *
 *   { KEY, "long-name", "ARG", COMP, values, default, "what it does" },
 *
 *   KEY      the short letter ('r'), which is also what opt_next returns;
 *            an option without one has a constant >= OPT_LONG from the
 *            enum above its table (one more line there).
 *   ARG      the argument's name in help (as in the SYNOPSIS); NULL for a
 *            flag.
 *   COMP     what completes the argument in a shell: COMP_NONE (a number,
 *            free text), COMP_FILE, COMP_CSV (a data file), COMP_MODEL
 *            (*.nn), COMP_COLUMN or COMP_COLUMNS (one column name, or a
 *            comma-separated list of them, from the header line of the CSV
 *            file named on the command line).
 *   values   the words the argument accepts, as a function: name i, NULL
 *            past the last (OPT_VALUES makes one from a list; others ask
 *            the library); help lists them, completion offers them.  NULL
 *            when the argument is not a word from a list.
 *   default  the default as help shows it; NULL: none (help then says
 *            nothing); OPT_DEF: whatever the code uses, printed at run time
 *            by the program's defaults() -- a hyperparameter's default has
 *            one home, the library or the program, never a copy here.
 *   help     one short line: lower case, no final period.
 *
 * Adding an option is a row here (and its key in the enum if it has no
 * letter), then its case in the program's switch.  -h/--help and --version
 * are every program's and are not in the tables.
 */
#ifndef NN_CMD_OPTS_H
#define NN_CMD_OPTS_H

#include <stddef.h>
#include <stdio.h>

/* Keys of options with no short letter start here (0x100 is --version). */
#define OPT_LONG 0x200

typedef enum opt_comp {
	COMP_NONE, COMP_FILE, COMP_CSV, COMP_MODEL, COMP_COLUMN, COMP_COLUMNS
} opt_comp;

/* Name i of a list of words, NULL past the last. */
typedef const char *opt_values_fn(int i);

typedef struct opt_spec {
	int key;
	const char *name;
	const char *arg;
	opt_comp comp;
	opt_values_fn *values;
	const char *def;
	const char *help;
} opt_spec;

/* The default is the code's: help asks the program's defaults(). */
extern const char OPT_DEF[];

/* A word of a list help shows and completion offers (nn-gen's kinds,
 * nn-plot's figures, nn-model's commands). */
typedef struct opt_word {
	const char *name, *help;
} opt_word;

typedef struct opt_prog {
	const char *name;           /* "nn-train" */
	const char *synopsis;       /* "usage: " and the man page's SYNOPSIS */
	const opt_spec *opts;       /* ends with { 0 } */
	/* the first operand names one of words (ends with { NULL }), which
	 * help lists under words_title ("KIND"); NULL: no such operand */
	const char *words_title;
	const opt_word *words;
	opt_comp operands;          /* what completes the (other) operands */
	/* The OPT_DEF default of option key, as text: a literal, or written
	 * into buf (size bytes).  NULL when no row uses OPT_DEF. */
	const char *(*defaults)(int key, char *buf, size_t size);
} opt_prog;

/* opt_values_fn NAME from a list of words. */
#define OPT_VALUES(fn, ...)                                                  \
	static const char *fn(int i)                                         \
	{                                                                    \
		static const char *const v[] = { __VA_ARGS__, NULL };        \
		return v[i];                                                 \
	}

/* A macro's value as a string, for a default that is a program's
 * constant: OPT_STR(ROWS) is "200" after #define ROWS 200. */
#define OPT_STR_(x) #x
#define OPT_STR(x) OPT_STR_(x)

/*
 * getopt_long over p's table: the key of the next option (its argument in
 * optarg), -1 when none is left (operands then start at optind).  -h and
 * --help print the help and exit 0; --version prints the version and exits
 * 0.  A usage error -- an unknown or ambiguous option, a missing argument,
 * an argument to a flag -- prints one line naming it (and the option the
 * user probably meant) and exits 2.  The first call also arranges that
 * every exit with status 2, a usage error by the project's rule, ends with
 * "Try 'PROG --help'." on stderr.
 */
int opt_next(const opt_prog *p, int argc, char **argv);

/* The row of key in p's table, or NULL. */
const opt_spec *opt_find(const opt_prog *p, int key);

/* The help: synopsis, options with their defaults and values, words. */
void opt_help(const opt_prog *p, FILE *fp);

/* A usage error about the operands: "PROG: missing WHAT" (and the list
 * of words when WHAT is words_title), "PROG: extra operand 'ARG'"; exit 2. */
void opt_missing(const opt_prog *p, const char *what)
    __attribute__((noreturn));
void opt_extra(const char *arg) __attribute__((noreturn));

#endif
