/* Shell quoting: see shellq.h. */
#include "shellq.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Characters no POSIX shell treats specially anywhere in a word. "=" is left
 * out (a first word with it is an assignment), so are "~" (tilde expansion at
 * the start), "{" "}" (brace expansion in bash, zsh and ksh), "!" and "^"
 * (history and csh-style substitution in interactive zsh/bash) and "#". */
static bool plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_@%+:,./-", c) != NULL;
}

char *shellq_quote(const char *arg)
{
	size_t n = strlen(arg), quotes = 0;
	bool bare = n > 0;
	for (size_t i = 0; i < n; i++) {
		if (!plain((unsigned char)arg[i]))
			bare = false;
		if (arg[i] == '\'')
			quotes++;
	}
	if (bare)
		return lf_xstrdup(arg);
	char *out = lf_xmalloc(n + 3 * quotes + 3), *p = out;
	*p++ = '\'';
	for (size_t i = 0; i < n; i++) {
		if (arg[i] == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = arg[i];
		}
	}
	*p++ = '\'';
	*p = '\0';
	return out;
}

char *shellq_join(const char *const *argv, size_t argc)
{
	size_t cap = 1, len = 0;
	char *out = lf_xmalloc(cap);
	out[0] = '\0';
	for (size_t i = 0; i < argc; i++) {
		char *w = shellq_quote(argv[i]);
		size_t wl = strlen(w);
		cap = len + wl + 2;
		out = lf_xrealloc(out, cap);
		if (i)
			out[len++] = ' ';
		memcpy(out + len, w, wl + 1);
		len += wl;
		free(w);
	}
	return out;
}

char *shellq_joinv(const char *const *argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	return shellq_join(argv, n);
}
