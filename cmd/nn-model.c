/*
 * nn-model - look inside a saved model.
 *
 *   info     what a person wants to know about a model: the layers, the
 *            task, the names it learnt, the scaling it applies and how it
 *            was trained, as aligned text.
 *   weights  every parameter as one CSV row, in the file's own order, and
 *            nothing else: two models can then be compared weight by weight
 *            with diff(1) even when their training records differ.
 *   export   the whole model in another format (json), for other tools;
 *   import   and back: a model exported and imported is the same file.
 *
 * The file is read and validated by the library (nn_model_read), so a model
 * this program shows is one nn-predict would accept.  Names come from
 * training data and may hold anything; info escapes control characters so
 * that one name is always one line of output.
 */
#include <ctype.h>
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nn_fmt.h"
#include "nn_onnx.h"
#include "opts/nn-model.h"
#include "util.h"

/* Width of the key column of `info` ("  learning rate" and two spaces). */
#define KEYW 17


/* A float as the shortest text that reads back as the same float: info
 * shows every value exactly (a network can be rebuilt from it) without
 * printing 0.9 as 0.899999976.  Four buffers in turn, so one printf can
 * take several. */
static const char *
fnum(float v)
{
	static char buf[4][NN_FMT_G9_MAX];
	static unsigned k;

	k = (k + 1) % 4;
	nn_fmt_short(buf[k], v);
	return buf[k];
}

/* ====================================================================== */
/* Text output                                                            */
/* ====================================================================== */

/* A name is printed bare unless that would be ambiguous in a list or hide
 * something: empty, a comma, a double quote, a backslash, a control
 * character, or a space at either end.  Then it is put in double quotes
 * with C escapes. */
static int
needs_quotes(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return 1;
	for (; *s; s++)
		if (*s == ',' || *s == '"' || *s == '\\' ||
		    iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

/* Print s with control characters escaped (and, when quoted, '"' and '\\'
 * too); return the number of columns it takes, counting a UTF-8 sequence
 * as one. */
static size_t
put_text(const char *s, int quoted)
{
	size_t w = 0;

	if (quoted) {
		putchar('"');
		w++;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' || c == '\t' || c == '\r') {
			printf("\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
			w += 2;
		} else if (iscntrl(c)) {
			printf("\\x%02x", c);
			w += 4;
		} else if (quoted && (c == '"' || c == '\\')) {
			printf("\\%c", c);
			w += 2;
		} else {
			putchar(c);
			w += (c & 0xc0) != 0x80;
		}
	}
	if (quoted) {
		putchar('"');
		w++;
	}
	return w;
}

/* Columns put_name would take, without printing. */
static size_t
name_width(const char *s)
{
	int quoted = needs_quotes(s);
	size_t w = quoted ? 2 : 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' || c == '\t' || c == '\r')
			w += 2;
		else if (iscntrl(c))
			w += 4;
		else if (quoted && (c == '"' || c == '\\'))
			w += 2;
		else
			w += (c & 0xc0) != 0x80;
	}
	return w;
}

/* Print a name, padded with spaces to width columns. */
static void
put_name(const char *s, size_t width)
{
	size_t w = put_text(s, needs_quotes(s));

	for (; w < width; w++)
		putchar(' ');
}

/* Start a line "KEY" padded to the key column. */
static void
key(const char *k)
{
	printf("%-*s", KEYW, k);
}

/* ====================================================================== */
/* info                                                                   */
/* ====================================================================== */

static size_t
digits(size_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Parameters of layer l: w, b, and batch norm's gamma and beta. */
static size_t
layer_params(const nn_model *m, size_t l)
{
	size_t end = l + 1 < m->nlayers ? m->layers[l + 1].w_off : m->nparams;

	return end - m->layers[l].w_off;
}

static void
info_arch(const nn_model *m)
{
	size_t win = 1, wout = 1, wact = 0, wpar = 1;

	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		size_t a = strlen(nn_act_name(L->act));
		if (digits(L->nin) > win)
			win = digits(L->nin);
		if (digits(L->nout) > wout)
			wout = digits(L->nout);
		if (a > wact)
			wact = a;
		if (digits(layer_params(m, l)) > wpar)
			wpar = digits(layer_params(m, l));
	}
	key("architecture");
	printf("%zu input%s, %zu output%s, %zu layer%s\n", m->nin,
	    m->nin == 1 ? "" : "s", m->nout, m->nout == 1 ? "" : "s",
	    m->nlayers, m->nlayers == 1 ? "" : "s");
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		char k[40];
		size_t p = layer_params(m, l);
		snprintf(k, sizeof(k), "  layer %zu", l + 1);
		key(k);
		printf("%*zu -> %-*zu  %-*s  %*zu parameter%s", (int)win,
		    L->nin, (int)wout, L->nout, (int)wact, nn_act_name(L->act),
		    (int)wpar, p, p == 1 ? "" : "s");
		if (L->act == NN_ACT_LEAKY_RELU)
			printf(", slope %s", fnum(L->act_param));
		if (L->batchnorm)
			fputs(", batch norm", stdout);
		if (L->dropout > 0.0f)
			printf(", dropout %s", fnum(L->dropout));
		if (L->residual)
			fputs(", residual", stdout);
		putchar('\n');
	}
	key("parameters");
	printf("%zu\n", m->nparams);
}

