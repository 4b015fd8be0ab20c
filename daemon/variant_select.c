/*
 * Naming variants: a key read back into its settings, and a selector
 * (--variant: a whole key, key=value pairs, or a ladder step's name)
 * matched against the variants a project or matrix has.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/*
 * Reads a canonical key, or part of one, back into settings: "release", or
 * key=value pairs joined by ','. A list value has commas of its own, so a
 * piece that does not start with a known key continues the previous value.
 */
int
variant_parse_key(const char *text, struct variant *out, char **cause)
{
	struct buf	 value;
	char		*key = NULL, *piece, *eq;
	const char	*p;
	size_t		 len;

	variant_init(out);
	if (strcmp(text, "release") == 0)
		return (0);
	buf_init(&value);
	for (p = text; ; p += len + 1) {
		len = strcspn(p, ",");
		piece = xstrndup(p, len);
		eq = strchr(piece, '=');
		if (eq != NULL) {
			*eq = '\0';
			if (!variant_known_key(piece))
				*eq = '=';
		}
		if (eq != NULL && *eq == '\0') {
			if (key != NULL)
				variant_set(out, key, value.data);
			free(key);
			key = xstrdup(piece);
			buf_reset(&value);
			buf_addstr(&value, eq + 1);
		} else if (key != NULL) {
			buf_printf(&value, ",%s", piece);
		} else {
			xasprintf(cause, "\"%s\" is not key=value (known keys: "
			    "%s)", piece, variant_known_keys());
			free(piece);
			buf_free(&value);
			variant_clear(out);
			return (-1);
		}
		free(piece);
		if (p[len] == '\0')
			break;
	}
	if (key != NULL)
		variant_set(out, key, value.data ? value.data : "");
	free(key);
	buf_free(&value);
	return (0);
}

/* Tells whether every setting of part is set to the same value in v. */
int
variant_matches(const struct variant *v, const struct variant *part)
{
	const char	*have;
	size_t		 i;

	for (i = 0; i < part->n; i++) {
		have = variant_get(v, part->key[i]);
		if (have == NULL || strcmp(have, part->value[i]) != 0)
			return (0);
	}
	return (1);
}

/*
 * Picks the variant a --variant selector names among candidates (their
 * keys, and ladder step names or NULL): the full key, a step name, or
 * key=value pairs that match exactly one. Returns 0 with *index, or -1
 * with the cause listing the candidates.
 */
int
variant_select(const char *selector, const char *const *keys,
    const char *const *steps, size_t n, size_t *index, char **cause)
{
	struct variant	 part, v;
	struct buf	 names;
	size_t		 i, matches = 0;
	char		*why;
	int		 parsed;

	for (i = 0; i < n; i++) {
		if (strcmp(selector, keys[i]) == 0 || (steps != NULL &&
		    steps[i] != NULL && strcmp(selector, steps[i]) == 0)) {
			*index = i;
			return (0);
		}
	}
	if (variant_parse_key(selector, &part, &why) != 0) {
		free(why);	/* not pairs: only a key or step could match */
		parsed = 0;
	} else
		parsed = part.n > 0;
	for (i = 0; parsed && i < n; i++) {
		if (variant_parse_key(keys[i], &v, &why) != 0) {
			free(why);
			continue;
		}
		if (variant_matches(&v, &part)) {
			*index = i;
			matches++;
		}
		variant_clear(&v);
	}
	variant_clear(&part);
	if (matches == 1)
		return (0);
	buf_init(&names);
	buf_addstr(&names, "");
	for (i = 0; i < n; i++)
		buf_printf(&names, "%s%s%s%s%s", i > 0 ? ", " : "", keys[i],
		    steps != NULL && steps[i] != NULL ? " (step " : "",
		    steps != NULL && steps[i] != NULL ? steps[i] : "",
		    steps != NULL && steps[i] != NULL ? ")" : "");
	xasprintf(cause, "variant \"%s\" %s; give a full key, a ladder step "
	    "name or key=value pairs that match one of: %s", selector,
	    matches > 1 ? "matches more than one variant" : "matches none",
	    n > 0 ? names.data : "(none measured yet)");
	buf_free(&names);
	return (-1);
}
