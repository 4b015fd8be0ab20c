/*
 * Searches as the daemon runs them: a search is started from the API,
 * moved on whenever one of its builds ends (the queue's events), and
 * resumed after a restart. Each move replays it (search.c) from the
 * builds its runs made so far, and asks the planner for what it needs
 * next as one more run of kind "search"; nothing is built twice, since a
 * build queued or running is waited for and a finished one is an answer.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

struct searcher {
	struct store		*store;
	const struct planner	*planner;
};

/* What one replay of a search reads its outcomes from. */
struct search_view {
	struct searcher		*s;
	struct search_row	 row;
	struct matrix		*m;
	struct run_plan		 run;		/* how its runs are queued */
	struct variant		 over;		/* its toolchain */
	struct search_probe	*probes;
	size_t			 nprobes;
	size_t			 built;		/* probes not reused */
	size_t			 reused;
	struct search_limits	 limits;
	struct variant		 baseline;	/* as built, with limits */
	char			*base_key;
	const struct search_probe *base;	/* its newest probe */
	int			 base_ready;	/* its figures are in */
};

static char	*search_view_key(struct search_view *, const struct variant *,
		    struct variant *);
static const struct search_probe *search_view_probe(const struct search_view *,
		    const char *);

struct searcher *
searcher_create(struct store *st, const struct planner *planner)
{
	struct searcher	*s;

	s = xcalloc(1, sizeof *s);
	s->store = st;
	s->planner = planner;
	return (s);
}

void
searcher_free(struct searcher *s)
{
	free(s);
}

/* Frees what a view holds. */
static void
search_view_clear(struct search_view *w)
{
	search_row_clear(&w->row);
	matrix_free(w->m);
	variant_clear(&w->over);
	search_probes_free(w->probes, w->nprobes);
	search_limits_clear(&w->limits);
	variant_clear(&w->baseline);
	free(w->base_key);
	memset(w, 0, sizeof *w);
}

/*
 * With limits: the baseline as the search builds it, its newest probe,
 * and whether its figures are in. Returns STORE_OK, or STORE_ERROR with
 * the cause.
 */
static enum store_result
search_view_baseline(struct search_view *w, char **cause)
{
	const struct search_probe	*p;
	struct variant			 v;

	if (!search_limits_active(&w->limits))
		return (STORE_OK);
	if (search_limits_baseline(&w->limits, matrix_variant(w->m, 0), &v,
	    cause) != 0)
		return (STORE_ERROR);
	w->base_key = search_view_key(w, &v, &w->baseline);
	variant_clear(&v);
	w->base = p = search_view_probe(w, w->base_key);
	w->base_ready = p != NULL && strcmp(p->state, "done") == 0 &&
	    (w->limits.slowdown < 0 || (p->speed >= 0 && p->bench != NULL &&
	    strcmp(p->bench, "done") == 0)) &&
	    (w->limits.build_factor < 0 || p->build_ms >= 0);
	return (STORE_OK);
}

/*
 * Reads a search and everything a replay needs. Returns the store's
 * answer; a matrix that no longer parses is an error with the cause.
 */
static enum store_result
search_view_read(struct searcher *s, int64_t id, struct search_view *w,
    char **cause)
{
	enum store_result	 rc;
	cJSON			*doc;
	size_t			 i;

	memset(w, 0, sizeof *w);
	w->s = s;
	variant_init(&w->over);
	if ((rc = store_search_get(s->store, id, &w->row)) != STORE_OK)
		return (rc);
	doc = cJSON_Parse(w->row.source);
	w->m = matrix_parse(doc, "the search's matrix", SEARCH_MAX_GRID, cause);
	cJSON_Delete(doc);
	if (w->m == NULL)
		return (STORE_ERROR);
	if (search_limits_read(w->row.limits, &w->limits) != 0) {
		xasprintf(cause, "the search's limits no longer parse: %s",
		    w->row.limits);
		return (STORE_ERROR);
	}
	/* A database that fails now may not later: no cause, no end. */
	if (store_search_probes(s->store, &w->row, w->limits.slowdown >= 0 ?
	    w->limits.speed_metric : NULL, &w->probes, &w->nprobes) != 0)
		return (STORE_ERROR);
	for (i = 0; i < w->nprobes; i++) {
		if (w->probes[i].reused_from != 0)
			w->reused++;
		else
			w->built++;
	}
	if (w->row.toolchain != NULL)
		variant_set(&w->over, "toolchain", w->row.toolchain);
	w->run.project = w->row.project;
	w->run.project_id = w->row.project_name != NULL ? w->row.project_id :
	    0;
	w->run.rev = w->row.commit;
	w->run.kind = "search";
	w->run.search_id = w->row.id;
	w->run.package = w->row.package;
	/* Build times compare only when every build is cold. */
	w->run.fresh = w->run.force = w->limits.build_factor >= 0;
	return (search_view_baseline(w, cause));
}

