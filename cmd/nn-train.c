/*
 * nn-train - train a neural network on a CSV file and save the model.
 *
 * The program's part is the user's: options checked, the data read with
 * every bad token named by line and column, the task inferred from the
 * target column, the scaling fitted and stored, progress and the final loss
 * on stderr, the model saved atomically.  The arithmetic is the library's.
 */
#include <err.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define MAX_WIDTH 1000000L
#define MAX_LAYERS 1000
/* 2^29 floats (2 GiB) is far beyond anything this tool trains on a CPU;
 * the cap turns a typo like -l 1000000,1000000 into a message, not an
 * out-of-memory abort. */
#define MAX_PARAMS ((size_t)1 << 29)
/* Integer targets with at most this many distinct values are classes. */
#define MAX_AUTO_CLASSES 20

enum { OPT_TARGET = 0x200, OPT_TASK, OPT_SCALE, OPT_NO_HEADER, OPT_OPTIMIZER,
	OPT_MOMENTUM, OPT_BETA1, OPT_BETA2, OPT_EPS, OPT_WEIGHT_DECAY, OPT_THREADS };

static const struct option longopts[] = {
	{ "layers", required_argument, NULL, 'l' },
	{ "activation", required_argument, NULL, 'a' },
	{ "epochs", required_argument, NULL, 'e' },
	{ "batch", required_argument, NULL, 'b' },
	{ "rate", required_argument, NULL, 'r' },
	{ "seed", required_argument, NULL, 's' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "task", required_argument, NULL, OPT_TASK },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "no-header", no_argument, NULL, OPT_NO_HEADER },
	{ "optimizer", required_argument, NULL, OPT_OPTIMIZER },
	{ "momentum", required_argument, NULL, OPT_MOMENTUM },
	{ "beta1", required_argument, NULL, OPT_BETA1 },
	{ "beta2", required_argument, NULL, OPT_BETA2 },
	{ "eps", required_argument, NULL, OPT_EPS },
	{ "weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static const char synopsis[] =
    "usage: nn-train [-q] [-l WIDTHS] [-a ACT] [-e EPOCHS] [-b BATCH] [-r RATE]\n"
    "                [-s SEED] [--optimizer NAME] [--momentum M] [--beta1 B1]\n"
    "                [--beta2 B2] [--eps EPS] [--weight-decay WD] [--threads N]\n"
    "                [--target NAME|N] [--task TASK] [--scale KIND]\n"
    "                [--no-header] -o MODEL [FILE|-]\n";

static void __attribute__((noreturn))
usage(void)
{
	fputs(synopsis, stderr);
	exit(2);
}

/* ====================================================================== */
/* Options                                                                */
/* ====================================================================== */

typedef struct layer_opt {
	size_t width;
	int has_act;
	nn_act act;
} layer_opt;

/* Parse "16,8,4" or "64:relu,32:tanh,16"; "" is no hidden layer.
 * Returns the number of layers; *out is malloc'd. */
static size_t
parse_layers(const char *s, layer_opt **out)
{
	size_t n = 0, cap = 0;
	layer_opt *v = NULL;
	char *copy, *tok, *save = NULL;

	*out = NULL;
	if (*s == '\0')
		return 0;
	/* strtok would skip the empty token in "16,,8"; walk commas by hand */
	copy = nn_xstrdup(s);
	for (tok = copy;; tok = save + 1) {
		char *colon;
		save = strchr(tok, ',');
		if (save != NULL)
			*save = '\0';
		if (n == MAX_LAYERS)
			errx(2, "-l: at most %d hidden layers", MAX_LAYERS);
		if (n == cap)
			v = nn_xrealloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));
		v[n].has_act = 0;
		if ((colon = strchr(tok, ':')) != NULL) {
			*colon = '\0';
			if (nn_act_lookup(colon + 1, &v[n].act) < 0 ||
			    v[n].act == NN_ACT_SOFTMAX)
				errx(2, "-l: unknown hidden activation \"%s\"", colon + 1);
			v[n].has_act = 1;
		}
		v[n].width = (size_t)opt_long(tok, 1, MAX_WIDTH, "-l");
		n++;
		if (save == NULL)
			break;
	}
	free(copy);
	*out = v;
	return n;
}