static void
info_labels(const nn_model *m)
{
	if (m->nlabels == 0)    /* regression */
		return;
	key("labels");
	for (size_t k = 0; k < m->nlabels; k++) {
		if (k > 0)
			fputs(", ", stdout);
		put_text(m->labels[k], needs_quotes(m->labels[k]));
	}
	if (m->task == NN_TASK_BINARY)
		printf(" (the output is the probability of the second)");
	putchar('\n');
}

/* The features and, unless the kind is none, each one's offset and factor:
 * x' = (x - offset) * factor. */
static void
info_scaling(const nn_model *m)
{
	char num[2][32];
	size_t wname = strlen("feature"), woff = strlen("offset");

	key("scaling");
	printf("%s", nn_scale_name(m->scale));
	if (m->scale != NN_SCALE_NONE)
		printf(" (x' = (x - offset) * factor)");
	putchar('\n');
	for (size_t j = 0; j < m->nin; j++) {
		size_t w = name_width(m->feat_names[j]);
		if (w > wname)
			wname = w;
		if (m->scale != NN_SCALE_NONE) {
			size_t n = nn_fmt_short(num[0], m->offset[j]);
			if (n > woff)
				woff = n;
		}
	}
	printf("  ");
	if (m->scale == NN_SCALE_NONE) {
		printf("feature\n");
	} else {
		printf("%-*s  %-*s  factor\n", (int)wname, "feature",
		    (int)woff, "offset");
	}
	for (size_t j = 0; j < m->nin; j++) {
		printf("  ");
		if (m->scale == NN_SCALE_NONE) {
			put_name(m->feat_names[j], 0);
			putchar('\n');
			continue;
		}
		put_name(m->feat_names[j], wname);
		nn_fmt_short(num[0], m->offset[j]);
		nn_fmt_short(num[1], m->factor[j]);
		printf("  %-*s  %s\n", (int)woff, num[0], num[1]);
	}
}

/* The input columns: each one's type and encoding, its fill, the ID
 * columns and the missing-value tokens. */
