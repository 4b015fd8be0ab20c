/*
 * Tracked projects over time. Git work (fetching, resolving revisions,
 * listing first-parent history) runs one job at a time on the loop's
 * thread pool: runs at a revision wait for it in the store (prepared = 0),
 * bisections wait in state "preparing", and scheduled ticks wait here.
 * After every build of a tracked project the tracker looks for
 * regressions, moves bisections on and queues webhook alerts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sizematd.h"

#define TRACK_HISTORY_MAX	20000	/* first-parent commits remembered */
#define TRACK_BISECT_MAX	100000	/* commits a bisection may span */
#define TRACK_TICK_MAX_S	60	/* look at schedules at least this often */
#define TRACK_MANIFEST_MAX	(1024 * 1024)	/* Cargo.toml read, at most */

enum track_kind {
	TRACK_SETUP,
	TRACK_RUN,
	TRACK_BISECT,
	TRACK_TICK,
	TRACK_FETCH
};

struct track_job {
	uv_work_t		 work;
	struct track		*t;
	enum track_kind		 kind;
	int64_t			 id;		/* run, bisection or project */
	uint64_t		 seq;		/* fetch: the request it answers */
	struct tracked_project	 project;
	char			*rev;		/* run: rev; bisect: good */
	char			*rev2;		/* bisect: bad */

	char			*error;
	char			*commit;	/* bisect: good; else a head */
	char			*commit2;	/* bisect: bad */
	char			*package;	/* setup, tick: root package */
	struct run_prep		 prep;		/* run: what git found */
};

/* Fetches asked of one project through the API, and how the last ended. */
struct track_fetch {
	int64_t			 project;
	uint64_t		 asked;		/* the newest request */
	uint64_t		 done;		/* the newest one answered */
	int			 running;
	char			*error;		/* the last fetch's, or NULL */
};

struct track {
	uv_loop_t		*loop;
	struct store		*store;
	const struct planner	*planner;
	struct notify		*notify;
	uv_timer_t		 kicker;
	uv_timer_t		 ticker;
	struct track_job	*job;		/* the one on the thread pool */
	int64_t			*due;		/* projects whose tick is due */
	size_t			 ndue;
	int64_t			*ticking;	/* ticks under way */
	size_t			 nticking;
	struct track_fetch	*fetches;	/* fetches asked, by project */
	size_t			 nfetches;
	uint64_t		 fetch_seq;	/* the last fetch asked */
	int			 stopping;
};

static void	track_next(struct track *);

/* Reads the project's threshold, or the default of 1%. */
int
track_threshold(const struct tracked_project *p, struct size_limit *lim,
    const char **text)
{
	char	*cause;

	*text = p->threshold != NULL ? p->threshold : "1%";
	if (limit_parse(*text, lim, &cause) != 0) {
		log_warnx("project %s: threshold %s: %s; using 1%%", p->name,
		    *text, cause);
		free(cause);
		*text = "1%";
		return (limit_parse(*text, lim, &cause));
	}
	return (0);
}

/* Tells whether rev looks like a commit id (fetching is not needed). */
static int
track_is_id(const char *rev)
{
	size_t	 n = strlen(rev);

	return (n >= 7 && strspn(rev, "0123456789abcdef") == n);
}

/*
 * Makes sure the mirror exists and, when asked, is fresh. Returns 1 when
 * it fetched, 0 when it did not need to, -1 with the error set.
 */
static int
track_fetch(struct track_job *j, int always)
{
	struct stat	 sb;
	char		*why;

	if (!always && stat(j->project.mirror, &sb) == 0)
		return (0);
	if (git_mirror_update(j->project.source, j->project.mirror,
	    &why) != 0) {
		if (stat(j->project.mirror, &sb) == 0 && !always) {
			free(why);
			return (0);
		}
		j->error = why;
		return (-1);
	}
	return (1);
}

/* Resolves a revision, fetching first when it may be new. */
static char *
track_resolve(struct track_job *j, const char *rev, int *fetched)
{
	char	*commit, *why = NULL, *fwhy;
	int	 rc;

	if (!*fetched && !track_is_id(rev)) {
		/* A branch or tag moves: the source knows best. */
		if (git_mirror_update(j->project.source, j->project.mirror,
		    &fwhy) == 0)
			*fetched = 1;
		else {
			log_warnx("project %s: %s; resolving %s from what was "
			    "fetched before", j->project.name, fwhy, rev);
			free(fwhy);
		}
	}
	if ((commit = git_resolve(j->project.mirror, rev, &why)) != NULL)
		return (commit);
	if (!*fetched) {
		free(why);
		why = NULL;
		rc = track_fetch(j, 1);
		if (rc < 0)
			return (NULL);
		*fetched = 1;
		if ((commit = git_resolve(j->project.mirror, rev,
		    &why)) != NULL)
			return (commit);
	}
	xasprintf(&j->error, "%s (fetched from %s)", why, j->project.source);
	free(why);
	return (NULL);
}

