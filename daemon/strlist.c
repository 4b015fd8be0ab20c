/*
 * Owned lists of strings (cargo arguments, environment entries, roots),
 * and a lookup in a list of ids.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* Appends a copy of s. */
void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 2, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

/* Appends a formatted string. */
void
strlist_addf(struct strlist *l, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	strlist_add(l, s);
	free(s);
}

/* Frees every string and the list. */
void
strlist_free(struct strlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Returns the list as a JSON array of strings. */
cJSON *
strlist_to_json(const struct strlist *l)
{
	cJSON	*a;
	size_t	 i;

	a = cJSON_CreateArray();
	for (i = 0; i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i]));
	return (a);
}

extern char **environ;

/*
 * Returns the daemon's environment with the entries of over on top; a
 * RUSTFLAGS or CARGO_ENCODED_RUSTFLAGS entry in over replaces both, since
 * Cargo would prefer the encoded one. Free it with strlist_free_vector.
 */
char **
strlist_environ(const struct strlist *over)
{
	struct strlist	 all = { NULL, 0 };
	const char	*eq;
	size_t		 i, j, len;
	int		 replaced, flags = 0;

	for (j = 0; j < over->n; j++) {
		if (strncmp(over->v[j], "RUSTFLAGS=", 10) == 0 ||
		    strncmp(over->v[j], "CARGO_ENCODED_RUSTFLAGS=", 24) == 0)
			flags = 1;
	}
	for (i = 0; environ[i] != NULL; i++) {
		if ((eq = strchr(environ[i], '=')) == NULL)
			continue;
		len = (size_t)(eq - environ[i]);
		replaced = flags && ((len == 9 && strncmp(environ[i],
		    "RUSTFLAGS", 9) == 0) || (len == 23 && strncmp(environ[i],
		    "CARGO_ENCODED_RUSTFLAGS", 23) == 0));
		for (j = 0; j < over->n && !replaced; j++) {
			if (strncmp(over->v[j], environ[i], len + 1) == 0)
				replaced = 1;
		}
		if (!replaced)
			strlist_add(&all, environ[i]);
	}
	for (j = 0; j < over->n; j++)
		strlist_add(&all, over->v[j]);
	if (all.v == NULL)
		all.v = xcalloc(1, sizeof *all.v);
	return (all.v);
}

/* Frees a NULL-terminated vector of strings. */
void
strlist_free_vector(char **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Tells whether id is in a list of n ids. */
int
idlist_has(const int64_t *v, size_t n, int64_t id)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i] == id)
			return (1);
	}
	return (0);
}
