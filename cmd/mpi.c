/*
 * mpi.c - nn-train-mpi's ranks: start, the exchange nn_train asks for,
 * inputs shared from rank 0, and one agreed end (see mpi.h).
 *
 * Only data moves here, never an addition: each rank's slice of every
 * shard's gradient goes to the rank that owns the slice (swap, one
 * MPI_Ialltoallv), which sums the shards in shard order (lib/train.c);
 * the stepped slices of the parameters go from their owners to all by
 * broadcasts (share, MPI_Ibcast).
 * MPI_Allreduce would add them in an order the standard leaves open (Open
 * MPI picks its algorithm by message size and rank count), and the weights
 * would then depend on the number of ranks.  The one reduction done by MPI
 * is a maximum of integers (a stop flag), which has no order to get wrong.
 *
 * MPI's blocking collectives wait forever for a rank that hangs.  Every
 * wait here is a non-blocking collective tested in a loop with a deadline
 * (NNKIT_MPI_TIMEOUT seconds, 300 by default); past it the rank says so
 * and the job is aborted.
 */
#define _GNU_SOURCE     /* sched_getaffinity, CPU_COUNT */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "bar.h"
#include "mpi.h"
#include "nn_input.h"

extern char *program_invocation_short_name;

/* A rank that fails waits this long for the others to reach the end too
 * (they do at once when the failure is the same everywhere, as a bad row
 * is); past it, it is failing alone. */
#define ALONE_WAIT 10.0
/* The default of NNKIT_MPI_TIMEOUT: longer than any step or save. */
#define DEFAULT_TIMEOUT 300.0
/* MPI counts are ints: a larger buffer goes in pieces of this many bytes. */
#define PIECE ((size_t)1 << 30)

static struct {
	int rank, size;
	MPI_Comm comm;          /* training's exchanges and the inputs */
	MPI_Comm comm_end;      /* the agreement at exit only: a rank that
	                           fails mid-exchange cannot confuse the two */
	double timeout;
	int kept_fd;            /* ranks > 0: the real standard error */
	FILE *kept;             /* ranks > 0: what they wrote to stderr */
	nn_dist dist;
	MPI_Request *req;       /* share()'s requests */
	size_t nreq, capreq;
	/* what share() did, for mpi_report */
	uint64_t nshare, bytes_in;
	double share_s;
	/* what swap() did: the rows other ranks read */
	uint64_t nswap, swap_in;
	double swap_s;
	int waited;             /* gave up waiting for the others: a failure
	                           that another rank's caused */
} G = { .kept_fd = -1 };

/* Wait for n requests until the deadline: spin, then yield, then nap, so
 * that a rank waiting for a slow one does not take a core from it (ranks
 * may share cores).  0, or -1 when the time ran out. */
static int
wait_all(MPI_Request *req, int n, double limit)
{
	const double t0 = seconds();
	int done = 0;
	/* statuses, though unused: MPICH's headers declare MPI_Testall's
	 * array with a size GCC checks MPI_STATUSES_IGNORE against */
	MPI_Status *st = nn_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(*st));

	for (unsigned i = 0;; i++) {
		MPI_Testall(n, req, &done, st);
		if (done) {
			free(st);
			return 0;
		}
		if (i < 2000)
			continue;
		if (i < 2200) {
			sched_yield();
			continue;
		}
		struct timespec nap = { 0, 20000 };
		nanosleep(&nap, NULL);
		if ((i & 63) == 0 && seconds() - t0 > limit) {
			free(st);
			return -1;
		}
	}
}

static int
timed_out(nn_err *e)
{
	G.waited = 1;
	return nn_errf(e, "rank %d: no answer from the other ranks for %g s (one "
	    "stopped or hangs; NNKIT_MPI_TIMEOUT sets the wait)", G.rank,
	    G.timeout);
}

static MPI_Request *
new_req(void)
{
	if (G.nreq == G.capreq) {
		G.capreq = G.capreq ? 2 * G.capreq : 64;
		G.req = nn_xrealloc(G.req, G.capreq * sizeof(*G.req));
	}
	return &G.req[G.nreq++];
}

