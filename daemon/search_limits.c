/*
 * What a constrained search must stay within (docs/speed.md): a variant
 * qualifies when its speed measurement (bench.instructions by default) is
 * at most 1 + max_slowdown times its baseline's, and its cold build time
 * at most max_build_time times the baseline's. The baseline is the
 * release variant (the grid's settings that are not the profile's), or a
 * variant named by its key.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* Makes limits that limit nothing. */
static void
search_limits_init(struct search_limits *l)
{
	memset(l, 0, sizeof *l);
	l->slowdown = l->build_factor = -1;
}

/* Frees what limits hold; they limit nothing after. */
void
search_limits_clear(struct search_limits *l)
{
	free(l->slowdown_text);
	free(l->build_text);
	free(l->speed_metric);
	free(l->baseline);
	search_limits_init(l);
}

/*
 * Reads "N%" (a fraction N/100) or "Nx" (a factor N), by suffix; -1 when
 * text is neither or out of range.
 */
static double
search_limits_number(const char *text, char suffix, double lo, double hi)
{
	char	*end;
	double	 v;

	v = strtod(text, &end);
	if (end == text || *end != suffix || end[1] != '\0' || !isfinite(v) ||
	    v < lo || v > hi)
		return (-1);
	return (suffix == '%' ? v / 100 : v);
}

/* Reads an optional string member; -1 with the cause for another type. */
static int
search_limits_string(const cJSON *doc, const char *key, const char **out,
    char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(doc, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
		xasprintf(cause, "%s: must be a string", key);
		return (-1);
	}
	*out = v->valuestring;
	return (0);
}

/*
 * Reads the limits of a search request: max_slowdown ("10%"),
 * max_build_time ("2x"), speed_metric, baseline. Returns 0, or -1 with
 * the cause.
 */
int
search_limits_parse(const cJSON *doc, struct search_limits *l, char **cause)
{
	const char	*slow, *build, *metric, *base;

	search_limits_init(l);
	if (search_limits_string(doc, "max_slowdown", &slow, cause) != 0 ||
	    search_limits_string(doc, "max_build_time", &build, cause) != 0 ||
	    search_limits_string(doc, "speed_metric", &metric, cause) != 0 ||
	    search_limits_string(doc, "baseline", &base, cause) != 0)
		return (-1);
	if (slow != NULL && (l->slowdown = search_limits_number(slow, '%', 0,
	    100000)) < 0) {
		xasprintf(cause, "max_slowdown: \"%s\" is not a percentage "
		    "from 0%% to 100000%% (\"10%%\": at most 10%% slower than "
		    "the baseline)", slow);
		return (-1);
	}
	if (build != NULL && (l->build_factor = search_limits_number(build,
	    'x', 0.01, 10000)) < 0) {
		xasprintf(cause, "max_build_time: \"%s\" is not a factor from "
		    "0.01x to 10000x (\"2x\": a cold build at most twice as "
		    "long as the baseline's)", build);
		return (-1);
	}
	if (metric != NULL && (strncmp(metric, "bench.", 6) != 0 ||
	    metric_unit(metric) == NULL)) {
		xasprintf(cause, "speed_metric: \"%s\" is not a benchmark's "
		    "figure; it is one of bench.instructions (the default), "
		    "bench.wall_ms, bench.max_rss_kib", metric);
		return (-1);
	}
	if ((metric != NULL || base != NULL) && slow == NULL &&
	    build == NULL) {
		xasprintf(cause, "%s: applies to max_slowdown or "
		    "max_build_time, and neither is given", metric != NULL ?
		    "speed_metric" : "baseline");
		return (-1);
	}
	l->slowdown_text = slow != NULL ? xstrdup(slow) : NULL;
	l->build_text = build != NULL ? xstrdup(build) : NULL;
	l->speed_metric = xstrdup(metric != NULL ? metric :
	    "bench.instructions");
	l->baseline = xstrdup(base != NULL ? base : "release");
	return (0);
}

/*
 * Reads a speed limit alone, as check, compare and a tracked project
 * give it: max_slowdown ("5%", or NULL) and speed_metric (NULL: the
 * default). Returns 0, or -1 with the cause.
 */
