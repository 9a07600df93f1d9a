/*
 * test_atomic.c - lib/atomic.c: a save replaces the file whole or not at
 * all, with the mode open(2) would give, and never leaves a temporary file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn.h"
#include "tap.h"

static char *
path_in(const char *dir, const char *name)
{
	char *p = nn_xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void
put(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL) {
		fputs(s, fp);
		fclose(fp);
	}
}

/* The file's contents (at most 255 bytes), "" when it cannot be read. */
static const char *
get(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_one(const char *dir)
{
	char *target = path_in(dir, "a.txt");
	nn_atomic a;
	nn_err e;
	struct stat st;
	mode_t mask;

	/* a new file, with the umask applied */
	mask = umask(027);
	tap_ok(nn_atomic_open(&a, target, &e) == 0, "open (%s)", e.msg);
	{
		char want[64];
		int n = snprintf(want, sizeof(want), "/.a.txt.nnkit-tmp.%ld.",
		    (long)getpid());
		tap_ok(a.fp != NULL && a.tmp != NULL &&
		    strcmp(a.path, target) == 0 && strcmp(a.dest, target) == 0 &&
		    strncmp(a.tmp, dir, strlen(dir)) == 0 &&
		    strncmp(a.tmp + strlen(dir), want, (size_t)n) == 0 &&
		    strlen(a.tmp) == strlen(dir) + (size_t)n + 6,
		    "temporary file beside the target, named for it and its "
		    "writer: %s", a.tmp);
	}
	tap_ok(access(target, F_OK) < 0, "nothing at the target before commit");
	fputs("new\n", a.fp);
	tap_ok(nn_atomic_commit(&a, &e) == 0, "commit (%s)", e.msg);
	tap_ok(a.fp == NULL && a.path == NULL && a.tmp == NULL,
	    "commit empties the struct");
	tap_ok(strcmp(get(target), "new\n") == 0, "the target holds the new "
	    "contents");
	memset(&st, 0, sizeof(st));
	stat(target, &st);
	tap_ok((st.st_mode & 0777) == 0640, "umask 027 gives 0640 (got %04o)",
	    (unsigned)st.st_mode & 0777);
	umask(mask);
	tap_ok(entries(dir) == 1, "no temporary file left");

	/* abort leaves the old file */
	tap_ok(nn_atomic_open(&a, target, &e) == 0, "open again");
	fputs("newer\n", a.fp);
	errno = ENOSPC;
	nn_atomic_abort(&a);
	tap_ok(errno == ENOSPC, "abort keeps errno");
	tap_ok(strcmp(get(target), "new\n") == 0 && entries(dir) == 1,
	    "abort: old contents, no temporary file");
	nn_atomic_abort(&a);
	tap_ok(1, "a second abort is harmless");

	/* a directory in the way: refused at open, and at commit when it
	 * took the target's place after open */
	{
		char *d = path_in(dir, "d"), *inner = path_in(d, "x");
		mkdir(d, 0755);
		put(inner, "x");
		tap_ok(nn_atomic_open(&a, d, &e) < 0 &&
		    strncmp(e.msg, d, strlen(d)) == 0 &&
		    strcmp(e.msg + strlen(d), ": Is a directory") == 0,
		    "open over a directory: \"%s\"", e.msg);
		unlink(inner);
		rmdir(d);
		tap_ok(nn_atomic_open(&a, d, &e) == 0, "open, then a directory "
		    "takes the target's place");
		mkdir(d, 0755);
		put(inner, "x");
		fputs("new\n", a.fp);
		tap_ok(nn_atomic_commit(&a, &e) < 0 &&
		    strncmp(e.msg, d, strlen(d)) == 0 &&
		    strstr(e.msg, strerror(EISDIR)) != NULL,
		    "commit over a directory: \"%s\"", e.msg);
		tap_ok(entries(dir) == 2 && entries(d) == 1,
		    "and no temporary file left");
		unlink(inner);
		rmdir(d);
		free(inner);
		free(d);
	}

	/* a missing directory: the message open(2) would give */
	{
		char *p = path_in(dir, "no/such.txt");
		memset(&a, 0x55, sizeof(a));
		tap_ok(nn_atomic_open(&a, p, &e) < 0 &&
		    strncmp(e.msg, p, strlen(p)) == 0 &&
		    strcmp(e.msg + strlen(p), ": No such file or directory") == 0,
		    "missing directory: \"%s\"", e.msg);
		tap_ok(a.fp == NULL && a.tmp == NULL && a.path == NULL,
		    "a failed open leaves the struct empty");
		nn_atomic_abort(&a);
		free(p);
	}
	tap_ok(nn_atomic_open(&a, "", &e) < 0 && strstr(e.msg, "not a file name"),
	    "empty path: \"%s\"", e.msg);
	{
		char *p = path_in(dir, "");
		tap_ok(nn_atomic_open(&a, p, &e) < 0 &&
		    strstr(e.msg, "not a file name"), "\"DIR/\": \"%s\"", e.msg);
		free(p);
	}

	/* a name near NAME_MAX: the temporary name is shortened, not refused */
	{
		char name[251], *p;
		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		p = path_in(dir, name);
		e.msg[0] = '\0';
		tap_ok(nn_atomic_open(&a, p, &e) == 0 &&
		    nn_atomic_commit(&a, &e) == 0 && access(p, F_OK) == 0,
		    "a 250-byte file name (%s)", e.msg);
		unlink(p);
		free(p);
	}

	/* a write error shows at commit: the file size limit */
	{
		struct rlimit old, small;
		if (getrlimit(RLIMIT_FSIZE, &old) == 0) {
			small = old;
			small.rlim_cur = 4096;
			signal(SIGXFSZ, SIG_IGN);
			if (setrlimit(RLIMIT_FSIZE, &small) == 0) {
				tap_ok(nn_atomic_open(&a, target, &e) == 0,
				    "open under a 4 KiB limit");
				for (int i = 0; i < 10000; i++)
					fputs("0123456789", a.fp);
				tap_ok(nn_atomic_commit(&a, &e) < 0 &&
				    strstr(e.msg, ": write: ") != NULL,
				    "a failed write is an error: \"%s\"", e.msg);
				setrlimit(RLIMIT_FSIZE, &old);
				tap_ok(strcmp(get(target), "new\n") == 0 &&
				    entries(dir) == 1, "old contents, no "
				    "temporary file");
			}
			signal(SIGXFSZ, SIG_DFL);
		}
	}
	unlink(target);
	free(target);
}

/* Two outputs as a set (nn-split's TRAIN and TEST). */
static void
test_set(const char *dir)
{
	char *p0 = path_in(dir, "train.csv"), *p1 = path_in(dir, "test.csv");
	char *d = path_in(dir, "d"), *inner = path_in(d, "x");
	nn_atomic a[2];
	nn_err e;

	put(p0, "old0");
	put(p1, "old1");
	e.msg[0] = '\0';
	tap_ok(nn_atomic_open(&a[0], p0, &e) == 0 &&
	    nn_atomic_open(&a[1], p1, &e) == 0, "open two");
	fputs("new0", a[0].fp);
	fputs("new1", a[1].fp);
	tap_ok(nn_atomic_commit_all(a, 2, &e) == 0, "commit both (%s)", e.msg);
	tap_ok(strcmp(get(p0), "new0") == 0 && strcmp(get(p1), "new1") == 0 &&
	    entries(dir) == 2, "both replaced, nothing else left");

	/* the second target became a directory: found before any rename */
	tap_ok(nn_atomic_open(&a[0], p0, &e) == 0 &&
	    nn_atomic_open(&a[1], d, &e) == 0, "open two");
	mkdir(d, 0755);
	put(inner, "x");
	fputs("newer0", a[0].fp);
	tap_ok(nn_atomic_commit_all(a, 2, &e) < 0 &&
	    strncmp(e.msg, d, strlen(d)) == 0 &&
	    strstr(e.msg, strerror(EISDIR)) != NULL, "the set fails: \"%s\"", e.msg);
	tap_ok(strcmp(get(p0), "new0") == 0 && entries(dir) == 3 &&
	    entries(d) == 1, "the first target is untouched, no temporary "
	    "file left");

	/* one of the set never opened: nothing changes */
	tap_ok(nn_atomic_open(&a[0], p0, &e) == 0, "open one of two");
	nn_atomic_open(&a[1], "", &e);
	tap_ok(nn_atomic_commit_all(a, 2, &e) < 0 &&
	    strcmp(get(p0), "new0") == 0 && entries(dir) == 3,
	    "a set with an unopened member fails whole: \"%s\"", e.msg);

	unlink(inner);
	rmdir(d);
	unlink(p0);
	unlink(p1);
	free(inner);
	free(d);
	free(p0);
	free(p1);
}

/* e.msg is "path: want" after a failed nn_atomic_check and nn_atomic_open,
 * and the open left nothing behind in dir. */
static void
refused(const char *dir, const char *path, const char *want, const char *what)
{
	nn_atomic a;
	nn_err e;
	size_t n = strlen(path);
	int before = entries(dir);

	e.msg[0] = '\0';
	tap_ok(nn_atomic_check(path, &e) < 0 && strncmp(e.msg, path, n) == 0 &&
	    strcmp(e.msg + n, want) == 0, "%s: check: \"%s\"", what, e.msg);
	e.msg[0] = '\0';
	tap_ok(nn_atomic_open(&a, path, &e) < 0 && strncmp(e.msg, path, n) == 0 &&
	    strcmp(e.msg + n, want) == 0 && a.fp == NULL &&
	    entries(dir) == before, "%s: open: \"%s\"", what, e.msg);
}

/* What a save may replace: the policy of lib/atomic.c. */
static void
test_policy(const char *dir)
{
	char *f = path_in(dir, "f.nn"), *l = path_in(dir, "l.nn");
	char *fifo = path_in(dir, "fifo"), *dl = path_in(dir, "dangling.nn");
	char *ro = path_in(dir, "ro.nn"), *sub = path_in(dir, "sub");
	char *in_sub = path_in(sub, "x.nn"), *bad = path_in(f, "x");
	char *null_link = path_in(dir, "null.nn"), *want;
	nn_atomic a;
	nn_err e;
	struct stat st;
	mode_t mask = umask(022);

	/* a device, a FIFO, a link to a device: refused, left alone */
	/* (only checked: were the policy broken, an open as root would put a
	 * file in /dev) */
	tap_ok(nn_atomic_check("/dev/null", &e) < 0 && strcmp(e.msg,
	    "/dev/null: a character device, not a regular file; refusing to "
	    "replace it") == 0, "/dev/null: \"%s\"", e.msg);
	mkfifo(fifo, 0644);
	refused(dir, fifo, ": a FIFO, not a regular file; refusing to replace "
	    "it", "a FIFO");
	tap_ok(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "still a FIFO");
	tap_ok(symlink("/dev/null", null_link) == 0, "symlink %s", null_link);
	refused(dir, null_link, " -> /dev/null: a character device, not a "
	    "regular file; refusing to replace it", "a link to /dev/null");
	tap_ok(lstat(null_link, &st) == 0 && S_ISLNK(st.st_mode),
	    "still a link");
	unlink(null_link);
	unlink(fifo);

	/* the wrong errno of old: a file where a directory should be */
	put(f, "old\n");
	refused(dir, bad, ": Not a directory", "FILE/x");
	refused(dir, "/dev/full/x", ": Not a directory", "/dev/full/x");
	mkdir(sub, 0755);
	rmdir(sub);
	refused(dir, in_sub, ": No such file or directory", "a missing directory");

	/* read-only by its mode: refused, even for root */
	put(ro, "old\n");
	chmod(ro, 0444);
	refused(dir, ro, ": Permission denied (a read-only file, mode 0444; "
	    "refusing to replace it)", "a 0444 file");
	tap_ok(strcmp(get(ro), "old\n") == 0, "the 0444 file keeps its bytes");
	chmod(ro, 0644);
	unlink(ro);

	/* a link: the file it leads to is replaced, the link stays */
	tap_ok(symlink("f.nn", l) == 0, "symlink %s", l);
	chmod(f, 0600);
	e.msg[0] = '\0';
	tap_ok(nn_atomic_check(l, &e) == 0, "check through a link (%s)", e.msg);
	tap_ok(nn_atomic_open(&a, l, &e) == 0 && strcmp(a.path, l) == 0 &&
	    strcmp(a.dest, f) == 0, "open through a link: dest %s",
	    a.dest ? a.dest : "(none)");
	fputs("new\n", a.fp);
	tap_ok(nn_atomic_commit(&a, &e) == 0, "commit through a link (%s)",
	    e.msg);
	tap_ok(lstat(l, &st) == 0 && S_ISLNK(st.st_mode) &&
	    strcmp(get(f), "new\n") == 0, "the link stays, its file is new");
	tap_ok(stat(f, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the replaced file keeps mode 0600 under umask 022 (got %04o)",
	    (unsigned)st.st_mode & 0777);
	unlink(l);

	/* a dangling link: the file it names is created */
	tap_ok(symlink("made.nn", dl) == 0, "symlink %s", dl);
	want = path_in(dir, "made.nn");
	tap_ok(nn_atomic_open(&a, dl, &e) == 0 && strcmp(a.dest, want) == 0 &&
	    nn_atomic_commit(&a, &e) == 0 && lstat(dl, &st) == 0 &&
	    S_ISLNK(st.st_mode) && access(want, F_OK) == 0,
	    "a dangling link: its file is created, the link stays");
	unlink(dl);
	unlink(want);
	free(want);

	/* a link to a missing directory names both */
	tap_ok(symlink("nodir/x.nn", dl) == 0, "symlink %s", dl);
	want = nn_xmalloc(strlen(dir) + 64);
	sprintf(want, " -> %s/nodir/x.nn: No such file or directory", dir);
	refused(dir, dl, want, "a link into a missing directory");
	free(want);
	unlink(dl);
	/* a loop */
	tap_ok(symlink("dangling.nn", dl) == 0, "symlink %s", dl);
	refused(dir, dl, ": Too many levels of symbolic links", "a link loop");
	unlink(dl);

	/* nothing checked creates anything */
	e.msg[0] = '\0';
	tap_ok(nn_atomic_check(f, &e) == 0 && entries(dir) == 1,
	    "check of a good target: 0, no side effect (%s)", e.msg);
	unlink(f);
	umask(mask);
	free(f);
	free(l);
	free(fifo);
	free(dl);
	free(ro);
	free(sub);
	free(in_sub);
	free(bad);
	free(null_link);
}

static void
put_in(const char *dir, const char *name)
{
	char *p = path_in(dir, name);

	put(p, "x");
	free(p);
}

/* A process ID that is no longer in use. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/* What killed saves left is removed by the next save of the same target;
 * nothing else is. */
static void
test_stale(const char *dir)
{
	char *target = path_in(dir, "m.nn"), name[128];
	static const char *keep[] = {
		".m.nn.nnkit-tmp.%ld.ABCDE",      /* 5 random characters */
		".m.nn.nnkit-tmp.%ld.ABCDEF.x",   /* a suffix */
		".m.nn.nnkit-new.%ld.ABCDEF",     /* another tag */
		".other.nn.nnkit-tmp.%ld.ABCDEF", /* another target */
		".m.nn.nnkit-tmp.%ld.ABC-EF",     /* not the alphabet */
	};
	static const char *gone[] = {
		".m.nn.nnkit-tmp.%ld.ABCDEF",
		".m.nn.nnkit-old.%ld.z09Zaq",
	};
	nn_atomic a;
	nn_err e;
	long dead = (long)dead_pid(), live = (long)getpid();
	size_t i;

	put(target, "old\n");
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(name, sizeof(name), keep[i], dead);
		put_in(dir, name);
	}
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		snprintf(name, sizeof(name), gone[i], dead);
		put_in(dir, name);
		snprintf(name, sizeof(name), gone[i], live);   /* alive: ours */
		put_in(dir, name);
	}
	/* 1 target + 5 lookalikes + 2 stale + 2 live */
	tap_ok(entries(dir) == 10, "10 files before the save");
	e.msg[0] = '\0';
	tap_ok(nn_atomic_check(target, &e) == 0 && entries(dir) == 10,
	    "a check removes nothing");
	tap_ok(nn_atomic_open(&a, target, &e) == 0, "open (%s)", e.msg);
	fputs("new\n", a.fp);
	tap_ok(nn_atomic_commit(&a, &e) == 0 && strcmp(get(target), "new\n") == 0,
	    "commit (%s)", e.msg);
	tap_ok(entries(dir) == 8, "the two files of a dead writer are gone, "
	    "the live writer's and the lookalikes stay (%d files)",
	    entries(dir));
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		snprintf(name, sizeof(name), gone[i], dead);
		char *p = path_in(dir, name);
		tap_ok(access(p, F_OK) < 0, "removed: %s", name);
		free(p);
	}
	/* clean the scratch directory */
	{
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d != NULL && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0))
				unlinkat(dirfd(d), de->d_name, 0);
		if (d != NULL)
			closedir(d);
	}
	free(target);
}

int
main(void)
{
	char dir[] = "/tmp/test_atomic.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_one(dir);
	test_set(dir);
	test_policy(dir);
	test_stale(dir);
	tap_ok(entries(dir) == 0, "nothing left in the scratch directory");
	rmdir(dir);
	return tap_done();
}
