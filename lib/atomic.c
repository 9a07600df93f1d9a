/*
 * atomic.c - replace a file so that it is never seen half written: the one
 * save path of nnkit (models, figures, nn-split's two outputs).
 *
 * The new contents go to a temporary file beside the target,
 * DIR/.NAME.nnkit-tmp.PID.XXXXXX, so that the final rename(2) stays within
 * one file system and is atomic.  Committing flushes, checks the stream's
 * error flag, fsyncs and closes the file, renames it over the target and
 * fsyncs the directory, so that after a crash the directory holds either
 * the old file or the whole new one.
 *
 * What a save may replace (the policy; nn_atomic_check says it up front):
 *
 *   - nothing, or a regular file that the user may write.  A file nobody
 *     may write by its mode (0444, 0400) is refused even for root, who
 *     could: such a mode is how a user protects a model, and rename(2)
 *     ignores it.  The new file keeps the old one's permission bits (and
 *     owner and group, where the system lets us), as writing it in place
 *     would.
 *   - through a symbolic link: the file the link leads to, which is
 *     replaced atomically beside itself; the link stays.  `-o current.nn`
 *     then updates the model current.nn points to, as `>` would, rather
 *     than turning the link into a file.  Whether a link may be followed
 *     at all is left to the kernel (stat(2) says EACCES under
 *     fs.protected_symlinks).
 *   - never a directory, device, FIFO or socket: rename(2) would put a
 *     regular file in its place (as root, `-o /dev/null` would replace
 *     /dev/null), and writing into it is not a save.
 *
 * A failed save leaves every target as it was, whatever step failed: each
 * existing target is hard-linked to DIR/.NAME.nnkit-old.PID.XXXXXX just
 * before the renames, so that a failure after them (the next target's
 * rename, the directory's fsync) can rename the old file back.  Where the
 * file system has no hard links, the old rule stands: new files renamed in
 * place are removed rather than left beside old ones, and the message says
 * what was lost.
 *
 * A process killed during a save leaves its temporary files behind.  Their
 * names carry the writer's process ID, so the next save of the same target
 * removes those whose writer no longer exists (kill(pid, 0) says ESRCH).
 * A writer in another PID namespace or on another host sharing the
 * directory looks dead from here: its save then fails at the rename, and
 * its target is untouched.
 *
 * The temporary file is created with open(O_CREAT | O_EXCL, 0666) under a
 * random name rather than with mkstemp: mkstemp makes the file 0600, and
 * restoring "what open(2) would give" with fchmod means reading the umask by
 * setting it (a race with any other thread that creates a file) and misses a
 * directory's default ACL.  Letting open apply both is exact.
 *
 * Several files can be committed as a set (nn_atomic_commit_all): all are
 * written and synced before the first rename, so the window in which some
 * targets are new and others old is a few renames wide.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
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
 * ".NAME.nnkit-tmp.PID.XXXXXX" fits in NAME_MAX (255 on every file system
 * nnkit meets) even when NAME itself nearly does. */
#define TMP_NAME_MAX 200
/* Symbolic links followed from the target, the kernel's own limit. */
#define LINK_HOPS 40

/* The tags of the two kinds of file a save makes beside its target: the
 * new contents, and a second name for the old ones during commit. */
static const char TAG_NEW[] = "nnkit-tmp";
static const char TAG_OLD[] = "nnkit-old";
static const char CHARS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

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

/* ---- the policy: what a save may replace --------------------------------- */

/* What a non-regular file is, for a message. */
static const char *
kind_of(mode_t m)
{
	return S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" :
	    S_ISFIFO(m) ? "a FIFO" :
	    S_ISSOCK(m) ? "a socket" :
	    S_ISLNK(m) ? "a symbolic link" : "not a regular file";
}

/* "path: what", or "path -> dest: what" when links led elsewhere: the
 * user named path, and dest is what the trouble is with. */
