/*
 * Size limits (INTERFACE.md): "N" bytes, "NKiB", "NMiB", "NGiB", or "N%";
 * "A,B" means both must be exceeded. Used by thresholds, --max-increase
 * and bisect.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

static const char limit_syntax[] = "a size limit is N (bytes), NKiB, NMiB, "
    "NGiB or N%, or two of them as A,B (both must be exceeded)";

/* Parses one part of a limit. */
static int
limit_part(const char *s, size_t len, struct size_limit *l, char **cause)
{
	char	*text, *end;
	double	 v;
	int64_t	 unit = 1;

	text = xstrndup(s, len);
	v = strtod(text, &end);
	if (end == text || !isfinite(v) || v < 0 || !isdigit((unsigned char)
	    text[0])) {
		xasprintf(cause, "\"%s\": not a number; %s", text,
		    limit_syntax);
		free(text);
		return (-1);
	}
	if (strcmp(end, "%") == 0) {
		if (l->has_percent) {
			xasprintf(cause, "\"%s\": two percentages; %s", text,
			    limit_syntax);
			free(text);
			return (-1);
		}
		l->has_percent = 1;
		l->percent = v;
		free(text);
		return (0);
	}
	if (*end == '\0')
		unit = 1;
	else if (strcmp(end, "KiB") == 0)
		unit = 1024;
	else if (strcmp(end, "MiB") == 0)
		unit = 1024 * 1024;
	else if (strcmp(end, "GiB") == 0)
		unit = 1024 * 1024 * 1024;
	else {
		xasprintf(cause, "\"%s\": unknown unit \"%s\"; %s", text, end,
		    limit_syntax);
		free(text);
		return (-1);
	}
	if (l->has_bytes) {
		xasprintf(cause, "\"%s\": two byte counts; %s", text,
		    limit_syntax);
		free(text);
		return (-1);
	}
	if (v * (double)unit > 9e18) {
		xasprintf(cause, "\"%s\": too large", text);
		free(text);
		return (-1);
	}
	l->has_bytes = 1;
	l->bytes = (int64_t)(v * (double)unit + 0.5);
	free(text);
	return (0);
}

/* Parses a size limit. */
int
limit_parse(const char *s, struct size_limit *l, char **cause)
{
	const char	*comma;

	memset(l, 0, sizeof *l);
	if (s == NULL || *s == '\0') {
		xasprintf(cause, "empty; %s", limit_syntax);
		return (-1);
	}
	if ((comma = strchr(s, ',')) == NULL)
		return (limit_part(s, strlen(s), l, cause));
	if (strchr(comma + 1, ',') != NULL) {
		xasprintf(cause, "\"%s\": more than two parts; %s", s,
		    limit_syntax);
		return (-1);
	}
	if (limit_part(s, (size_t)(comma - s), l, cause) != 0 ||
	    limit_part(comma + 1, strlen(comma + 1), l, cause) != 0)
		return (-1);
	return (0);
}

/*
 * Tells whether going from base to size exceeds the limit: a growth over
 * every part the limit has.
 */
int
limit_exceeded(const struct size_limit *l, int64_t base, int64_t size)
{
	int64_t	 delta = size - base;

	if (delta <= 0)
		return (0);
	if (l->has_bytes && delta <= l->bytes)
		return (0);
	if (l->has_percent && (base <= 0 ||
	    (double)delta * 100.0 / (double)base <= l->percent))
		return (0);
	return (l->has_bytes || l->has_percent);
}
