/*
 * The queue: picks the next queued build for each free slot, starts it
 * through the builder, and writes every state change to the store before
 * acting on it. Benchmarks (bench.c) have the machine to themselves: while
 * one waits, no build starts; it runs once the running builds are over,
 * one at a time, outside the build slots and their cores' tokens.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sizematd.h"

#define QUEUE_LISTENERS	8

struct queue_slot {
	struct build_job	*job;
	struct queue		*queue;
	int			 token;		/* from the jobserver */
	int64_t			 fence;		/* the build's claim */
	int			 lost;		/* the claim went elsewhere */
};

static void	queue_on_retry(uv_timer_t *);

/* How soon a build held back for a free core looks again, in ms. */
#define QUEUE_TOKEN_RETRY_MS	250

/* Who is told of the queue's events. */
struct queue_listener {
	queue_listen_cb		*cb;
	void			*arg;
};

struct queue {
	uv_loop_t			*loop;
	struct store			*store;
	const struct builder_config	*cfg;
	int				 jobs;
	struct queue_slot		*slots;
	struct bench_job		*bench;		/* the one running */
	int				 stopping;
	int				 draining;	/* starts nothing */
	uv_idle_t			 kicker;
	int				 kick_pending;
	struct jobserver		*js;
	uv_timer_t			 retry;		/* for a free core */
	uv_timer_t			 lease;		/* renews the claims */
	int				 lease_s;
	struct gc			*gc;
	struct queue_listener		 listeners[QUEUE_LISTENERS];
	int				 nlisteners;
};

/*
 * Tells whether a running build uses the target dir, or the collector is
 * removing it.
 */
int
queue_dir_busy(const char *dir, void *arg)
{
	struct queue	*q = arg;
	char		*here;
	int		 i, busy = 0;

	/* A dir planned under another daemon's work dir is ours here. */
	here = builder_target_here(q->cfg->workdir, dir);
	if (gc_evicting(q->gc, here))
		busy = 1;
	for (i = 0; i < q->jobs && !busy; i++) {
		if (q->slots[i].job != NULL &&
		    strcmp(builder_job_target_dir(q->slots[i].job), here) == 0)
			busy = 1;
	}
	free(here);
	return (busy);
}

/*
 * Tells every listener of an event, once the store has recorded it. The
 * queue calls no other module back: track, notify and the rest listen.
 */
static void
queue_emit(struct queue *q, enum queue_event ev, int64_t id)
{
	int	 i;

	for (i = 0; i < q->nlisteners; i++)
		q->listeners[i].cb(ev, id, q->listeners[i].arg);
}

/*
 * Tells the listeners of an event another daemon's queue had (peers.c
 * hears of it from the store).
 */
void
queue_relay(struct queue *q, enum queue_event ev, int64_t id)
{
	queue_emit(q, ev, id);
}

/* Records the command of a build before cargo runs. */
static int
queue_prepared(struct build_job *job, const cJSON *env, const cJSON *args,
    const cJSON *toolchain, const char *log_path, void *arg)
{
	struct queue_slot	*slot = arg;

	return (store_build_prepared(slot->queue->store,
	    builder_build_id(job), slot->fence, env, args, toolchain,
	    log_path));
}

/*
 * Records what a build's unit graph said; the store tells whether the build
 * must still run.
 */
static int
queue_planned(struct build_job *job, const struct build_units *u, void *arg)
{
	struct queue_slot	*slot = arg;
	int			 rc;

	rc = store_build_units(slot->queue->store, builder_build_id(job),
	    slot->fence, u);
	if (rc == STORE_UNITS_LOST) {
		slot->lost = 1;
		builder_kill(job, "cancelled");
		return (0);
	}
	return (rc < 0 ? 0 : rc);
}

/*
 * Deletes the kept artifact copies of a build's variant beyond the newest
 * keep-artifacts, once the store has forgotten them.
 */
static void
queue_prune(struct queue *q, int64_t id)
{
	struct strlist	 paths = { NULL, 0 };
	char		*dir, *slash;
	size_t		 i;

	if (store_prune_kept(q->store, id, q->cfg->keep_artifacts,
	    &paths) != 0) {
		log_warnx("build %lld: cannot prune old artifact copies",
		    (long long)id);
		return;
	}
	for (i = 0; i < paths.n; i++) {
		if (unlink(paths.v[i]) == -1 && errno != ENOENT)
			log_warn("%s", paths.v[i]);
		/* The build's own directory goes with its last copy. */
		dir = xstrdup(paths.v[i]);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			rmdir(dir);
		}
		free(dir);
	}
	if (paths.n > 0)
		log_debug("build %lld: pruned %zu old artifact copies",
		    (long long)id, paths.n);
	strlist_free(&paths);
}