/* Appends commits to the run's list to remember. */
static void
track_add_commits(struct run_prep *p, struct git_commit *c, size_t n)
{
	p->commits = xreallocarray(p->commits, p->ncommits + n + 1,
	    sizeof *p->commits);
	memcpy(p->commits + p->ncommits, c, n * sizeof *c);
	p->ncommits += n;
	free(c);
}

/*
 * Returns the name in a Cargo.toml's [package] table, or NULL (a virtual
 * workspace). Cargo writes it as name = "x" (or 'x') on a line of its own
 * in that table; other spellings are rare enough to read as no package.
 */
char *
track_manifest_package(const char *toml)
{
	const char	*line, *v;
	size_t		 len;
	int		 in_package = 0;
	char		 quote;

	for (line = toml; *line != '\0'; line += len + (line[len] != '\0')) {
		len = strcspn(line, "\n");
		v = line + strspn(line, " \t");
		if (*v == '[') {
			in_package = strncmp(v, "[package]", 9) == 0;
			continue;
		}
		if (!in_package || strncmp(v, "name", 4) != 0)
			continue;
		v += 4;
		v += strspn(v, " \t");
		if (*v++ != '=')
			continue;
		v += strspn(v, " \t");
		if ((quote = *v) != '"' && quote != '\'')
			return (NULL);
		v++;
		len = strcspn(v, quote == '"' ? "\"\\\n" : "'\n");
		if (v[len] != quote || len == 0)
			return (NULL);
		return (xstrndup(v, len));
	}
	return (NULL);
}

/* Thread pool: reads the root package's name at a commit into the job. */
static void
track_read_package(struct track_job *j, const char *commit)
{
	char	*toml, *why = NULL;

	toml = git_blob_text(j->project.mirror, commit, "Cargo.toml",
	    TRACK_MANIFEST_MAX, &why);
	free(why);
	if (toml != NULL)
		j->package = track_manifest_package(toml);
	free(toml);
}

/*
 * Thread pool: clones a new project's source and finds its branch (the
 * source's default unless given) and that branch's head, which must have
 * a Cargo.toml.
 */
static void
track_work_setup(struct track_job *j)
{
	char	*branch_ref, *why, *manifest;

	if (track_fetch(j, 1) < 0)
		return;
	/* The branch found, when none was given, goes in rev. */
	if (j->project.branch == NULL && (j->rev =
	    git_mirror_branch(j->project.mirror, &j->error)) == NULL)
		return;
	xasprintf(&branch_ref, "refs/heads/%s", j->project.branch != NULL ?
	    j->project.branch : j->rev);
	j->commit = git_resolve(j->project.mirror, branch_ref, &why);
	free(branch_ref);
	if (j->commit == NULL) {
		xasprintf(&j->error, "%s has no branch %s", j->project.source,
		    j->project.branch != NULL ? j->project.branch : j->rev);
		free(why);
		return;
	}
	if ((manifest = git_blob_id(j->project.mirror, j->commit,
	    "Cargo.toml")) == NULL) {
		xasprintf(&j->error, "%s: branch %s has no Cargo.toml at the "
		    "top of the repository", j->project.source,
		    j->project.branch != NULL ? j->project.branch : j->rev);
		return;
	}
	free(manifest);
	track_read_package(j, j->commit);
}

/* Thread pool: resolves a run's revision and reads its history. */
static void
track_work_run(struct track_job *j)
{
	struct git_commit	*c;
	size_t			 n;
	char			*branch_ref, *why;
	int			 fetched;

	if ((fetched = track_fetch(j, 0)) < 0)
		return;
	if ((j->prep.commit = track_resolve(j, j->rev, &fetched)) == NULL)
		return;
	xasprintf(&branch_ref, "refs/heads/%s", j->project.branch);
	j->prep.head = git_resolve(j->project.mirror, branch_ref, &why);
	if (j->prep.head == NULL)
		free(why);
	free(branch_ref);
	if (git_first_parents(j->project.mirror, j->prep.commit, NULL,
	    TRACK_HISTORY_MAX, &c, &n, &j->error) != 0)
		return;
	track_add_commits(&j->prep, c, n);
	if (j->prep.head != NULL && strcmp(j->prep.head, j->prep.commit) == 0)
		j->prep.on_branch = 1;
	else if (j->prep.head != NULL) {
		/* The branch's line down to the commit, when it is on it. */
		if (git_first_parents(j->project.mirror, j->prep.head,
		    j->prep.commit, TRACK_HISTORY_MAX, &c, &n, &why) != 0) {
			free(why);
			return;
		}
		j->prep.on_branch = n > 0 && c[n - 1].parent != NULL &&
		    strcmp(c[n - 1].parent, j->prep.commit) == 0;
		track_add_commits(&j->prep, c, n);
	}
	j->prep.lock_hash = git_blob_id(j->project.mirror, j->prep.commit,
	    "Cargo.lock");
}

