/*
 * atomic.c - replace a file so that it is never seen half written: the one
 * save path of nnkit (models, figures, nn-split's two outputs).
 *
 * The new contents go to a temporary file beside the target, DIR/.NAME.XXX,
 * so that the final rename(2) stays within one file system and is atomic.
 * Committing flushes, checks the stream's error flag, fsyncs and closes the
 * file, renames it over the target and fsyncs the directory, so that after
 * a crash the directory holds either the old file or the whole new one.
 * Until the rename nothing at the target changes, and every failure before
 * it removes the temporary file.
 *
 * The temporary file is created with open(O_CREAT | O_EXCL, 0666) under a
 * random name rather than with mkstemp: mkstemp makes the file 0600, and
 * restoring "what open(2) would give" with fchmod means reading the umask by
 * setting it (a race with any other thread that creates a file) and misses a
 * directory's default ACL.  Letting open apply both is exact.
 *
 * Several files can be committed as a set (nn_atomic_commit_all): all are
 * written and synced before the first rename, so the window in which some
 * targets are new and others old is a few renames wide.  See nn_base.h for
 * what happens when a rename inside that window fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nn_base.h"

/* Random characters in a temporary name, and tries before giving up on
 * names that all exist (62^6 names: a clash is a leftover, not chance). */
#define TMP_RANDOM 6
#define TMP_TRIES 64
/* Bytes of the target's name kept in the temporary name, so that
 * ".NAME.XXXXXX" fits in NAME_MAX (255 on every file system nnkit meets)
 * even when NAME itself nearly does. */
#define TMP_NAME_MAX 200

/* Length of the directory part of path, with its slash ("a/b/" of
 * "a/b/c"); 0 when path has no slash. */
static size_t
dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? (size_t)(slash - path) + 1 : 0;
}

/* The directory holding path, for open(2): "." when there is no slash;
 * "/" for "/NAME" (the slash is kept, so "a/" is "a" and "/" stays "/"). */
