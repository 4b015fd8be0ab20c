/*
 * Tracked projects over time. Git work (fetching, resolving revisions,
 * listing first-parent history: track_git.c) runs one job at a time on
 * the loop's thread pool: runs at a revision wait for it in the store
 * (prepared = 0), bisections wait in state "preparing", scheduled ticks
 * and fetches asked through the API wait here. This file keeps that
 * queue, the schedules and the fetch requests; after every build of a
 * tracked project track_alert.c looks for regressions and queues alerts,
 * and track_bisect.c moves bisections on.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "track_private.h"

#define TRACK_TICK_MAX_S	60	/* look at schedules at least this often */

static void	track_next(struct track *);

/* The growth that counts as a regression when a project names none. */
#define TRACK_DEFAULT_THRESHOLD	"1%"

/* Reads the project's threshold, or the default. */
int
track_threshold(const struct tracked_project *p, struct size_limit *lim,
    const char **text)
{
	char	*cause;

	*text = p->threshold != NULL ? p->threshold : TRACK_DEFAULT_THRESHOLD;
	if (limit_parse(*text, lim, &cause) != 0) {
		log_warnx("project %s: threshold %s: %s; using %s", p->name,
		    *text, cause, TRACK_DEFAULT_THRESHOLD);
		free(cause);
		*text = TRACK_DEFAULT_THRESHOLD;
		return (limit_parse(*text, lim, &cause));
	}
	return (0);
}

/* Frees a job. */
void
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
	else if (store_commit_has_run(t->store, j->project.id, j->commit) !=
	    STORE_NOT_FOUND)
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
	struct reuse_rule	 reuse = { plan_reuse_from, t->planner };

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
		    &reuse) != 0)
			store_run_prep_failed(t->store, j->id, "the database "
			    "refused the run's commit");
		else
			log_info("run %lld: %s is %.12s%s", (long long)j->id,
			    j->rev, j->prep.commit, j->prep.on_branch ?
			    ", on the branch" : "");
		queue_run_prepared(t->planner->queue, j->id);
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

	if (t->job != NULL || t->stopping || t->following)
		return;
	j = xcalloc(1, sizeof *j);
	j->t = t;
	j->work.data = j;
	if (store_setup_next(t->store, &project_id) == STORE_OK)
		j->kind = TRACK_SETUP;
	else if (t->ndue > 0) {
		j->kind = TRACK_TICK;
		project_id = t->due[--t->ndue];
	} else if (track_fetch_next(t, &project_id, &j->seq)) {
		j->kind = TRACK_FETCH;
		j->id = project_id;
	} else if (store_prep_next(t->store, &id, &project_id, &rev) ==
	    STORE_OK) {
		j->kind = TRACK_RUN;
		j->id = id;
		j->rev = rev;
	} else if (store_bisection_next(t->store, &id, &project_id, &rev,
	    &rev2) == STORE_OK) {
		j->kind = TRACK_BISECT;
		j->id = id;
		j->rev = rev;
		j->rev2 = rev2;
	} else {
		free(j);
		return;
	}
	if (store_project_by_id(t->store, project_id,
	    &j->project) != STORE_OK ||
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

/*
 * Asks the tracker to look for git work at the next turn of the loop; one
 * that follows another daemon's lead asks the leader.
 */
void
track_kick(void *arg)
{
	struct track	*t = arg;

	if (t->following)
		t->ask(t->ask_arg);
	else if (!t->stopping)
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
	if (t->following) {
		t->ask(t->ask_arg);
		return;
	}
	store_project_ids(t->store, 1, &ids, &n);
	for (i = 0; i < n; i++) {
		if (store_project_by_id(t->store, ids[i], &p) != STORE_OK)
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
		if (next <= now && !idlist_has(t->ticking, t->nticking,
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
 * Creates the tracker, following until told to lead (track_lead); while
 * it follows, ask(ask_arg) is how it asks the leader to look for git work.
 */
struct track *
track_create(uv_loop_t *loop, struct store *store,
    const struct planner *planner, struct notify *notify,
    void (*ask)(void *), void *ask_arg)
{
	struct track	*t;

	t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->store = store;
	t->planner = planner;
	t->notify = notify;
	t->following = 1;
	t->ask = ask;
	t->ask_arg = ask_arg;
	uv_timer_init(loop, &t->kicker);
	uv_timer_init(loop, &t->ticker);
	t->kicker.data = t->ticker.data = t;
	return (t);
}

/*
 * Leads, or follows another daemon's lead. A tracker that starts leading
 * takes up what a stop or the last leader's end interrupted (detection,
 * alerts, bisections), the schedules, and waiting git work.
 */
void
track_lead(struct track *t, int leading)
{
	int64_t		*ids;
	size_t		 n, i;

	t->following = !leading;
	if (!leading) {
		uv_timer_stop(&t->ticker);
		return;
	}
	store_project_ids(t->store, 0, &ids, &n);
	for (i = 0; i < n; i++)
		track_detect(t, ids[i]);
	free(ids);
	track_bisect_all(t);
	track_schedules(t);
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
