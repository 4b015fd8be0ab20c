/*
 * Running a short command to its end and reading what it printed: rustc's
 * identity, rustup's list, strip, upx and git. Builds run through the builder on
 * the event loop instead; these run at start or on the thread pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sizematd.h"

#define COMMAND_MAX_OUTPUT	65536

/* Reads what is there on fd into b (up to max bytes kept); 0 at EOF. */
static int
command_read(int fd, struct buf *b, size_t max)
{
	char	 chunk[4096];
	ssize_t	 n;

	while ((n = read(fd, chunk, sizeof chunk)) == -1 && errno == EINTR)
		;
	if (n <= 0)
		return (0);
	if (b->len < max)
		buf_add(b, chunk, (size_t)n);
	return (1);
}

/* Returns the last non-empty line of s, trimmed, in a new string. */
static char *
command_last_line(const char *s)
{
	const char	*end, *start;

	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == ' ' ||
	    end[-1] == '\r'))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	return (xstrndup(start, (size_t)(end - start)));
}

/*
 * Runs argv (NULL-terminated, found on PATH) with env on top of the
 * daemon's environment. Returns what it wrote on stdout (the first max
 * bytes), or NULL with the reason in cause, ending with the last line it
 * wrote on stderr, when it cannot run or exits with a status other than 0.
 */
char *
command_capture_max(const struct strlist *argv, const struct strlist *env,
    size_t max, char **cause)
{
	posix_spawn_file_actions_t	 fa;
	struct strlist			 none = { NULL, 0 };
	struct buf			 out, err;
	struct pollfd			 pfd[2];
	char				**envp, *last;
	pid_t				 pid;
	int				 ofd[2], efd[2], status, rc, open;

	if (pipe(ofd) == -1 || pipe(efd) == -1)
		fatal("pipe");
	envp = strlist_environ(env != NULL ? env : &none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ofd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, efd[1], 2);
	posix_spawn_file_actions_addclose(&fa, ofd[0]);
	posix_spawn_file_actions_addclose(&fa, efd[0]);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv->v[0], &fa, NULL, argv->v, envp);
	posix_spawn_file_actions_destroy(&fa);
	strlist_free_vector(envp);
	close(ofd[1]);
	close(efd[1]);
	if (rc != 0) {
		close(ofd[0]);
		close(efd[0]);
		xasprintf(cause, "cannot run %s: %s", argv->v[0],
		    strerror(rc));
		return (NULL);
	}
	buf_init(&out);
	buf_addstr(&out, "");
	buf_init(&err);
	/* Read both to the end, so the command never blocks on a pipe. */
	pfd[0].fd = ofd[0];
	pfd[1].fd = efd[0];
	pfd[0].events = pfd[1].events = POLLIN;
	for (open = 2; open > 0;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].fd != -1 && pfd[0].revents != 0 &&
		    !command_read(ofd[0], &out, max)) {
			pfd[0].fd = -1;
			open--;
		}
		if (pfd[1].fd != -1 && pfd[1].revents != 0 &&
		    !command_read(efd[0], &err, COMMAND_MAX_OUTPUT)) {
			pfd[1].fd = -1;
			open--;
		}
	}
	close(ofd[0]);
	close(efd[0]);
	buf_addstr(&err, "");
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		last = command_last_line(err.data);
		if (WIFEXITED(status))
			xasprintf(cause, "%s exited with status %d%s%s",
			    argv->v[0], WEXITSTATUS(status),
			    *last != '\0' ? ": " : "", last);
		else
			xasprintf(cause, "%s was killed by signal %d",
			    argv->v[0], WTERMSIG(status));
		free(last);
		buf_free(&err);
		buf_free(&out);
		return (NULL);
	}
	buf_free(&err);
	return (out.data);
}

/* As command_capture_max, keeping the first 64 KiB of what it prints. */
char *
command_capture(const struct strlist *argv, const struct strlist *env,
    char **cause)
{
	return (command_capture_max(argv, env, COMMAND_MAX_OUTPUT, cause));
}