static void
info_columns(const nn_model *m)
{
	const nn_enc *en = m->enc;
	size_t w = 0;

	key("columns");
	if (en == NULL) {
		printf("%zu numeric (every feature a column; missing values are "
		    "errors)\n", m->nin);
		return;
	}
	printf("%zu input column%s -> %zu features; missing values: %s\n",
	    en->ncols, en->ncols == 1 ? "" : "s", m->nin,
	    nn_missing_name(en->missing));
	for (size_t j = 0; j < en->ncols; j++)
		if (name_width(en->cols[j].name) > w)
			w = name_width(en->cols[j].name);
	for (size_t j = 0; j < en->ncols; j++) {
		const nn_incol *c = &en->cols[j];
		printf("  ");
		put_name(c->name, w);
		if (c->type == NN_CTYPE_NUMERIC) {
			printf("  numeric, column %u, fill %s\n", c->src + 1,
			    fnum(c->fill));
			continue;
		}
		printf("  categorical, column %u, one-hot over %zu: ", c->src + 1,
		    c->ncat);
		for (size_t k = 0; k < c->ncat; k++) {
			if (k)
				fputs(", ", stdout);
			put_name(c->cats[k], 0);
		}
		printf("; fill ");
		put_name(c->cats[c->fill_cat], 0);
		putchar('\n');
	}
	if (en->nid > 0) {
		key("  id columns");
		for (size_t k = 0; k < en->nid; k++) {
			if (k)
				fputs(", ", stdout);
			put_name(en->ids[k], 0);
		}
		printf(" (copied by nn-predict)\n");
	}
	key("  missing as");
	for (size_t k = 0; k < en->nna; k++) {
		if (k)
			fputs(" ", stdout);
		printf("\"");
		put_text(en->na[k], 0);
		printf("\"");
	}
	putchar('\n');
}

static void
info(const nn_model *m)
{
	info_arch(m);
	key("task");
	printf("%s\n", nn_task_name(m->task));
	key("loss");
	printf("%s\n", nn_loss_name(m->loss));
	info_labels(m);
	info_columns(m);
	info_scaling(m);
	key("target");
	put_name(m->target_name ? m->target_name : "", 0);
	printf(" (column %" PRIu32 " of %" PRIu32 ")\n", m->target_col + 1,
	    m->ncols);

	printf("training\n");
	key("  seed");
	printf("%" PRIu64 "\n", m->seed);
	key("  command");
	if (m->cmdline == NULL || *m->cmdline == '\0')
		printf("unknown");
	else
		put_text(m->cmdline, 0);
	putchar('\n');
	key("  data crc-32");
	printf("%08" PRIx32 "\n", m->data_crc);
	key("  rows");
	printf("%" PRIu64 "\n", m->data_rows);
	key("  epochs");
	printf("%" PRIu32 "\n", m->epochs);
	key("  batch");
	printf("%" PRIu32 "\n", m->batch);
	key("  learning rate");
	printf("%s\n", fnum(m->lr));
	key("  final loss");
	printf("%s\n", fnum(m->final_loss));
	key("  ranks");
	printf("%" PRIu32 "%s\n", m->ranks > 1 ? m->ranks : 1,
	    m->ranks > 1 ? " (processes, nn-train-mpi)" : "");
	key("  resumable");
	if (m->ckpt == NULL) {
		printf("no (no optimizer state: saved from the best epoch, or "
		    "by an older nnkit)\n");
		return;
	}
	const nn_ckpt *c = m->ckpt;
	printf("yes: %s", nn_optim_name(c->opt.kind));
	switch (c->opt.kind) {
	case NN_OPTIM_MOMENTUM:
	case NN_OPTIM_NESTEROV:
		printf(", momentum %s", fnum(c->opt.momentum));
		break;
	case NN_OPTIM_ADAM:
	case NN_OPTIM_ADAMW:
		printf(", beta1 %s, beta2 %s, eps %s", fnum(c->opt.beta1),
		    fnum(c->opt.beta2), fnum(c->opt.eps));
		break;
	case NN_OPTIM_RMSPROP:
		printf(", decay %s, eps %s", fnum(c->opt.beta2), fnum(c->opt.eps));
		break;
	case NN_OPTIM_ADAGRAD:
		printf(", eps %s", fnum(c->opt.eps));
		break;
	default:
		break;
	}
	if (c->opt.weight_decay != 0.0f)
		printf(", weight decay %s", fnum(c->opt.weight_decay));
	printf("; %" PRIu64 " steps, %" PRIu64 " epochs", c->t, c->epoch);
	if (c->row)
		printf(" and %" PRIu64 " rows", c->row);
	putchar('\n');
}

