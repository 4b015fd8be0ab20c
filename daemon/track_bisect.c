/*
 * Bisections on the loop: once git has listed a bisection's commits,
 * each step picks the next commit to measure, queues its build and,
 * when the answer is known, records the culprit.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "track_private.h"

/* What the search asks: the outcome of the variant at commit i. */
struct track_bisect_look {
	struct store		*store;
	const struct bisection	*b;
};

static enum commit_outcome
track_bisect_look(size_t i, int64_t *size, void *arg)
{
	struct track_bisect_look	*l = arg;

	return (store_commit_outcome(l->store, l->b->project_id,
	    l->b->commits[i], l->b->variant_id, l->b->artifact, size));
}

/* The answer of a bisection, as stored and shown. */
static cJSON *
track_bisect_result(struct track *t, const struct bisection *b,
    const struct bisect_step *s)
{
	cJSON		*r, *skipped;
	size_t		 i;

	r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "culprit", store_commit_json(t->store,
	    b->project_id, b->commits[s->index]));
	cJSON_AddItemToObject(r, "base", store_commit_json(t->store,
	    b->project_id, b->commits[s->base]));
	cJSON_AddNumberToObject(r, "base_size", (double)s->base_size);
	cJSON_AddNumberToObject(r, "size", (double)s->size);
	cJSON_AddNumberToObject(r, "bytes", (double)(s->size - s->base_size));
	cJSON_AddNumberToObject(r, "percent", s->base_size > 0 ?
	    (double)(s->size - s->base_size) * 100.0 / (double)s->base_size :
	    0);
	skipped = cJSON_AddArrayToObject(r, "skipped");
	for (i = 0; s->skipped != NULL && i < b->ncommits; i++) {
		if (s->skipped[i])
			cJSON_AddItemToArray(skipped, store_commit_json(
			    t->store, b->project_id, b->commits[i]));
	}
	cJSON_AddNumberToObject(r, "commits", (double)b->ncommits);
	return (r);
}

/*
 * A bisection started before anything was measured, with no variant
 * named: the project's matrix is measured at good first, and the smallest
 * variant there is bisected. Returns 1 once it has a variant, 0 while it
 * waits; a good commit where nothing builds ends it.
 */
static int
track_bisect_seed(struct track *t, int64_t id, const struct bisection *b,
    const struct tracked_project *p)
{
	struct matrix		*m;
	struct variant		 over;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	const char		*good = b->good != NULL ? b->good : "";
	char			*cause;
	int64_t			 run_id;
	int			 runs, rc;

	/* Every variant at good first, so the smallest is the smallest. */
	if (store_commit_pending(t->store, p->id, good) != STORE_NOT_FOUND)
		return (0);
	if ((rc = store_bisection_seed(t->store, id, &runs)) != STORE_NOT_FOUND)
		return (rc == STORE_OK ? 1 : -1);
	if (runs > 0) {
		store_bisection_finish(t->store, id, "failed", NULL, "no "
		    "variant of the project's matrix builds at the good "
		    "commit; give --good a commit that builds");
		return (0);
	}
	if (plan_matrix(t->planner, p->matrix, &m, &cause) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL, cause);
		free(cause);
		return (0);
	}
	memset(&run, 0, sizeof run);
	run.project = p->path;
	run.project_id = p->id;
	run.rev = good;
	run.kind = "bisect";
	run.bisection_id = id;
	variant_init(&over);
	if (p->toolchain != NULL)
		variant_set(&over, "toolchain", p->toolchain);
	if (plan_queue_matrix(t->planner, &run, m, &over, &run_id,
	    &err) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL,
		    err.message);
		plan_error_clear(&err);
	} else
		log_info("bisection %lld: run %lld measures the matrix at "
		    "good %.12s to pick the smallest variant", (long long)id,
		    (long long)run_id, good);
	variant_clear(&over);
	matrix_free(m);
	return (0);
}

/* Tells whether the project's matrix opts in to RUSTC_BOOTSTRAP. */
int
track_bootstrap(struct track *t, const struct tracked_project *p)
{
	struct matrix	*m;
	char		*cause;
	int		 bootstrap;

	if (plan_matrix(t->planner, p->matrix, &m, &cause) != 0) {
		free(cause);
		return (0);
	}
	bootstrap = matrix_bootstrap(m);
	matrix_free(m);
	return (bootstrap);
}

