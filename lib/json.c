/*
 * json.c - a strict JSON (RFC 8259) reader for untrusted text, and the
 * pieces of a writer.
 *
 * Why our own: the one JSON library Debian packages for C that we could
 * use, json-c, keeps the last of two equal keys without a word, and builds
 * a heap object of some 60 bytes per value; a model's JSON form is mostly
 * numbers, and a file that says one thing twice should be refused, not
 * half-read.
 *
 * The reader is recursive descent over the whole text, held in memory.
 * What it builds grows with what it has read -- one 24-byte node per value,
 * the strings' decoded bytes -- and never with a count the text claims, so
 * memory follows the input.  Nesting is limited (NN_JSON_MAX_DEPTH), so is
 * the text (NN_JSON_MAX_TEXT).  Numbers are checked against the grammar
 * here and converted by the caller, who knows the range (nn_json_float,
 * nn_json_uint).  Every error names line, column and the JSON path of the
 * value being read.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nn_fmt.h"
#include "nn_input.h"
#include "nn_json.h"

/* A value.  number: a = offset of its text, b = its length; string: a =
 * offset of its bytes in the pool, b = their count; array and object: a =
 * items (members), b = the index after the last node inside it. */
typedef struct node {
	size_t a, b;
	unsigned type;
} node;

struct nn_json {
	char *own;              /* the text, when the document owns it */
	const char *text;
	size_t n;
	node *v;                /* (nv) in document order */
	size_t nv, vcap;
	char *pool;             /* strings' bytes, each NUL-terminated */
	size_t np, pcap;
};

#define NO_KEY SIZE_MAX

/* Where the parser is, for messages: the chain of keys and indices from
 * the top. */
typedef struct seg {
	const struct seg *up;
	size_t key;             /* pool offset of the key, or NO_KEY */
	size_t index;           /* else the array index */
} seg;

typedef struct ps {
	nn_json *d;
	const unsigned char *s;
	size_t n, i;
	const char *name;
	nn_err *e;
} ps;

/* ====================================================================== */
/* Messages                                                               */
/* ====================================================================== */

/* At most this many bytes of a key in a path. */
#define KEY_MAX 40

static void
fmt_path(const nn_json *d, const seg *at, char *out, size_t cap)
{
	const seg *chain[NN_JSON_MAX_DEPTH + 2];
	size_t k = 0, o = 0;

	out[0] = '\0';
	for (; at != NULL && k < sizeof(chain) / sizeof(chain[0]); at = at->up)
		chain[k++] = at;
	while (k-- > 0 && o + 64 < cap) {
		const seg *s = chain[k];
		if (s->key == NO_KEY) {
			o += (size_t)snprintf(out + o, cap - o, "[%zu]", s->index);
			continue;
		}
		if (o > 0)
			out[o++] = '.';
		const unsigned char *p = (const unsigned char *)d->pool + s->key;
		for (size_t j = 0; p[j] != '\0' && o + 8 < cap; j++) {
			if (j == KEY_MAX) {
				memcpy(out + o, "...", 3);
				o += 3;
				break;
			}
			out[o++] = p[j] < 0x20 || p[j] == 0x7f ? '?' : (char)p[j];
		}
		out[o] = '\0';
	}
}