/* Thread pool: resolves a bisection's ends and lists the commits between. */
static void
track_work_bisect(struct track_job *j)
{
	struct git_commit	*range, *good, *all;
	size_t			 nrange, ngood, i;
	int			 fetched;

	if ((fetched = track_fetch(j, 0)) < 0)
		return;
	if ((j->commit = track_resolve(j, j->rev, &fetched)) == NULL ||
	    (j->commit2 = track_resolve(j, j->rev2, &fetched)) == NULL)
		return;
	if (!git_is_ancestor(j->project.mirror, j->commit, j->commit2)) {
		xasprintf(&j->error, "good %s is not an ancestor of bad %s",
		    j->rev, j->rev2);
		return;
	}
	if (git_first_parents(j->project.mirror, j->commit, NULL, 1, &good,
	    &ngood, &j->error) != 0)
		return;
	if (git_first_parents(j->project.mirror, j->commit2, j->commit,
	    TRACK_BISECT_MAX, &range, &nrange, &j->error) != 0) {
		git_commits_free(good, ngood);
		return;
	}
	/* Good first, then the line from good to bad, oldest first. */
	all = xcalloc(nrange + ngood + 1, sizeof *all);
	for (i = 0; i < ngood; i++)
		all[i] = good[i];
	for (i = 0; i < nrange; i++)
		all[ngood + i] = range[nrange - 1 - i];
	free(good);
	free(range);
	j->prep.commits = all;
	j->prep.ncommits = ngood + nrange;
}

/* Thread pool: fetches a project and reads its branch head. */
static void
track_work_tick(struct track_job *j)
{
	char	*branch_ref, *why;

	if (track_fetch(j, 1) < 0)
		return;
	xasprintf(&branch_ref, "refs/heads/%s", j->project.branch);
	j->commit = git_resolve(j->project.mirror, branch_ref, &why);
	if (j->commit == NULL) {
		xasprintf(&j->error, "branch %s: %s", j->project.branch, why);
		free(why);
	} else
		track_read_package(j, j->commit);
	free(branch_ref);
}

/* Runs a job's git work on the thread pool. */
static void
track_work(uv_work_t *w)
{
	struct track_job	*j = w->data;

	switch (j->kind) {
	case TRACK_SETUP:
		track_work_setup(j);
		break;
	case TRACK_RUN:
		track_work_run(j);
		break;
	case TRACK_BISECT:
		track_work_bisect(j);
		break;
	case TRACK_TICK:
		track_work_tick(j);
		break;
	case TRACK_FETCH:
		track_fetch(j, 1);
		break;
	}
}

/* Frees a job. */
static void
track_job_free(struct track_job *j)
{
	tracked_project_clear(&j->project);
	free(j->rev);
	free(j->rev2);
	free(j->error);
	free(j->commit);
	free(j->commit2);
	free(j->package);
	free(j->prep.commit);
	free(j->prep.head);
	free(j->prep.lock_hash);
	git_commits_free(j->prep.commits, j->prep.ncommits);
	free(j);
}

/* The current version of a toolchain, for reusing results. */
static const char *
track_version(const char *name, void *arg)
{
	const struct track	*t = arg;
	const struct toolchain	*tc;

	tc = toolchains_find(t->planner->toolchains, name);
	return (tc != NULL && tc->problem == NULL ? tc->id.version : NULL);
}

/* Removes id from a list. */
static void
track_list_remove(int64_t *v, size_t *n, int64_t id)
{
	size_t	 i;

	for (i = 0; i < *n; i++) {
		if (v[i] == id) {
			v[i] = v[--*n];
			return;
		}
	}
}

/* Tells whether id is in a list. */
static int
track_list_has(const int64_t *v, size_t n, int64_t id)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i] == id)
			return (1);
	}
	return (0);
}

/*
 * A tick's head is known: runs the project's matrix there unless that
 * commit has a run already, then sets the next tick.
 */
