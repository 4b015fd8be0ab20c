/*
 * sizemat-spawn: runs one command (cargo) for sizematd in a process group of
 * its own, kills that whole group when sizematd dies (even by SIGKILL,
 * through PR_SET_PDEATHSIG) or asks it to stop, and writes the CPU time of
 * the whole process tree, from wait4, to a file.
 *
 * usage: sizemat-spawn RUSAGE-FILE COMMAND [ARG]...
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pgid;

/* Kills the child's whole process group when asked to stop. */
static void
spawn_on_signal(int sig)
{
	(void)sig;
	if (child_pgid > 0)
		kill(-(pid_t)child_pgid, SIGKILL);
}

/* Returns milliseconds in a timeval. */
static long long
spawn_ms(const struct timeval *tv)
{
	return ((long long)tv->tv_sec * 1000 + tv->tv_usec / 1000);
}

int
main(int argc, char **argv)
{
	struct sigaction	 sa;
	struct rusage		 ru;
	sigset_t		 all, old;
	pid_t			 parent, pid;
	FILE			*f;
	int			 status, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: sizemat-spawn RUSAGE-FILE COMMAND "
		    "[ARG]...\n");
		return (125);
	}
	parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1) {
		fprintf(stderr, "sizemat-spawn: prctl: %s\n", strerror(errno));
		return (125);
	}
	/* The parent may have died before prctl took effect. */
	if (getppid() != parent)
		return (125);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = spawn_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "sizemat-spawn: fork: %s\n", strerror(errno));
		return (125);
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "sizemat-spawn: %s: %s\n", argv[2],
		    strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	setpgid(pid, pid);
	child_pgid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (getppid() != parent)
		spawn_on_signal(SIGTERM);

	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR) {
			fprintf(stderr, "sizemat-spawn: wait4: %s\n",
			    strerror(errno));
			kill(-pid, SIGKILL);
			return (125);
		}
	}
	/* Nothing the command started may outlive it. */
	kill(-pid, SIGKILL);

	if ((f = fopen(argv[1], "w")) != NULL) {
		fprintf(f, "cpu_ms=%lld\n", spawn_ms(&ru.ru_utime) +
		    spawn_ms(&ru.ru_stime));
		fclose(f);
	}
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else
		rc = 128 + WTERMSIG(status);
	return (rc);
}
