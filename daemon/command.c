/*
 * Running a short command to its end and reading what it printed: rustc's
 * identity, rustup's list, strip and upx. Builds run through the builder on
 * the event loop instead; these run at start or on the thread pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sizematd.h"

#define COMMAND_MAX_OUTPUT	65536

/*
 * Runs argv (NULL-terminated, found on PATH) with env on top of the
 * daemon's environment, stderr thrown away. Returns what it wrote on stdout
 * (the first COMMAND_MAX_OUTPUT bytes), or NULL with the reason in cause
 * when it cannot run or exits with a status other than 0.
 */
char *
command_capture(const struct strlist *argv, const struct strlist *env,
    char **cause)
{
	posix_spawn_file_actions_t	 fa;
	struct strlist			 none = { NULL, 0 };
	struct buf			 out;
	char				**envp, chunk[4096];
	ssize_t				 n;
	pid_t				 pid;
	int				 fds[2], status, rc;

	if (pipe(fds) == -1)
		fatal("pipe");
	envp = strlist_environ(env != NULL ? env : &none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv->v[0], &fa, NULL, argv->v, envp);
	posix_spawn_file_actions_destroy(&fa);
	strlist_free_vector(envp);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		xasprintf(cause, "cannot run %s: %s", argv->v[0],
		    strerror(rc));
		return (NULL);
	}
	buf_init(&out);
	buf_addstr(&out, "");
	/* Read to the end, so the command never blocks on a full pipe. */
	while ((n = read(fds[0], chunk, sizeof chunk)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		if (out.len < COMMAND_MAX_OUTPUT)
			buf_add(&out, chunk, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			xasprintf(cause, "%s exited with status %d",
			    argv->v[0], WEXITSTATUS(status));
		else
			xasprintf(cause, "%s was killed by signal %d",
			    argv->v[0], WTERMSIG(status));
		buf_free(&out);
		return (NULL);
	}
	return (out.data);
}