/* ====================================================================== */
/* weights                                                                */
/* ====================================================================== */

/* A write error ends the output early: close_stdout() exits quietly on a
 * closed pipe (when SIGPIPE is ignored) and with a message otherwise. */
static void
check_stdout(void)
{
	if (ferror(stdout))
		close_stdout();
}

static void
weights(const nn_model *m)
{
	printf("layer,param,row,col,value\n");
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		const float *w = m->params + L->w_off; /* (nin, nout) */
		const float *b = m->params + L->b_off; /* (nout) */

		for (size_t i = 0; i < L->nin; i++) {
			for (size_t j = 0; j < L->nout; j++)
				printf("%zu,w,%zu,%zu,%.9g\n", l + 1, i, j,
				    (double)w[i * L->nout + j]);
			check_stdout();
		}
		for (size_t j = 0; j < L->nout; j++)
			printf("%zu,b,0,%zu,%.9g\n", l + 1, j, (double)b[j]);
		if (L->batchnorm) {
			/* gamma, beta (trained), then the running mean and
			 * variance batch norm applies at prediction */
			static const char *const what[] = { "gamma", "beta" };
			for (int k = 0; k < 2; k++)
				for (size_t j = 0; j < L->nout; j++)
					printf("%zu,%s,0,%zu,%.9g\n", l + 1, what[k], j,
					    (double)m->params[L->g_off + k * L->nout + j]);
			static const char *const st[] = { "mean", "var" };
			for (int k = 0; k < 2; k++)
				for (size_t j = 0; j < L->nout; j++)
					printf("%zu,%s,0,%zu,%.9g\n", l + 1, st[k], j,
					    (double)m->stats[L->s_off + k * L->nout + j]);
		}
		check_stdout();
	}
}

/* ====================================================================== */
/* export, import: the model in another format                            */
/* ====================================================================== */

/* The formats export writes and import reads, in the order of their
 * --format names (model_formats). */
typedef struct format {
	int (*write)(const nn_model *m, FILE *fp, nn_err *e);
	nn_model *(*read)(FILE *fp, const char *name, nn_err *e);
} format;

static const format formats[] = {
	{ nn_json_model_write, nn_json_model_read },
	{ nn_onnx_write, nn_onnx_read },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))


static const format *
find_format(const char *s)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(s, model_formats((int)i)) == 0)
			return &formats[i];
	errx(2, "--format: unknown format \"%s\" (json, onnx)", s);
}

/* The format of an import file, from its first byte (put back): a JSON
 * model is an object, '{' after optional white space; an ONNX model is a
 * protobuf ModelProto, whose writers put field 1 (ir_version, a varint:
 * byte 0x08) first. */
