/*
 * Reads a JSON file of at most max bytes, naming the line, column and
 * character of a syntax error, and refusing a member given twice.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "xmalloc.h"

/* Returns the position of item a in array v. */
static int
json_index(const cJSON *v, const cJSON *a)
{
	const cJSON	*e;
	int		 i = 0;

	for (e = v->child; e != NULL && e != a; e = e->next)
		i++;
	return (i);
}

/*
 * Returns the path of the first member name given twice in one object of
 * v ("axes.lto", or "lto" at the top), or NULL. cJSON keeps both and a
 * lookup finds the first, so the second would be silently ignored.
 */
char *
json_duplicate(const cJSON *v, const char *path)
{
	const cJSON	*a, *b;
	char		*inner, *found;

	for (a = v != NULL ? v->child : NULL; a != NULL; a = a->next) {
		if (cJSON_IsObject(v) && a->string != NULL) {
			for (b = a->next; b != NULL; b = b->next) {
				if (b->string != NULL &&
				    strcmp(a->string, b->string) == 0) {
					xasprintf(&found, "%s%s%s", path,
					    *path ? "." : "", a->string);
					return (found);
				}
			}
		}
		if (!cJSON_IsObject(a) && !cJSON_IsArray(a))
			continue;
		if (cJSON_IsObject(v))
			xasprintf(&inner, "%s%s%s", path, *path ? "." : "",
			    a->string);
		else
			xasprintf(&inner, "%s[%d]", path, json_index(v, a));
		found = json_duplicate(a, inner);
		free(inner);
		if (found != NULL)
			return (found);
	}
	return (NULL);
}

/*
 * Returns the parsed document, or NULL with *cause set to "path: why",
 * "path:LINE:COLUMN: not valid JSON: ..." or "path: KEY is given twice".
 */
cJSON *
json_load_file(const char *path, size_t max, char **cause)
{
	FILE		*f;
	struct buf	 b;
	char		 chunk[8192];
	size_t		 n;
	const char	*end = NULL, *p;
	cJSON		*doc;
	char		*dup;
	int		 line = 1, col = 1;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > max) {
			fclose(f);
			buf_free(&b);
			xasprintf(cause, "%s: larger than %zu bytes", path, max);
			return (NULL);
		}
	}
	fclose(f);
	if ((doc = cJSON_ParseWithOpts(b.data, &end, 1)) == NULL) {
		if (end == NULL)
			end = cJSON_GetErrorPtr();
		for (p = b.data; end != NULL && p < end && *p != '\0'; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else
				col++;
		}
		if (end == NULL || *end == '\0')
			xasprintf(cause, "%s:%d:%d: not valid JSON: it ends "
			    "early (a missing '}', ']' or '\"')", path, line,
			    col);
		else
			xasprintf(cause, "%s:%d:%d: not valid JSON: unexpected "
			    "'%.1s' (a missing or extra ',', or a quote?)", path,
			    line, col, end);
	} else if ((dup = json_duplicate(doc, "")) != NULL) {
		xasprintf(cause, "%s: %s is given twice; keep one", path, dup);
		free(dup);
		cJSON_Delete(doc);
		doc = NULL;
	}
	buf_free(&b);
	return (doc);
}

/* Returns an integer member, or def. */
int64_t
json_int(const cJSON *o, const char *name, int64_t def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def);
}

/* Returns a number member, or def. */
double
json_num(const cJSON *o, const char *name, double def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsNumber(v) ? v->valuedouble : def);
}

/*
 * Adds a number to o already printed, as cJSON would print it (an
 * integer as one, else the shorter of %.15g and %.17g that reads back
 * the same), but without cJSON's sscanf, which costs more than the rest
 * of a row where a document carries thousands of fractions. The member
 * is printed only: cJSON_IsNumber is false for it.
 */
cJSON *
json_add_printed(cJSON *o, const char *name, double v)
{
	char	 buf[64];

	if (!isfinite(v))
		return (cJSON_AddNullToObject(o, name));
	if (v == (double)(long long)v && fabs(v) < 1e15)
		snprintf(buf, sizeof buf, "%lld", (long long)v);
	else {
		snprintf(buf, sizeof buf, "%1.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof buf, "%1.17g", v);
	}
	return (cJSON_AddRawToObject(o, name, buf));
}

/* Returns a string member, or def. */
const char *
json_str(const cJSON *o, const char *name, const char *def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsString(v) ? v->valuestring : def);
}
