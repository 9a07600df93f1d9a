/*
 * mkcomp - writes the bash and zsh completion of the nnkit programs from
 * their option tables (cmd/opts/PROG.h, cmd/opts.h): `mkcomp bash` and
 * `mkcomp zsh` on standard output.  Build-only: the Makefile runs it and
 * installs what it writes, so the completion offers exactly the options,
 * values, kinds, figures and commands the programs accept.
 *
 * What a completion offers for an option's argument follows its COMP and
 * values: the words; model files (*.nn); data files (*.csv, *.tsv, *.txt,
 * *.gz, else any); any file; the column names in the header line of the
 * first data file among the operands (a comma-separated list for
 * COMP_COLUMNS); or nothing, for a number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd/opts.h"

/* nn-train-mpi only where it is built (make MPI=1 defines HAVE_MPI_PROG) */
#ifdef HAVE_MPI_PROG
#define MPI_PROG(X) X(nn_train_mpi)
#else
#define MPI_PROG(X)
#endif
#define PROGRAMS(X) X(nn_gen) X(nn_split) X(nn_train) X(nn_tune) X(nn_predict) \
	X(nn_eval) X(nn_model) X(nn_plot) X(nn_idx) MPI_PROG(X)
#define DECLARE(v) extern const opt_prog *const v##_options;
PROGRAMS(DECLARE)
#define LIST(v) &v##_options,
static const opt_prog *const *const progs[] = { PROGRAMS(LIST) };
#define NPROGS (sizeof(progs) / sizeof(progs[0]))

/* The function name of program p: _nnkit_nn_train. */
static void
fname(const opt_prog *p)
{
	printf("_nnkit_");
	for (const char *s = p->name; *s; s++)
		putchar(*s == '-' ? '_' : *s);
}

/* ====================================================================== */
/* bash                                                                   */
/* ====================================================================== */

/* The helpers every program's function uses.  Self-contained: no
 * bash-completion functions are needed, though it loads these files. */
