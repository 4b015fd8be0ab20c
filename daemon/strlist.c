/* An owned list of strings: cargo arguments, environment entries, roots. */
#include <stdarg.h>
#include <stdlib.h>

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
