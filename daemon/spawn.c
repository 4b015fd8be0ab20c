/*
 * sizemat-spawn: runs one command (cargo) for sizematd in a process group of
 * its own, kills that whole group when sizematd dies (even by SIGKILL,
 * through PR_SET_PDEATHSIG) or asks it to stop, and writes what wait4
 * says of the whole process tree to a file: its CPU time, its peak
 * resident memory, and the wall time from fork to its end (benchmarks,
 * bench.c, read the last two).
 *
 * usage: sizemat-spawn [--close-fds] RUSAGE-FILE COMMAND [ARG]...
 *
 * --close-fds: the command inherits no descriptor beyond 0, 1 and 2 (a
 * benchmark gets none of the daemon's, such as the jobserver's pipe that
 * cargo needs).
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
#include <time.h>
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

/* Returns microseconds since an arbitrary start. */
static long long
spawn_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
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
	long long		 start, end;
	FILE			*f;
	int			 status, rc, close_fds = 0;

	if (argc > 1 && strcmp(argv[1], "--close-fds") == 0) {
		close_fds = 1;
		argc--;
		argv++;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: sizemat-spawn [--close-fds] RUSAGE-FILE "
		    "COMMAND [ARG]...\n");
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
	start = spawn_now_us();
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
		if (close_fds)
			closefrom(3);
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
	end = spawn_now_us();
	/* Nothing the command started may outlive it. */
	kill(-pid, SIGKILL);

	if ((f = fopen(argv[1], "w")) != NULL) {
		fprintf(f, "cpu_ms=%lld\n", spawn_ms(&ru.ru_utime) +
		    spawn_ms(&ru.ru_stime));
		fprintf(f, "wall_us=%lld\nmax_rss_kib=%ld\n", end - start,
		    ru.ru_maxrss);
		fclose(f);
	}
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else
		rc = 128 + WTERMSIG(status);
	return (rc);
}