/* The variant as the search builds it: its toolchain, canonical. */
static char *
search_view_key(struct search_view *w, const struct variant *v,
    struct variant *out)
{
	size_t	 i;

	variant_init(out);
	variant_copy(out, v);
	for (i = 0; i < w->over.n; i++)
		variant_set(out, w->over.key[i], w->over.value[i]);
	return (plan_variant_key(w->s->planner, &w->run, out));
}

/* The newest probe of a variant key, or NULL. */
static const struct search_probe *
search_view_probe(const struct search_view *w, const char *key)
{
	size_t	 i;

	for (i = w->nprobes; i-- > 0;) {
		if (strcmp(w->probes[i].variant_key, key) == 0)
			return (&w->probes[i]);
	}
	return (NULL);
}

/* Tells whether a probe's benchmark is still to run, or running. */
static int
search_probe_benching(const struct search_probe *p)
{
	return (p->bench != NULL && (strcmp(p->bench, "pending") == 0 ||
	    strcmp(p->bench, "running") == 0));
}

/*
 * A done probe against the limits: within them, outside them (excluded),
 * failed when it lacks a figure they need, pending while its benchmark
 * or the baseline's figures are still to come.
 */
static enum commit_outcome
search_view_limit(const struct search_view *w, const struct search_probe *p)
{
	if (!search_limits_active(&w->limits))
		return (OUTCOME_DONE);
	if (w->limits.slowdown >= 0 && search_probe_benching(p))
		return (OUTCOME_PENDING);
	if (!w->base_ready)
		return (OUTCOME_PENDING);
	switch (search_limits_within(&w->limits, p->speed, p->build_ms,
	    w->base->speed, w->base->build_ms)) {
	case 1:
		return (OUTCOME_DONE);
	case 0:
		return (OUTCOME_EXCLUDED);
	default:
		return (OUTCOME_FAILED);
	}
}

/* search_replay's view of a variant: what its probe says. */
static enum commit_outcome
search_view_outcome(const struct variant *v, int64_t *value, void *arg)
{
	struct search_view		*w = arg;
	const struct search_probe	*p;
	struct variant			 c;
	char				*key;

	key = search_view_key(w, v, &c);
	p = search_view_probe(w, key);
	free(key);
	variant_clear(&c);
	if (p == NULL)
		return (OUTCOME_NONE);
	if (strcmp(p->state, "queued") == 0 || strcmp(p->state,
	    "running") == 0)
		return (OUTCOME_PENDING);
	if (strcmp(p->state, "done") == 0 && p->has_value) {
		*value = p->value;
		return (search_view_limit(w, p));
	}
	return (OUTCOME_FAILED);
}

/*
 * With limits, adds a probe's figures to a point: speed, build_ms and
 * within_limits (null until known).
 */
static void
search_limits_fields(const struct search_view *w, const struct search_probe *p,
    cJSON *o)
{
	enum commit_outcome	 oc;

	if (!search_limits_active(&w->limits))
		return;
	if (p != NULL && p->speed >= 0)
		cJSON_AddNumberToObject(o, "speed", (double)p->speed);
	else
		cJSON_AddNullToObject(o, "speed");
	if (p != NULL && p->build_ms >= 0 && strcmp(p->state, "done") == 0)
		cJSON_AddNumberToObject(o, "build_ms", (double)p->build_ms);
	else
		cJSON_AddNullToObject(o, "build_ms");
	/* Known only once the figures are in: done or excluded. */
	oc = p == NULL || !w->base_ready || strcmp(p->state, "done") != 0 ||
	    !p->has_value ? OUTCOME_PENDING : search_view_limit(w, p);
	if (oc == OUTCOME_DONE || oc == OUTCOME_EXCLUDED)
		cJSON_AddBoolToObject(o, "within_limits", oc == OUTCOME_DONE);
	else
		cJSON_AddNullToObject(o, "within_limits");
}