/* The command line as one string, for the model's metadata: words joined
 * by spaces, single-quoted when they hold anything a shell would read. */
static char *
join_argv(int argc, char **argv)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += 4 * strlen(argv[i]) + 3;
	p = s = nn_xmalloc(len);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int plain = *a != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+@%") == strlen(a);
		if (i > 0)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, a);
			continue;
		}
		*p++ = '\'';
		for (; *a; a++) {
			if (*a == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *a;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

/* Fail before a long training if the model could not be saved anyway. */
static void
check_output_dir(const char *path)
{
	char *copy = nn_xstrdup(path);
	const char *dir = dirname(copy);

	if (access(dir, W_OK | X_OK) != 0)
		err(1, "%s", dir);
	free(copy);
}

/* ====================================================================== */
/* Task and scaling                                                       */
/* ====================================================================== */

static nn_task
infer_task(const nn_data *d, const char *name, int asked, nn_task want)
{
	if (!asked) {
		if (d->t != NULL && (!d->t_integral || d->nlabels > MAX_AUTO_CLASSES))
			return NN_TASK_REGRESSION;
		want = d->nlabels > 2 ? NN_TASK_MULTICLASS : NN_TASK_BINARY;
	}
	if (want == NN_TASK_REGRESSION) {
		if (d->t == NULL)
			errx(1, "%s: target column \"%s\" is not numeric; regression "
			    "needs numbers", name, d->target_name);
		return want;
	}
	if (d->nlabels < 2)
		errx(1, "%s: the target column \"%s\" holds one class only (\"%s\"); "
		    "a classifier needs at least two", name, d->target_name,
		    d->labels[0]);
	if (want == NN_TASK_BINARY && d->nlabels != 2)
		errx(1, "%s: --task binary, but the target column \"%s\" has %zu "
		    "classes", name, d->target_name, d->nlabels);
	if (want == NN_TASK_MULTICLASS && d->nlabels < 3)
		want = NN_TASK_BINARY; /* two classes: one sigmoid output */
	return want;
}

/* Fit offset/factor per column in double: x' = (x - offset) * factor.  A
 * constant column gets factor 1 (it carries no information to amplify). */
static void
fit_scale(nn_model *m, const nn_data *d)
{
	const size_t n = d->n, D = d->d;
	double *a = nn_xcalloc(D, sizeof(double)), *b = nn_xcalloc(D, sizeof(double));

	if (m->scale == NN_SCALE_STANDARD) {
		/* two passes (mean, then squared deviations): no cancellation */
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < D; j++)
				a[j] += d->x[i * D + j];
		for (size_t j = 0; j < D; j++)
			a[j] /= (double)n;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < D; j++) {
				double v = d->x[i * D + j] - a[j];
				b[j] += v * v;
			}
		for (size_t j = 0; j < D; j++) {
			double sd = sqrt(b[j] / (double)n);
			m->offset[j] = (float)a[j];
			m->factor[j] = sd > 0.0 && isfinite(1.0 / sd) ? (float)(1.0 / sd) : 1.0f;
		}
	} else if (m->scale == NN_SCALE_MINMAX) {
		for (size_t j = 0; j < D; j++)
			a[j] = b[j] = d->x[j];
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < D; j++) {
				double v = d->x[i * D + j];
				if (v < a[j])
					a[j] = v;
				if (v > b[j])
					b[j] = v;
			}
		for (size_t j = 0; j < D; j++) {
			double r = b[j] - a[j];
			m->offset[j] = (float)a[j];
			m->factor[j] = r > 0.0 && isfinite(1.0 / r) ? (float)(1.0 / r) : 1.0f;
		}
	}
	free(a);
	free(b);
}

/* ====================================================================== */
/* Main                                                                   */
/* ====================================================================== */