/* ---- nn_dist: what nn_train asks of the ranks ------------------------- */

static int
share(void *ctx, void *const *buf, const size_t *len, const int *root,
    size_t k, nn_err *e)
{
	const double t0 = seconds();

	(void)ctx;
	G.nreq = 0;
	G.nshare++;
	for (size_t i = 0; i < k; i++)
		for (size_t off = 0; off < len[i]; off += PIECE) {
			size_t n = len[i] - off < PIECE ? len[i] - off : PIECE;
			MPI_Ibcast((char *)buf[i] + off, (int)n, MPI_BYTE, root[i],
			    G.comm, new_req());
		}
	if (G.nreq > INT_MAX || wait_all(G.req, (int)G.nreq, G.timeout) < 0)
		return timed_out(e);
	for (size_t i = 0; i < k; i++)
		if (root[i] != G.rank)
			G.bytes_in += len[i];
	G.share_s += seconds() - t0;
	return 0;
}

void
mpi_report(FILE *fp)
{
	fprintf(fp, "%s: rank %d of %d: %ju exchanges, %.1f MB received (%.0f "
	    "KB each), %.3f s in them\n", program_invocation_short_name, G.rank,
	    G.size, (uintmax_t)G.nshare, (double)G.bytes_in / 1e6, G.nshare ?
	    (double)G.bytes_in / 1e3 / (double)G.nshare : 0.0, G.share_s);
	if (G.nswap)
		fprintf(fp, "%s: rank %d of %d: %ju all-to-all exchanges (gradient "
		    "slices, rows), %.1f MB received (%.0f KB each), %.3f s in "
		    "them\n",
		    program_invocation_short_name, G.rank, G.size,
		    (uintmax_t)G.nswap, (double)G.swap_in / 1e6,
		    (double)G.swap_in / 1e3 / (double)G.nswap, G.swap_s);
}

static int
agree_max(void *ctx, int *v, nn_err *e)
{
	MPI_Request r;

	(void)ctx;
	MPI_Iallreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MAX, G.comm, &r);
	if (wait_all(&r, 1, G.timeout) < 0)
		return timed_out(e);
	return 0;
}

/* The all-to-all of nn_dist (MPI_Ialltoallv): the rows a rank computes
 * with, from the ranks that read them, and each rank's slice of the shard
 * gradients.  Its counts are in items (a contiguous type of item bytes),
 * so the int counts of MPI hold rows or floats, not bytes. */
static int
swap(void *ctx, const void *send, const size_t *scount, void *recv,
    const size_t *rcount, size_t item, nn_err *e)
{
	const double t0 = seconds();
	const size_t N = (size_t)G.size;
	int *sc = nn_xmalloc(4 * N * sizeof(int)), *sd = sc + N, *rc = sc + 2 * N,
	    *rd = sc + 3 * N;
	size_t so = 0, ro = 0;
	MPI_Datatype row;
	MPI_Request r;
	int fail = 0;

	(void)ctx;
	for (size_t q = 0; q < N; q++) {
		if (scount[q] > INT_MAX || rcount[q] > INT_MAX || so > INT_MAX ||
		    ro > INT_MAX)
			fail = 1;
		sc[q] = (int)scount[q];
		sd[q] = (int)so;
		rc[q] = (int)rcount[q];
		rd[q] = (int)ro;
		so += scount[q];
		ro += rcount[q];
	}
	if (fail || item == 0 || item > INT_MAX) {
		free(sc);
		return nn_errf(e, "rank %d: %zu rows of %zu bytes: too many for "
		    "one exchange", G.rank, so > ro ? so : ro, item);
	}
	MPI_Type_contiguous((int)item, MPI_BYTE, &row);
	MPI_Type_commit(&row);
	MPI_Ialltoallv(send, sc, sd, row, recv, rc, rd, row, G.comm, &r);
	fail = wait_all(&r, 1, G.timeout) < 0;
	MPI_Type_free(&row);
	free(sc);
	if (fail)
		return timed_out(e);
	G.nswap++;
	G.swap_in += (ro - rcount[G.rank]) * item;
	G.swap_s += seconds() - t0;
	return 0;
}