/* Deletes the logs (and CPU time files) beyond the newest keep-logs. */
static void
queue_prune_logs(struct queue *q)
{
	struct strlist	 paths = { NULL, 0 };
	char		*rusage;
	size_t		 i, n;

	if (store_prune_logs(q->store, q->cfg->keep_logs, &paths) != 0)
		return;
	for (i = 0; i < paths.n; i++) {
		if (unlink(paths.v[i]) == -1 && errno != ENOENT)
			log_warn("%s", paths.v[i]);
		n = strlen(paths.v[i]);
		if (n > 4 && strcmp(paths.v[i] + n - 4, ".log") == 0) {
			xasprintf(&rusage, "%.*s.rusage", (int)(n - 4),
			    paths.v[i]);
			unlink(rusage);
			free(rusage);
		}
	}
	if (paths.n > 0)
		log_debug("pruned %zu old build logs", paths.n);
	strlist_free(&paths);
}

/*
 * Keeps the tail of a recorded build's log in the store, for any daemon
 * sharing it to serve.
 */
static void
queue_keep_log(struct queue *q, struct build_job *job, int64_t id)
{
	const char	*path = builder_job_log_path(job);
	void		*data;
	size_t		 len;
	int64_t		 raw, size;

	if (path == NULL || (data = logpack_file(path, &len, &raw,
	    &size)) == NULL)
		return;
	if (store_build_log(q->store, id, data, len, raw, size) != 0)
		log_warnx("build %lld: its log could not be kept in the store",
		    (long long)id);
	free(data);
}

/* Records the end of a build and frees its slot. */
static void
queue_done(struct build_job *job, const struct build_outcome *o, void *arg)
{
	struct queue_slot	*slot = arg;
	struct queue		*q = slot->queue;
	int64_t			 id = builder_build_id(job), run_id;
	int			 settled, rc = 0;

	slot->job = NULL;
	jobserver_give(q->js, slot->token, queue_active(q) == 0);
	slot->token = 0;
	if (slot->lost) {
		/* Another daemon's now: nothing of this run is recorded. */
		slot->lost = 0;
		log_warnx("build %lld: its lease went to another daemon; this "
		    "one's result is not recorded", (long long)id);
		queue_kick(q);
		return;
	}
	if (q->stopping) {
		/* Left running in the store: queued again (daemon_halt). */
		log_info("build %lld: stopped with the daemon; it is queued "
		    "again", (long long)id);
		return;
	}
	if (o->settled == BUILDER_WAIT)
		log_info("build %lld: queued again behind a running build of "
		    "its run with the same unit graph", (long long)id);
	else if (!o->settled && (rc = store_build_finish(q->store, id,
	    slot->fence, o)) == -1)
		log_warnx("build %lld: its end could not be recorded",
		    (long long)id);
	else if (rc == 1)
		log_warnx("build %lld: no longer this daemon's to record (it "
		    "was cancelled, or its lease expired)", (long long)id);
	else {
		queue_keep_log(q, job, id);
		log_info("build %lld: %s%s%s", (long long)id, o->state,
		    o->error != NULL ? ": " : "",
		    o->error != NULL ? o->error : "");
		if (o->nartifacts > 0)
			queue_prune(q, id);
		queue_prune_logs(q);
		queue_emit(q, QUEUE_BUILD_ENDED, id);
		if (store_build_run(q->store, id, &run_id, &settled) ==
		    STORE_OK && settled)
			queue_emit(q, QUEUE_RUN_SETTLED, run_id);
	}
	if (q->gc != NULL)
		gc_start(q->gc, 0);
	queue_kick(q);
}

