/*
 * A tracked project's build starts at its commit: checked out, on the
 * thread pool, into the worktree beside its target dir, from a clone of
 * this daemon's own (builder_mirror_here).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sizematd.h"
#include "builder_private.h"

/*
 * Checkouts one at a time: git worktree add names each worktree's record
 * in the clone after the worktree's last part ("worktree"), and two at
 * once may both take the same name, one of them then failing; and two
 * clones or fetches into one mirror at once would trip on each other.
 */
static uv_once_t	 builder_checkout_once = UV_ONCE_INIT;
static uv_mutex_t	 builder_checkout_mutex;

static void
builder_checkout_init(void)
{
	if (uv_mutex_init(&builder_checkout_mutex) != 0)
		fatalx("builder: cannot make the checkout mutex");
}

/*
 * The mirror this daemon checks the build's commit out of: the planning
 * daemon's when it is under this daemon's work dir, else one of its own
 * with the same name. Either gets the commit when it lacks it (cloned when
 * missing: another machine may use the same work dir path) from the
 * planning daemon's mirror if it is another this machine can read, else
 * from the project's source. So daemons never share one clone's
 * worktrees, and a worker on another machine needs none of the other's
 * files. NULL with *cause.
 */
static char *
builder_mirror_here(const struct build_job *job, char **cause)
{
	const char	*planned = job->spec.mirror, *base, *from[2];
	char		*own;
	size_t		 n = 0, i;

	if (planned == NULL) {
		xasprintf(cause, "the project has no clone to check %s out "
		    "of", job->spec.commit);
		return (NULL);
	}
	if (builder_under(job->cfg->workdir, planned))
		own = xstrdup(planned);
	else {
		base = strrchr(planned, '/') != NULL ? strrchr(planned,
		    '/') + 1 : planned;
		xasprintf(&own, "%s/git/%s", job->cfg->workdir, base);
		if (access(planned, R_OK) == 0)
			from[n++] = planned;
	}
	if (job->spec.source != NULL)
		from[n++] = job->spec.source;
	if (n == 0) {
		xasprintf(cause, "cannot read %s, and the project has no "
		    "source to fetch from", planned);
		free(own);
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		free(*cause);
		*cause = NULL;
		if (git_mirror_fetch(from[i], own, job->spec.commit,
		    cause) == 0)
			return (own);
		log_debug("%s", *cause);
	}
	free(own);
	return (NULL);
}

/* Thread pool: checks the build's commit out in its worktree. */
static void
builder_checkout_work(uv_work_t *w)
{
	struct build_job	*job = w->data;
	char			*mirror;
	int			 rc = -1;

	uv_once(&builder_checkout_once, builder_checkout_init);
	uv_mutex_lock(&builder_checkout_mutex);
	if ((mirror = builder_mirror_here(job, &job->checkout_error)) != NULL)
		rc = git_checkout(mirror, job->spec.project, job->spec.commit,
		    &job->checkout_error);
	uv_mutex_unlock(&builder_checkout_mutex);
	free(mirror);
	if (rc != 0 && job->checkout_error == NULL)
		job->checkout_error = xstrdup("git checkout failed");
}

/* Loop: the commit is there, and the build goes on unless it was stopped. */
static void
builder_checkout_done(uv_work_t *w, int status)
{
	struct build_job	*job = w->data;

	if (job->checkout_error != NULL || status != 0) {
		builder_fail(job, "unavailable", "%s", job->checkout_error ?
		    job->checkout_error : "the checkout was cancelled");
		builder_finish(job);
		return;
	}
	if (job->killed != NULL) {
		builder_finish(job);
		return;
	}
	builder_phase_start(job);
}

/* Checks the build's commit out, off the loop; 0, or -1. */
int
builder_checkout_start(struct build_job *job)
{
	job->started_ns = uv_hrtime();
	job->work.data = job;
	return (uv_queue_work(job->loop, &job->work, builder_checkout_work,
	    builder_checkout_done) == 0 ? 0 : -1);
}
