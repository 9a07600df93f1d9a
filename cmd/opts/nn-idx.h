/*
 * nn-idx's options (the format: cmd/opts.h).  Included by cmd/nn-idx.c
 * and by the completion generator (completion/table.c).
 */
#include "../opts.h"

#define COUNT_MAX 0xffffffffL   /* -n: the most records a header can declare */
#define IDX_PREFIX "p"

enum { OPT_NO_HEADER = OPT_LONG, OPT_PREFIX };

static const char synopsis[] =
    "usage: nn-idx [-n N] [--no-header] [--prefix NAME] IMAGES [LABELS]\n";

static const opt_spec idx_opts[] = {
	{ 'n', NULL, "N", COMP_NONE, NULL, "all", "convert only the first N records" },
	{ OPT_NO_HEADER, "no-header", NULL, COMP_NONE, NULL, NULL, "write no header line" },
	{ OPT_PREFIX, "prefix", "NAME", COMP_NONE, NULL, IDX_PREFIX, "name the value columns NAME1, NAME2, ..." },
	{ 0 }
};

static const opt_prog options = {
	"nn-idx", synopsis, idx_opts, NULL, NULL, COMP_FILE, NULL
};
