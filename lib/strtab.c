/*
 * strtab.c - the one string table: strings numbered 0, 1, 2, ... in the
 * order they were first added, found again by their bytes.  Class labels
 * of a CSV target, column names, the labels of a confusion matrix and
 * nn-split's classes all go through it.
 *
 * CSV ingest interns a text target once per row from libcsv's field
 * callback, so the common case -- a value already in the table -- is one
 * hash of the bytes, a probe or two that compare the stored hash and
 * length, and for a string longer than 8 bytes one memcmp; no allocation,
 * no strlen (lengths are given).  Only a new string is copied, into a chain
 * of arena blocks that never move, so a string handed out stays valid until
 * nn_strtab_free.
 *
 * The slots are open addressing with linear probing over a power-of-two
 * table kept at most half full; a slot holds an entry's index + 1 (0 =
 * empty), 4 bytes, so that a table of many distinct values stays small.
 */
#include <stdlib.h>
#include <string.h>

#include "nn_base.h"

#define MIN_SLOTS 64
#define MIN_ENTRIES 16
/* Arena blocks start small (a table of three labels stays small) and
 * double up to BLOCK_MAX; a longer string gets a block of its own size. */
#define BLOCK_MIN 256
#define BLOCK_MAX (64u * 1024)

typedef struct block {
	struct block *prev;
	size_t cap, used;
	char data[];
} block;

typedef struct entry {
	const char *s;           /* in the arena, NUL-terminated */
	size_t len;
	uint64_t h;
} entry;

struct nn_strtab {
	entry *ent;              /* (n) in order of first insertion */
	size_t n, cap;
	uint32_t *slot;          /* (nslot) index + 1, 0 = empty */
	size_t nslot;            /* 0, or a power of two >= 2 n */
	int shift;               /* 64 - log2(nslot): hash >> shift is a slot */
	block *blk;              /* the newest block; older ones by prev */
};

/* ====================================================================== */
/* Hashing                                                                */
/* ====================================================================== */

/* K1: 2^64 / the golden ratio, made odd (Fibonacci hashing): the top bits
 * of its multiples by nearby numbers ("0", "1", "2" ...) land far apart.
 * K2: any 64-bit constant, the start that the length is mixed into. */
#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xbf58476d1ce4e5b9ULL

/* Multiplicative: a label of up to 8 bytes -- the usual one -- costs one
 * multiply.  Only the high bits of a product depend on every bit of its
 * input, so the probe starts from the top bits; the shift between words
 * carries high bits down into the next product.  Up to SHORT bytes the
 * hash is, for each length, a bijection of the packed bytes (xor, an odd
 * multiplier, a xorshift: each invertible), so there equal hashes and
 * lengths mean equal strings and no memcmp is needed. */
#define SHORT 8
static inline uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = K2 ^ n, w;
	uint32_t w4;
	uint16_t w2;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * K1;
		h ^= h >> 29;
	}
	w = 0;
	if (n & 4) {
		memcpy(&w4, s, 4);
		w = w4;
		s += 4;
	}
	if (n & 2) {
		memcpy(&w2, s, 2);
		w = w << 16 | w2;
		s += 2;
	}
	if (n & 1)
		w = w << 8 | (unsigned char)*s;
	return (h ^ w) * K1;
}

/* ====================================================================== */
/* The table                                                              */
/* ====================================================================== */

nn_strtab *
nn_strtab_new(void)
{
	return nn_xcalloc(1, sizeof(nn_strtab));
}

void
nn_strtab_free(nn_strtab *t)
{
	block *b, *prev;

	if (t == NULL)
		return;
	for (b = t->blk; b != NULL; b = prev) {
		prev = b->prev;
		free(b);
	}
	free(t->ent);
	free(t->slot);
	free(t);
}

size_t
nn_strtab_count(const nn_strtab *t)
{
	return t->n;
}

const char *
nn_strtab_str(const nn_strtab *t, size_t i)
{
	return i < t->n ? t->ent[i].s : NULL;
}

size_t
nn_strtab_len(const nn_strtab *t, size_t i)
{
	return i < t->n ? t->ent[i].len : 0;
}

/* The slot holding s, or the empty slot where it would go. */
static inline size_t
probe(const nn_strtab *t, const char *s, size_t n, uint64_t h)
{
	const size_t mask = t->nslot - 1;
	size_t i;

	for (i = (size_t)(h >> t->shift); t->slot[i] != 0; i = (i + 1) & mask) {
		const entry *en = &t->ent[t->slot[i] - 1];
		if (en->h == h && en->len == n &&
		    (n <= SHORT || memcmp(en->s, s, n) == 0))
			break;
	}
	return i;
}

static void
rehash(nn_strtab *t, size_t nslot)
{
	free(t->slot);
	t->slot = nn_xcalloc(nslot, sizeof(*t->slot));
	t->nslot = nslot;
	for (t->shift = 64; nslot > 1; nslot >>= 1)
		t->shift--;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = (size_t)(t->ent[k].h >> t->shift);
		while (t->slot[i] != 0)
			i = (i + 1) & (t->nslot - 1);
		t->slot[i] = (uint32_t)k + 1;
	}
}

/* A copy of s[0, n) with a NUL after it, in the arena. */
static const char *
keep(nn_strtab *t, const char *s, size_t n)
{
	block *b = t->blk;
	char *p;

	if (b == NULL || b->cap - b->used < n + 1) {
		size_t cap = b == NULL ? BLOCK_MIN :
		    b->cap >= BLOCK_MAX ? BLOCK_MAX : 2 * b->cap;
		if (cap < n + 1)
			cap = n + 1;
		b = nn_xmalloc(sizeof(*b) + cap);
		b->prev = t->blk;
		b->cap = cap;
		b->used = 0;
		t->blk = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

long
nn_strtab_find(const nn_strtab *t, const char *s, size_t n)
{
	size_t i;

	if (t->n == 0)
		return -1;
	i = probe(t, s, n, hash(s, n));
	return t->slot[i] != 0 ? (long)t->slot[i] - 1 : -1;
}

/* s is new and belongs in slot i: copy it, and grow the slots when they
 * are half full.  Apart from the hit path, so that the common call stays
 * small. */
static long __attribute__((noinline))
add(nn_strtab *t, const char *s, size_t n, uint64_t h, size_t i)
{
	if (t->n >= NN_STRTAB_MAX)
		return -1;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : MIN_ENTRIES;
		t->ent = nn_xrealloc(t->ent, t->cap * sizeof(*t->ent));
	}
	t->ent[t->n] = (entry){ keep(t, s, n), n, h };
	t->slot[i] = (uint32_t)t->n + 1;
	t->n++;
	if (2 * t->n > t->nslot)
		rehash(t, 2 * t->nslot);
	return (long)t->n - 1;
}

long
nn_strtab_intern(nn_strtab *t, const char *s, size_t n)
{
	uint64_t h = hash(s, n);
	size_t i;

	if (t->nslot == 0)
		rehash(t, MIN_SLOTS);
	i = probe(t, s, n, h);
	if (t->slot[i] != 0)
		return (long)t->slot[i] - 1;
	return add(t, s, n, h, i);
}