/* Queues a bisection's probe: its variant built at a commit. */
static void
track_bisect_probe(struct track *t, int64_t id,
    const struct tracked_project *p, const char *key, const char *commit)
{
	struct variant		 v;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	char			*cause, *source;
	int64_t			 run_id;

	if (variant_parse_key(key, &v, &cause) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL, cause);
		free(cause);
		return;
	}
	memset(&run, 0, sizeof run);
	run.project = p->path;
	run.project_id = p->id;
	run.matrix = "bisect";
	run.shape = "axes";
	xasprintf(&source, "{\"bisection\":%lld}", (long long)id);
	run.source = source;
	run.rev = commit;
	run.kind = "bisect";
	run.bisection_id = id;
	if (plan_queue(t->planner, &run, &v, NULL, NULL, 1,
	    track_bootstrap(t, p), &run_id, &err) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL,
		    err.message);
		plan_error_clear(&err);
	} else
		log_info("bisection %lld: run %lld builds %.12s",
		    (long long)id, (long long)run_id, commit);
	free(source);
	variant_clear(&v);
}

/* Adds name to list unless it is there. */
static void
track_add_once(struct strlist *list, const char *name)
{
	size_t	 i;

	for (i = 0; i < list->n; i++) {
		if (strcmp(list->v[i], name) == 0)
			return;
	}
	strlist_add(list, name);
}

/* Tells whether an artifact grew past the limit from good to bad. */
static int
track_crossed(const cJSON *good, const cJSON *bad, const char *name,
    const struct size_limit *lim)
{
	const cJSON	*g = cJSON_GetObjectItemCaseSensitive(good, name);
	const cJSON	*b = cJSON_GetObjectItemCaseSensitive(bad, name);

	return (cJSON_IsNumber(g) && cJSON_IsNumber(b) && limit_exceeded(lim,
	    (int64_t)g->valuedouble, (int64_t)b->valuedouble));
}

/*
 * Chooses what a bisection started without an artifact bisects, once its
 * variant is built at good and, when it makes several artifacts, at bad
 * (INTERFACE.md): every artifact that grew past the threshold, the default
 * artifact first; when none did, the default (else the first), whose
 * bisection then says so. Returns 1 to go on (chosen, or good is not
 * built yet: the search builds it first), 0 while it waits for bad.
 */
static int
track_bisect_choose(struct track *t, const struct bisection *b,
    const struct tracked_project *p, const struct size_limit *lim)
{
	const cJSON		*e;
	const char		*bad;
	struct strlist		 names = { NULL, 0 };
	enum commit_outcome	 out;
	cJSON			*good_sizes = NULL, *bad_sizes = NULL;
	char			*good_default = NULL, *bad_default = NULL;
	int			 rc = 1;

	if (b->ncommits == 0)
		goto out;
	bad = b->commits[b->ncommits - 1];
	if (store_commit_artifacts(t->store, p->id, b->commits[0],
	    b->variant_id, &good_sizes, &good_default) != OUTCOME_DONE)
		goto out;
	/* One artifact: that one, and bad is built only if the answer needs it. */
	if (cJSON_GetArraySize(good_sizes) == 1) {
		strlist_add(&names, good_sizes->child->string);
		store_bisection_choose(t->store, b->id, &names);
		goto out;
	}
	out = store_commit_artifacts(t->store, p->id, bad, b->variant_id,
	    &bad_sizes, &bad_default);
	if (out == OUTCOME_NONE || out == OUTCOME_PENDING) {
		if (out == OUTCOME_NONE)
			track_bisect_probe(t, b->id, p, b->variant_key != NULL ?
			    b->variant_key : "", bad);
		rc = 0;
		goto out;
	}
	if (good_default != NULL && track_crossed(good_sizes, bad_sizes,
	    good_default, lim))
		track_add_once(&names, good_default);
	cJSON_ArrayForEach(e, good_sizes) {
		if (track_crossed(good_sizes, bad_sizes, e->string, lim))
			track_add_once(&names, e->string);
	}
	if (names.n == 0 && good_default != NULL)
		strlist_add(&names, good_default);
	else if (names.n == 0 && cJSON_GetArraySize(good_sizes) > 0)
		strlist_add(&names, good_sizes->child->string);
	if (names.n > 0 && store_bisection_choose(t->store, b->id,
	    &names) == 0 && names.n > 1)
		log_info("bisection %lld: %zu artifacts grew past %s; each is "
		    "bisected", (long long)b->id, names.n, b->threshold);
out:
	strlist_free(&names);
	cJSON_Delete(good_sizes);
	cJSON_Delete(bad_sizes);
	free(good_default);
	free(bad_default);
	return (rc);
}