/* ---- the end ---------------------------------------------------------- */

/* What rank > 0 wrote to its standard error, on the real one, each line
 * as "nn-train-mpi: rank K: message". */
static void
show_kept(void)
{
	char line[1024];
	FILE *out;
	const char *me = program_invocation_short_name;
	size_t ml = strlen(me);

	if (G.kept == NULL || G.kept_fd < 0)
		return;
	fflush(G.kept);
	rewind(G.kept);
	if ((out = fdopen(G.kept_fd, "w")) == NULL)
		return;
	while (fgets(line, sizeof(line), G.kept) != NULL) {
		const char *msg = line;
		if (strncmp(line, me, ml) == 0 && strncmp(line + ml, ": ", 2) == 0)
			msg += ml + 2;
		fprintf(out, "%s: rank %d: %s", me, G.rank, msg);
	}
	fflush(out);
}

/* Every rank's exit comes here (on_exit): the ranks agree on the worst
 * status and all exit with it.  A rank that fails while the others are
 * busy (waiting in an exchange) cannot agree with them: it tells its
 * cause and aborts the job, which mpirun then ends on every rank. */
static void
at_end(int status, void *arg)
{
	int *all, fin = 0, worst = status, first = -1;
	MPI_Request r;

	(void)arg;
	MPI_Finalized(&fin);
	if (fin)
		return;
	fflush(stdout);
	fflush(stderr);
	all = calloc((size_t)G.size, sizeof(int));
	if (all == NULL)
		MPI_Abort(MPI_COMM_WORLD, status ? status : 1);
	/* the status, and whether it only says that others fell silent */
	int mine = (status & 0xff) | (G.waited ? 0x100 : 0);
	MPI_Iallgather(&mine, 1, MPI_INT, all, 1, MPI_INT, G.comm_end, &r);
	if (wait_all(&r, 1, status == 0 ? G.timeout : G.timeout < ALONE_WAIT ?
	    G.timeout : ALONE_WAIT) < 0) {
		if (G.rank > 0)
			show_kept();
		MPI_Abort(MPI_COMM_WORLD, status ? status : 1);
	}
	/* the cause: the first rank that failed of itself, else the first
	 * that failed at all */
	for (int pass = 0; pass < 2 && first < 0; pass++)
		for (int k = 0; k < G.size && first < 0; k++)
			if ((all[k] & 0xff) != 0 && (pass || !(all[k] & 0x100)))
				first = k;
	for (int k = 0; k < G.size; k++)
		if ((all[k] & 0xff) > worst)
			worst = all[k] & 0xff;
	/* rank 0 speaks for all; when it did not fail, or only waited in
	 * vain, the rank that failed names itself */
	if (G.rank > 0 && first == G.rank && ((all[0] & 0xff) == 0 ||
	    (all[0] & 0x100)))
		show_kept();
	free(all);
	MPI_Finalize();
	_exit(worst);
}

/* ---- start ------------------------------------------------------------ */

void
mpi_start(int *argc, char ***argv)
{
	const char *t = getenv("NNKIT_MPI_TIMEOUT");
	char *end;

	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		errx(1, "MPI_Init failed");
	MPI_Comm_rank(MPI_COMM_WORLD, &G.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &G.size);
	MPI_Comm_dup(MPI_COMM_WORLD, &G.comm);
	MPI_Comm_dup(MPI_COMM_WORLD, &G.comm_end);
	G.timeout = DEFAULT_TIMEOUT;
	if (t != NULL && *t != '\0') {
		errno = 0;
		G.timeout = strtod(t, &end);
		if (errno || *end != '\0' || !(G.timeout > 0) ||
		    !isfinite(G.timeout)) {
			MPI_Finalize();
			errx(1, "NNKIT_MPI_TIMEOUT: expected seconds > 0, got \"%.40s\"",
			    t);
		}
	}
	if (G.rank > 0) {
		/* quiet, but keep what would have been said */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		G.kept_fd = dup(STDERR_FILENO);
		if (G.kept_fd >= 0 && (G.kept = tmpfile()) != NULL)
			dup2(fileno(G.kept), STDERR_FILENO);
	}
	G.dist = (nn_dist){ .rank = G.rank, .size = G.size, .share = share,
	    .max = agree_max, .swap = swap, .ctx = NULL };
	on_exit(at_end, NULL);
}