static void
track_tick_done(struct track *t, struct track_job *j)
{
	const struct planner	*pl = t->planner;
	struct schedule		 sc;
	struct matrix		*m = NULL;
	struct variant		 over;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	char			*cause = NULL;
	int64_t			 id;

	variant_init(&over);
	if (j->error == NULL)
		store_project_package(t->store, j->project.id, j->package);
	if (j->error != NULL)
		log_warnx("project %s: scheduled run skipped: %s",
		    j->project.name, j->error);
	else if (store_commit_has_run(t->store, j->project.id, j->commit))
		log_info("project %s: branch %s is still at %.12s, which has "
		    "a run; nothing to build", j->project.name,
		    j->project.branch, j->commit);
	else if (plan_matrix(pl, j->project.matrix, &m, &cause) != 0)
		log_warnx("project %s: scheduled run skipped: %s",
		    j->project.name, cause);
	else {
		memset(&run, 0, sizeof run);
		run.project = j->project.path;
		run.project_id = j->project.id;
		run.rev = j->commit;
		run.kind = "schedule";
		if (j->project.toolchain != NULL)
			variant_set(&over, "toolchain", j->project.toolchain);
		if (plan_queue_matrix(pl, &run, m, &over, &id, &err) != 0) {
			log_warnx("project %s: scheduled run refused: %s",
			    j->project.name, err.message);
			plan_error_clear(&err);
		} else
			log_info("run %lld: %s at %.12s, scheduled",
			    (long long)id, j->project.name, j->commit);
	}
	free(cause);
	matrix_free(m);
	variant_clear(&over);
	if (j->project.schedule != NULL &&
	    schedule_parse(j->project.schedule, &sc, &cause) == 0)
		store_project_set_tick(t->store, j->project.id,
		    (int64_t)schedule_next(&sc, time(NULL)));
	else if (j->project.schedule != NULL)
		free(cause);
	track_list_remove(t->ticking, &t->nticking, j->project.id);
	track_schedules(t);
}

/* Commits a bisection works through, as an array of ids. */
struct track_bisect_look {
	struct store	*store;
	int64_t		 project_id;
	const cJSON	*commits;
	int64_t		 variant_id;
	const char	*artifact;
};

static enum commit_outcome
track_bisect_look(size_t i, int64_t *size, void *arg)
{
	struct track_bisect_look	*l = arg;

	return (store_commit_outcome(l->store, l->project_id,
	    cJSON_GetStringValue(cJSON_GetArrayItem(l->commits, (int)i)),
	    l->variant_id, l->artifact, size));
}

static void	track_alerts(struct track *, const struct tracked_project *);

/* The answer of a bisection, as stored and shown. */
static cJSON *
track_bisect_result(struct track *t, const cJSON *doc, int64_t project_id,
    const struct bisect_step *s)
{
	const cJSON	*commits = cJSON_GetObjectItemCaseSensitive(doc,
			    "commits");
	cJSON		*r, *skipped;
	size_t		 i;

	r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "culprit", store_commit_json(t->store,
	    project_id, cJSON_GetStringValue(cJSON_GetArrayItem(commits,
	    (int)s->index))));
	cJSON_AddItemToObject(r, "base", store_commit_json(t->store,
	    project_id, cJSON_GetStringValue(cJSON_GetArrayItem(commits,
	    (int)s->base))));
	cJSON_AddNumberToObject(r, "base_size", (double)s->base_size);
	cJSON_AddNumberToObject(r, "size", (double)s->size);
	cJSON_AddNumberToObject(r, "bytes", (double)(s->size - s->base_size));
	cJSON_AddNumberToObject(r, "percent", s->base_size > 0 ?
	    (double)(s->size - s->base_size) * 100.0 / (double)s->base_size :
	    0);
	skipped = cJSON_AddArrayToObject(r, "skipped");
	for (i = 0; s->skipped != NULL && i < (size_t)cJSON_GetArraySize(
	    commits); i++) {
		if (s->skipped[i])
			cJSON_AddItemToArray(skipped, store_commit_json(
			    t->store, project_id, cJSON_GetStringValue(
			    cJSON_GetArrayItem(commits, (int)i))));
	}
	cJSON_AddNumberToObject(r, "commits", cJSON_GetArraySize(commits));
	return (r);
}

/*
 * A bisection started before anything was measured, with no variant
 * named: the project's matrix is measured at good first, and the smallest
 * variant there is bisected. Returns 1 once it has a variant, 0 while it
 * waits; a good commit where nothing builds ends it.
 */