/* "FILE:LINE:COL: PATH: message", the position that of byte at. */
static int __attribute__((format(printf, 4, 5)))
perr(ps *p, size_t at, const seg *where, const char *fmt, ...)
{
	char path[512], msg[256];
	size_t line = 1, col = 1;
	va_list ap;

	for (size_t i = 0; i < at && i < p->n; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	fmt_path(p->d, where, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nn_errf(p->e, "%s:%zu:%zu: %s%s%s", p->name, line, col, path,
	    path[0] ? ": " : "", msg);
}

/* A byte for a message: 'x', or a code. */
static const char *
show(const ps *p, size_t at, char *buf, size_t cap)
{
	if (at >= p->n)
		return "the end of the input";
	unsigned c = p->s[at];
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, cap, "'%c'", (char)c);
	else
		snprintf(buf, cap, "byte 0x%02x", c);
	return buf;
}

/* ====================================================================== */
/* Building                                                               */
/* ====================================================================== */

static size_t
add(nn_json *d, unsigned type, size_t a, size_t b)
{
	if (d->nv == d->vcap) {
		d->vcap = d->vcap ? 2 * d->vcap : 256;
		d->v = nn_xrealloc(d->v, d->vcap * sizeof(*d->v));
	}
	d->v[d->nv] = (node){ a, b, type };
	return d->nv++;
}

static void
pool_put(nn_json *d, const void *s, size_t n)
{
	if (n > d->pcap - d->np) {
		size_t cap = d->pcap ? d->pcap : 256;
		while (cap - d->np < n)
			cap *= 2;   /* the pool never outgrows the text */
		d->pool = nn_xrealloc(d->pool, cap);
		d->pcap = cap;
	}
	memcpy(d->pool + d->np, s, n);
	d->np += n;
}

/* ====================================================================== */
/* UTF-8                                                                  */
/* ====================================================================== */

/* The length of the valid UTF-8 sequence at s[0, n), or 0: no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp, min;
	size_t k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

static size_t
utf8_put(unsigned char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ====================================================================== */
/* Parsing                                                                */
/* ====================================================================== */

static void
ws(ps *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int
hex4(ps *p, size_t at, unsigned *out)
{
	unsigned v = 0;

	if (p->n - at < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		unsigned c = p->s[at + k], h;
		if (c >= '0' && c <= '9')
			h = c - '0';
		else if (c >= 'a' && c <= 'f')
			h = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			h = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | h;
	}
	*out = v;
	return 0;
}

/* A string at p->i (the opening quote) into the pool; its node. */
static int
string(ps *p, const seg *at, size_t *off)
{
	nn_json *d = p->d;
	size_t start = p->i, from = d->np;
	unsigned char u[4];
	char b[16];

	p->i++;
	for (;;) {
		if (p->i >= p->n) {
			perr(p, start, at, "the input ends inside a string");
			return -1;
		}
		unsigned c = p->s[p->i];
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20) {
			perr(p, p->i, at, "a control character (0x%02x) in a "
			    "string must be escaped", c);
			return -1;
		}
		if (c >= 0x80) {
			size_t k = utf8_len(p->s + p->i, p->n - p->i);
			if (k == 0) {
				perr(p, p->i, at, "invalid UTF-8 (byte 0x%02x)", c);
				return -1;
			}
			pool_put(d, p->s + p->i, k);
			p->i += k;
			continue;
		}
		if (c != '\\') {
			pool_put(d, p->s + p->i, 1);
			p->i++;
			continue;
		}
		/* an escape */
		size_t esc = p->i;
		if (p->i + 1 >= p->n) {
			perr(p, start, at, "the input ends inside a string");
			return -1;
		}
		c = p->s[p->i + 1];
		p->i += 2;
		switch (c) {
		case '"': case '\\': case '/':
			u[0] = (unsigned char)c;
			pool_put(d, u, 1);
			continue;
		case 'b': pool_put(d, "\b", 1); continue;
		case 'f': pool_put(d, "\f", 1); continue;
		case 'n': pool_put(d, "\n", 1); continue;
		case 'r': pool_put(d, "\r", 1); continue;
		case 't': pool_put(d, "\t", 1); continue;
		case 'u':
			break;
		default:
			perr(p, esc, at, "unknown escape \\%s", show(p, esc + 1, b,
			    sizeof(b)));
			return -1;
		}
		unsigned cp, lo;
		if (hex4(p, p->i, &cp) < 0) {
			perr(p, esc, at, "\\u needs four hexadecimal digits");
			return -1;
		}
		p->i += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (p->n - p->i < 6 || p->s[p->i] != '\\' ||
			    p->s[p->i + 1] != 'u' || hex4(p, p->i + 2, &lo) < 0 ||
			    lo < 0xdc00 || lo > 0xdfff) {
				perr(p, esc, at, "\\u%04x is half of a surrogate "
				    "pair without its other half", cp);
				return -1;
			}
			p->i += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if (cp >= 0xdc80 && cp <= 0xdcff) {
			u[0] = (unsigned char)(cp & 0xff);  /* a raw byte */
			pool_put(d, u, 1);
			continue;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			perr(p, esc, at, "\\u%04x is half of a surrogate pair "
			    "without its other half", cp);
			return -1;
		} else if (cp == 0) {
			perr(p, esc, at, "\\u0000: a NUL character is not allowed "
			    "in a string");
			return -1;
		}
		pool_put(d, u, utf8_put(u, cp));
	}
	*off = from;
	size_t len = d->np - from;
	pool_put(d, "", 1);
	add(d, NN_JSON_STRING, from, len);
	return 0;
}

static int
digit(const ps *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
number(ps *p, const seg *at)
{
	size_t start = p->i;
	char b[16];

	if (p->s[p->i] == '-')
		p->i++;
	if (!digit(p))
		return perr(p, p->i, at, "expected a digit after '-', got %s",
		    show(p, p->i, b, sizeof(b)));
	if (p->s[p->i] == '0') {
		p->i++;
		if (digit(p))
			return perr(p, start, at, "a number may not start with "
			    "a 0 followed by digits");
	} else {
		while (digit(p))
			p->i++;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!digit(p))
			return perr(p, p->i, at, "expected a digit after '.', "
			    "got %s", show(p, p->i, b, sizeof(b)));
		while (digit(p))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digit(p))
			return perr(p, p->i, at, "expected a digit in the "
			    "exponent, got %s", show(p, p->i, b, sizeof(b)));
		while (digit(p))
			p->i++;
	}
	add(p->d, NN_JSON_NUMBER, start, p->i - start);
	return 0;
}

