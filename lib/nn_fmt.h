/*
 * nn_fmt.h - fast number formatting for programs that print a value per
 * row (nn-predict): the same bytes as printf, several times faster.
 */
#ifndef NN_FMT_H
#define NN_FMT_H

#include <stddef.h>

/* Room for nn_fmt_g9's longest result ("-1.17549435e-38") and its NUL. */
#define NN_FMT_G9_MAX 24

/* Write v as printf("%.9g", (double)v) writes it (9 significant digits,
 * enough to read the same float back), NUL-terminated, into out (at least
 * NN_FMT_G9_MAX bytes).  Returns the length.  Byte for byte the same as
 * glibc's printf in the C locale, infinities and NaNs included. */
size_t nn_fmt_g9(char *out, float v);

/* The shortest of printf("%.1g") .. ("%.9g") of v that reads back (strtof)
 * as v exactly: 0.9f prints "0.9", not "0.899999976", and nothing is lost.
 * Same buffer contract as nn_fmt_g9; returns the length. */
size_t nn_fmt_short(char *out, float v);

#endif