/* Adds {variant, variant_key, value, build, state} for a variant. */
static cJSON *
search_point_json(struct search_view *w, const struct variant *v)
{
	const struct search_probe	*p;
	struct variant			 c;
	cJSON				*o;
	char				*key;

	key = search_view_key(w, v, &c);
	p = search_view_probe(w, key);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "variant", variant_to_json(&c));
	cJSON_AddStringToObject(o, "variant_key", key);
	if (p != NULL && p->has_value && strcmp(p->state, "done") == 0)
		cJSON_AddNumberToObject(o, "value", (double)p->value);
	else
		cJSON_AddNullToObject(o, "value");
	if (p != NULL) {
		cJSON_AddNumberToObject(o, "build", (double)p->build);
		cJSON_AddStringToObject(o, "state", p->state);
	} else {
		cJSON_AddNullToObject(o, "build");
		cJSON_AddStringToObject(o, "state", "none");
	}
	search_limits_fields(w, p, o);
	free(key);
	variant_clear(&c);
	return (o);
}

/* The winner's snippet (what to paste), from its build in its run. */
static void
search_add_snippet(struct search_view *w, cJSON *winner)
{
	const struct search_probe	*p;
	cJSON				*doc, *b, *snippet;
	int64_t				 build;

	build = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
	    winner, "build"));
	for (p = w->probes; p < w->probes + w->nprobes; p++) {
		if (p->build == build)
			break;
	}
	if (p == w->probes + w->nprobes || store_run_document(w->s->store,
	    p->run, &doc) != STORE_OK)
		return;
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		if ((int64_t)json_int(b, "id", 0) != build)
			continue;
		snippet_add(b);
		snippet = cJSON_DetachItemFromObjectCaseSensitive(b, "snippet");
		if (snippet != NULL)
			cJSON_AddItemToObject(winner, "snippet", snippet);
		cJSON_AddItemToObject(winner, "env", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(b, "env"), 1));
		cJSON_AddItemToObject(winner, "cargo_args", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(b, "cargo_args"), 1));
	}
	cJSON_Delete(doc);
}