static int
literal(ps *p, const seg *at, const char *word, unsigned type)
{
	size_t k = strlen(word);

	if (p->n - p->i < k || memcmp(p->s + p->i, word, k) != 0)
		return perr(p, p->i, at, "expected a value (a number, a string, "
		    "true, false, null, an array or an object)");
	p->i += k;
	add(p->d, type, 0, 0);
	return 0;
}

static int value(ps *p, const seg *at, int depth);

static int
array(ps *p, const seg *at, int depth)
{
	size_t me, count = 0, start = p->i;
	char b[16];

	if (depth > NN_JSON_MAX_DEPTH)
		return perr(p, p->i, at, "arrays and objects nested deeper than "
		    "%d", NN_JSON_MAX_DEPTH);
	me = add(p->d, NN_JSON_ARRAY, 0, 0);
	p->i++;
	ws(p);
	if (p->i < p->n && p->s[p->i] == ']') {
		p->i++;
	} else {
		for (;;) {
			seg s = { at, NO_KEY, count };
			if (value(p, &s, depth) < 0)
				return -1;
			count++;
			ws(p);
			if (p->i >= p->n)
				return perr(p, start, at, "the input ends inside "
				    "this array (after element %zu)", count - 1);
			if (p->s[p->i] == ']') {
				p->i++;
				break;
			}
			if (p->s[p->i] != ',')
				return perr(p, p->i, at, "expected ',' or ']' after "
				    "element %zu, got %s", count - 1, show(p, p->i,
				    b, sizeof(b)));
			p->i++;
		}
	}
	p->d->v[me].a = count;
	p->d->v[me].b = p->d->nv;
	return 0;
}

/* A key of an object being checked for repeats. */
typedef struct keyref {
	const char *s;
	size_t pos;             /* in the text */
	size_t off;             /* in the pool */
} keyref;

