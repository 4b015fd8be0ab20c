/*
 * GET /metrics: the Prometheus text exposition format (version 0.0.4), so
 * existing Grafana dashboards can plot sizemat's numbers: builds by state,
 * the queue, build durations as a histogram, and the latest size of each
 * project, variant and artifact as gauges.
 *
 * What the store says is kept from one scrape to the next until the store
 * changes (a build starts or ends, a regression or a delivery is recorded),
 * so a scrape between two builds costs no query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* Upper bounds of the build duration buckets, in seconds. */
static const double metrics_bounds[] = { 1, 5, 15, 30, 60, 120, 300, 600,
    1800, 3600 };
#define METRICS_NBOUNDS (sizeof metrics_bounds / sizeof metrics_bounds[0])

static const char *const metrics_states[] = { "queued", "running", "done",
    "failed", "timeout", "cancelled", "unavailable" };
#define METRICS_NSTATES (sizeof metrics_states / sizeof metrics_states[0])

struct metrics {
	cJSON	*doc;		/* store_metrics's answer, or NULL */
	int64_t	 generation;	/* the store's when it was computed */
};

struct metrics *
metrics_create(void)
{
	return (xcalloc(1, sizeof (struct metrics)));
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	cJSON_Delete(m->doc);
	free(m);
}

/* The store's part of the metrics, computed again only after a change. */
static const cJSON *
metrics_current(struct metrics *m, struct store *st)
{
	int64_t	 generation;

	generation = store_generation(st);
	if (m->doc != NULL && m->generation == generation)
		return (m->doc);
	cJSON_Delete(m->doc);
	m->doc = store_metrics(st, metrics_bounds, METRICS_NBOUNDS);
	m->generation = generation;
	return (m->doc);
}

/* Appends a label value, escaped as the text format asks. */
static void
metrics_label(struct buf *b, const char *name, const char *value,
    int first)
{
	const char	*p;

	buf_printf(b, "%s%s=\"", first ? "" : ",", name);
	for (p = value != NULL ? value : ""; *p != '\0'; p++) {
		if (*p == '\\')
			buf_addstr(b, "\\\\");
		else if (*p == '"')
			buf_addstr(b, "\\\"");
		else if (*p == '\n')
			buf_addstr(b, "\\n");
		else
			buf_add(b, p, 1);
	}
	buf_addstr(b, "\"");
}

/* Appends the HELP and TYPE lines of a metric. */
static void
metrics_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends a gauge per latest size: field of each row, when it has one. */
static void
metrics_sizes(struct buf *b, const cJSON *doc, const char *name,
    const char *field, const char *help)
{
	const cJSON	*s;

	metrics_head(b, name, "gauge", help);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(doc, "sizes")) {
		if (json_int(s, field, -1) < 0)
			continue;
		buf_printf(b, "%s{", name);
		metrics_label(b, "project", json_str(s, "project", ""), 1);
		metrics_label(b, "variant", json_str(s, "variant", ""), 0);
		metrics_label(b, "artifact", json_str(s, "artifact", ""), 0);
		metrics_label(b, "kind", json_str(s, "kind", ""), 0);
		metrics_label(b, "toolchain", json_str(s, "toolchain", ""), 0);
		buf_printf(b, "} %lld\n", (long long)json_int(s, field, 0));
	}
}

/* Formats the metrics; active is how many builds run now. */
void
metrics_format(struct metrics *m, struct store *st, int active, int jobs,
    struct buf *b)
{
	const cJSON	*s, *states, *o, *doc;
	size_t		 i;

	doc = metrics_current(m, st);
	states = cJSON_GetObjectItemCaseSensitive(doc, "builds");
	metrics_head(b, "sizemat_builds", "gauge", "Builds recorded, by "
	    "state.");
	for (i = 0; i < METRICS_NSTATES; i++) {
		buf_addstr(b, "sizemat_builds{");
		metrics_label(b, "state", metrics_states[i], 1);
		buf_printf(b, "} %lld\n", (long long)json_int(states,
		    metrics_states[i], 0));
	}
	metrics_head(b, "sizemat_queue_length", "gauge", "Builds queued, "
	    "including those waiting for git to resolve their commit.");
	buf_printf(b, "sizemat_queue_length %lld\n",
	    (long long)json_int(states, "queued", 0));
	metrics_head(b, "sizemat_builds_waiting_for_git", "gauge", "Queued "
	    "builds whose run's revision is not resolved yet.");
	buf_printf(b, "sizemat_builds_waiting_for_git %lld\n",
	    (long long)json_int(doc, "waiting_for_git", 0));
	metrics_head(b, "sizemat_build_slots_busy", "gauge", "Builds running "
	    "now.");
	buf_printf(b, "sizemat_build_slots_busy %d\n", active);
	metrics_head(b, "sizemat_build_slots", "gauge", "Builds the daemon "
	    "runs at once (--jobs).");
	buf_printf(b, "sizemat_build_slots %d\n", jobs);

	metrics_head(b, "sizemat_build_duration_seconds", "histogram",
	    "Wall time of the builds that ran to the end (not reused ones).");
	s = cJSON_GetObjectItemCaseSensitive(doc, "duration_buckets");
	for (i = 0; i < METRICS_NBOUNDS; i++)
		buf_printf(b, "sizemat_build_duration_seconds_bucket{le=\"%g\"}"
		    " %lld\n", metrics_bounds[i], (long long)
		    cJSON_GetNumberValue(cJSON_GetArrayItem(s, (int)i)));
	buf_printf(b, "sizemat_build_duration_seconds_bucket{le=\"+Inf\"} "
	    "%lld\n", (long long)json_int(doc, "duration_count", 0));
	buf_printf(b, "sizemat_build_duration_seconds_sum %.3f\n",
	    (double)json_int(doc, "duration_sum_ms", 0) / 1000.0);
	buf_printf(b, "sizemat_build_duration_seconds_count %lld\n",
	    (long long)json_int(doc, "duration_count", 0));

	metrics_sizes(b, doc, "sizemat_artifact_size_bytes", "size", "The "
	    "latest file size of each project, variant and artifact.");
	metrics_sizes(b, doc, "sizemat_artifact_loadable_bytes", "loadable",
	    "The latest loadable size (allocated sections) of each project, "
	    "variant and artifact.");
	metrics_head(b, "sizemat_regressions", "gauge", "Regressions recorded "
	    "for each tracked project.");
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(doc,
	    "regressions")) {
		buf_addstr(b, "sizemat_regressions{");
		metrics_label(b, "project", o->string, 1);
		buf_printf(b, "} %lld\n", (long long)o->valuedouble);
	}
	metrics_head(b, "sizemat_webhook_deliveries", "gauge", "Webhook "
	    "deliveries, by state.");
	o = cJSON_GetObjectItemCaseSensitive(doc, "deliveries");
	for (i = 0; i < 3; i++) {
		static const char *const ds[] = { "pending", "delivered",
		    "failed" };

		buf_addstr(b, "sizemat_webhook_deliveries{");
		metrics_label(b, "state", ds[i], 1);
		buf_printf(b, "} %lld\n", (long long)json_int(o, ds[i], 0));
	}
}
