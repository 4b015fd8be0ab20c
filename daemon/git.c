/*
 * git, run as a command: the daemon's own bare mirror of each tracked
 * project, revisions resolved to commits, first-parent history and one
 * worktree per target dir. Everything here blocks, so it runs on the
 * loop's thread pool, never on the loop itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"

#define GIT_MAX_OUTPUT		(64 * 1024 * 1024)

/* Runs git with args; returns its stdout or NULL with the cause. */
static char *
git_run(const char *const *args, size_t max, char **cause)
{
	struct strlist	 argv = { NULL, 0 }, env = { NULL, 0 };
	char		*out;
	size_t		 i;

	strlist_add(&argv, "git");
	for (i = 0; args[i] != NULL; i++)
		strlist_add(&argv, args[i]);
	/* Never ask for a password, never read the user's hooks. */
	strlist_add(&env, "GIT_TERMINAL_PROMPT=0");
	strlist_add(&env, "GIT_ASKPASS=/bin/false");
	strlist_add(&env, "LC_ALL=C");
	out = command_capture_max(&argv, &env, max, cause);
	strlist_free(&argv);
	strlist_free(&env);
	return (out);
}

/* Strips a trailing newline in place. */
static char *
git_chomp(char *s)
{
	size_t	 n;

	if (s == NULL)
		return (NULL);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return (s);
}

/* Frees a list of commits. */
void
git_commits_free(struct git_commit *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(c[i].id);
		free(c[i].parent);
		free(c[i].author);
		free(c[i].subject);
		free(c[i].trailers);
	}
	free(c);
}

/*
 * Returns the branch a mirror's HEAD names (its source's default branch),
 * or NULL with the cause.
 */
char *
git_mirror_branch(const char *mirror, char **cause)
{
	const char	*args[] = { "--git-dir", mirror, "symbolic-ref",
			    "--quiet", "--short", "HEAD", NULL };
	char		*out, *why = NULL;

	out = git_chomp(git_run(args, 4096, &why));
	free(why);
	if (out == NULL || *out == '\0') {
		free(out);
		*cause = xstrdup("the repository's HEAD names no branch; give "
		    "one with --branch");
		return (NULL);
	}
	return (out);
}

/*
 * Brings the mirror up to date with its source: cloned when missing,
 * fetched otherwise.
 */
int
git_mirror_update(const char *source, const char *mirror, char **cause)
{
	const char	*clone[] = { "clone", "--quiet", "--mirror", "--",
			    source, mirror, NULL };
	const char	*fetch[] = { "--git-dir", mirror, "fetch", "--quiet",
			    "--prune", "origin", NULL };
	struct stat	 sb;
	char		*out, *why;

	if (stat(mirror, &sb) == 0)
		out = git_run(fetch, 65536, &why);
	else
		out = git_run(clone, 65536, &why);
	if (out == NULL) {
		xasprintf(cause, "cannot fetch %s: %s", source, why);
		free(why);
		return (-1);
	}
	free(out);
	return (0);
}

/*
 * Makes mirror, this daemon's own copy of another mirror, have commit:
 * cloned from `from` (that mirror, or the project's source) when missing,
 * fetched from it when it lacks the commit.
 */
int
git_mirror_fetch(const char *from, const char *mirror, const char *commit,
    char **cause)
{
	const char	*has[] = { "--git-dir", mirror, "cat-file", "-e", NULL,
			    NULL };
	const char	*fetch[] = { "--git-dir", mirror, "fetch", "--quiet",
			    "--prune", "--", from, "+refs/*:refs/*", NULL };
	struct stat	 sb;
	char		*object, *out, *why = NULL;

	if (stat(mirror, &sb) != 0)
		return (git_mirror_update(from, mirror, cause));
	xasprintf(&object, "%s^{commit}", commit);
	has[4] = object;
	out = git_run(has, 65536, &why);
	free(object);
	if (out != NULL) {
		free(out);
		return (0);
	}
	free(why);
	why = NULL;
	if ((out = git_run(fetch, 65536, &why)) == NULL) {
		xasprintf(cause, "cannot fetch %s: %s", from, why);
		free(why);
		return (-1);
	}
	free(out);
	return (0);
}

/* Resolves rev to a full commit id in the mirror, or NULL. */
char *
git_resolve(const char *mirror, const char *rev, char **cause)
{
	const char	*args[] = { "--git-dir", mirror, "rev-parse", "--verify",
			    "--quiet", "--end-of-options", NULL, NULL };
	char		*spec, *out, *why = NULL;

	if (*rev == '-') {
		xasprintf(cause, "revision \"%s\": must not start with '-'",
		    rev);
		return (NULL);
	}
	xasprintf(&spec, "%s^{commit}", rev);
	args[6] = spec;
	out = git_chomp(git_run(args, 4096, &why));
	free(spec);
	free(why);
	if (out == NULL || *out == '\0') {
		free(out);
		xasprintf(cause, "revision \"%s\" is not a commit of the "
		    "project's repository", rev);
		return (NULL);
	}
	return (out);
}

/* Parses one "id\x1fparents\x1ftime\x1fauthor\x1fsubject" line. */
static int
git_parse_commit(char *line, struct git_commit *c)
{
	char	*f[6], *p = line;
	size_t	 i;

	for (i = 0; i < 6; i++) {
		f[i] = p;
		if (i < 5) {
			if ((p = strchr(p, '\x1f')) == NULL)
				return (-1);
			*p++ = '\0';
		}
	}
	memset(c, 0, sizeof *c);
	c->id = xstrdup(f[0]);
	if (*f[1] != '\0') {
		p = strchr(f[1], ' ');
		c->parent = p != NULL ? xstrndup(f[1], (size_t)(p - f[1])) :
		    xstrdup(f[1]);
	}
	c->time = strtoll(f[2], NULL, 10);
	c->author = xstrdup(f[3]);
	c->subject = xstrdup(f[4]);
	c->trailers = xstrdup(f[5]);
	return (0);
}