int
search_limits_speed(const char *slowdown, const char *metric,
    struct search_limits *l, char **cause)
{
	cJSON	*o;
	int	 rc;

	o = cJSON_CreateObject();
	if (slowdown != NULL)
		cJSON_AddStringToObject(o, "max_slowdown", slowdown);
	if (metric != NULL)
		cJSON_AddStringToObject(o, "speed_metric", metric);
	rc = search_limits_parse(o, l, cause);
	cJSON_Delete(o);
	return (rc);
}

/* Tells whether a search has limits at all. */
int
search_limits_active(const struct search_limits *l)
{
	return (l->slowdown >= 0 || l->build_factor >= 0);
}

/* Returns the limits as the JSON a search keeps and documents show. */
cJSON *
search_limits_json(const struct search_limits *l)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	if (l->slowdown_text != NULL)
		cJSON_AddStringToObject(o, "max_slowdown", l->slowdown_text);
	else
		cJSON_AddNullToObject(o, "max_slowdown");
	cJSON_AddStringToObject(o, "speed_metric", l->speed_metric ?
	    l->speed_metric : "bench.instructions");
	if (l->build_text != NULL)
		cJSON_AddStringToObject(o, "max_build_time", l->build_text);
	else
		cJSON_AddNullToObject(o, "max_build_time");
	cJSON_AddStringToObject(o, "baseline", l->baseline ? l->baseline :
	    "release");
	return (o);
}

/* Reads limits back from their JSON (NULL: none). Returns 0, or -1. */
int
search_limits_read(const char *json, struct search_limits *l)
{
	cJSON	*o;
	char	*cause = NULL;
	int	 rc;

	search_limits_init(l);
	if (json == NULL)
		return (0);
	if ((o = cJSON_Parse(json)) == NULL)
		return (-1);
	rc = search_limits_parse(o, l, &cause);
	free(cause);
	cJSON_Delete(o);
	return (rc);
}

/*
 * Fills v with the baseline a grid point is compared with: "release" is
 * the point's settings that are not the profile's (features, target,
 * toolchain...), anything else a variant key. Returns 0, or -1 with the
 * cause.
 */
int
search_limits_baseline(const struct search_limits *l,
    const struct variant *point, struct variant *v, char **cause)
{
	size_t	 i;

	variant_init(v);
	if (strcmp(l->baseline, "release") != 0)
		return (variant_parse_key(l->baseline, v, cause));
	for (i = 0; i < point->n; i++) {
		if (!variant_is_profile_key(point->key[i]))
			variant_set(v, point->key[i], point->value[i]);
	}
	return (0);
}

/*
 * Tells whether head is slower than base by more than the limit allows,
 * on the limits' speed measurement. A median wall time comes with its
 * runs' spread: when head's fastest run is no slower than base's slowest
 * (base_max, head_min; -1 when unknown), the change is inside the spread
 * measured, and *noise says so instead. Instruction counts have no
 * spread.
 */
int
search_limits_slower(const struct search_limits *l, int64_t base,
    int64_t head, int64_t base_max, int64_t head_min, int *noise)
{
	int	 over;

	*noise = 0;
	if (l->slowdown < 0 || base < 0 || head < 0)
		return (0);
	over = (double)head > (double)base * (1 + l->slowdown);
	if (over && strcmp(l->speed_metric, "bench.wall_ms") == 0 &&
	    base_max >= 0 && head_min >= 0 && head_min <= base_max)
		*noise = 1;
	return (over && !*noise);
}

/*
 * Tells whether a variant's figures stay within the limits against the
 * baseline's: 1 yes, 0 no. A figure the limit needs and the variant lacks
 * is -1.
 */
int
search_limits_within(const struct search_limits *l, int64_t speed,
    int64_t build_ms, int64_t base_speed, int64_t base_build_ms)
{
	if (l->slowdown >= 0) {
		if (speed < 0 || base_speed < 0)
			return (-1);
		if ((double)speed > (double)base_speed * (1 + l->slowdown))
			return (0);
	}
	if (l->build_factor >= 0) {
		if (build_ms < 0 || base_build_ms < 0)
			return (-1);
		if ((double)build_ms > (double)base_build_ms * l->build_factor)
			return (0);
	}
	return (1);
}