/* Each probe in order, with the smallest value seen up to it. */
static cJSON *
search_probes_json(const struct search_view *w)
{
	const struct search_probe	*p;
	cJSON				*a, *o;
	int64_t				 best = -1;

	a = cJSON_CreateArray();
	for (p = w->probes; p < w->probes + w->nprobes; p++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "variant_key", p->variant_key);
		if (p->has_value && strcmp(p->state, "done") == 0) {
			cJSON_AddNumberToObject(o, "value", (double)p->value);
			/* With limits: of the grid's points within them. */
			if ((best < 0 || p->value < best) &&
			    (!search_limits_active(&w->limits) ||
			    (p != w->base && search_view_limit(w, p) ==
			    OUTCOME_DONE)))
				best = p->value;
		} else
			cJSON_AddNullToObject(o, "value");
		cJSON_AddNumberToObject(o, "build", (double)p->build);
		cJSON_AddNumberToObject(o, "run", (double)p->run);
		cJSON_AddStringToObject(o, "state", p->state);
		if (p->reused_from != 0)
			cJSON_AddNumberToObject(o, "reused_from",
			    (double)p->reused_from);
		else
			cJSON_AddNullToObject(o, "reused_from");
		if (best >= 0)
			cJSON_AddNumberToObject(o, "best_so_far", (double)best);
		else
			cJSON_AddNullToObject(o, "best_so_far");
		search_limits_fields(w, p, o);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

/*
 * The search's document (INTERFACE.md): what it was asked, the builds it
 * spent, its winner (the best so far while it runs), the certificate's
 * neighbours and every probe in order.
 */
static cJSON *
search_document(struct search_view *w, const struct search_step *step,
    const char *state, int certified, const char *message)
{
	cJSON		*doc, *o, *n, *winner = NULL;
	char		*wkey = NULL;
	const char	*artifact = w->row.artifact;
	size_t		 i;

	doc = cJSON_CreateObject();
	o = cJSON_AddObjectToObject(doc, "search");
	cJSON_AddNumberToObject(o, "id", (double)w->row.id);
	cJSON_AddStringToObject(o, "project", w->row.project_name != NULL ?
	    w->row.project_name : w->row.project);
	cJSON_AddStringToObject(o, "matrix", w->row.matrix);
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddBoolToObject(o, "certified", certified);
	cJSON_AddNumberToObject(o, "grid_size", (double)matrix_count(w->m));
	cJSON_AddNumberToObject(o, "builds", (double)w->built);
	cJSON_AddNumberToObject(o, "reused", (double)w->reused);
	cJSON_AddStringToObject(o, "metric", w->row.metric);
	cJSON_AddStringToObject(o, "unit", metric_unit(w->row.metric));
	if (w->row.budget > 0)
		cJSON_AddNumberToObject(o, "budget", (double)w->row.budget);
	else
		cJSON_AddNullToObject(o, "budget");
	if (w->row.commit != NULL)
		cJSON_AddStringToObject(o, "commit", w->row.commit);
	if (search_limits_active(&w->limits)) {
		cJSON_AddItemToObject(o, "limits",
		    search_limits_json(&w->limits));
		cJSON_AddItemToObject(o, "baseline", search_point_json(w,
		    &w->baseline));
	} else {
		cJSON_AddNullToObject(o, "limits");
		cJSON_AddNullToObject(o, "baseline");
	}
	if (step->has_best) {
		winner = search_point_json(w, &step->best);
		wkey = xstrdup(json_str(winner, "variant_key", ""));
		if (artifact == NULL) {
			const struct search_probe *p;

			p = search_view_probe(w, wkey);
			artifact = p != NULL ? p->artifact : NULL;
		}
		search_add_snippet(w, winner);
	}
	if (artifact != NULL)
		cJSON_AddStringToObject(o, "artifact", artifact);
	else
		cJSON_AddNullToObject(o, "artifact");
	if (winner != NULL)
		cJSON_AddItemToObject(o, "winner", winner);
	else
		cJSON_AddNullToObject(o, "winner");
	n = cJSON_AddArrayToObject(o, "neighbours");
	for (i = 0; i < step->ncert; i++) {
		cJSON	*pt = search_point_json(w, &step->cert[i]);

		if (wkey != NULL && strcmp(json_str(pt, "variant_key", ""),
		    wkey) == 0)
			cJSON_Delete(pt);
		else
			cJSON_AddItemToArray(n, pt);
	}
	cJSON_AddItemToObject(o, "probes", search_probes_json(w));
	if (message != NULL)
		cJSON_AddStringToObject(o, "message", message);
	else
		cJSON_AddNullToObject(o, "message");
	free(wkey);
	return (doc);
}

/*
 * Tells whether a build of the search is still queued or running, or,
 * with limits, its benchmark is.
 */
static int
search_view_pending(const struct search_view *w)
{
	const struct search_probe	*p;
	size_t				 i;

	for (i = 0; i < w->nprobes; i++) {
		p = &w->probes[i];
		if (strcmp(p->state, "queued") == 0 ||
		    strcmp(p->state, "running") == 0)
			return (1);
		if (search_limits_active(&w->limits) &&
		    search_probe_benching(p))
			return (1);
	}
	return (0);
}

/* Counts the certificate's points that did not build. */
static size_t
search_failed_neighbours(struct search_view *w, const struct search_step *s)
{
	size_t	 i, n = 0;
	int64_t	 v;

	for (i = 0; i < s->ncert; i++)
		n += search_view_outcome(&s->cert[i], &v, w) == OUTCOME_FAILED;
	return (n);
}

/* Ends a search with its document. */
static void
search_finish(struct search_view *w, const struct search_step *step,
    const char *state, int certified, const char *message)
{
	cJSON	*doc;

	doc = search_document(w, step, state, certified, message);
	if (store_search_finish(w->s->store, w->row.id, state, certified,
	    doc, message) == STORE_OK)
		log_info("search %lld: %s%s%s", (long long)w->row.id, state,
		    message != NULL ? ": " : "", message != NULL ? message :
		    "");
	cJSON_Delete(doc);
}

/* Queues the variants a step asks for, as one run of the search. */
static int
search_queue(struct search_view *w, struct search_step *step, size_t n,
    char **cause)
{
	struct plan_error	 err = { 0, NULL, NULL };
	int64_t			 run_id;
	int			 rc;

	rc = plan_queue_variants(w->s->planner, &w->run, w->m, step->build, n,
	    &w->over, &run_id, &err);
	if (rc == 0)
		log_info("search %lld: run %lld builds %zu variant%s",
		    (long long)w->row.id, (long long)run_id, n, n == 1 ? "" :
		    "s");
	else
		*cause = xstrdup(err.message != NULL ? err.message :
		    "the planner refused the search's builds");
	plan_error_clear(&err);
	return (rc);
}

/*
 * Says why a search with limits cannot go on: its baseline ended without
 * the figures the limits need. NULL while it can (or has no limits).
 */
static char *
search_baseline_failed(const struct search_view *w)
{
	const struct search_probe	*p = w->base;
	char				*why;

	if (!search_limits_active(&w->limits) || p == NULL || w->base_ready)
		return (NULL);
	if (strcmp(p->state, "queued") == 0 || strcmp(p->state, "running") ==
	    0 || search_probe_benching(p))
		return (NULL);
	if (strcmp(p->state, "done") != 0)
		xasprintf(&why, "the baseline %s (build %lld) ended %s: the "
		    "limits have nothing to compare with", w->base_key,
		    (long long)p->build, p->state);
	else if (w->limits.build_factor >= 0 && p->build_ms < 0)
		xasprintf(&why, "the baseline %s (build %lld) has no build "
		    "time to compare with", w->base_key, (long long)p->build);
	else if (p->bench == NULL)
		xasprintf(&why, "the baseline %s (build %lld) has no benchmark:"
		    " %s needs the matrix's \"bench\"", w->base_key,
		    (long long)p->build, w->limits.speed_metric);
	else
		xasprintf(&why, "the baseline %s (build %lld): its benchmark "
		    "ended %s without %s ('sizemat results %lld' says why)",
		    w->base_key, (long long)p->build, p->bench,
		    w->limits.speed_metric, (long long)p->run);
	return (why);
}

/*
 * Puts the baseline first in what a step builds when it was never built:
 * a budget cuts the list's end.
 */
static void
search_add_baseline(struct search_view *w, struct search_step *step)
{
	if (!search_limits_active(&w->limits) || w->base != NULL)
		return;
	step->build = xreallocarray(step->build, step->nbuild + 1,
	    sizeof *step->build);
	memmove(step->build + 1, step->build, step->nbuild *
	    sizeof *step->build);
	step->nbuild++;
	variant_init(&step->build[0]);
	variant_copy(&step->build[0], &w->baseline);
	step->what = SEARCH_BUILD;
}

/*
 * Moves a running search on: replays it, then queues what it asks for,
 * or waits, or ends it (on its answer, or on its budget).
 */
void
searcher_advance(struct searcher *s, int64_t id)
{
	struct search_view	 w;
	struct search_step	 step;
	char			*cause = NULL, *msg;
	size_t			 n, failed;

	memset(&step, 0, sizeof step);
	variant_init(&step.best);
	if (search_view_read(s, id, &w, &cause) != STORE_OK) {
		if (cause != NULL && w.row.state != NULL &&
		    strcmp(w.row.state, "running") == 0)
			store_search_finish(s->store, id, "failed", 0, NULL,
			    cause);
		goto out;
	}
	if (strcmp(w.row.state, "running") != 0)
		goto out;
	search_step_clear(&step);
	if ((msg = search_baseline_failed(&w)) != NULL) {
		search_finish(&w, &step, "failed", 0, msg);
		free(msg);
		goto out;
	}
	search_replay(w.m, search_view_outcome, &w, &step);
	if (step.what != SEARCH_DONE)
		search_add_baseline(&w, &step);
	switch (step.what) {
	case SEARCH_WAIT:
		break;
	case SEARCH_BUILD:
		n = step.nbuild;
		if (w.row.budget > 0 && w.built + n > (size_t)w.row.budget)
			n = (size_t)w.row.budget > w.built ?
			    (size_t)w.row.budget - w.built : 0;
		if (n == 0 && search_view_pending(&w))
			break;	/* what the budget paid for first */
		if (n == 0) {
			xasprintf(&msg, "stopped on its budget of %lld builds%s",
			    (long long)w.row.budget, step.has_best ? "; the "
			    "winner is the best so far, not certified" :
			    " before a variant built");
			search_finish(&w, &step, step.has_best ? "done" :
			    "failed", 0, msg);
			free(msg);
		} else if (search_queue(&w, &step, n, &cause) != 0)
			search_finish(&w, &step, "failed", 0, cause);
		break;
	case SEARCH_DONE:
		if (!step.has_best) {
			search_finish(&w, &step, "failed", 0, step.message);
			break;
		}
		failed = search_failed_neighbours(&w, &step);
		if (failed > 0) {
			xasprintf(&msg, "%zu neighbour%s did not build: the "
			    "winner is certified over the variants that built",
			    failed, failed == 1 ? "" : "s");
			search_finish(&w, &step, "done", 1, msg);
			free(msg);
		} else
			search_finish(&w, &step, "done", 1, NULL);
		break;
	}
out:
	free(cause);
	search_step_clear(&step);
	search_view_clear(&w);
}

/* The document of a search that ended before it had an answer. */
static cJSON *
search_row_document(const struct search_row *r)
{
	cJSON	*doc, *o;

	doc = cJSON_CreateObject();
	o = cJSON_AddObjectToObject(doc, "search");
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "project", r->project_name != NULL ?
	    r->project_name : r->project);
	cJSON_AddStringToObject(o, "matrix", r->matrix);
	cJSON_AddStringToObject(o, "state", r->state);
	cJSON_AddBoolToObject(o, "certified", 0);
	cJSON_AddStringToObject(o, "metric", r->metric);
	cJSON_AddStringToObject(o, "unit", metric_unit(r->metric));
	cJSON_AddNullToObject(o, "winner");
	cJSON_AddArrayToObject(o, "neighbours");
	cJSON_AddArrayToObject(o, "probes");
	if (r->message != NULL)
		cJSON_AddStringToObject(o, "message", r->message);
	else
		cJSON_AddNullToObject(o, "message");
	return (doc);
}

