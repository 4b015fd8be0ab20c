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
