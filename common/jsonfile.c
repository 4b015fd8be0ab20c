/* Reads a JSON file of at most max bytes, naming the line of a syntax error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonfile.h"
#include "xmalloc.h"

/*
 * Returns the parsed document, or NULL with *cause set to "path: why" or
 * "path:LINE: not valid JSON".
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
	int		 line = 1;

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
		for (p = b.data; end != NULL && p < end && *p != '\0'; p++)
			line += *p == '\n';
		xasprintf(cause, "%s:%d: not valid JSON", path, line);
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

/* Returns a string member, or def. */
const char *
json_str(const cJSON *o, const char *name, const char *def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsString(v) ? v->valuestring : def);
}