int
mpi_rank(void)
{
	return G.rank;
}

int
mpi_size(void)
{
	return G.size;
}

int
mpi_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n;
}

int
mpi_threads(void)
{
	MPI_Comm host;
	int local = 1, cpus = mpi_cpus(), shared = 0, n;
	cpu_set_t set;

	/* the ranks on this host, and how many of them could run on this
	 * rank's CPUs: with mpirun's default binding (a core each) none
	 * other, without binding all */
	MPI_Comm_split_type(G.comm, MPI_COMM_TYPE_SHARED, G.rank, MPI_INFO_NULL,
	    &host);
	MPI_Comm_size(host, &local);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		unsigned char mine[CPU_SETSIZE / 8] = { 0 }, *all;
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				mine[c / 8] |= (unsigned char)(1u << (c % 8));
		all = nn_xmalloc((size_t)local * sizeof(mine));
		MPI_Allgather(mine, (int)sizeof(mine), MPI_BYTE, all,
		    (int)sizeof(mine), MPI_BYTE, host);
		for (int k = 0; k < local; k++) {
			int overlap = 0;
			for (size_t b = 0; b < sizeof(mine); b++)
				overlap |= mine[b] & all[(size_t)k * sizeof(mine) + b];
			shared += overlap != 0;
		}
		free(all);
	}
	MPI_Comm_free(&host);
	n = cpus / (shared > 0 ? shared : local);
	return n < 1 ? 1 : n > 256 ? 256 : n;
}

const nn_dist *
mpi_dist(void)
{
	return G.size > 1 ? &G.dist : NULL;
}

/* ---- inputs: rank 0 reads, every rank gets the bytes ------------------ */

/* The bytes go in pieces of this size: rank 0 never holds a whole input
 * twice, the others keep theirs in a memory file (memfd), which, being a
 * regular file, the CSV reader reads in parallel by offsets as it reads a
 * file on disk (a pipe it must parse on one thread, several times slower). */
#define CHUNK ((size_t)32 << 20)

/* A file of the bytes to come: in memory, else on disk; -1 on failure. */
static int
spool_fd(void)
{
	int fd = memfd_create("nnkit-input", MFD_CLOEXEC);
	FILE *t;

	if (fd >= 0)
		return fd;
	if ((t = tmpfile()) == NULL)
		return -1;
	fd = dup(fileno(t));
	fclose(t);
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A 64-bit fingerprint of the file at path as this rank sees it: its size
 * and the CRC-32 of its first and last 64 KB; 0 when it is not a regular
 * file this rank can read. */
static void
fingerprint(const char *path, uint64_t fp[2])
{
	enum { SPAN = 64 << 10 };
	struct stat st;
	unsigned char *b;
	int fd;

	fp[0] = fp[1] = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		off_t tail = st.st_size > SPAN ? st.st_size - SPAN : 0;
		ssize_t a, z;
		b = nn_xmalloc(2 * SPAN);
		a = pread(fd, b, SPAN, 0);
		z = pread(fd, b + SPAN, SPAN, tail);
		if (a > 0 && z > 0) {
			fp[0] = (uint64_t)st.st_size;
			fp[1] = (uint64_t)nn_crc32(0, b, (size_t)a) << 32 |
			    nn_crc32(0, b + SPAN, (size_t)z);
		}
		free(b);
	}
	close(fd);
}