static int
track_bisect_seed(struct track *t, int64_t id, const cJSON *doc,
    const struct tracked_project *p)
{
	struct matrix		*m;
	struct variant		 over;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	const char		*good = json_str(doc, "good", "");
	char			*cause;
	int64_t			 run_id;
	int			 runs, rc;

	/* Every variant at good first, so the smallest is the smallest. */
	if (store_commit_pending(t->store, p->id, good))
		return (0);
	if ((rc = store_bisection_seed(t->store, id, &runs)) != 0)
		return (rc);
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
static int
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
track_bisect_choose(struct track *t, int64_t id, const cJSON *doc,
    const struct tracked_project *p, const struct size_limit *lim)
{
	const cJSON		*commits, *e;
	const char		*bad;
	struct strlist		 names = { NULL, 0 };
	enum commit_outcome	 out;
	cJSON			*good_sizes, *bad_sizes = NULL;
	char			*good_default, *bad_default = NULL;
	int64_t			 variant_id = json_int(doc, "variant_id", 0);
	int			 rc = 1;

	commits = cJSON_GetObjectItemCaseSensitive(doc, "commits");
	bad = cJSON_GetStringValue(cJSON_GetArrayItem(commits,
	    cJSON_GetArraySize(commits) - 1));
	if (store_commit_artifacts(t->store, p->id, cJSON_GetStringValue(
	    cJSON_GetArrayItem(commits, 0)), variant_id, &good_sizes,
	    &good_default) != OUTCOME_DONE || bad == NULL)
		goto out;
	/* One artifact: that one, and bad is built only if the answer needs it. */
	if (cJSON_GetArraySize(good_sizes) == 1) {
		strlist_add(&names, good_sizes->child->string);
		store_bisection_choose(t->store, id, &names);
		goto out;
	}
	out = store_commit_artifacts(t->store, p->id, bad, variant_id,
	    &bad_sizes, &bad_default);
	if (out == OUTCOME_NONE || out == OUTCOME_PENDING) {
		if (out == OUTCOME_NONE)
			track_bisect_probe(t, id, p, json_str(doc,
			    "variant_key", ""), bad);
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
	if (names.n > 0 && store_bisection_choose(t->store, id, &names) == 0 &&
	    names.n > 1)
		log_info("bisection %lld: %zu artifacts grew past %s; each is "
		    "bisected", (long long)id, names.n, json_str(doc,
		    "threshold", ""));
out:
	strlist_free(&names);
	cJSON_Delete(good_sizes);
	cJSON_Delete(bad_sizes);
	free(good_default);
	free(bad_default);
	return (rc);
}

/* Moves a running bisection on: queues its next probe, or ends it. */
static void
track_bisect(struct track *t, int64_t id)
{
	struct track_bisect_look l;
	struct bisect_step	 s;
	struct tracked_project	 p;
	struct size_limit	 lim;
	const cJSON		*also;
	cJSON			*doc, *result;
	const char		*key, *commit, *state;
	char			*cause;

	if ((doc = store_bisection_document(t->store, id)) == NULL)
		return;
	state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	    "state"));
	memset(&p, 0, sizeof p);
	if (state == NULL || strcmp(state, "running") != 0 ||
	    store_project_by_id(t->store, (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(doc, "project_id")), &p) != 1) {
		cJSON_Delete(doc);
		return;
	}
	if (limit_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    doc, "threshold")), &lim, &cause) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL, cause);
		free(cause);
		goto out;
	}
	if (json_int(doc, "variant_id", 0) == 0) {
		if (track_bisect_seed(t, id, doc, &p) != 1)
			goto out;
		cJSON_Delete(doc);
		if ((doc = store_bisection_document(t->store, id)) == NULL)
			goto out;
	}
	/* Without an artifact: those that crossed, once good and bad are. */
	if (strcmp(json_str(doc, "artifact", ""), "") == 0) {
		if (track_bisect_choose(t, id, doc, &p, &lim) != 1)
			goto out;
		cJSON_Delete(doc);
		if ((doc = store_bisection_document(t->store, id)) == NULL)
			goto out;
		cJSON_ArrayForEach(also, cJSON_GetObjectItemCaseSensitive(doc,
		    "also"))
			track_bisect(t, (int64_t)also->valuedouble);
	}
	l.store = t->store;
	l.project_id = p.id;
	l.commits = cJSON_GetObjectItemCaseSensitive(doc, "commits");
	l.variant_id = (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(doc, "variant_id"));
	l.artifact = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	    "artifact"));
	key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	    "variant_key"));
	bisect_replay((size_t)cJSON_GetArraySize(l.commits), &lim,
	    track_bisect_look, &l, &s);
	commit = cJSON_GetStringValue(cJSON_GetArrayItem(l.commits,
	    (int)s.index));
	switch (s.what) {
	case BISECT_WAIT:
		break;
	case BISECT_BUILD:
		track_bisect_probe(t, id, &p, key, commit);
		break;
	case BISECT_FOUND:
		result = track_bisect_result(t, doc, p.id, &s);
		store_bisection_finish(t->store, id, "done", result, NULL);
		cJSON_Delete(result);
		log_info("bisection %lld: %.12s is the first commit over the "
		    "threshold", (long long)id, commit);
		if (store_regression_add(t->store, p.id, commit,
		    cJSON_GetStringValue(cJSON_GetArrayItem(l.commits,
		    (int)s.base)), l.variant_id, l.artifact, s.base_size,
		    s.size, cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(doc, "threshold")),
		    "bisect") > 0 && p.name != NULL)
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
	cJSON_Delete(doc);
}

/* Moves every running bisection on. */
static void
track_bisect_all(struct track *t)
{
	int64_t	*ids;
	size_t	 n, i;

	store_bisections_running(t->store, &ids, &n);
	for (i = 0; i < n; i++)
		track_bisect(t, ids[i]);
	free(ids);
}

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
	cJSON_ArrayForEach(r, regs) {
		buf_printf(&b, " %s %s %lld -> %lld bytes (%+lld, %+.2f%%)",
		    json_str(r, "variant_key", "?"),
		    json_str(r, "artifact", "?"),
		    (long long)json_int(r, "base_size", 0),
		    (long long)json_int(r, "size", 0),
		    (long long)json_int(r, "bytes", 0),
		    json_num(r, "percent", 0));
		if (r->next != NULL)
			buf_addstr(&b, ";");
	}
	buf_printf(&b, " against %.12s", json_str(first, "base_commit", ""));
	return (b.data);
}