static const char bash_helpers[] =
"# _nnkit_init: cur and prev, with --opt=value taken apart (whether or not\n"
"# '=' is in COMP_WORDBREAKS).\n"
"_nnkit_init() {\n"
"	cur=${COMP_WORDS[COMP_CWORD]}\n"
"	prev=${COMP_WORDS[COMP_CWORD-1]}\n"
"	if [[ $cur == = ]]; then\n"
"		cur=\n"
"	elif [[ $prev == = ]]; then\n"
"		prev=${COMP_WORDS[COMP_CWORD-2]}\n"
"	elif [[ $cur == --*=* ]]; then\n"
"		prev=${cur%%=*}\n"
"		cur=${cur#*=}\n"
"	fi\n"
"}\n"
"\n"
"# _nnkit_scan ARGOPTS: the operands before the word being completed, given\n"
"# the options that take an argument (\" -l --layers ... \"): their number in\n"
"# nops, the first that is a data file (not a model) in csv.\n"
"_nnkit_scan() {\n"
"	local i w skip=0\n"
"	nops=0 csv=\n"
"	for ((i = 1; i < COMP_CWORD; i++)); do\n"
"		w=${COMP_WORDS[i]}\n"
"		if [[ $w == = ]]; then          # --opt = value\n"
"			((i++, skip = 0))\n"
"			continue\n"
"		fi\n"
"		if ((skip)); then\n"
"			skip=0\n"
"			continue\n"
"		fi\n"
"		case $w in\n"
"		-?*) [[ $1 == *\" $w \"* ]] && skip=1 ;;\n"
"		*)\n"
"			((nops++))\n"
"			[[ -z $csv && -f $w && $w != *.nn ]] && csv=$w ;;\n"
"		esac\n"
"	done\n"
"}\n"
"\n"
"_nnkit_words() {\n"
"	local IFS=$' \\t\\n'\n"
"	COMPREPLY=($(compgen -W \"$1\" -- \"$cur\"))\n"
"}\n"
"\n"
"# _nnkit_files [EXT...]: files with one of the extensions, and\n"
"# directories; data files (csv) fall back to any file when none match.\n"
"_nnkit_files() {\n"
"	local IFS=$'\\n' x\n"
"	compopt -o filenames 2>/dev/null\n"
"	if (($# == 0)); then\n"
"		COMPREPLY=($(compgen -f -- \"$cur\"))\n"
"		return\n"
"	fi\n"
"	COMPREPLY=()\n"
"	for x; do\n"
"		COMPREPLY+=($(compgen -f -X \"!*.$x\" -- \"$cur\"))\n"
"	done\n"
"	if ((${#COMPREPLY[@]} == 0)) && [[ $1 == csv ]]; then\n"
"		COMPREPLY=($(compgen -f -- \"$cur\"))\n"
"		return\n"
"	fi\n"
"	COMPREPLY+=($(compgen -d -- \"$cur\"))\n"
"}\n"
"\n"
"# _nnkit_columns LIST: the column names of the header line of $csv\n"
"# (separated by the most frequent of , ; tab |); with LIST 1, cur is a\n"
"# comma-separated list and its last item is completed.\n"
"_nnkit_columns() {\n"
"	local line sep= best=0 s n c pre= IFS\n"
"	local -a cols\n"
"	COMPREPLY=()\n"
"	[[ -r $csv ]] || return\n"
"	if [[ $csv == *.gz ]]; then\n"
"		line=$(gzip -dc -- \"$csv\" 2>/dev/null | head -n 1)\n"
"	else\n"
"		line=$(head -n 1 -- \"$csv\" 2>/dev/null)\n"
"	fi\n"
"	line=${line%$'\\r'}\n"
"	for s in , ';' $'\\t' '|'; do\n"
"		n=${line//[^$s]/}\n"
"		((${#n} > best)) && best=${#n} sep=$s\n"
"	done\n"
"	IFS=${sep:-,} read -r -a cols <<<\"$line\"\n"
"	if (($1)); then\n"
"		pre=${cur%\"${cur##*,}\"}\n"
"		cur=${cur##*,}\n"
"	fi\n"
"	for c in \"${cols[@]}\"; do\n"
"		c=${c//\\\"/}\n"
"		[[ $c == \"$cur\"* && \",$pre\" != *\",$c,\"* ]] && COMPREPLY+=(\"$pre$c\")\n"
"	done\n"
"}\n";

/* "-r|--rate" */
static void
bash_pattern(const opt_spec *o)
{
	if (o->key < OPT_LONG)
		printf("-%c%s", o->key, o->name ? "|" : "");
	if (o->name)
		printf("--%s", o->name);
}

/* "-r --rate" */
static void
bash_names(const opt_spec *o)
{
	if (o->key < OPT_LONG)
		printf("-%c%s", o->key, o->name ? " " : "");
	if (o->name)
		printf("--%s", o->name);
}

static void
bash_words(opt_values_fn *values)
{
	for (int i = 0; values(i) != NULL; i++)
		printf("%s%s", i ? " " : "", values(i));
}

static void
bash_action(opt_comp c, opt_values_fn *values)
{
	if (values != NULL) {
		printf("_nnkit_words '");
		bash_words(values);
		printf("'");
		return;
	}
	switch (c) {
	case COMP_NONE: printf(":"); break;
	case COMP_FILE: printf("_nnkit_files"); break;
	case COMP_CSV: printf("_nnkit_files csv tsv txt gz"); break;
	case COMP_MODEL: printf("_nnkit_files nn"); break;
	case COMP_COLUMN: printf("_nnkit_columns 0"); break;
	case COMP_COLUMNS: printf("_nnkit_columns 1"); break;
	}
}

