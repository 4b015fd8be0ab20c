/*
 * What the tracker does when something was measured for a project:
 * detect regressions, revise the ones a new measurement narrows or
 * withdraws, queue webhook alerts, and move bisections on.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "track_private.h"

/* One line for chat tools: what grew at a commit. */
static char *
track_alert_text(const struct tracked_project *p, const char *commit,
    const cJSON *regs)
{
	const cJSON	*r, *first = cJSON_GetArrayItem(regs, 0);
	struct buf	 b;

	buf_init(&b);
	buf_printf(&b, "sizemat: %s %.12s \"%s\" grew", p->name, commit,
	    json_str(first, "subject", ""));
	char		*why;

	cJSON_ArrayForEach(r, regs) {
		buf_printf(&b, " %s %s %lld -> %lld bytes (%+lld, %+.2f%%)",
		    json_str(r, "variant_key", "?"),
		    json_str(r, "artifact", "?"),
		    (long long)json_int(r, "base_size", 0),
		    (long long)json_int(r, "size", 0),
		    (long long)json_int(r, "bytes", 0),
		    json_num(r, "percent", 0));
		if ((why = track_cause_line(r)) != NULL) {
			buf_printf(&b, ": %s", why);
			free(why);
		}
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r,
		    "accepted")))
			buf_printf(&b, " (accepted: %s)", json_str(
			    cJSON_GetObjectItemCaseSensitive(r, "accepted"),
			    "text", ""));
		if (r->next != NULL)
			buf_addstr(&b, ";");
	}
	buf_printf(&b, " against %.12s", json_str(first, "base_commit", ""));
	return (b.data);
}

/*
 * Queues an alert's body for each of the project's webhooks, once per
 * key (a commit, or what else names the alert) and URL.
 */
void
track_deliver(struct track *t, const struct tracked_project *p,
    const char *key, const cJSON *body)
{
	const cJSON	*url;
	char		*json;

	json = cJSON_PrintUnformatted(body);
	cJSON_ArrayForEach(url, p->webhooks) {
		if (cJSON_IsString(url))
			store_delivery_add(t->store, p->id, key,
			    url->valuestring, json);
	}
	cJSON_free(json);
}

/*
 * Queues one webhook delivery per commit with new regressions and per
 * URL, once no build at that commit is still to come, then marks them
 * alerted (with or without webhooks, so adding one later does not send
 * old news).
 */
void
track_alerts(struct track *t, const struct tracked_project *p)
{
	const cJSON	*c;
	cJSON		*pending, *body, *variants, *v, *r;
	const char	*commit;
	char		*text;

	pending = store_unalerted(t->store, p->id);
	cJSON_ArrayForEach(c, pending) {
		commit = json_str(c, "commit", "");
		if (store_commit_pending(t->store, p->id, commit) !=
		    STORE_NOT_FOUND)
			continue;	/* one alert, with every variant */
		r = cJSON_GetObjectItemCaseSensitive(c, "regressions");
		if (track_causes(t, p, r, 1) > 0)
			continue;	/* explained once the twins are built */
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "event", "size_regression");
		cJSON_AddStringToObject(body, "project", p->name);
		cJSON_AddStringToObject(body, "branch", p->branch);
		cJSON_AddItemToObject(body, "base", store_commit_json(t->store,
		    p->id, json_str(cJSON_GetArrayItem(r, 0),
		    "base_commit", "")));
		cJSON_AddItemToObject(body, "head", store_commit_json(t->store,
		    p->id, commit));
		variants = cJSON_AddArrayToObject(body, "variants");
		cJSON_ArrayForEach(v, r) {
			cJSON	*o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "variant_key",
			    json_str(v, "variant_key", ""));
			cJSON_AddStringToObject(o, "artifact",
			    json_str(v, "artifact", ""));
			cJSON_AddStringToObject(o, "base_commit",
			    json_str(v, "base_commit", ""));
			cJSON_AddNumberToObject(o, "base_size",
			    json_num(v, "base_size", 0));
			cJSON_AddNumberToObject(o, "size",
			    json_num(v, "size", 0));
			cJSON_AddNumberToObject(o, "bytes",
			    json_num(v, "bytes", 0));
			cJSON_AddNumberToObject(o, "percent",
			    json_num(v, "percent", 0));
			cJSON_AddStringToObject(o, "threshold",
			    json_str(v, "threshold", ""));
			cJSON_AddItemToObject(o, "causes", cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(v, "causes"), 1));
			cJSON_AddItemToObject(o, "accepted", cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(v, "accepted"),
			    1));
			cJSON_AddItemToArray(variants, o);
		}
		text = track_alert_text(p, commit, r);
		cJSON_AddStringToObject(body, "text", text);
		free(text);
		track_deliver(t, p, commit, body);
		cJSON_Delete(body);
		store_mark_alerted(t->store, p->id, commit);
		log_info("project %s: %.12s regressed (%d variant%s)",
		    p->name, commit, cJSON_GetArraySize(r),
		    cJSON_GetArraySize(r) == 1 ? "" : "s");
	}
	cJSON_Delete(pending);
	notify_kick(t->notify);
}