/*
 * Queues one webhook delivery per commit with new regressions and per
 * URL, once no build at that commit is still to come, then marks them
 * alerted (with or without webhooks, so adding one later does not send
 * old news).
 */
static void
track_alerts(struct track *t, const struct tracked_project *p)
{
	const cJSON	*c, *r, *url;
	cJSON		*pending, *body, *variants, *v;
	const char	*commit;
	char		*text, *json;

	pending = store_unalerted(t->store, p->id);
	cJSON_ArrayForEach(c, pending) {
		commit = json_str(c, "commit", "");
		if (store_commit_pending(t->store, p->id, commit))
			continue;	/* one alert, with every variant */
		r = cJSON_GetObjectItemCaseSensitive(c, "regressions");
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
			cJSON_AddItemToArray(variants, o);
		}
		text = track_alert_text(p, commit, r);
		cJSON_AddStringToObject(body, "text", text);
		free(text);
		json = cJSON_PrintUnformatted(body);
		cJSON_ArrayForEach(url, p->webhooks) {
			if (cJSON_IsString(url))
				store_delivery_add(t->store, p->id, commit,
				    url->valuestring, json);
		}
		cJSON_free(json);
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
	const cJSON	*r, *url;
	cJSON		*revised, *body;
	char		*key, *json;

	revised = store_revised(t->store, p->id);
	cJSON_ArrayForEach(r, revised) {
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
		json = cJSON_PrintUnformatted(body);
		/* One delivery per revision and URL, whatever its commit. */
		xasprintf(&key, "revised:%lld", (long long)json_int(r, "id", 0));
		cJSON_ArrayForEach(url, p->webhooks) {
			if (cJSON_IsString(url))
				store_delivery_add(t->store, p->id, key,
				    url->valuestring, json);
		}
		store_mark_revised(t->store, json_int(r, "id", 0));
		log_info("project %s: regression %lld revised: %s", p->name,
		    (long long)json_int(r, "id", 0), json_str(r, "state", ""));
		free(key);
		cJSON_free(json);
		cJSON_Delete(body);
	}
	if (cJSON_GetArraySize(revised) > 0)
		notify_kick(t->notify);
	cJSON_Delete(revised);
}

/* Looks for a project's regressions and queues their alerts. */
static void
track_detect(struct track *t, int64_t project_id)
{
	struct tracked_project	 p;
	struct size_limit	 lim;
	const char		*text;

	if (store_project_by_id(t->store, project_id, &p) != 1)
		return;
	if (p.name != NULL && track_threshold(&p, &lim, &text) == 0 &&
	    store_detect_regressions(t->store, p.id, &lim, text) >= 0) {
		track_alerts(t, &p);
		track_revisions(t, &p);
	}
	tracked_project_clear(&p);
}

/* Something was measured for a project: regressions, alerts, bisections. */
static void
track_project_changed(struct track *t, int64_t project_id)
{
	track_detect(t, project_id);
	track_bisect_all(t);
}

/* Called by the queue when a build ends. */
void
track_build_done(struct track *t, int64_t build_id)
{
	int64_t	 project_id;

	if (store_build_project(t->store, build_id, &project_id) == 1)
		track_project_changed(t, project_id);
}

/* Finds the fetch record of a project, adding one when asked to. */
static struct track_fetch *
track_fetch_find(struct track *t, int64_t project_id, int add)
{
	size_t	 i;

	for (i = 0; i < t->nfetches; i++) {
		if (t->fetches[i].project == project_id)
			return (&t->fetches[i]);
	}
	if (!add)
		return (NULL);
	t->fetches = xreallocarray(t->fetches, t->nfetches + 1,
	    sizeof *t->fetches);
	memset(&t->fetches[t->nfetches], 0, sizeof *t->fetches);
	t->fetches[t->nfetches].project = project_id;
	return (&t->fetches[t->nfetches++]);
}

/*
 * Asks for a project's source to be fetched now (compare resolves branch
 * names, and a branch moves). Returns the request's number: the fetch is
 * done when track_fetch_state says so.
 */
uint64_t
track_fetch_ask(struct track *t, int64_t project_id)
{
	struct track_fetch	*f = track_fetch_find(t, project_id, 1);

	f->asked = ++t->fetch_seq;
	track_kick(t);
	return (f->asked);
}

/*
 * Says how a project's fetches stand: the newest request answered (0 for
 * none since the daemon started) and that fetch's error, or NULL.
 */
uint64_t
track_fetch_state(struct track *t, int64_t project_id, const char **error)
{
	struct track_fetch	*f = track_fetch_find(t, project_id, 0);

	*error = f != NULL ? f->error : NULL;
	return (f != NULL ? f->done : 0);
}

