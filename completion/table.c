/*
 * table.c - one program's option table, for the completion generator.
 *
 * Built once per program (Makefile: completion/tab-PROG.o) with
 * PROG_HEADER naming cmd/opts/PROG.h and PROG_VAR the name to give its
 * opt_prog, so that every table is compiled exactly as its program
 * compiles it, each in a translation unit of its own (the tables' keys and
 * helpers have the same names from program to program).
 */
#include PROG_HEADER

const opt_prog *const PROG_VAR = &options;