static char *
dir_of(const char *path)
{
	size_t n = dir_len(path);
	char *d;

	if (n == 0)
		return nn_xstrdup(".");
	d = nn_xmalloc(n + 1);
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

/* The temporary files of saves in progress, for the out-of-memory exit
 * (nn_atomic_unlink_pending): a slot holds a's tmp from its creation until
 * commit or abort frees it.  More saves at once than slots (nn-split makes
 * two) go unregistered. */
#define PENDING 8
static _Atomic(char *) pending[PENDING];

static void
pending_add(char *tmp)
{
	for (int i = 0; i < PENDING; i++) {
		char *none = NULL;
		if (atomic_compare_exchange_strong(&pending[i], &none, tmp))
			return;
	}
}

static void
pending_del(char *tmp)
{
	for (int i = 0; i < PENDING && tmp != NULL; i++) {
		char *was = tmp;
		if (atomic_compare_exchange_strong(&pending[i], &was, NULL))
			return;
	}
}

void
nn_atomic_unlink_pending(void)
{
	for (int i = 0; i < PENDING; i++) {
		char *tmp = atomic_exchange(&pending[i], NULL);
		if (tmp != NULL)
			unlink(tmp);
	}
}

/* The names to try need only differ from one try and one process to the
 * next; the generator is seeded from the time, the process and a counter,
 * never from the caller's seed (saving must not consume its stream). */
static uint64_t
tmp_seed(void)
{
	static atomic_ulong calls;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
	    ((uint64_t)getpid() << 32) +
	    ((uint64_t)atomic_fetch_add(&calls, 1) << 48);
}

int
nn_atomic_open(nn_atomic *a, const char *path, nn_err *e)
{
	static const char chars[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t dlen = dir_len(path), blen = strlen(path + dlen), at;
	char *tmp;
	nn_rng r;
	int fd = -1, err = EEXIST;

	memset(a, 0, sizeof(*a));
	if (blen == 0)
		return nn_errf(e, "%s: not a file name", path);
	if (blen > TMP_NAME_MAX)
		blen = TMP_NAME_MAX;

	/* "DIR/" "." NAME "." XXXXXX */
	tmp = nn_xmalloc(dlen + 1 + blen + 1 + TMP_RANDOM + 1);
	memcpy(tmp, path, dlen);
	tmp[dlen] = '.';
	memcpy(tmp + dlen + 1, path + dlen, blen);
	at = dlen + 1 + blen;
	tmp[at++] = '.';
	tmp[at + TMP_RANDOM] = '\0';
	nn_rng_seed(&r, tmp_seed());
	for (int t = 0; t < TMP_TRIES && err == EEXIST; t++) {
		for (int i = 0; i < TMP_RANDOM; i++)
			tmp[at + i] = chars[nn_rng_below(&r, sizeof(chars) - 1)];
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		err = fd < 0 ? errno : 0;
	}
	/* Reported as open(2) of the target itself would be ("nodir/x.nn: No
	 * such file or directory"): that is what the user asked for, and the
	 * temporary name would only confuse. */
	if (fd < 0) {
		free(tmp);
		return nn_errf(e, "%s: %s", path, strerror(err));
	}
	pending_add(tmp);
	if ((a->fp = fdopen(fd, "wb")) == NULL) {
		err = errno;
		close(fd);
		pending_del(tmp);
		unlink(tmp);
		free(tmp);
		return nn_errf(e, "%s: fdopen: %s", path, strerror(err));
	}
	a->tmp = tmp;
	a->path = nn_xstrdup(path);
	return 0;
}

void
nn_atomic_abort(nn_atomic *a)
{
	int saved = errno;

	if (a->fp != NULL)
		fclose(a->fp);
	pending_del(a->tmp);
	if (a->tmp != NULL)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
	errno = saved;
}

/* Flush, check, sync and close a's file; the temporary file stays. */
static int
finish_file(nn_atomic *a, nn_err *e)
{
	FILE *fp = a->fp;
	const char *what;
	int err;

	a->fp = NULL;
	errno = 0;
	what = "write";
	if (fflush(fp) == EOF)
		goto fail;
	if (ferror(fp)) {
		/* an earlier write failed; its errno is long gone */
		errno = EIO;
		goto fail;
	}
	what = "fsync";
	if (fsync(fileno(fp)) < 0)
		goto fail;
	what = "close";
	if (fclose(fp) == EOF) {
		fp = NULL;
		goto fail;
	}
	return 0;
fail:
	err = errno ? errno : EIO;
	if (fp != NULL)
		fclose(fp);
	return nn_errf(e, "%s: %s: %s", a->path, what, strerror(err));
}

/* fsync the directory holding path.  A file system that cannot sync a
 * directory says EINVAL: there is nothing more to do there. */
static int
sync_dir(const char *path, nn_err *e)
{
	char *dir = dir_of(path);
	const char *what = NULL;
	int fd, err = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		what = "open";
		err = errno;
	} else {
		if (fsync(fd) < 0 && errno != EINVAL) {
			what = "fsync";
			err = errno;
		}
		close(fd);
	}
	if (what != NULL)
		nn_errf(e, "%s: saved, but syncing its directory failed: %s %s: "
		    "%s", path, what, dir, strerror(err));
	free(dir);
	return what != NULL ? -1 : 0;
}

int
nn_atomic_commit(nn_atomic *a, nn_err *e)
{
	return nn_atomic_commit_all(a, 1, e);
}

int
nn_atomic_commit_all(nn_atomic *a, size_t n, nn_err *e)
{
	struct stat st;
	size_t i, j;
	int rc = 0, err;

	/* every file complete and on disk before any target changes */
	for (i = 0; i < n; i++) {
		if (a[i].fp == NULL) {
			nn_errf(e, "atomic save %zu of %zu was never opened",
			    i + 1, n);
			goto abort;
		}
		if (finish_file(&a[i], e) < 0)
			goto abort;
	}
	/* The one rename failure to expect, a directory in the way, is
	 * caught before any rename, while nothing has changed. */
	for (i = 0; i < n; i++)
		if (lstat(a[i].path, &st) == 0 && S_ISDIR(st.st_mode)) {
			nn_errf(e, "%s: rename: %s", a[i].path, strerror(EISDIR));
			goto abort;
		}
	for (i = 0; i < n; i++) {
		if (rename(a[i].tmp, a[i].path) == 0) {
			pending_del(a[i].tmp);
			free(a[i].tmp);
			a[i].tmp = NULL;
			continue;
		}
		/* Targets 0 .. i-1 already hold their new contents; their old
		 * ones are gone.  Remove them rather than leave a set that was
		 * never written together (nn-split: a TRAIN that overlaps the old
		 * TEST). */
		err = errno;
		for (j = 0; j < i; j++)
			unlink(a[j].path);
		if (i == 0)
			nn_errf(e, "%s: rename: %s", a[i].path, strerror(err));
		else
			nn_errf(e, "%s: rename: %s (removed the new %s%s, written "
			    "with it)", a[i].path, strerror(err), a[0].path,
			    i > 1 ? " and others" : "");
		goto abort;
	}
	/* make the new names durable, each directory once */
	for (i = 0; i < n; i++) {
		size_t dl = dir_len(a[i].path);
		for (j = 0; j < i; j++)
			if (dir_len(a[j].path) == dl &&
			    memcmp(a[j].path, a[i].path, dl) == 0)
				break;
		if (j == i && sync_dir(a[i].path, rc < 0 ? NULL : e) < 0)
			rc = -1;
	}
	for (i = 0; i < n; i++)
		nn_atomic_abort(&a[i]);
	return rc;
abort:
	for (i = 0; i < n; i++)
		nn_atomic_abort(&a[i]);
	return -1;
}