/* Picks a project with a fetch asked and not yet under way. */
static int
track_fetch_next(struct track *t, int64_t *project_id, uint64_t *seq)
{
	size_t	 i;

	for (i = 0; i < t->nfetches; i++) {
		if (!t->fetches[i].running &&
		    t->fetches[i].asked > t->fetches[i].done) {
			t->fetches[i].running = 1;
			*project_id = t->fetches[i].project;
			*seq = t->fetches[i].asked;
			return (1);
		}
	}
	return (0);
}

/* A fetch asked through the API ended. */
static void
track_fetch_done(struct track *t, struct track_job *j)
{
	struct track_fetch	*f = track_fetch_find(t, j->id, 1);

	f->running = 0;
	if (j->seq > f->done)
		f->done = j->seq;
	free(f->error);
	f->error = j->error != NULL ? xstrdup(j->error) : NULL;
	if (j->error != NULL)
		log_warnx("project %lld: %s", (long long)j->id, j->error);
	else
		log_info("project %s: fetched %s", j->project.name,
		    j->project.source);
}

/* Back on the loop: records what a job found, then takes the next. */
static void
track_done(uv_work_t *w, int status)
{
	struct track_job	*j = w->data;
	struct track		*t = j->t;

	(void)status;
	t->job = NULL;
	switch (j->kind) {
	case TRACK_SETUP:
		if (j->error != NULL)
			log_warnx("project %s: %s", j->project.name, j->error);
		else
			log_info("project %s: branch %s is at %.12s",
			    j->project.name, j->project.branch != NULL ?
			    j->project.branch : j->rev, j->commit);
		if (j->error == NULL)
			store_project_package(t->store, j->project.id,
			    j->package);
		store_project_ready(t->store, j->project.id, j->rev,
		    j->commit, j->error);
		track_schedules(t);
		break;
	case TRACK_RUN:
		if (j->error != NULL) {
			log_warnx("run %lld: %s", (long long)j->id, j->error);
			store_run_prep_failed(t->store, j->id, j->error);
		} else if (store_run_prepared(t->store, j->id, &j->prep,
		    track_version, t) != 0)
			store_run_prep_failed(t->store, j->id, "the database "
			    "refused the run's commit");
		else
			log_info("run %lld: %s is %.12s%s", (long long)j->id,
			    j->rev, j->prep.commit, j->prep.on_branch ?
			    ", on the branch" : "");
		queue_kick(t->planner->queue);
		track_project_changed(t, j->project.id);
		break;
	case TRACK_BISECT:
		if (j->error != NULL)
			store_bisection_finish(t->store, j->id, "failed", NULL,
			    j->error);
		else if (store_bisection_prepared(t->store, j->id,
		    j->prep.commits, j->prep.ncommits, j->commit,
		    j->commit2) != 0)
			store_bisection_finish(t->store, j->id, "failed", NULL,
			    "the database refused the bisection's commits");
		else {
			log_info("bisection %lld: %zu commits from %.12s to "
			    "%.12s", (long long)j->id, j->prep.ncommits,
			    j->commit, j->commit2);
			track_bisect(t, j->id);
		}
		break;
	case TRACK_TICK:
		track_tick_done(t, j);
		break;
	case TRACK_FETCH:
		track_fetch_done(t, j);
		break;
	}
	track_job_free(j);
	if (!t->stopping)
		track_next(t);
}

/* Starts the next git job, if any and none is under way. */
static void
track_next(struct track *t)
{
	struct track_job	*j;
	int64_t			 id, project_id;
	char			*rev = NULL, *rev2 = NULL;

	if (t->job != NULL || t->stopping)
		return;
	j = xcalloc(1, sizeof *j);
	j->t = t;
	j->work.data = j;
	if (store_setup_next(t->store, &project_id) == 1)
		j->kind = TRACK_SETUP;
	else if (t->ndue > 0) {
		j->kind = TRACK_TICK;
		project_id = t->due[--t->ndue];
	} else if (track_fetch_next(t, &project_id, &j->seq)) {
		j->kind = TRACK_FETCH;
		j->id = project_id;
	} else if (store_prep_next(t->store, &id, &project_id, &rev) == 1) {
		j->kind = TRACK_RUN;
		j->id = id;
		j->rev = rev;
	} else if (store_bisection_next(t->store, &id, &project_id, &rev,
	    &rev2) == 1) {
		j->kind = TRACK_BISECT;
		j->id = id;
		j->rev = rev;
		j->rev2 = rev2;
	} else {
		free(j);
		return;
	}
	if (store_project_by_id(t->store, project_id, &j->project) != 1 ||
	    j->project.mirror == NULL || (j->kind != TRACK_SETUP &&
	    j->project.head == NULL)) {
		xasprintf(&j->error, "project %lld is not a tracked project "
		    "ready to build%s%s", (long long)project_id,
		    j->project.problem != NULL ? ": " : "",
		    j->project.problem != NULL ? j->project.problem : "");
		track_done(&j->work, 0);
		return;
	}
	t->job = j;
	if (uv_queue_work(t->loop, &j->work, track_work, track_done) != 0)
		fatalx("track: cannot queue work");
}

