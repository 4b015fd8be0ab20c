/*
 * One GNU make jobserver for every build the daemon runs at once, so that
 * concurrent builds share the cores instead of each running a compiler
 * per core: --jobs 8 on a 64-core machine runs at most 64 compilers, not
 * 8 x 64.
 *
 * The jobserver is a named fifo under the work dir; cargo (and through it
 * rustc and build scripts) takes its tokens from there, as GNU make's
 * children do, when CARGO_MAKEFLAGS names it. There is a token per core:
 * the fifo holds all but one, and the first running build holds the last
 * one implicitly, as a make's first job does. Each further build the
 * queue starts must first take a token from the fifo (so it starts when
 * a running build leaves cores idle: its link, its fat LTO, its build
 * scripts), and gives it back when it ends. A cargo that is killed loses
 * the tokens it held; whenever no build runs, the fifo is filled again to
 * its count.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"

struct jobserver {
	char	*path;
	int	 fd;		/* read and write, non-blocking */
	int	 tokens;	/* every core's, the implicit one included */
	int	 implicit_held;	/* a running build holds the implicit one */
	char	*env;		/* CARGO_MAKEFLAGS=... */
};

/* Writes n tokens into the fifo. */
static void
jobserver_put(struct jobserver *js, int n)
{
	char	 buf[256];
	ssize_t	 w;

	memset(buf, '+', sizeof buf);
	while (n > 0) {
		w = write(js->fd, buf, (size_t)n < sizeof buf ? (size_t)n :
		    sizeof buf);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("jobserver %s", js->path);
			return;
		}
		n -= (int)w;
	}
}

/* Empties the fifo; returns how many tokens it held. */
static int
jobserver_drain(struct jobserver *js)
{
	char	 buf[256];
	ssize_t	 r;
	int	 n = 0;

	while ((r = read(js->fd, buf, sizeof buf)) > 0 ||
	    (r == -1 && errno == EINTR))
		n += r > 0 ? (int)r : 0;
	return (n);
}

/*
 * Creates the jobserver of tokens tokens at path (a fifo made anew).
 * NULL with the cause when it cannot.
 */
struct jobserver *
jobserver_create(const char *path, int tokens, char **cause)
{
	struct jobserver	*js;

	if (unlink(path) == -1 && errno != ENOENT) {
		xasprintf(cause, "jobserver %s: %s", path, strerror(errno));
		return (NULL);
	}
	if (mkfifo(path, 0600) == -1) {
		xasprintf(cause, "jobserver %s: %s", path, strerror(errno));
		return (NULL);
	}
	js = xcalloc(1, sizeof *js);
	/* O_RDWR: the fifo never sees its last writer or reader go. */
	if ((js->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		xasprintf(cause, "jobserver %s: %s", path, strerror(errno));
		free(js);
		return (NULL);
	}
	js->path = xstrdup(path);
	js->tokens = tokens < 1 ? 1 : tokens;
	xasprintf(&js->env, "CARGO_MAKEFLAGS=-j --jobserver-auth=fifo:%s",
	    path);
	jobserver_put(js, js->tokens - 1);
	return (js);
}

/* The variable that hands the jobserver to cargo. */
const char *
jobserver_env(const struct jobserver *js)
{
	return (js != NULL ? js->env : NULL);
}

/* How many tokens it has: the cores builds may use at once. */
int
jobserver_tokens(const struct jobserver *js)
{
	return (js != NULL ? js->tokens : 0);
}

/*
 * Takes a token for a build about to start: the implicit one when no
 * running build holds it, else one from the fifo. Returns JOBSERVER_
 * IMPLICIT or JOBSERVER_FIFO, or 0 when none is free now.
 */
int
jobserver_take(struct jobserver *js)
{
	char	 c;
	ssize_t	 r;

	if (js == NULL)
		return (JOBSERVER_IMPLICIT);
	if (!js->implicit_held) {
		js->implicit_held = 1;
		return (JOBSERVER_IMPLICIT);
	}
	while ((r = read(js->fd, &c, 1)) == -1 && errno == EINTR)
		;
	return (r == 1 ? JOBSERVER_FIFO : 0);
}

/*
 * Gives back what jobserver_take gave a build that ended. With no build
 * left running (idle), the fifo is filled again to its count, whatever a
 * killed cargo took with it.
 */
void
jobserver_give(struct jobserver *js, int token, int idle)
{
	int	 had;

	if (js == NULL)
		return;
	if (token == JOBSERVER_IMPLICIT)
		js->implicit_held = 0;
	else if (token == JOBSERVER_FIFO)
		jobserver_put(js, 1);
	if (!idle)
		return;
	js->implicit_held = 0;
	if ((had = jobserver_drain(js)) != js->tokens - 1)
		log_debug("jobserver: %d tokens back, %d expected", had,
		    js->tokens - 1);
	jobserver_put(js, js->tokens - 1);
}

void
jobserver_free(struct jobserver *js)
{
	if (js == NULL)
		return;
	close(js->fd);
	unlink(js->path);
	free(js->path);
	free(js->env);
	free(js);
}
