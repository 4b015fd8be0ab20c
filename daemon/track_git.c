/*
 * The tracker's git work, run on the loop's thread pool one job at a
 * time: cloning a new project, resolving a run's revision and reading its
 * history, listing a bisection's commits, a scheduled tick's fetch and a
 * fetch asked through the API. Nothing here touches the store.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sizematd.h"
#include "track_private.h"

#define TRACK_HISTORY_MAX	20000	/* first-parent commits remembered */
#define TRACK_BISECT_MAX	100000	/* commits a bisection may span */
#define TRACK_MANIFEST_MAX	(1024 * 1024)	/* Cargo.toml read, at most */

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

	if (!*fetched && !revision_is_commit_id(rev, 0)) {
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
void
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