/* Moves a running bisection on: queues its next probe, or ends it. */
void
track_bisect(struct track *t, int64_t id)
{
	struct track_bisect_look l;
	struct bisect_step	 s;
	struct bisection	 b;
	struct tracked_project	 p;
	struct size_limit	 lim;
	cJSON			*result;
	const char		*commit;
	char			*cause;
	size_t			 i;

	memset(&p, 0, sizeof p);
	if (store_bisection_get(t->store, id, &b) != STORE_OK)
		return;
	if (b.state == NULL || strcmp(b.state, "running") != 0 ||
	    store_project_by_id(t->store, b.project_id, &p) != STORE_OK)
		goto out;
	if (limit_parse(b.threshold, &lim, &cause) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL, cause);
		free(cause);
		goto out;
	}
	if (b.variant_id == 0) {
		if (track_bisect_seed(t, id, &b, &p) != 1)
			goto out;
		bisection_clear(&b);
		if (store_bisection_get(t->store, id, &b) != STORE_OK)
			goto out;
	}
	/* Without an artifact: those that crossed, once good and bad are. */
	if (b.artifact == NULL || *b.artifact == '\0') {
		if (track_bisect_choose(t, &b, &p, &lim) != 1)
			goto out;
		bisection_clear(&b);
		if (store_bisection_get(t->store, id, &b) != STORE_OK)
			goto out;
		for (i = 0; i < b.nalso; i++)
			track_bisect(t, b.also[i]);
	}
	l.store = t->store;
	l.b = &b;
	bisect_replay(b.ncommits, &lim, track_bisect_look, &l, &s);
	commit = s.index < b.ncommits ? b.commits[s.index] : NULL;
	switch (s.what) {
	case BISECT_WAIT:
		break;
	case BISECT_BUILD:
		track_bisect_probe(t, id, &p, b.variant_key, commit);
		break;
	case BISECT_FOUND:
		result = track_bisect_result(t, &b, &s);
		store_bisection_finish(t->store, id, "done", result, NULL);
		cJSON_Delete(result);
		log_info("bisection %lld: %.12s is the first commit over the "
		    "threshold", (long long)id, commit);
		if (store_regression_add(t->store, p.id, commit,
		    b.commits[s.base], b.variant_id, b.artifact, s.base_size,
		    s.size, b.threshold, "bisect") == STORE_OK &&
		    p.name != NULL)
			track_alerts(t, &p);
		break;
	case BISECT_NONE:
		result = cJSON_CreateObject();
		cJSON_AddNullToObject(result, "culprit");
		store_bisection_finish(t->store, id, "done", result,
		    s.message);
		cJSON_Delete(result);
		log_info("bisection %lld: no culprit: %s", (long long)id,
		    s.message);
		break;
	case BISECT_ERROR:
		store_bisection_finish(t->store, id, "failed", NULL,
		    s.message);
		log_info("bisection %lld: %s", (long long)id, s.message);
		break;
	}
	bisect_step_clear(&s);
out:
	tracked_project_clear(&p);
	bisection_clear(&b);
}

/* Moves every running bisection on. */
void
track_bisect_all(struct track *t)
{
	int64_t	*ids;
	size_t	 n, i;

	store_bisections_running(t->store, &ids, &n);
	for (i = 0; i < n; i++)
		track_bisect(t, ids[i]);
	free(ids);
}