/*
 * The document of a search: the one kept when it ended, else replayed
 * now. STORE_OK with *out, or the store's answer.
 */
enum store_result
searcher_document(struct searcher *s, int64_t id, cJSON **out)
{
	struct search_view	 w;
	struct search_step	 step;
	struct search_row	 r;
	enum store_result	 rc;
	char			*cause = NULL;

	*out = NULL;
	/* An ended search answers from its row, whatever its matrix is now. */
	if ((rc = store_search_get(s->store, id, &r)) != STORE_OK)
		return (rc);
	if (r.result != NULL || strcmp(r.state, "running") != 0) {
		*out = r.result != NULL ? cJSON_Parse(r.result) :
		    search_row_document(&r);
		search_row_clear(&r);
		return (*out != NULL ? STORE_OK : STORE_ERROR);
	}
	search_row_clear(&r);
	if ((rc = search_view_read(s, id, &w, &cause)) != STORE_OK) {
		free(cause);
		search_view_clear(&w);
		return (rc == STORE_NOT_FOUND ? rc : STORE_ERROR);
	}
	search_replay(w.m, search_view_outcome, &w, &step);
	*out = search_document(&w, &step, w.row.state, 0, w.row.message);
	search_step_clear(&step);
	search_view_clear(&w);
	return (*out != NULL ? STORE_OK : STORE_ERROR);
}