static void
bash_prog(const opt_prog *p)
{
	const opt_spec *o;

	fname(p);
	printf("() {\n\tlocal cur prev nops csv\n\t_nnkit_init\n\t_nnkit_scan ' ");
	for (o = p->opts; o->key; o++)
		if (o->arg) {
			bash_names(o);
			putchar(' ');
		}
	printf("'\n\tcase $prev in\n");
	/* a number or free text: nothing to offer */
	int first = 1;
	for (o = p->opts; o->key; o++)
		if (o->arg && o->comp == COMP_NONE && o->values == NULL) {
			printf("%s", first ? "\t" : "|");
			bash_pattern(o);
			first = 0;
		}
	if (!first)
		printf(")\n\t\treturn ;;\n");
	for (o = p->opts; o->key; o++)
		if (o->arg && (o->comp != COMP_NONE || o->values != NULL)) {
			printf("\t");
			bash_pattern(o);
			printf(")\n\t\t");
			bash_action(o->comp, o->values);
			printf("\n\t\treturn ;;\n");
		}
	printf("\tesac\n\tif [[ $cur == -* ]]; then\n\t\t_nnkit_words '");
	for (o = p->opts; o->key; o++) {
		bash_names(o);
		putchar(' ');
	}
	printf("-h --help --version'\n\t\treturn\n\tfi\n");
	if (p->words != NULL) {
		printf("\tif ((nops == 0)); then\n\t\t_nnkit_words '");
		for (const opt_word *w = p->words; w->name; w++)
			printf("%s%s", w == p->words ? "" : " ", w->name);
		printf("'\n\t\treturn\n\tfi\n");
	}
	printf("\t");
	bash_action(p->operands, NULL);
	printf("\n}\ncomplete -F ");
	fname(p);
	printf(" %s\n\n", p->name);
}

/* ====================================================================== */
/* zsh                                                                    */
/* ====================================================================== */

/* s inside a single-quoted shell word, with the characters special to
 * _arguments in this part of a spec (a description: "[]", a message: ":")
 * escaped by a backslash. */
static void
zsh_text(const char *s, const char *special)
{
	for (; *s; s++) {
		if (*s == '\'')
			printf("'\\''");
		else if (*s == '\\' || strchr(special, *s) != NULL)
			printf("\\%c", *s);
		else
			putchar(*s);
	}
}

static void
zsh_action(opt_comp c, opt_values_fn *values)
{
	if (values != NULL) {
		putchar('(');
		for (int i = 0; values(i) != NULL; i++)
			printf("%s%s", i ? " " : "", values(i));
		putchar(')');
		return;
	}
	switch (c) {
	case COMP_NONE: printf(" "); break;
	case COMP_FILE: printf("_files"); break;
	case COMP_CSV: printf("_files -g \"*.(csv|tsv|txt|gz)(-.)\""); break;
	case COMP_MODEL: printf("_files -g \"*.nn(-.)\""); break;
	case COMP_COLUMN: printf("_nnkit_columns 0"); break;
	case COMP_COLUMNS: printf("_nnkit_columns 1"); break;
	}
}

static void
zsh_prog(const opt_prog *p)
{
	const opt_spec *o;

	fname(p);
	printf("() {\n\tlocal -a argopts=(");
	for (o = p->opts; o->key; o++)
		if (o->arg) {
			if (o->key < OPT_LONG)
				printf(" -%c", o->key);
			if (o->name)
				printf(" --%s", o->name);
		}
	printf(" )\n\t_arguments -s -S \\\n");
	for (o = p->opts; o->key; o++) {
		printf("\t    ");
		if (o->key < OPT_LONG && o->name)
			printf("'(-%c --%s)'{-%c%s,--%s%s}'", o->key, o->name,
			    o->key, o->arg ? "+" : "", o->name, o->arg ? "=" : "");
		else if (o->key < OPT_LONG)
			printf("'-%c%s", o->key, o->arg ? "+" : "");
		else
			printf("'--%s%s", o->name, o->arg ? "=" : "");
		putchar('[');
		zsh_text(o->help, "[]");
		putchar(']');
		if (o->arg) {
			putchar(':');
			zsh_text(o->arg, ":");
			putchar(':');
			zsh_action(o->comp, o->values);
		}
		printf("' \\\n");
	}
	printf("\t    '(- *)'{-h,--help}'[print the help and exit]' \\\n"
	    "\t    '(- *)--version[print the version and exit]'");
	if (p->words != NULL) {
		printf(" \\\n\t    '1:");
		zsh_text(p->words_title, ":");
		printf(":((");
		for (const opt_word *w = p->words; w->name; w++) {
			printf("%s%s\\:\"", w == p->words ? "" : " ", w->name);
			zsh_text(w->help, ":\"");
			putchar('"');
		}
		printf("))'");
	}
	if (p->operands != COMP_NONE) {
		printf(" \\\n\t    '*:file:");
		zsh_action(p->operands, NULL);
		putchar('\'');
	}
	printf("\n}\n\n");
}