/* Records the end of a build's benchmark and tells the listeners. */
static void
queue_bench_record(struct queue *q, int64_t id, const struct bench_outcome *o)
{
	int64_t	 run_id;
	int	 settled;

	if (store_bench_finish(q->store, id, o->artifact, o) != 0) {
		log_warnx("build %lld: the end of its benchmark could not be "
		    "recorded", (long long)id);
		return;
	}
	log_info("build %lld: benchmark %s%s%s", (long long)id, o->state,
	    o->error != NULL ? ": " : "", o->error != NULL ? o->error : "");
	queue_emit(q, QUEUE_BENCH_ENDED, id);
	if (store_build_run(q->store, id, &run_id, &settled) == STORE_OK &&
	    settled)
		queue_emit(q, QUEUE_RUN_SETTLED, run_id);
}

/* A benchmark ended: recorded, and the queue goes on. */
static void
queue_bench_done(struct bench_job *job, const struct bench_outcome *o,
    void *arg)
{
	struct queue	*q = arg;
	int64_t		 id = bench_build_id(job);

	q->bench = NULL;
	if (q->stopping) {
		log_info("build %lld: benchmark stopped with the daemon; it "
		    "runs again at the next start", (long long)id);
		return;
	}
	queue_bench_record(q, id, o);
	queue_kick(q);
}

/*
 * Ends a benchmark that cannot start here (a daemon that runs nothing,
 * a spec kept that no longer parses) as unavailable, with why.
 */
static void
queue_bench_refuse(struct queue *q, struct bench_task *task, const char *why)
{
	struct bench_outcome	 o;

	memset(&o, 0, sizeof o);
	o.state = "unavailable";
	o.error = (char *)why;
	o.exit_status = -1;
	o.max_rss_kib = o.instructions = -1;
	o.artifact = task->artifact;
	queue_bench_record(q, task->build_id, &o);
	queue_kick(q);
}

/*
 * Starts the oldest waiting benchmark once no build runs. Returns 1 when
 * one waits or runs (builds wait for it), 0 when none does.
 */
static int
queue_bench(struct queue *q)
{
	struct bench_task	 task;
	char			*cause = NULL, *dir;

	if (q->bench != NULL)
		return (1);
	if (store_bench_next(q->store, &task) != STORE_OK)
		return (0);
	if (task.commit != NULL) {
		/*
		 * Its build ran in its target dir's worktree: here, or, taken
		 * over from a daemon gone, where that one had it.
		 */
		dir = builder_target_here(q->cfg->workdir, task.target_dir);
		xasprintf(&task.project, "%s/worktree", dir);
		free(dir);
		if (access(task.project, R_OK) != 0) {
			free(task.project);
			xasprintf(&task.project, "%s/worktree",
			    task.target_dir);
		}
	}
	if (q->jobs > 0 && queue_active(q) > 0) {
		bench_task_clear(&task);
		return (1);
	}
	if (store_bench_start(q->store, task.build_id) != 0) {
		log_warnx("build %lld: cannot mark its benchmark running; "
		    "trying again", (long long)task.build_id);
		bench_task_clear(&task);
		uv_timer_start(&q->retry, queue_on_retry, QUEUE_TOKEN_RETRY_MS,
		    0);
		return (1);
	}
	if (q->jobs == 0)
		queue_bench_refuse(q, &task, "this daemon runs no builds and "
		    "no benchmarks (--jobs 0); a daemon with build slots "
		    "benchmarks the builds it makes");
	else if ((q->bench = bench_start(q->loop, q->cfg, &task,
	    queue_bench_done, q, &cause)) == NULL) {
		queue_bench_refuse(q, &task, cause);
		free(cause);
	}
	bench_task_clear(&task);
	return (1);
}