/* Starts a search that the API checked; r->id is set. */
int
searcher_start(struct searcher *s, struct search_row *r)
{
	if (store_search_create(s->store, r) != 0)
		return (-1);
	log_info("search %lld: %s, matrix %s, %s%s%s", (long long)r->id,
	    r->project_name != NULL ? r->project_name : r->project, r->matrix,
	    r->metric, r->artifact != NULL ? " of " : "", r->artifact !=
	    NULL ? r->artifact : "");
	searcher_advance(s, r->id);
	return (0);
}

/* Goes on with every search a stopped daemon left running. */
void
searcher_resume(struct searcher *s)
{
	int64_t	*ids;
	size_t	 n, i;

	if (store_searches_running(s->store, &ids, &n) != 0)
		return;
	for (i = 0; i < n; i++)
		searcher_advance(s, ids[i]);
	free(ids);
}

/* The queue's events: a build of a search ended, or its run settled. */
void
searcher_on_queue(enum queue_event ev, int64_t id, void *arg)
{
	struct searcher	*s = arg;
	int64_t		 run_id = id, search_id;
	int		 settled;

	if (ev == QUEUE_BUILD_STARTED || (ev != QUEUE_RUN_SETTLED &&
	    store_build_run(s->store, id, &run_id, &settled) != STORE_OK))
		return;
	if (store_run_search(s->store, run_id, &search_id) == STORE_OK)
		searcher_advance(s, search_id);
}