FILE *
mpi_open_own(const char *path, int *own, nn_err *e)
{
	uint64_t mine[2], root[2];
	int differ;

	*own = 0;
	if (G.size == 1 || path == NULL || strcmp(path, "-") == 0)
		return mpi_open(path, e);
	/* every rank reads the file itself when it sees rank 0's bytes
	 * there (a shared file system, or the same copy on every host) */
	fingerprint(path, mine);
	memcpy(root, mine, sizeof(root));
	{
		void *b[1] = { root };
		size_t l[1] = { sizeof(root) };
		const int r0[1] = { 0 };
		if (share(NULL, b, l, r0, 1, e) < 0)
			return NULL;
	}
	differ = root[0] == 0 || memcmp(root, mine, sizeof(root)) != 0;
	if (agree_max(NULL, &differ, e) < 0)
		return NULL;
	if (differ)
		return mpi_open(path, e);
	*own = 1;
	return nn_input_open(path, e);
}

FILE *
mpi_open(const char *path, nn_err *e)
{
	const int std = path == NULL || strcmp(path, "-") == 0;
	const char *name = std ? "<stdin>" : path;
	/* each piece's header: its length, 0 at the end, -1 after an error */
	struct { int64_t len; char msg[sizeof(e->msg)]; } h;
	FILE *in = NULL, *fp;
	struct stat st;
	int fd = -1, direct = 0, err = 0, open_err = 0, who;
	char *buf;

	if (G.rank == 0) {
		/* rank 0 parses a regular file itself, as nn-train does; it
		 * spools a pipe like the others */
		direct = !std && stat(path, &st) == 0 && S_ISREG(st.st_mode);
		if ((in = std ? stdin : fopen(path, "rb")) == NULL)
			open_err = errno;
	}
	if (!direct && (fd = spool_fd()) < 0)
		err = errno;
	buf = nn_xmalloc(CHUNK);
	for (;;) {
		h.len = 0;
		h.msg[0] = '\0';
		if (G.rank == 0) {
			size_t got = 0;
			if (in == NULL || err) {
				h.len = -1;
				snprintf(h.msg, sizeof(h.msg), "%s: %s", name,
				    strerror(in == NULL ? open_err : err));
			} else {
				got = fread(buf, 1, CHUNK, in);
				if (ferror(in)) {
					h.len = -1;
					snprintf(h.msg, sizeof(h.msg), "%s: %s", name,
					    strerror(errno));
				} else {
					h.len = (int64_t)got;
				}
			}
		}
		{
			void *b[1] = { &h };
			size_t l[1] = { sizeof(h) };
			const int root[1] = { 0 };
			if (share(NULL, b, l, root, 1, e) < 0)
				goto fail;
		}
		/* a rank that could not spool says so after the last piece */
		if (h.len <= 0)
			break;
		{
			void *b[1] = { buf };
			size_t l[1] = { (size_t)h.len };
			const int root[1] = { 0 };
			if (share(NULL, b, l, root, 1, e) < 0)
				goto fail;
		}
		if (fd >= 0 && !err && write_all(fd, buf, (size_t)h.len) < 0)
			err = errno;
	}
	free(buf);
	buf = NULL;
	if (in != NULL && in != stdin)
		fclose(in);
	in = NULL;
	if (h.len < 0) {
		nn_errf(e, "%s", h.msg);
		goto fail;
	}
	/* every rank fails if one could not keep its copy */
	who = err ? G.rank + 1 : 0;
	if (agree_max(NULL, &who, e) < 0)
		goto fail;
	if (who > 0) {
		if (err)
			nn_errf(e, "rank %d: %s: cannot keep a copy: %s", G.rank, name,
			    strerror(err));
		else
			nn_errf(e, "rank %d: %s: cannot keep a copy", who - 1, name);
		goto fail;
	}
	if (direct) {
		fp = nn_input_open(path, e);
	} else {
		if (lseek(fd, 0, SEEK_SET) < 0 || (fp = fdopen(fd, "rb")) == NULL) {
			nn_errf(e, "%s: %s", name, strerror(errno));
			goto fail;
		}
		fd = -1;                /* fp's now */
		fp = nn_input_wrap(fp, name, e);
	}
	return fp;
fail:
	free(buf);
	if (in != NULL && in != stdin)
		fclose(in);
	if (fd >= 0)
		close(fd);
	return NULL;
}