static int
dest_errf(nn_err *e, const char *path, const char *dest, const char *what)
{
	if (strcmp(path, dest) == 0)
		return nn_errf(e, "%s: %s", path, what);
	return nn_errf(e, "%s -> %s: %s", path, dest, what);
}

/* The path the symbolic link at link names: its text, relative to the
 * link's directory unless absolute.  NULL with errno set on failure. */
static char *
read_link(const char *link)
{
	size_t dl = dir_len(link);
	char *text = nn_xmalloc(PATH_MAX), *p;
	ssize_t n = readlink(link, text, PATH_MAX);

	if (n < 0 || n >= PATH_MAX) {
		if (n >= 0)
			errno = ENAMETOOLONG;
		free(text);
		return NULL;
	}
	if (text[0] == '/')
		dl = 0;
	p = nn_xmalloc(dl + (size_t)n + 1);
	memcpy(p, link, dl);
	memcpy(p + dl, text, (size_t)n);
	p[dl + (size_t)n] = '\0';
	free(text);
	return p;
}

/* Follow path's symbolic links: *dest gets the path the rename must go to
 * (path itself when it is no link), *exists and st what is there now. */
static int
follow(const char *path, char **dest, int *exists, struct stat *st,
    nn_err *e)
{
	char *p = nn_xstrdup(path), *q;

	/* The kernel's verdict on every component and link first: this is
	 * where "/dev/full/x" is ENOTDIR, and where a link that may not be
	 * followed (fs.protected_symlinks) is EACCES. */
	if (stat(path, st) < 0 && errno != ENOENT) {
		free(p);
		return nn_errf(e, "%s: %s", path, strerror(errno));
	}
	for (int hops = 0;; hops++) {
		if (lstat(p, st) < 0) {
			if (errno != ENOENT)
				break;
			*exists = 0;
			*dest = p;
			return 0;
		}
		if (!S_ISLNK(st->st_mode)) {
			*exists = 1;
			*dest = p;
			return 0;
		}
		if (hops == LINK_HOPS) {
			errno = ELOOP;
			break;
		}
		if ((q = read_link(p)) == NULL)
			break;
		free(p);
		p = q;
	}
	dest_errf(e, path, p, strerror(errno));
	free(p);
	return -1;
}

/* The policy on the file at dest (st: its lstat), which the save would
 * replace: a regular file that may be written.  path is for messages. */
static int
check_file(const char *path, const char *dest, const struct stat *st,
    nn_err *e)
{
	char what[128];

	if (S_ISDIR(st->st_mode))
		return dest_errf(e, path, dest, strerror(EISDIR));
	if (!S_ISREG(st->st_mode)) {
		snprintf(what, sizeof(what), "%s, not a regular file; refusing "
		    "to replace it", kind_of(st->st_mode));
		return dest_errf(e, path, dest, what);
	}
	if ((st->st_mode & 0222) == 0) {
		snprintf(what, sizeof(what), "%s (a read-only file, mode %04o; "
		    "refusing to replace it)", strerror(EACCES),
		    (unsigned)st->st_mode & 07777);
		return dest_errf(e, path, dest, what);
	}
	if (access(dest, W_OK) < 0)
		return dest_errf(e, path, dest, strerror(errno));
	return 0;
}

/* The directory of dest must take a new file and a rename: it exists, is a
 * directory, may be written and searched, and (sticky, like /tmp) does not
 * keep another user's file at dest from being replaced. */
static int
check_dir(const char *path, const char *dest, int exists,
    const struct stat *fst, nn_err *e)
{
	char *dir = dir_of(dest);
	struct stat st;
	int err = 0;

	if (stat(dir, &st) < 0)
		err = errno;
	else if (!S_ISDIR(st.st_mode))
		err = ENOTDIR;
	else if (access(dir, W_OK | X_OK) < 0)
		err = errno;
	else if (exists && (st.st_mode & S_ISVTX) && geteuid() != 0 &&
	    fst->st_uid != geteuid() && st.st_uid != geteuid())
		err = EPERM;
	free(dir);
	return err != 0 ? dest_errf(e, path, dest, strerror(err)) : 0;
}

