/*
 * The measurement names of INTERFACE.md, in the one table every part of
 * sizemat reads: the API checks a --metric against it, a trend carries its
 * metric's unit, and GET /v1/measurements lists it for the client, the
 * dashboard and scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

static const struct metric {
	const char	*name;		/* a name, or a prefix ending in "." */
	const char	*unit;		/* bytes, ms, KiB or count */
	const char	*what;
} metrics[] = {
	{ "file_size", "bytes", "the artifact file's size" },
	{ "loadable_size", "bytes", "the sum of its allocated sections" },
	{ "section.", "bytes", "one ELF section, named without its dot "
	    "(section.text); section.debug sums the .debug_* sections" },
	{ "post.strip", "bytes", "the artifact after strip" },
	{ "post.gzip", "bytes", "the artifact compressed with gzip -9" },
	{ "post.xz", "bytes", "the artifact compressed with xz -9e" },
	{ "post.zstd", "bytes", "the artifact compressed with zstd -19" },
	{ "post.upx", "bytes", "the artifact packed with upx --best" },
	{ "crate.", "bytes", "bytes attributed to one crate (crate.NAME); "
	    "crate.[unattributed] for the rest of the covered sections" },
	{ "wall_ms", "ms", "the build's wall-clock time" },
	{ "cpu_ms", "ms", "the build's CPU time" },
	{ "bench.wall_ms", "ms", "a benchmark's median run time" },
	{ "bench.wall_ms_mad", "ms", "its median absolute deviation" },
	{ "bench.max_rss_kib", "KiB", "a benchmark's peak memory" },
	{ "bench.instructions", "count", "instructions of one run under "
	    "valgrind" },
};
#define NMETRICS (sizeof metrics / sizeof metrics[0])

/* Finds a name's entry: itself, or the prefix it starts with. */
static const struct metric *
metric_find(const char *name)
{
	size_t	 i, n;

	for (i = 0; i < NMETRICS; i++) {
		n = strlen(metrics[i].name);
		if (metrics[i].name[n - 1] == '.' ?
		    strncmp(name, metrics[i].name, n) == 0 && name[n] != '\0' :
		    strcmp(name, metrics[i].name) == 0)
			return (&metrics[i]);
	}
	return (NULL);
}

/* Returns a measurement's unit, or NULL when the name is not one. */
const char *
metric_unit(const char *name)
{
	const struct metric	*m = metric_find(name);

	return (m != NULL ? m->unit : NULL);
}

/*
 * Says why a name is not a measurement: what there is, and the nearest
 * name when the given one looks like a typo.
 */
char *
metric_unknown(const char *name)
{
	struct buf	 b;
	const char	*near = NULL;
	size_t		 i, n;

	buf_init(&b);
	buf_printf(&b, "\"%s\" is not a measurement; ", name);
	for (i = 0; i < NMETRICS; i++) {
		n = strlen(metrics[i].name);
		buf_printf(&b, "%s%s%s", i > 0 ? ", " : "", metrics[i].name,
		    metrics[i].name[n - 1] == '.' ? "NAME" : "");
		if (near == NULL && metrics[i].name[n - 1] != '.' &&
		    words_near(name, metrics[i].name))
			near = metrics[i].name;
	}
	if (near != NULL)
		buf_printf(&b, "; did you mean %s?", near);
	return (b.data);
}

/* GET /v1/measurements: the table, {"measurements": [{name, unit, what}]}. */
cJSON *
metric_json(void)
{
	cJSON	*doc, *list, *o;
	size_t	 i;

	doc = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(doc, "measurements");
	for (i = 0; i < NMETRICS; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", metrics[i].name);
		cJSON_AddBoolToObject(o, "prefix", metrics[i].name[
		    strlen(metrics[i].name) - 1] == '.');
		cJSON_AddStringToObject(o, "unit", metrics[i].unit);
		cJSON_AddStringToObject(o, "what", metrics[i].what);
		cJSON_AddItemToArray(list, o);
	}
	return (doc);
}