static int
keycmp(const void *x, const void *y)
{
	const keyref *a = x, *b = y;
	int c = strcmp(a->s, b->s);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* The first key (in the text) that repeats an earlier one, or NULL. */
static const keyref *
repeated(nn_json *d, keyref *k, size_t n)
{
	const keyref *first = NULL;

	for (size_t j = 0; j < n; j++)
		k[j].s = d->pool + k[j].off;
	qsort(k, n, sizeof(*k), keycmp);
	for (size_t j = 1; j < n; j++)
		if (strcmp(k[j - 1].s, k[j].s) == 0 &&
		    (first == NULL || k[j].pos < first->pos))
			first = &k[j];
	return first;
}

static int
object(ps *p, const seg *at, int depth)
{
	size_t me, count = 0, start = p->i, kcap = 0;
	keyref *keys = NULL;
	char b[16];
	int rc = -1;

	if (depth > NN_JSON_MAX_DEPTH)
		return perr(p, p->i, at, "arrays and objects nested deeper than "
		    "%d", NN_JSON_MAX_DEPTH);
	me = add(p->d, NN_JSON_OBJECT, 0, 0);
	p->i++;
	ws(p);
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		goto done;
	}
	for (;;) {
		size_t kpos, koff;
		ws(p);
		if (p->i >= p->n || p->s[p->i] != '"') {
			if (p->i >= p->n)
				perr(p, start, at, "the input ends inside this "
				    "object");
			else
				perr(p, p->i, at, "expected a key (a string in "
				    "double quotes)%s, got %s", count ? "" :
				    " or '}'", show(p, p->i, b, sizeof(b)));
			goto out;
		}
		kpos = p->i;
		if (string(p, at, &koff) < 0)
			goto out;
		if (count == kcap) {
			kcap = kcap ? 2 * kcap : 16;
			keys = nn_xrealloc(keys, kcap * sizeof(*keys));
		}
		keys[count] = (keyref){ NULL, kpos, koff };
		seg s = { at, koff, 0 };
		ws(p);
		if (p->i >= p->n || p->s[p->i] != ':') {
			if (p->i >= p->n)
				perr(p, start, at, "the input ends inside this "
				    "object");
			else
				perr(p, p->i, &s, "expected ':' after the key, got "
				    "%s", show(p, p->i, b, sizeof(b)));
			goto out;
		}
		p->i++;
		if (value(p, &s, depth) < 0)
			goto out;
		count++;
		ws(p);
		if (p->i >= p->n) {
			perr(p, start, at, "the input ends inside this object");
			goto out;
		}
		if (p->s[p->i] == '}') {
			p->i++;
			break;
		}
		if (p->s[p->i] != ',') {
			perr(p, p->i, at, "expected ',' or '}' after member \"%.40s\", "
			    "got %s", p->d->pool + koff, show(p, p->i, b, sizeof(b)));
			goto out;
		}
		p->i++;
	}
	if (count > 1) {
		const keyref *k = repeated(p->d, keys, count);
		if (k != NULL) {
			perr(p, k->pos, at, "duplicate key \"%.40s\"", k->s);
			goto out;
		}
	}
done:
	p->d->v[me].a = count;
	p->d->v[me].b = p->d->nv;
	rc = 0;
out:
	free(keys);
	return rc;
}

static int
value(ps *p, const seg *at, int depth)
{
	size_t off;
	char b[16];

	ws(p);
	if (p->i >= p->n)
		return perr(p, p->i, at, "the input ends where a value should be");
	switch (p->s[p->i]) {
	case '{':
		return object(p, at, depth + 1);
	case '[':
		return array(p, at, depth + 1);
	case '"':
		return string(p, at, &off);
	case 't':
		return literal(p, at, "true", NN_JSON_TRUE);
	case 'f':
		return literal(p, at, "false", NN_JSON_FALSE);
	case 'n':
		return literal(p, at, "null", NN_JSON_NULL);
	default:
		if (p->s[p->i] == '-' || digit(p))
			return number(p, at);
		return perr(p, p->i, at, "expected a value (a number, a string, "
		    "true, false, null, an array or an object), got %s",
		    show(p, p->i, b, sizeof(b)));
	}
}

nn_json *
nn_json_parse(const char *text, size_t n, const char *name, nn_err *e)
{
	nn_json *d = nn_xcalloc(1, sizeof(*d));
	ps p = { d, (const unsigned char *)text, n, 0, name, e };
	char b[16];

	d->text = text;
	d->n = n;
	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		perr(&p, 0, NULL, "a byte order mark: JSON text is plain UTF-8");
		goto fail;
	}
	ws(&p);
	if (p.i == n) {
		nn_errf(e, "%s: empty, not JSON", name);
		goto fail;
	}
	if (value(&p, NULL, 0) < 0)
		goto fail;
	ws(&p);
	if (p.i != n) {
		perr(&p, p.i, NULL, "%s after the end of the document",
		    show(&p, p.i, b, sizeof(b)));
		goto fail;
	}
	return d;
fail:
	nn_json_free(d);
	return NULL;
}