static const format *
sniff_format(FILE *fp, const char *name)
{
	int c = getc(fp);

	if (c != EOF)
		ungetc(c, fp);
	if (c == '{' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return find_format("json");
	if (c == 0x08)
		return find_format("onnx");
	if (c == EOF && ferror(fp))
		errx(1, "%s: %s", name, input_error(fp));
	errx(1, "%s: not a model in a format import knows (a JSON model "
	    "starts with '{', an ONNX model with its IR version; --format "
	    "names it)", name);
}

/* The options of export and import: --format and -o.  argv[1] is the
 * command; its operand is left in *file. */
static void
conv_options(int argc, char **argv, const format **fmt, const char **out,
    const char **file)
{
	int ch;

	optind = 2;
	while ((ch = opt_next(&options, argc, argv)) != -1) {
		switch (ch) {
		case OPT_FORMAT:
			*fmt = find_format(optarg);
			break;
		case 'o':
			*out = optarg;
			break;
		}
	}
	if (argc - optind < 1)
		opt_missing(&options, argv[1][0] == 'i' ? "FILE" : "MODEL");
	if (argc - optind > 1)
		opt_extra(argv[optind + 1]);
	*file = argv[optind];
}

/* nn-model export --format FORMAT [-o FILE] MODEL */
static int
export_main(int argc, char **argv)
{
	const format *fmt = NULL;
	const char *out = NULL, *path, *name;
	nn_model *m;
	nn_atomic a;
	nn_err e;
	FILE *fp;

	conv_options(argc, argv, &fmt, &out, &path);
	if (fmt == NULL)
		errx(2, "export needs --format");
	fp = open_input(path, &name);
	guard_output(out, "-o");
	m = nn_model_read(fp, name, &e);
	if (fp != stdin)
		fclose(fp);
	if (m == NULL)
		die_err(1, &e);
	if (out == NULL || strcmp(out, "-") == 0) {
		if (fmt->write(m, stdout, &e) < 0) {
			close_stdout();         /* a closed pipe: quietly */
			die_err(1, &e);
		}
		nn_model_free(m);
		close_stdout();
		return 0;
	}
	if (nn_atomic_open(&a, out, &e) < 0)
		die_err(1, &e);
	if (fmt->write(m, a.fp, &e) < 0) {
		nn_atomic_abort(&a);
		errx(1, "%s: %s", out, e.msg);
	}
	if (nn_atomic_commit(&a, &e) < 0)
		die_err(1, &e);
	nn_model_free(m);
	return 0;
}

/* nn-model import [--format FORMAT] -o MODEL FILE */
static int
import_main(int argc, char **argv)
{
	const format *fmt = NULL;
	const char *out = NULL, *path, *name;
	nn_model *m;
	nn_err e;
	FILE *fp;

	conv_options(argc, argv, &fmt, &out, &path);
	if (out == NULL)
		errx(2, "import needs -o MODEL");
	fp = open_input(path, &name);
	guard_output(out, "-o");
	if (fmt == NULL)
		fmt = sniff_format(fp, name);
	m = fmt->read(fp, name, &e);
	if (fp != stdin)
		fclose(fp);
	if (m == NULL)
		die_err(1, &e);
	if (nn_model_save(m, out, &e) < 0)
		die_err(1, &e);
	nn_model_free(m);
	return 0;
}

/* ====================================================================== */
/* Main                                                                   */
/* ====================================================================== */

int
main(int argc, char **argv)
{
	const char *name;
	void (*show)(const nn_model *);
	nn_model *m;
	nn_err e;
	FILE *fp;
	int ch;

	/* export and import take options of their own */
	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return export_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "import") == 0)
		return import_main(argc, argv);
	/* -o and --format are export's and import's */
	while ((ch = opt_next(&options, argc, argv)) != -1)
		errx(2, "%s: only export and import take it", ch == 'o' ? "-o" :
		    "--format");
	argc -= optind;
	argv += optind;
	if (argc == 0)
		opt_missing(&options, "COMMAND");
	if (strcmp(argv[0], "info") == 0)
		show = info;
	else if (strcmp(argv[0], "weights") == 0)
		show = weights;
	else
		errx(2, "unknown command \"%s\" (info, weights, export or "
		    "import)", argv[0]);
	if (argc < 2)
		opt_missing(&options, "MODEL");
	if (argc > 2)
		opt_extra(argv[2]);

	fp = open_input(argv[1], &name);
	m = nn_model_read(fp, name, &e);
	if (fp != stdin)
		fclose(fp);
	if (m == NULL)
		die_err(1, &e);
	show(m);
	nn_model_free(m);
	close_stdout();
	return 0;
}