/*
 * Lists the first-parent line from tip back (newest first), stopping
 * before stop when it is given (and an ancestor), at most max commits.
 */
int
git_first_parents(const char *mirror, const char *tip, const char *stop,
    size_t max, struct git_commit **out, size_t *n, char **cause)
{
	const char	*args[12];
	char		*text, *line, *next, *count, *range = NULL;
	struct git_commit c;
	size_t		 i = 0;

	*out = NULL;
	*n = 0;
	xasprintf(&count, "--max-count=%zu", max);
	args[i++] = "--git-dir";
	args[i++] = mirror;
	args[i++] = "log";
	args[i++] = "--first-parent";
	args[i++] = "--no-show-signature";
	args[i++] = count;
	args[i++] = "--format=%H%x1f%P%x1f%ct%x1f%an <%ae>%x1f%s%x1f"
	    "%(trailers:only,unfold,separator=%x1e)";
	args[i++] = tip;
	if (stop != NULL) {
		xasprintf(&range, "^%s", stop);
		args[i++] = range;
	}
	args[i++] = "--";
	args[i] = NULL;
	text = git_run(args, GIT_MAX_OUTPUT, cause);
	free(count);
	free(range);
	if (text == NULL)
		return (-1);
	for (line = text; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (*line == '\0')
			continue;
		if (git_parse_commit(line, &c) != 0)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = c;
	}
	free(text);
	return (0);
}

/* Returns the blob id of path at commit, or NULL when there is none. */
char *
git_blob_id(const char *mirror, const char *commit, const char *path)
{
	const char	*args[] = { "--git-dir", mirror, "rev-parse", "--verify",
			    "--quiet", NULL, NULL };
	char		*spec, *out, *cause = NULL;

	xasprintf(&spec, "%s:%s", commit, path);
	args[5] = spec;
	out = git_chomp(git_run(args, 4096, &cause));
	free(spec);
	free(cause);
	if (out != NULL && *out == '\0') {
		free(out);
		out = NULL;
	}
	return (out);
}

/*
 * Returns the text of path at commit (at most max bytes), or NULL with
 * the cause.
 */
char *
git_blob_text(const char *mirror, const char *commit, const char *path,
    size_t max, char **cause)
{
	const char	*args[] = { "--git-dir", mirror, "cat-file", "blob",
			    NULL, NULL };
	char		*spec, *out;

	xasprintf(&spec, "%s:%s", commit, path);
	args[4] = spec;
	out = git_run(args, max, cause);
	free(spec);
	return (out);
}

/* Tells whether a is an ancestor of (or the same as) b. */
int
git_is_ancestor(const char *mirror, const char *a, const char *b)
{
	const char	*args[] = { "--git-dir", mirror, "merge-base",
			    "--is-ancestor", a, b, NULL };
	char		*out, *cause = NULL;

	out = git_run(args, 4096, &cause);
	free(cause);
	free(out);
	return (out != NULL);
}

/* Creates a directory and its parents. */
static int
git_mkdirs(const char *path)
{
	char	*p, *s;

	p = xstrdup(path);
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			free(p);
			return (-1);
		}
		*s = '/';
	}
	free(p);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return (-1);
	return (0);
}

/*
 * Checks commit out in worktree, a worktree of the mirror, creating it
 * when missing: the same path from one commit to the next, so cargo's
 * target dir beside it stays warm. Files the commit does not have are
 * removed.
 */
int
git_checkout(const char *mirror, const char *worktree, const char *commit,
    char **cause)
{
	const char	*prune[] = { "--git-dir", mirror, "worktree", "prune",
			    NULL };
	const char	*add[] = { "--git-dir", mirror, "worktree", "add",
			    "--quiet", "--detach", "--force", worktree, commit,
			    NULL };
	const char	*checkout[] = { "-C", worktree, "checkout", "--quiet",
			    "--detach", "--force", commit, NULL };
	const char	*clean[] = { "-C", worktree, "clean", "-ffdxq", NULL };
	char		*out, *dotgit, *why = NULL, *slash, *parent;
	struct stat	 sb;

	xasprintf(&dotgit, "%s/.git", worktree);
	if (stat(dotgit, &sb) == 0) {
		free(dotgit);
		if ((out = git_run(checkout, 65536, &why)) != NULL) {
			free(out);
			if ((out = git_run(clean, 65536, &why)) == NULL)
				goto fail;
			free(out);
			return (0);
		}
		/* A worktree of a mirror that is gone: made again below. */
		log_debug("%s: %s; checking it out afresh", worktree, why);
		free(why);
		why = NULL;
	} else
		free(dotgit);
	if (stat(worktree, &sb) == 0)
		gc_remove_tree(worktree);
	parent = xstrdup(worktree);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	if (git_mkdirs(parent) != 0) {
		xasprintf(cause, "cannot create %s: %s", parent,
		    strerror(errno));
		free(parent);
		return (-1);
	}
	free(parent);
	/* A worktree removed with its target dir is still registered. */
	if ((out = git_run(prune, 65536, &why)) == NULL)
		goto fail;
	free(out);
	if ((out = git_run(add, 65536, &why)) == NULL)
		goto fail;
	free(out);
	return (0);
fail:
	xasprintf(cause, "cannot check out %s in %s: %s", commit, worktree,
	    why);
	free(why);
	return (-1);
}
