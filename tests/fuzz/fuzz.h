/*
 * fuzz.h - what the fuzz targets share: the entry point's prototype, a
 * check that aborts (so libFuzzer, AFL++ and the replay driver all see a
 * failed property as a crash), and the ways a target hands its bytes to a
 * reader: a memory stream (no descriptor: the readers' streaming paths)
 * or a regular file (a descriptor: the paths that fstat and pread).
 *
 * Static inline, so each target stays one file compiled alone, and a
 * helper a target does not use draws no warning.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold: else say which, and abort. */
#define FUZZ_CHECK(cond, ...) do {                                      \
	if (!(cond)) {                                                  \
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,  \
		    __LINE__, #cond);                                   \
		fprintf(stderr, __VA_ARGS__);                           \
		fputc('\n', stderr);                                    \
		abort();                                                \
	}                                                               \
} while (0)

/* A read-only stream over data[0, size).  The cast is fmemopen's: with
 * mode "rb" it never writes to the buffer.  NULL only when out of
 * memory. */
static inline FILE *
fuzz_mem(const uint8_t *data, size_t size)
{
	static const char empty[1];

	return fmemopen(size ? (void *)data : (void *)empty, size, "rb");
}

/* A regular file holding data[0, size), opened for reading at offset 0.
 * One file per process, removed as soon as it is made (libFuzzer often
 * ends with _Exit, past any atexit), kept open and rewritten for each
 * input; each stream is a dup of it.  In $TMPDIR, else in /dev/shm, where
 * truncating it costs no disk journal, else in /tmp. */
static int fuzz_fd = -1;

static inline FILE *
fuzz_file(const uint8_t *data, size_t size)
{
	FILE *fp;
	size_t off = 0;
	int fd;

	if (fuzz_fd < 0) {
		const char *dir = getenv("TMPDIR");
		char path[64];
		if (dir == NULL || strlen(dir) >= 32)
			dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof(path), "%s/fuzz-XXXXXX", dir);
		if ((fuzz_fd = mkstemp(path)) < 0 || unlink(path) != 0) {
			perror(path);
			abort();
		}
	}
	if (ftruncate(fuzz_fd, 0) != 0) {
		perror("ftruncate");
		abort();
	}
	while (off < size) {
		ssize_t k = pwrite(fuzz_fd, data + off, size - off, (off_t)off);
		if (k <= 0) {
			perror("pwrite");
			abort();
		}
		off += (size_t)k;
	}
	if ((fd = dup(fuzz_fd)) < 0 || lseek(fd, 0, SEEK_SET) != 0 ||
	    (fp = fdopen(fd, "rb")) == NULL) {
		perror("fuzz_file");
		abort();
	}
	return fp;
}

/* m written by write (nn_model_write, nn_json_model_write, nn_onnx_write)
 * to memory; a model that was read must write.  The caller frees *out. */
static inline void
fuzz_model_to_mem(const nn_model *m,
    int (*write)(const nn_model *, FILE *, nn_err *), char **out, size_t *outn)
{
	nn_err e;
	FILE *fp = open_memstream(out, outn);
	int rc;

	FUZZ_CHECK(fp != NULL, "open_memstream");
	rc = write(m, fp, &e);
	FUZZ_CHECK(fclose(fp) == 0, "closing the memory stream");
	FUZZ_CHECK(rc == 0, "a model that was read does not write: %s", e.msg);
}

/* Two readings of one data set must be the same, member by member. */
static inline int
fuzz_same_strs(char *const *a, char *const *b, size_t n)
{
	if ((a == NULL) != (b == NULL))
		return 0;
	for (size_t i = 0; a != NULL && i < n; i++)
		if ((a[i] == NULL) != (b[i] == NULL) ||
		    (a[i] != NULL && strcmp(a[i], b[i]) != 0))
			return 0;
	return 1;
}

static inline int
fuzz_same_bytes(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	if (a == NULL || b == NULL)
		return a == b;
	return memcmp(a, b, n) == 0;
}

/* Which member of two nn_data differs, or NULL when none does (the
 * encoder and the fill counts are the caller's to compare). */
static inline const char *
fuzz_data_diff(const nn_data *a, const nn_data *b)
{
	if (a->n != b->n || a->d != b->d)
		return "n or d";
	if (!fuzz_same_bytes(a->x, b->x, a->n * a->d * sizeof(float)))
		return "x";
	if (!fuzz_same_strs(a->feat_names, b->feat_names, a->d))
		return "feat_names";
	if ((a->target_name == NULL) != (b->target_name == NULL) ||
	    (a->target_name != NULL &&
	    strcmp(a->target_name, b->target_name) != 0))
		return "target_name";
	if (a->ncols != b->ncols || a->target_col != b->target_col)
		return "ncols or target_col";
	if (a->nlabels != b->nlabels ||
	    !fuzz_same_strs(a->labels, b->labels, a->nlabels))
		return "labels";
	if ((a->y == NULL) != (b->y == NULL) ||
	    (a->y != NULL && !fuzz_same_bytes(a->y, b->y, a->n * sizeof(*a->y))))
		return "y";
	if ((a->t == NULL) != (b->t == NULL) ||
	    (a->t != NULL && !fuzz_same_bytes(a->t, b->t, a->n * sizeof(*a->t))))
		return "t";
	if (a->t_integral != b->t_integral)
		return "t_integral";
	if (a->crc != b->crc)
		return "crc";
	if (a->delim != b->delim)
		return "delim";
	if (a->dropped_target != b->dropped_target ||
	    a->dropped_missing != b->dropped_missing)
		return "dropped rows";
	return NULL;
}

#endif