/* Everything checkable about a save to path; *dest, *exists and st as
 * follow() gives them, dest the caller's to free. */
static int
check(const char *path, char **dest, int *exists, struct stat *st,
    nn_err *e)
{
	size_t n = strlen(path);

	if (n == 0 || path[n - 1] == '/')
		return nn_errf(e, "%s: not a file name", path);
	if (follow(path, dest, exists, st, e) < 0)
		return -1;
	if (*exists && check_file(path, *dest, st, e) < 0)
		goto fail;
	if (dir_len(*dest) == strlen(*dest)) {   /* a link to "nodir/" */
		dest_errf(e, path, *dest, "not a file name");
		goto fail;
	}
	if (check_dir(path, *dest, *exists, st, e) == 0)
		return 0;
fail:
	free(*dest);
	*dest = NULL;
	return -1;
}

int
nn_atomic_check(const char *path, nn_err *e)
{
	struct stat st;
	char *dest;
	int exists;

	if (check(path, &dest, &exists, &st, e) < 0)
		return -1;
	free(dest);
	return 0;
}

/* ---- the files beside the target ------------------------------------------ */

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

/* "DIR/.NAME.TAG.PID.XXXXXX" for dest, the X's to be filled from *at on
 * (NAME cut to TMP_NAME_MAX bytes). */
static char *
side_name(const char *dest, const char *tag, size_t *at)
{
	size_t dlen = dir_len(dest), blen = strlen(dest + dlen), n;
	char pid[24], *s;

	if (blen > TMP_NAME_MAX)
		blen = TMP_NAME_MAX;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	n = dlen + 1 + blen + 1 + strlen(tag) + 1 + strlen(pid) + 1;
	s = nn_xmalloc(n + TMP_RANDOM + 1);
	memcpy(s, dest, dlen);
	snprintf(s + dlen, n - dlen + 1, ".%.*s.%s.%s.", (int)blen, dest + dlen,
	    tag, pid);
	memset(s + n, 'X', TMP_RANDOM);
	s[n + TMP_RANDOM] = '\0';
	*at = n;
	return s;
}

static void
fill_random(char *s, nn_rng *r)
{
	for (int i = 0; i < TMP_RANDOM; i++)
		s[i] = CHARS[nn_rng_below(r, sizeof(CHARS) - 1)];
}

/* Is name, in the target's directory, a file that a save of the target
 * (base: its name, cut as side_name cuts it) left behind, and is its
 * writer gone?  Only the exact shape counts; anything else is the user's. */
