/*
 * replay.c - runs a fuzz target without libFuzzer: every file of the
 * directories (or the files) given is fed to LLVMFuzzerTestOneInput once,
 * in name order.  Linked with one target it is that target's regression
 * test, built by any compiler with the flags of the build (under CI's
 * ASan/UBSan pass, a sanitized replay).
 *
 *   replay-NAME              tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME
 *   replay-NAME PATH...      those directories or files (AFL++: @@)
 *
 * One TAP line per path ("ok 1 - csv: 212 inputs of tests/fuzz/corpus/csv"),
 * so scripts/run-tests counts it with the unit tests; a path that does
 * not exist is skipped.  A failed check aborts the process (as it must for
 * a fuzzer); the input it was on is named on stderr first.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "compile with -DFUZZ_NAME=\"name\" (the target's corpus folder)"
#endif

/* The input being replayed, for the last words of a crash. */
static const char *current;

static void
say_current(void)
{
	if (current != NULL) {
		static const char pre[] = "# replay: crashed on ";
		(void)!write(2, pre, sizeof(pre) - 1);
		(void)!write(2, current, strlen(current));
		(void)!write(2, "\n", 1);
	}
}

static void
on_signal(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A sanitizer ends the process with _exit, past any signal handler; its
 * runtime calls this first (a weak reference: NULL without one). */
extern void __sanitizer_set_death_callback(void (*)(void))
    __attribute__((weak));

static uint8_t *
slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *d = NULL;
	size_t cap = 0, got;

	*n = 0;
	if (fp == NULL)
		return NULL;
	do {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4096;
			d = nn_xrealloc(d, cap);
		}
		got = fread(d + *n, 1, cap - *n, fp);
		*n += got;
	} while (got > 0);
	if (ferror(fp)) {
		free(d);
		d = NULL;
	}
	fclose(fp);
	return d;
}

/* Feed one file; 0, or -1 when it cannot be read. */
static int
one(const char *path)
{
	size_t n;
	uint8_t *d = slurp(path, &n);

	if (d == NULL)
		return -1;
	current = path;
	/* libFuzzer's inputs are copies of exactly n bytes: so is this one,
	 * so that ASan sees a read past the end */
	uint8_t *copy = nn_xmalloc(n ? n : 1);
	memcpy(copy, d, n);
	free(d);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	current = NULL;
	return 0;
}

static int
skip_name(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Every file of dir in name order; the number fed, or -1. */
static long
dir(const char *path)
{
	struct dirent **list;
	long fed = 0;
	int n = scandir(path, &list, skip_name, alphasort);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char *p = nn_xmalloc(strlen(path) + strlen(list[i]->d_name) + 2);
		struct stat st;
		sprintf(p, "%s/%s", path, list[i]->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			if (one(p) < 0) {
				fprintf(stderr, "replay: %s: %s\n", p,
				    strerror(errno));
				fed = -1;
			} else if (fed >= 0)
				fed++;
		}
		free(p);
		free(list[i]);
	}
	free(list);
	return fed;
}

int
main(int argc, char **argv)
{
	const char *def[] = { "tests/fuzz/corpus/" FUZZ_NAME,
	    "tests/fuzz/regress/" FUZZ_NAME };
	const char *const *paths = (const char *const *)argv + 1;
	int npaths = argc - 1, failed = 0;

	if (npaths == 0) {
		paths = def;
		npaths = 2;
	}
	if (&__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(say_current);
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		long fed;
		if (stat(paths[i], &st) != 0) {
			printf("ok %d - %s: %s # SKIP %s\n", i + 1, FUZZ_NAME,
			    paths[i], strerror(errno));
			continue;
		}
		fed = S_ISDIR(st.st_mode) ? dir(paths[i]) :
		    one(paths[i]) == 0 ? 1 : -1;
		printf("%s %d - %s: %ld input%s of %s\n", fed < 0 ? "not ok" : "ok",
		    i + 1, FUZZ_NAME, fed < 0 ? 0 : fed, fed == 1 ? "" : "s",
		    paths[i]);
		failed |= fed < 0;
		fflush(stdout);
	}
	printf("1..%d\n", npaths);
	return failed;
}