/* A directory being removed on the thread pool. */
struct track_forget {
	uv_work_t	 work;
	char		*path;
};

static void
track_forget_work(uv_work_t *w)
{
	struct track_forget	*f = w->data;

	gc_remove_tree(f->path);
}

static void
track_forget_done(uv_work_t *w, int status)
{
	struct track_forget	*f = w->data;

	(void)status;
	log_info("removed %s", f->path);
	free(f->path);
	free(f);
}

/* Removes a removed project's clone, off the loop. */
void
track_forget(struct track *t, const char *mirror)
{
	struct track_forget	*f;

	if (mirror == NULL)
		return;
	f = xcalloc(1, sizeof *f);
	f->work.data = f;
	f->path = xstrdup(mirror);
	if (uv_queue_work(t->loop, &f->work, track_forget_work,
	    track_forget_done) != 0) {
		free(f->path);
		free(f);
	}
}

/* Runs track_next from the loop. */
static void
track_on_kick(uv_timer_t *h)
{
	track_next(h->data);
}

/* Asks the tracker to look for git work at the next turn of the loop. */
void
track_kick(void *arg)
{
	struct track	*t = arg;

	if (!t->stopping)
		uv_timer_start(&t->kicker, track_on_kick, 0, 0);
}

/* The schedule timer: looks at the schedules again. */
static void
track_on_tick(uv_timer_t *h)
{
	track_schedules(h->data);
}

/*
 * Looks at every schedule: a tick that is due (or was missed while the
 * daemon was down) is queued once; the timer is set for the next one.
 */
void
track_schedules(struct track *t)
{
	struct tracked_project	 p;
	struct schedule		 sc;
	int64_t			*ids, now = (int64_t)time(NULL), next;
	int64_t			 wait = TRACK_TICK_MAX_S;
	size_t			 n, i;
	char			*cause;

	if (t->stopping)
		return;
	store_project_ids(t->store, 1, &ids, &n);
	for (i = 0; i < n; i++) {
		if (store_project_by_id(t->store, ids[i], &p) != 1)
			continue;
		if (schedule_parse(p.schedule, &sc, &cause) != 0) {
			log_warnx("project %s: schedule: %s", p.name, cause);
			free(cause);
			tracked_project_clear(&p);
			continue;
		}
		next = p.next_tick;
		if (next <= 0) {
			next = (int64_t)schedule_next(&sc, (time_t)now);
			store_project_set_tick(t->store, p.id, next);
		}
		if (next <= now && !track_list_has(t->ticking, t->nticking,
		    p.id)) {
			t->ticking = xreallocarray(t->ticking, t->nticking + 1,
			    sizeof *t->ticking);
			t->ticking[t->nticking++] = p.id;
			t->due = xreallocarray(t->due, t->ndue + 1,
			    sizeof *t->due);
			t->due[t->ndue++] = p.id;
			log_info("project %s: scheduled tick", p.name);
		} else if (next > now && next - now < wait)
			wait = next - now;
		tracked_project_clear(&p);
	}
	free(ids);
	uv_timer_start(&t->ticker, track_on_tick, (uint64_t)wait * 1000, 0);
	track_next(t);
}

/*
 * Creates the tracker; it looks for waiting git work and moves running
 * bisections on at once.
 */
struct track *
track_create(uv_loop_t *loop, struct store *store,
    const struct planner *planner, struct notify *notify)
{
	struct track	*t;
	int64_t		*ids;
	size_t		 n, i;

	t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->store = store;
	t->planner = planner;
	t->notify = notify;
	uv_timer_init(loop, &t->kicker);
	uv_timer_init(loop, &t->ticker);
	t->kicker.data = t->ticker.data = t;
	/* What a stop interrupted: detection, alerts, bisections. */
	store_project_ids(store, 0, &ids, &n);
	for (i = 0; i < n; i++)
		track_detect(t, ids[i]);
	free(ids);
	track_bisect_all(t);
	track_schedules(t);
	return (t);
}

/* Stops taking work; a job on the thread pool finishes on its own. */
void
track_stop(struct track *t)
{
	t->stopping = 1;
	uv_timer_stop(&t->kicker);
	uv_timer_stop(&t->ticker);
	uv_close((uv_handle_t *)&t->kicker, NULL);
	uv_close((uv_handle_t *)&t->ticker, NULL);
}

/* Frees the tracker; call after the loop has ended. */
void
track_free(struct track *t)
{
	size_t	 i;

	for (i = 0; i < t->nfetches; i++)
		free(t->fetches[i].error);
	free(t->fetches);
	free(t->due);
	free(t->ticking);
	free(t);
}