static int
stale(const char *name, const char *base, size_t blen)
{
	const char *s = name;
	long pid = 0;
	int digits = 0;

	if (*s++ != '.' || strncmp(s, base, blen) != 0 || s[blen] != '.')
		return 0;
	s += blen + 1;
	if (strncmp(s, TAG_NEW, sizeof(TAG_NEW) - 1) == 0)
		s += sizeof(TAG_NEW) - 1;
	else if (strncmp(s, TAG_OLD, sizeof(TAG_OLD) - 1) == 0)
		s += sizeof(TAG_OLD) - 1;
	else
		return 0;
	if (*s++ != '.')
		return 0;
	for (; *s >= '0' && *s <= '9' && digits < 10; s++, digits++)
		pid = pid * 10 + (*s - '0');
	if (digits == 0 || pid <= 0 || pid > INT_MAX || *s++ != '.')
		return 0;
	for (int i = 0; i < TMP_RANDOM; i++)
		if (s[i] == '\0' || strchr(CHARS, s[i]) == NULL)
			return 0;
	if (s[TMP_RANDOM] != '\0')
		return 0;
	/* EPERM: alive, someone else's; only ESRCH says gone */
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Remove what earlier saves of dest left when their process was killed.
 * Best effort: a directory that cannot be read is no reason to fail. */
static void
clean_stale(const char *dest)
{
	char *dir = dir_of(dest);
	const char *base = dest + dir_len(dest);
	size_t blen = strlen(base);
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (blen > TMP_NAME_MAX)
		blen = TMP_NAME_MAX;
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (stale(de->d_name, base, blen) &&
			    fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	free(dir);
}

/* The new file gets the old one's permission bits, and its owner and group
 * where the system allows (root; a group of ours), as writing in place
 * would keep them.  Best effort: a file system without owners keeps what
 * open(2) gave. */
static void
keep_identity(int fd, const struct stat *st)
{
	if (fchown(fd, st->st_uid, st->st_gid) < 0 &&
	    fchown(fd, (uid_t)-1, st->st_gid) < 0) {
		/* ours, then */
	}
	if (fchmod(fd, st->st_mode & 0777) < 0) {
		/* open's mode, then */
	}
}

/* A second name for dest's old contents, for putting them back: NULL when
 * the file system has no hard links (or the link fails otherwise). */
static char *
keep_old(const char *dest)
{
	size_t at;
	char *old = side_name(dest, TAG_OLD, &at);
	nn_rng r;

	nn_rng_seed(&r, tmp_seed());
	for (int t = 0; t < TMP_TRIES; t++) {
		fill_random(old + at, &r);
		if (link(dest, old) == 0)
			return old;
		if (errno != EEXIST)
			break;
	}
	free(old);
	return NULL;
}

/* ---- open, abort, commit --------------------------------------------------- */

int
nn_atomic_open(nn_atomic *a, const char *path, nn_err *e)
{
	struct stat st;
	char *dest, *tmp;
	size_t at;
	nn_rng r;
	int exists, fd = -1, err = EEXIST;

	memset(a, 0, sizeof(*a));
	if (check(path, &dest, &exists, &st, e) < 0)
		return -1;
	clean_stale(dest);
	tmp = side_name(dest, TAG_NEW, &at);
	nn_rng_seed(&r, tmp_seed());
	for (int t = 0; t < TMP_TRIES && err == EEXIST; t++) {
		fill_random(tmp + at, &r);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		err = fd < 0 ? errno : 0;
	}
	/* Reported as open(2) of the target itself would be ("nodir/x.nn: No
	 * such file or directory"): that is what the user asked for, and the
	 * temporary name would only confuse. */
	if (fd < 0) {
		free(tmp);
		free(dest);
		return nn_errf(e, "%s: %s", path, strerror(err));
	}
	if (exists)
		keep_identity(fd, &st);
	pending_add(tmp);
	if ((a->fp = fdopen(fd, "wb")) == NULL) {
		err = errno;
		close(fd);
		pending_del(tmp);
		unlink(tmp);
		free(tmp);
		free(dest);
		return nn_errf(e, "%s: fdopen: %s", path, strerror(err));
	}
	a->tmp = tmp;
	a->path = nn_xstrdup(path);
	a->dest = dest;
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
	free(a->dest);
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

/* fsync the directory dir: 0, or the errno with *what the call that failed.
 * A file system that cannot sync a directory says EINVAL: there is nothing
 * more to do there. */
static int
sync_dir(const char *dir, const char **what)
{
	int fd, err = 0;

	*what = "open";
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno;
	*what = "fsync";
	if (fsync(fd) < 0 && errno != EINVAL)
		err = errno;
	if (close(fd) < 0 && err == 0) {
		*what = "close";
		err = errno;
	}
	return err;
}

/* fsync each directory of a[0 .. n) once; 0, or the errno with *what and
 * *bad (the index of the first target in the directory) saying where. */
static int
sync_dirs(const nn_atomic *a, size_t n, const char **what, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		size_t j, dl = dir_len(a[i].dest);
		char *dir;
		int err;

		for (j = 0; j < i; j++)
			if (dir_len(a[j].dest) == dl &&
			    memcmp(a[j].dest, a[i].dest, dl) == 0)
				break;
		if (j < i)
			continue;
		dir = dir_of(a[i].dest);
		err = sync_dir(dir, what);
		free(dir);
		if (err != 0) {
			*bad = i;
			return err;
		}
	}
	return 0;
}

/* Put targets 0 .. k-1, already renamed, back as they were: the old file
 * renamed back from its second name, a target that did not exist removed.
 * Returns how many could not be (no second name: the new file is removed,
 * and the old contents are lost). */
static size_t
undo(nn_atomic *a, char **old, const char *had, size_t k)
{
	const char *what;
	size_t lost = 0, bad;

	for (size_t j = 0; j < k; j++) {
		if (old[j] != NULL && rename(old[j], a[j].dest) == 0) {
			free(old[j]);
			old[j] = NULL;
			continue;
		}
		unlink(a[j].dest);
		if (had[j])
			lost++;
	}
	sync_dirs(a, k, &what, &bad);   /* the undo's names, as far as may be */
	return lost;
}

int
nn_atomic_commit(nn_atomic *a, nn_err *e)
{
	return nn_atomic_commit_all(a, 1, e);
}

int
nn_atomic_commit_all(nn_atomic *a, size_t n, nn_err *e)
{
	char **old = nn_xcalloc(n + 1, sizeof(*old));
	char *had = nn_xcalloc(n + 1, 1), *dir;
	const char *what;
	struct stat st;
	size_t i, done, lost, bad;
	int rc = -1, err, backed = 1;

	/* every file complete and on disk before any target changes */
	for (i = 0; i < n; i++) {
		if (a[i].fp == NULL) {
			nn_errf(e, "atomic save %zu of %zu was never opened",
			    i + 1, n);
			goto out;
		}
		if (finish_file(&a[i], e) < 0)
			goto out;
	}
	/* The policy again, now that the targets are about to change: a
	 * directory or a device may have taken a target's place since
	 * nn_atomic_open. */
	for (i = 0; i < n; i++) {
		if (lstat(a[i].dest, &st) < 0) {
			if (errno == ENOENT)
				continue;
			dest_errf(e, a[i].path, a[i].dest, strerror(errno));
			goto out;
		}
		if (check_file(a[i].path, a[i].dest, &st, e) < 0)
			goto out;
		had[i] = 1;
		if ((old[i] = keep_old(a[i].dest)) == NULL)
			backed = 0;
	}
	for (done = 0; done < n; done++) {
		if (rename(a[done].tmp, a[done].dest) < 0)
			break;
		pending_del(a[done].tmp);
		free(a[done].tmp);
		a[done].tmp = NULL;
	}
	if (done < n) {
		err = errno;
		if ((lost = undo(a, old, had, done)) == 0)
			nn_errf(e, "%s: rename: %s", a[done].path, strerror(err));
		else
			nn_errf(e, "%s: rename: %s (removed the new %s%s, written "
			    "with it)", a[done].path, strerror(err), a[0].path,
			    done > 1 ? " and others" : "");
		goto out;
	}
	/* make the new names durable; if that fails, the save fails whole
	 * where the old files can be put back */
	if ((err = sync_dirs(a, n, &what, &bad)) != 0) {
		dir = dir_of(a[bad].dest);
		if (backed) {
			undo(a, old, had, n);
			nn_errf(e, "%s: %s of its directory %s: %s (nothing saved)",
			    a[bad].path, what, dir, strerror(err));
		} else {
			nn_errf(e, "%s: saved, but syncing its directory failed: "
			    "%s %s: %s", a[bad].path, what, dir, strerror(err));
		}
		free(dir);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		if (old[i] != NULL)
			unlink(old[i]);
		free(old[i]);
		nn_atomic_abort(&a[i]);
	}
	free(old);
	free(had);
	return rc;
}
