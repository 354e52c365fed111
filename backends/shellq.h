/* POSIX shell quoting for the commands Landfall runs on a remote host over SSH.
 * The remote side gives the command line to the user's shell, which splits and
 * expands it: every argument is quoted here so that it reaches the program
 * exactly as given, whatever it holds ($(), `...`, ;, &&, |, quotes, newlines,
 * spaces, globs, non-ASCII bytes).
 *
 * Assumes a POSIX-family login shell (sh, dash, bash, ksh, zsh). csh and fish
 * quote differently: a transport that may meet them runs `/bin/sh -c` with the
 * command as one quoted argument, which every one of them passes through. A C
 * string cannot hold NUL, so no argument can. Secrets never belong on a command
 * line (DESIGN.md): feed them on stdin. */
#ifndef LANDFALL_SHELLQ_H
#define LANDFALL_SHELLQ_H

#include <stddef.h>

/* One argument as a shell word (caller frees; never NULL). Words made only of
 * [A-Za-z0-9_@%+:,./-] stay as they are, for readable logs; anything else,
 * including "", becomes '...' with each ' written as '\''. */
char *shellq_quote(const char *arg);

/* The command line of argv[0..argc) (argc may be 0), each argument quoted by
 * shellq_quote() and joined with single spaces (caller frees). */
char *shellq_join(const char *const *argv, size_t argc);

/* The same for a NULL-terminated argv. */
char *shellq_joinv(const char *const *argv);

#endif