static const char zsh_helpers[] =
"# _nnkit_columns LIST: the column names of the header line of the first\n"
"# data file among the operands; LIST 1: a comma-separated list of them.\n"
"_nnkit_columns() {\n"
"	local file w line sep= s n best=0 i skip=0\n"
"	local -a cols\n"
"	for ((i = 2; i < CURRENT; i++)); do\n"
"		w=${words[i]}\n"
"		if ((skip)); then skip=0; continue; fi\n"
"		if [[ $w == -* ]]; then\n"
"			(( ${argopts[(Ie)$w]} )) && skip=1\n"
"			continue\n"
"		fi\n"
"		w=${(Q)w}\n"
"		if [[ -f $w && $w != *.nn ]]; then file=$w; break; fi\n"
"	done\n"
"	[[ -r $file ]] || return 1\n"
"	if [[ $file == *.gz ]]; then\n"
"		line=$(gzip -dc -- $file 2>/dev/null | head -n 1)\n"
"	else\n"
"		line=$(head -n 1 -- $file 2>/dev/null)\n"
"	fi\n"
"	line=${line%$'\\r'}\n"
"	for s in , ';' $'\\t' '|'; do\n"
"		n=${line//[^$s]/}\n"
"		((${#n} > best)) && { best=${#n}; sep=$s; }\n"
"	done\n"
"	sep=${sep:-,}\n"
"	cols=(\"${(@ps:$sep:)line}\")\n"
"	cols=(\"${(@)cols//\\\"/}\")\n"
"	if (($1)); then\n"
"		_values -s , column $cols\n"
"	else\n"
"		compadd -a cols\n"
"	fi\n"
"}\n\n";

int
main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "bash") != 0 &&
	    strcmp(argv[1], "zsh") != 0)) {
		fprintf(stderr, "usage: mkcomp bash|zsh\n");
		return 2;
	}
	if (strcmp(argv[1], "bash") == 0) {
		printf("# bash completion of the nnkit programs.\n"
		    "# Written by completion/mkcomp from the programs' option "
		    "tables (cmd/opts/*.h):\n# do not edit.\n\n%s\n",
		    bash_helpers);
		for (size_t i = 0; i < NPROGS; i++)
			bash_prog(*progs[i]);
	} else {
		printf("#compdef");
		for (size_t i = 0; i < NPROGS; i++)
			printf(" %s", (*progs[i])->name);
		printf("\n# zsh completion of the nnkit programs.\n"
		    "# Written by completion/mkcomp from the programs' option "
		    "tables (cmd/opts/*.h):\n# do not edit.\n\n%s", zsh_helpers);
		for (size_t i = 0; i < NPROGS; i++)
			zsh_prog(*progs[i]);
		printf("case $service in\n");
		for (size_t i = 0; i < NPROGS; i++) {
			printf("%s) ", (*progs[i])->name);
			fname(*progs[i]);
			printf(" \"$@\" ;;\n");
		}
		printf("esac\n");
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("mkcomp: stdout");
		return 1;
	}
	return 0;
}
