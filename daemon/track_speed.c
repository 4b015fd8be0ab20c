/*
 * Speed regressions of tracked projects: with a max_slowdown, each
 * benchmarked commit of the branch is compared with the nearest earlier
 * benchmarked commit of its first-parent line; one more than the limit
 * slower (a median wall time only outside the runs' spread) is recorded
 * and alerted once, as sizes are (track_alert.c). Instruction counts are
 * exact; a wall time inside the spread is noise.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "track_private.h"

/* The project's speed limit; 0, or -1 when it has none (or a bad one). */
static int
track_speed_limit(const struct tracked_project *p, struct search_limits *l)
{
	char	*cause = NULL;
	int	 rc;

	if (p->max_slowdown == NULL)
		return (-1);
	if ((rc = search_limits_speed(p->max_slowdown, p->speed_metric, l,
	    &cause)) != 0) {
		log_warnx("project %s: max_slowdown: %s", p->name, cause);
		free(cause);
	}
	return (rc);
}

/*
 * Compares the benchmarks not compared yet; returns how many slowdowns
 * it recorded. A benchmark whose base has not run yet waits for it.
 */
static int
track_speed_detect(struct track *t, const struct tracked_project *p,
    const struct search_limits *l)
{
	cJSON		*pairs, *pair;
	int		 found = 0, noise, slower;

	if ((pairs = store_speed_pairs(t->store, p->id,
	    l->speed_metric)) == NULL)
		return (0);
	cJSON_ArrayForEach(pair, pairs) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pair,
		    "wait")))
			continue;
		slower = json_str(pair, "base_commit", NULL) != NULL &&
		    search_limits_slower(l, json_int(pair, "base_value", -1),
		    json_int(pair, "value", -1), json_int(pair, "base_max",
		    -1), json_int(pair, "head_min", -1), &noise);
		if (slower && store_slowdown_add(t->store, p->id, pair,
		    l->speed_metric, l->slowdown_text) == STORE_OK) {
			log_info("project %s: %.12s is slower on %s: %lld "
			    "against %lld at %.12s", p->name, json_str(pair,
			    "commit", ""), l->speed_metric, (long long)
			    json_int(pair, "value", 0), (long long)json_int(
			    pair, "base_value", 0), json_str(pair,
			    "base_commit", ""));
			found++;
		}
		store_bench_checked(t->store, json_int(pair, "build", 0));
	}
	cJSON_Delete(pairs);
	return (found);
}

/* The alert's line: what got slower, by how much, against what. */
static char *
track_speed_text(const struct tracked_project *p, const char *commit,
    const cJSON *rows)
{
	const cJSON	*r, *first = cJSON_GetArrayItem(rows, 0);
	struct buf	 b;

	buf_init(&b);
	buf_printf(&b, "sizemat: %s %.12s \"%s\" is slower", p->name, commit,
	    json_str(first, "subject", ""));
	cJSON_ArrayForEach(r, rows)
		buf_printf(&b, " %s %s %s %lld -> %lld (%+.2f%%, limit %s)%s",
		    json_str(r, "variant_key", "?"), json_str(r, "artifact",
		    "?"), json_str(r, "metric", ""), (long long)json_int(r,
		    "base_value", 0), (long long)json_int(r, "value", 0),
		    json_num(r, "percent", 0), json_str(r, "max_slowdown", ""),
		    r->next != NULL ? ";" : "");
	buf_printf(&b, " against %.12s", json_str(first, "base_commit", ""));
	return (b.data);
}

/* Queues one webhook delivery per commit with new slowdowns and URL. */
static void
track_speed_alerts(struct track *t, const struct tracked_project *p)
{
	cJSON		*rows, *at, *body, *r;
	const cJSON	*x;
	const char	*commit;
	char		*text, *key;

	if ((rows = store_slowdowns(t->store, p->id, 1)) == NULL)
		return;
	while ((x = cJSON_GetArrayItem(rows, 0)) != NULL) {
		commit = json_str(x, "commit", "");
		at = cJSON_CreateArray();
		/* Every row of that commit, in one alert. */
		for (r = rows->child; r != NULL;) {
			cJSON	*next = r->next;

			if (strcmp(json_str(r, "commit", ""), commit) == 0)
				cJSON_AddItemToArray(at,
				    cJSON_DetachItemViaPointer(rows, r));
			r = next;
		}
		x = cJSON_GetArrayItem(at, 0);
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "event", "speed_regression");
		cJSON_AddStringToObject(body, "project", p->name);
		cJSON_AddStringToObject(body, "branch", p->branch);
		cJSON_AddItemToObject(body, "base", store_commit_json(t->store,
		    p->id, json_str(x, "base_commit", "")));
		cJSON_AddItemToObject(body, "head", store_commit_json(t->store,
		    p->id, json_str(x, "commit", "")));
		text = track_speed_text(p, json_str(x, "commit", ""), at);
		cJSON_AddItemToObject(body, "variants", at);
		cJSON_AddStringToObject(body, "text", text);
		/* Its own key: a size alert may be queued for the commit. */
		xasprintf(&key, "speed:%s", json_str(x, "commit", ""));
		track_deliver(t, p, key, body);
		free(key);
		store_slowdowns_alerted(t->store, p->id, json_str(x, "commit",
		    ""));
		log_info("%s", text);
		free(text);
		cJSON_Delete(body);
	}
	cJSON_Delete(rows);
	notify_kick(t->notify);
}

/* Looks for a project's speed regressions and queues their alerts. */
void
track_speed(struct track *t, const struct tracked_project *p)
{
	struct search_limits	 l;

	if (track_speed_limit(p, &l) != 0)
		return;
	track_speed_detect(t, p, &l);
	track_speed_alerts(t, p);
	search_limits_clear(&l);
}