nn_json *
nn_json_load(FILE *fp, const char *name, nn_err *e)
{
	size_t cap = 64 * 1024, n = 0;
	char *t = nn_xmalloc(cap);
	nn_json *d;

	for (;;) {
		size_t got;
		if (n == cap) {
			if (cap >= NN_JSON_MAX_TEXT) {
				free(t);
				return nn_errf(e, "%s: larger than %zu bytes, too "
				    "large to read", name, NN_JSON_MAX_TEXT), NULL;
			}
			cap = cap > NN_JSON_MAX_TEXT / 2 ? NN_JSON_MAX_TEXT :
			    2 * cap;
			t = nn_xrealloc(t, cap);
		}
		size_t want = cap - n;
		got = fread(t + n, 1, want, fp);
		/* not JSON (a binary file, /dev/zero): said at once */
		const char *z = memchr(t + n, '\0', got);
		if (z != NULL) {
			size_t at = (size_t)(z - t);
			free(t);
			return nn_errf(e, "%s: byte %zu is a NUL byte: not JSON "
			    "text", name, at), NULL;
		}
		n += got;
		if (got < want)
			break;
	}
	if (ferror(fp)) {
		int err = errno;
		const char *why = nn_input_error(fp);   /* gzip's */
		free(t);
		return nn_errf(e, "%s: %s%s", name, why ? "" : "read error: ",
		    why ? why : strerror(err)), NULL;
	}
	d = nn_json_parse(t, n, name, e);
	if (d == NULL) {
		free(t);
		return NULL;
	}
	d->own = t;
	return d;
}

void
nn_json_free(nn_json *d)
{
	if (d == NULL)
		return;
	free(d->own);
	free(d->v);
	free(d->pool);
	free(d);
}

/* ====================================================================== */
/* Access                                                                 */
/* ====================================================================== */

nn_json_type
nn_json_type_of(const nn_json *d, size_t v)
{
	return (nn_json_type)d->v[v].type;
}

