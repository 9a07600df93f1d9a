/*
 * nn-model's options and commands (the format: cmd/opts.h).  Included by
 * cmd/nn-model.c and by the completion generator (completion/table.c).
 */
#include "../opts.h"

enum { OPT_FORMAT = OPT_LONG };

/* export's and import's formats, in the order of nn-model.c's formats[] */
OPT_VALUES(model_formats, "json", "onnx")

static const opt_word commands[] = {
	{ "info", "what the model holds, as text" },
	{ "weights", "every parameter as one CSV row" },
	{ "export", "the whole model in another format (--format)" },
	{ "import", "a model from another format, saved to -o MODEL" },
	{ NULL, NULL }
};

static const char synopsis[] =
    "usage: nn-model info MODEL\n"
    "       nn-model weights MODEL\n"
    "       nn-model export --format FORMAT [-o FILE] MODEL\n"
    "       nn-model import [--format FORMAT] -o MODEL FILE\n";

static const opt_spec model_opts[] = {
	{ OPT_FORMAT, "format", "FORMAT", COMP_NONE, model_formats, NULL, "export, import: the other format (import: detected)" },
	{ 'o', NULL, "FILE", COMP_FILE, NULL, NULL, "export: the file to write; import: the model to save" },
	{ 0 }
};

static const opt_prog options = {
	"nn-model", synopsis, model_opts, "COMMAND", commands, COMP_FILE, NULL
};