/* Fills free slots from the store's queued builds. */
static void
queue_fill(struct queue *q)
{
	struct build_spec	 spec;
	struct build_job_cb	 cb;
	char			*dir;
	int			 i, token;

	if (q->stopping || q->draining || queue_bench(q))
		return;
	for (i = 0; i < q->jobs && !q->stopping && !q->draining; i++) {
		if (q->slots[i].job != NULL)
			continue;
		/* A core first: a build beyond the first waits for one. */
		if ((token = jobserver_take(q->js)) == 0) {
			uv_timer_start(&q->retry, queue_on_retry,
			    QUEUE_TOKEN_RETRY_MS, 0);
			break;
		}
		if (store_build_claim(q->store, queue_dir_busy, q, q->lease_s,
		    &spec) != STORE_OK) {
			jobserver_give(q->js, token, queue_active(q) == 0);
			break;
		}
		q->slots[i].token = token;
		q->slots[i].fence = spec.fence;
		/* Planned by the daemon that took the run: here, ours. */
		dir = builder_target_here(q->cfg->workdir, spec.target_dir);
		free(spec.target_dir);
		spec.target_dir = dir;
		if (spec.commit != NULL) {
			/* At a commit: cargo runs in the target dir's worktree. */
			free(spec.project);
			xasprintf(&spec.project, "%s/worktree", dir);
		}
		log_info("build %lld: run %lld, %s", (long long)spec.id,
		    (long long)spec.run_id, spec.variant_key);
		queue_emit(q, QUEUE_BUILD_STARTED, spec.id);
		cb.prepared = queue_prepared;
		cb.planned = queue_planned;
		cb.done = queue_done;
		cb.arg = &q->slots[i];
		q->slots[i].job = builder_start(q->loop, q->cfg, &spec, &cb);
		build_spec_clear(&spec);
	}
}

/*
 * A test's way to stop a daemon inside a renewal: with
 * SIZEMAT_TEST_RENEW_PAUSE set to a path, the first renewal writes the ids
 * it was about to renew there and waits for a signal to end the daemon.
 */
static void
queue_renew_pause(struct queue *q)
{
	const char	*path = getenv("SIZEMAT_TEST_RENEW_PAUSE");
	FILE		*f;
	int		 i;

	if (path == NULL || *path == '\0' || (f = fopen(path, "w")) == NULL)
		return;
	for (i = 0; i < q->jobs; i++) {
		if (q->slots[i].job != NULL)
			fprintf(f, "%lld\n", (long long)
			    builder_build_id(q->slots[i].job));
	}
	fclose(f);
	for (;;)
		pause();
}

/*
 * Every third of a lease: renews the lease of every build this daemon
 * runs (one another daemon took over is killed, its result not
 * recorded), says this daemon is alive, queues again the builds of
 * daemons whose leases expired, and looks at the queue once.
 */
static void
queue_on_lease(uv_timer_t *t)
{
	struct queue	*q = t->data;
	int64_t		 id;
	int		 i, n;

	if (queue_active(q) > 0)
		queue_renew_pause(q);
	if (store_daemon_seen(q->store) != 0)
		log_warnx("cannot tell the other daemons this one is alive");
	for (i = 0; i < q->jobs; i++) {
		if (q->slots[i].job == NULL || q->slots[i].lost)
			continue;
		id = builder_build_id(q->slots[i].job);
		if (store_lease_renew(q->store, id, q->slots[i].fence,
		    q->lease_s) != 1)
			continue;
		q->slots[i].lost = 1;
		builder_kill(q->slots[i].job, "cancelled");
	}
	if (store_requeue_running(q->store, STORE_REQUEUE_EXPIRED, &n) == 0 &&
	    n > 0)
		log_info("%d builds whose daemon stopped renewing its lease "
		    "are queued again", n);
	/*
	 * Queued builds wake the daemons by themselves; what only time
	 * changes (a daemon no longer seen, whose series may go on here) is
	 * looked at now, with a free slot.
	 */
	if (queue_active(q) < q->jobs)
		queue_kick(q);
}

/* Runs a deferred fill once the loop is idle. */
static void
queue_on_idle(uv_idle_t *h)
{
	struct queue	*q = h->data;

	uv_idle_stop(h);
	q->kick_pending = 0;
	queue_fill(q);
}

/* A build held back for a free core looks again. */
static void
queue_on_retry(uv_timer_t *t)
{
	queue_kick(t->data);
}

/*
 * Creates the queue with n build slots (none: the daemon builds nothing),
 * claiming builds for lease_s seconds at a time, sharing the jobserver
 * js's cores (NULL: each build takes every core).
 */
struct queue *
queue_create(uv_loop_t *loop, struct store *store,
    const struct builder_config *cfg, int jobs, int lease_s,
    struct jobserver *js)
{
	struct queue	*q;
	int		 i;