int
main(int argc, char **argv)
{
	const char *layers_s = "16,8", *out = NULL, *target = NULL, *name;
	char *cmdline = join_argv(argc, argv);
	nn_act hidden_act = NN_ACT_RELU;
	nn_task task = NN_TASK_BINARY;
	nn_scale scale = NN_SCALE_STANDARD;
	int quiet = 0, header = 1, task_asked = 0, ch;
	long epochs = 100, batch = 32, threads = 0;
	double rate = -1.0, loss;
	double momentum = -1.0, beta1 = -1.0, beta2 = -1.0, eps = -1.0, wd = 0.0;
	nn_opt opt = NN_OPT_SGD;
	uint64_t seed = 1;
	layer_opt *hid;
	size_t nhid;
	nn_data data = { 0 };
	nn_data_opts dopts;
	nn_model *m;
	nn_err e;
	FILE *fp;

	while ((ch = getopt_long(argc, argv, "a:b:e:l:o:qr:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (nn_act_lookup(optarg, &hidden_act) < 0 ||
			    hidden_act == NN_ACT_SOFTMAX)
				errx(2, "-a: unknown hidden activation \"%s\" (sigmoid, "
				    "tanh, relu, leaky-relu, elu, swish, linear)", optarg);
			break;
		case 'b':
			batch = opt_long(optarg, 1, 1L << 24, "-b");
			break;
		case 'e':
			epochs = opt_long(optarg, 1, 100000000L, "-e");
			break;
		case 'l':
			layers_s = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			rate = opt_double(optarg, 0x1p-126, 1e30, "-r");
			break;
		case 's':
			seed = opt_seed(optarg, "-s");
			break;
		case OPT_TARGET:
			target = optarg;
			break;
		case OPT_TASK:
			if (strcmp(optarg, "auto") == 0)
				task_asked = 0;
			else if (nn_task_lookup(optarg, &task) == 0)
				task_asked = 1;
			else
				errx(2, "--task: expected auto, binary, multiclass or "
				    "regression, got \"%s\"", optarg);
			break;
		case OPT_SCALE:
			if (nn_scale_lookup(optarg, &scale) < 0)
				errx(2, "--scale: expected standard, minmax or none, got "
				    "\"%s\"", optarg);
			break;
		case OPT_NO_HEADER:
			header = 0;
			break;
		case OPT_OPTIMIZER:
			if (nn_opt_lookup(optarg, &opt) < 0)
				errx(2, "--optimizer: expected sgd, momentum, nesterov, adam, "
				    "adamw, rmsprop or adagrad, got \"%s\"", optarg);
			break;
		case OPT_MOMENTUM:
			momentum = opt_double(optarg, 0.0, 0.999999, "--momentum");
			break;
		case OPT_BETA1:
			beta1 = opt_double(optarg, 0.0, 0.999999, "--beta1");
			break;
		case OPT_BETA2:
			beta2 = opt_double(optarg, 0.0, 0.999999999, "--beta2");
			break;
		case OPT_EPS:
			eps = opt_double(optarg, 1e-30, 1.0, "--eps");
			break;
		case OPT_WEIGHT_DECAY:
			wd = opt_double(optarg, 0.0, 1e6, "--weight-decay");
			break;
		case OPT_THREADS:
			threads = opt_long(optarg, 1, 256, "--threads");
			break;
		case OPT_HELP:
			fputs(synopsis, stdout);
			close_stdout();
			return 0;
		case OPT_VERSION:
			print_version();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (out == NULL)
		errx(2, "-o MODEL is required");
	/* The adaptive optimizers want a small step: each parameter moves by
	 * about the rate whatever its gradient's scale. */
	if (rate < 0.0)
		rate = opt == NN_OPT_SGD || opt == NN_OPT_MOMENTUM ||
		    opt == NN_OPT_NESTEROV ? 0.1 : opt == NN_OPT_ADAGRAD ? 0.01 : 0.001;
	if (threads == 0) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		threads = nc < 1 ? 1 : nc > 256 ? 256 : nc;
	}
	if (target != NULL && *target == '\0')
		errx(2, "--target: expected a column name or number, got \"\"");
	nhid = parse_layers(layers_s, &hid);
	check_output_dir(out);

	/* ---- data ---- */
	fp = open_input(argc ? argv[0] : NULL, &name);
	dopts.header = header;
	dopts.target = target;
	if (nn_data_read(fp, name, &dopts, &data, &e) < 0)
		die_err(1, &e);
	if (fp != stdin)
		fclose(fp);
	if (data.d == 0)
		errx(1, "%s: no feature columns besides the target", name);
	task = infer_task(&data, name, task_asked, task);

	/* ---- model ---- */
	size_t *sizes = nn_xmalloc((nhid + 2) * sizeof(*sizes));
	nn_act *acts = nn_xmalloc((nhid + 1) * sizeof(*acts));
	size_t K = task == NN_TASK_MULTICLASS ? data.nlabels : 1;
	double P = 0;
	sizes[0] = data.d;
	for (size_t l = 0; l < nhid; l++) {
		sizes[l + 1] = hid[l].width;
		acts[l] = hid[l].has_act ? hid[l].act : hidden_act;
	}
	sizes[nhid + 1] = K;
	acts[nhid] = task == NN_TASK_MULTICLASS ? NN_ACT_SOFTMAX :
	    task == NN_TASK_BINARY ? NN_ACT_SIGMOID : NN_ACT_LINEAR;
	for (size_t l = 0; l <= nhid; l++)
		P += (double)sizes[l] * sizes[l + 1] + sizes[l + 1];
	if (P > (double)MAX_PARAMS)
		errx(1, "network too large: %.0f parameters (at most %zu)", P, MAX_PARAMS);
	if ((m = nn_model_alloc(nhid + 1, sizes, acts, &e)) == NULL)
		die_err(1, &e);
	free(sizes);
	free(acts);
	free(hid);
	m->task = task;
	m->loss = task == NN_TASK_MULTICLASS ? NN_LOSS_CCE :
	    task == NN_TASK_BINARY ? NN_LOSS_BCE : NN_LOSS_MSE;
	m->scale = scale;
	fit_scale(m, &data);
	nn_model_scale(m, data.x, data.n);

	/* The model takes over the names: no copies. */
	m->feat_names = data.feat_names;
	data.feat_names = NULL;
	m->target_name = data.target_name;
	data.target_name = NULL;
	m->target_col = (uint32_t)data.target_col;
	m->ncols = (uint32_t)data.ncols;
	if (task != NN_TASK_REGRESSION) {
		m->nlabels = data.nlabels;
		m->labels = data.labels;
		data.labels = NULL;
		data.nlabels = 0;
	}
	m->seed = seed;
	m->cmdline = cmdline;
	m->data_crc = data.crc;
	m->data_rows = data.n;
	m->epochs = (uint32_t)epochs;
	m->batch = (uint32_t)batch;
	m->lr = (float)rate;

	/* ---- training ---- */
	nn_rng init_rng;
	nn_rng_seed(&init_rng, seed);
	nn_model_init(m, &init_rng);
	nn_train_cfg cfg = {
		.epochs = (size_t)epochs, .batch = (size_t)batch,
		/* shuffling draws from its own stream, not the one that
		 * drew the initial weights */
		.seed = seed ^ 0x5eed5eed5eed5eedULL,
		.threads = (int)threads,
	};
	nn_optim_defaults(&cfg.opt, opt, (float)rate);
	if (momentum >= 0.0)
		cfg.opt.momentum = (float)momentum;
	if (beta1 >= 0.0)
		cfg.opt.beta1 = (float)beta1;
	if (beta2 >= 0.0)
		cfg.opt.beta2 = (float)beta2;
	else if (opt == NN_OPT_RMSPROP)
		cfg.opt.beta2 = 0.9f;   /* RMSprop's usual decay */
	if (eps >= 0.0)
		cfg.opt.eps = (float)eps;
	cfg.opt.weight_decay = (float)wd;
	int status = 0;
	if (nn_train(m, data.x, data.y, data.t, data.n, &cfg, &loss, &e) < 0) {
		warnx("%s; %s not written", e.msg, out);
		status = 3;
	}
	for (size_t i = 0; status == 0 && i < m->nparams; i++)
		if (!isfinite(m->params[i])) {
			warnx("training diverged: a weight is not finite (try a lower "
			    "learning rate); %s not written", out);
			status = 3;
		}
	if (status != 0) {
		nn_data_free(&data);
		nn_model_free(m);
		return status;
	}
	m->final_loss = (float)loss;
	if (nn_model_save(m, out, &e) < 0)
		die_err(1, &e);
	if (!quiet)
		fprintf(stderr, "nn-train: %zu rows, %zu features, %s, %zu parameters; "
		    "final loss %.6f after %ld epochs\n", data.n, data.d,
		    nn_task_name(task), m->nparams, loss, epochs);
	nn_data_free(&data);
	nn_model_free(m);
	return 0;
}