const char *
nn_json_type_name(nn_json_type t)
{
	static const char *const names[] = {
		[NN_JSON_NULL] = "null", [NN_JSON_FALSE] = "false",
		[NN_JSON_TRUE] = "true", [NN_JSON_NUMBER] = "a number",
		[NN_JSON_STRING] = "a string", [NN_JSON_ARRAY] = "an array",
		[NN_JSON_OBJECT] = "an object",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

size_t
nn_json_len(const nn_json *d, size_t v)
{
	switch (d->v[v].type) {
	case NN_JSON_NUMBER:
	case NN_JSON_STRING:
		return d->v[v].b;
	case NN_JSON_ARRAY:
	case NN_JSON_OBJECT:
		return d->v[v].a;
	default:
		return 0;
	}
}

size_t
nn_json_first(const nn_json *d, size_t v)
{
	(void)d;
	return v + 1;
}

size_t
nn_json_next(const nn_json *d, size_t v)
{
	unsigned t = d->v[v].type;

	return t == NN_JSON_ARRAY || t == NN_JSON_OBJECT ? d->v[v].b : v + 1;
}

const char *
nn_json_text(const nn_json *d, size_t v)
{
	if (d->v[v].type == NN_JSON_NUMBER)
		return d->text + d->v[v].a;
	if (d->v[v].type == NN_JSON_STRING)
		return d->pool + d->v[v].a;
	return "";
}

size_t
nn_json_get(const nn_json *d, size_t obj, const char *key)
{
	size_t k;

	if (d->v[obj].type != NN_JSON_OBJECT || d->v[obj].a == 0)
		return 0;
	k = nn_json_first(d, obj);
	for (size_t i = 0; i < d->v[obj].a; i++) {
		if (strcmp(d->pool + d->v[k].a, key) == 0)
			return k + 1;
		k = nn_json_next(d, k + 1);
	}
	return 0;
}

/* ====================================================================== */
/* Numbers                                                                */
/* ====================================================================== */

int
nn_json_float(const nn_json *d, size_t v, int nonfinite, float *out)
{
	const node *x = &d->v[v];
	char buf[64], *t, *end;

	if (x->type == NN_JSON_STRING && nonfinite) {
		const char *s = d->pool + x->a;
		unsigned bits = 0;
		if (strcmp(s, "NaN") == 0)
			bits = 0x7fc00000u;
		else if (strcmp(s, "Infinity") == 0)
			bits = 0x7f800000u;
		else if (strcmp(s, "-Infinity") == 0)
			bits = 0xff800000u;
		else if (strncmp(s, "NaN:0x", 6) == 0 && strlen(s) == 14 &&
		    strspn(s + 6, "0123456789abcdef") == 8)
			bits = (unsigned)strtoul(s + 6, NULL, 16);
		memcpy(out, &(uint32_t){ (uint32_t)bits }, 4);
		if (bits == 0 || (strncmp(s, "NaN:", 4) == 0 && !isnan(*out)))
			return NN_JSON_ETYPE;
		return NN_JSON_OK;
	}
	if (x->type != NN_JSON_NUMBER)
		return NN_JSON_ETYPE;
	/* the grammar was checked; strtof in the C locale reads it */
	t = x->b < sizeof(buf) ? buf : nn_xmalloc(x->b + 1);
	memcpy(t, d->text + x->a, x->b);
	t[x->b] = '\0';
	*out = strtof(t, &end);
	if (t != buf)
		free(t);
	return isfinite(*out) ? NN_JSON_OK : NN_JSON_ERANGE;
}

int
nn_json_uint(const nn_json *d, size_t v, uint64_t max, uint64_t *out)
{
	const node *x = &d->v[v];
	const char *s;
	size_t n;
	uint64_t r = 0;

	*out = 0;
	if (x->type == NN_JSON_STRING) {
		s = d->pool + x->a;
		n = x->b;
		if (n == 0 || (s[0] == '0' && n > 1))
			return NN_JSON_ETYPE;
	} else if (x->type == NN_JSON_NUMBER) {
		s = d->text + x->a;
		n = x->b;
		if (s[0] == '-') {
			/* -0 is 0; anything else is below the range.  The
			 * number's text is not terminated (the document may
			 * borrow it): count within its n bytes. */
			size_t zeros = 1, digits = 1;
			while (zeros < n && s[zeros] == '0')
				zeros++;
			digits = zeros;
			while (digits < n && s[digits] >= '0' && s[digits] <= '9')
				digits++;
			return zeros == n ? NN_JSON_OK :
			    digits == n ? NN_JSON_ERANGE : NN_JSON_ETYPE;
		}
	} else
		return NN_JSON_ETYPE;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return NN_JSON_ETYPE;   /* a fraction or an exponent */
	}
	for (size_t i = 0; i < n; i++) {
		unsigned dgt = (unsigned)(s[i] - '0');
		if (r > (max - dgt) / 10)
			return NN_JSON_ERANGE;
		r = r * 10 + dgt;
	}
	*out = r;
	return NN_JSON_OK;
}

/* ====================================================================== */
/* Writing                                                                */
/* ====================================================================== */

void
nn_json_put_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, run;

	putc('"', fp);
	while (i < n) {
		/* a run of bytes that go out as they are */
		for (run = i; run < n; ) {
			unsigned c = p[run];
			size_t k;
			if (c < 0x20 || c == '"' || c == '\\')
				break;
			if (c < 0x80) {
				run++;
				continue;
			}
			if ((k = utf8_len(p + run, n - run)) == 0)
				break;
			run += k;
		}
		fwrite(p + i, 1, run - i, fp);
		if ((i = run) == n)
			break;
		unsigned c = p[i++];
		switch (c) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\b': fputs("\\b", fp); break;
		case '\f': fputs("\\f", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			/* a control character, or a byte not part of valid
			 * UTF-8 (then 0x80 .. 0xff: \udc80 .. \udcff) */
			fprintf(fp, "\\u%04x", c < 0x20 ? c : 0xdc00 + c);
			break;
		}
	}
	putc('"', fp);
}

void
nn_json_put_float(FILE *fp, float v)
{
	char buf[NN_FMT_G9_MAX];
	uint32_t bits;

	if (isfinite(v)) {
		fwrite(buf, 1, nn_fmt_short(buf, v), fp);
		return;
	}
	memcpy(&bits, &v, 4);
	if (isinf(v))
		fputs(v > 0 ? "\"Infinity\"" : "\"-Infinity\"", fp);
	else if (bits == 0x7fc00000u)
		fputs("\"NaN\"", fp);
	else
		fprintf(fp, "\"NaN:0x%08x\"", (unsigned)bits);
}

void
nn_json_put_uint(FILE *fp, uint64_t v)
{
	if (v <= (uint64_t)1 << 53)
		fprintf(fp, "%ju", (uintmax_t)v);
	else
		fprintf(fp, "\"%ju\"", (uintmax_t)v);
}