	q = xcalloc(1, sizeof *q);
	q->loop = loop;
	q->store = store;
	q->cfg = cfg;
	q->jobs = jobs;
	q->js = js;
	q->slots = xcalloc((size_t)jobs + 1, sizeof *q->slots);
	for (i = 0; i < jobs; i++)
		q->slots[i].queue = q;
	uv_idle_init(loop, &q->kicker);
	q->kicker.data = q;
	uv_timer_init(loop, &q->retry);
	q->retry.data = q;
	q->lease_s = lease_s;
	uv_timer_init(loop, &q->lease);
	q->lease.data = q;
	uv_timer_start(&q->lease, queue_on_lease, (uint64_t)lease_s * 1000 / 3,
	    (uint64_t)lease_s * 1000 / 3);
	return (q);
}

/* Gives the queue the collector whose removals it must wait for. */
void
queue_set_gc(struct queue *q, struct gc *gc)
{
	q->gc = gc;
}

/* Adds a listener of the queue's events. */
void
queue_listen(struct queue *q, queue_listen_cb *cb, void *arg)
{
	if (q->nlisteners == QUEUE_LISTENERS)
		fatalx("queue: more than %d listeners", QUEUE_LISTENERS);
	q->listeners[q->nlisteners].cb = cb;
	q->listeners[q->nlisteners++].arg = arg;
}

/*
 * Told that a run's commit is resolved, or could not be: its builds may
 * go, and a run that is over at once (every build reused, or none could
 * run) is announced as settled.
 */
void
queue_run_prepared(struct queue *q, int64_t run_id)
{
	int	 over;

	if (store_run_over(q->store, run_id, &over) == STORE_OK && over)
		queue_emit(q, QUEUE_RUN_SETTLED, run_id);
	queue_kick(q);
}

/* Asks the queue to look for work at the next turn of the loop. */
void
queue_kick(struct queue *q)
{
	if (q->stopping || q->draining || q->kick_pending)
		return;
	q->kick_pending = 1;
	uv_idle_start(&q->kicker, queue_on_idle);
}

/*
 * Cancels a run: the store first, then the processes of its builds. The
 * store's answer, with the cause when it is not STORE_OK.
 */
enum store_result
queue_cancel_run(struct queue *q, int64_t run_id, char **cause)
{
	enum store_result	 rc;
	int64_t			*running, bench_run;
	size_t			 n, j;
	int			 i, settled;

	rc = store_run_cancel(q->store, run_id, &running, &n, cause);
	if (rc != STORE_OK)
		return (rc);
	/* Over now: whoever waits for it (a search) hears so. */
	queue_emit(q, QUEUE_RUN_SETTLED, run_id);
	if (q->bench != NULL && store_build_run(q->store,
	    bench_build_id(q->bench), &bench_run, &settled) == STORE_OK &&
	    bench_run == run_id)
		bench_kill(q->bench, "cancelled");
	for (j = 0; j < n; j++) {
		for (i = 0; i < q->jobs; i++) {
			if (q->slots[i].job != NULL &&
			    builder_build_id(q->slots[i].job) == running[j])
				builder_kill(q->slots[i].job, "cancelled");
		}
	}
	free(running);
	return (STORE_OK);
}

/* Returns how many builds are running, a benchmark counting as one. */
int
queue_active(const struct queue *q)
{
	int	 i, n = q->bench != NULL;

	for (i = 0; i < q->jobs; i++) {
		if (q->slots[i].job != NULL)
			n++;
	}
	return (n);
}

/* Starts no more builds; those running go on to their end. */
void
queue_drain(struct queue *q)
{
	q->draining = 1;
	uv_idle_stop(&q->kicker);
	q->kick_pending = 0;
}

/*
 * Stops taking work and kills running builds; they stay "running" in the
 * store and are queued again at the next start.
 */
void
queue_stop(struct queue *q)
{
	int	 i;

	q->stopping = 1;
	uv_idle_stop(&q->kicker);
	uv_timer_stop(&q->retry);
	uv_close((uv_handle_t *)&q->retry, NULL);
	uv_timer_stop(&q->lease);
	uv_close((uv_handle_t *)&q->lease, NULL);
	for (i = 0; i < q->jobs; i++) {
		if (q->slots[i].job != NULL)
			builder_kill(q->slots[i].job, "cancelled");
	}
	if (q->bench != NULL)
		bench_kill(q->bench, "cancelled");
	uv_close((uv_handle_t *)&q->kicker, NULL);
}

/* Frees the queue; call after the loop has closed every handle. */
void
queue_free(struct queue *q)
{
	free(q->slots);
	free(q);
}