/*
 * Queues one follow-up per regression revised since its alert: narrowed to
 * its culprit, or withdrawn. Never a second alert for the same cause.
 */
static void
track_revisions(struct track *t, const struct tracked_project *p)
{
	cJSON		*revised, *body, *r;
	char		*key;

	revised = store_revised(t->store, p->id);
	cJSON_ArrayForEach(r, revised) {
		track_cause(t, p, r, 0);
		track_accepted(t, p, r, 0);
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "event",
		    "size_regression_revised");
		cJSON_AddStringToObject(body, "project", p->name);
		cJSON_AddStringToObject(body, "branch", p->branch);
		cJSON_AddItemToObject(body, "regression", cJSON_Duplicate(r, 1));
		if (strcmp(json_str(r, "state", ""), "culprit") == 0)
			xasprintf(&key, "%s: the regression of %s (%s) is %.12s "
			    "\"%s\", +%lld B (%+.2f%%) against %.12s", p->name,
			    json_str(r, "variant_key", "?"), json_str(r,
			    "artifact", "?"), json_str(r, "commit", ""),
			    json_str(r, "subject", ""), (long long)json_int(r,
			    "bytes", 0), json_num(r, "percent", 0), json_str(r,
			    "base_commit", ""));
		else
			xasprintf(&key, "%s: the regression of %s (%s) up to "
			    "%.12s is withdrawn: %s", p->name, json_str(r,
			    "variant_key", "?"), json_str(r, "artifact", "?"),
			    json_str(r, "commit", ""), json_str(r, "note", ""));
		cJSON_AddStringToObject(body, "text", key);
		free(key);
		/* One delivery per revision and URL, whatever its commit. */
		xasprintf(&key, "revised:%lld", (long long)json_int(r, "id", 0));
		track_deliver(t, p, key, body);
		store_mark_revised(t->store, json_int(r, "id", 0));
		log_info("project %s: regression %lld revised: %s", p->name,
		    (long long)json_int(r, "id", 0), json_str(r, "state", ""));
		free(key);
		cJSON_Delete(body);
	}
	if (cJSON_GetArraySize(revised) > 0)
		notify_kick(t->notify);
	cJSON_Delete(revised);
}

/* The regression rule: a size grew past the project's threshold. */
static int
track_grew(int64_t before, int64_t after, const void *arg)
{
	return (limit_exceeded(arg, before, after));
}

/* Looks for a project's regressions and queues their alerts. */
void
track_detect(struct track *t, int64_t project_id)
{
	struct tracked_project	 p;
	struct size_limit	 lim;
	struct regression_rule	 rule;

	if (store_project_by_id(t->store, project_id, &p) != STORE_OK)
		return;
	rule.grew = track_grew;
	rule.arg = &lim;
	if (p.name != NULL && track_threshold(&p, &lim, &rule.text) == 0 &&
	    store_detect_regressions(t->store, p.id, &rule) == 0) {
		track_alerts(t, &p);
		track_revisions(t, &p);
	}
	if (p.name != NULL)
		track_speed(t, &p);
	tracked_project_clear(&p);
}

/* Something was measured for a project: regressions, alerts, bisections. */
void
track_project_changed(struct track *t, int64_t project_id)
{
	track_detect(t, project_id);
	track_bisect_all(t);
}

/*
 * Listens to the queue: when a build of a tracked project ends, looks for
 * regressions, revises them and moves bisections on.
 */
void
track_on_queue(enum queue_event ev, int64_t id, void *arg)
{
	struct track	*t = arg;
	int64_t		 project_id;

	if ((ev == QUEUE_BUILD_ENDED || ev == QUEUE_BENCH_ENDED) &&
	    store_build_project(t->store, id, &project_id) == STORE_OK)
		track_project_changed(t, project_id);
}
