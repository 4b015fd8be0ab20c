/*
 * Finding the daemon, and starting the user's own when none answers, as
 * tmux's client starts its server. In order: --server or --socket, then
 * SIZEMAT_URL or SIZEMAT_SOCKET (used as given), the user's socket under
 * $XDG_RUNTIME_DIR (a private directory under /tmp without it), then
 * http://127.0.0.1:7420. With none answering, sizematd (the one beside
 * this executable, else on PATH) starts on the user's socket and a free
 * loopback port for the dashboard, state under the XDG state dir.
 * 'sizemat daemon status|stop' shows and stops it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sizemat.h"

#define DAEMON_START_WAIT_MS	15000

/* Sleeps ms milliseconds. */
static void
daemon_sleep(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Returns the user's socket path; with make, creates its directory
 * (mode 0700). NULL when the directory is not the user's own.
 */
static char *
daemon_user_socket(int make)
{
	const char	*run = getenv("XDG_RUNTIME_DIR");
	struct stat	 sb;
	char		*dir, *path;

	if (run != NULL && *run == '/')
		xasprintf(&dir, "%s/sizemat", run);
	else
		xasprintf(&dir, "/tmp/sizemat-%ld", (long)getuid());
	if (make && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		free(dir);
		return (NULL);
	}
	/* Someone else's directory would let them answer for the daemon. */
	if (stat(dir, &sb) == 0 && (sb.st_uid != getuid() ||
	    (sb.st_mode & 077) != 0)) {
		fprintf(stderr, "sizemat: %s is not private to you (owner "
		    "%ld, mode %03o); not using it\n", dir, (long)sb.st_uid,
		    (unsigned int)(sb.st_mode & 0777));
		free(dir);
		return (NULL);
	}
	xasprintf(&path, "%s/sizematd.sock", dir);
	free(dir);
	return (path);
}

/*
 * Tells whether a daemon answers where o points: any HTTP answer counts (a
 * daemon that wants a token answers 401). *doc gets its status, if any.
 */
static int
daemon_answers(const struct options *o, cJSON **doc)
{
	enum request_result	 r;
	cJSON			*out;
	char			*err;

	r = request_call(o, "GET", "/v1/status", NULL, &out, &err);
	free(err);
	if (doc != NULL)
		*doc = out;
	else
		cJSON_Delete(out);
	return (r != REQUEST_UNREACHABLE);
}

/* Returns sizematd beside this executable, else "sizematd" (on PATH). */
static char *
daemon_program(void)
{
	char	 self[4096], *slash, *path;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			xasprintf(&path, "%s/sizematd", self);
			if (access(path, X_OK) == 0)
				return (path);
			free(path);
		}
	}
	return (xstrdup("sizematd"));
}

/* Returns the log file of the user's daemon, under the XDG state dir. */
static char *
daemon_log_path(void)
{
	const char	*state = getenv("XDG_STATE_HOME"), *home;
	char		*dir, *path, *p;

	if (state != NULL && *state == '/')
		xasprintf(&dir, "%s/sizemat", state);
	else if ((home = getenv("HOME")) != NULL)
		xasprintf(&dir, "%s/.local/state/sizemat", home);
	else
		return (NULL);
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
	mkdir(dir, 0700);
	xasprintf(&path, "%s/sizematd.log", dir);
	free(dir);
	return (path);
}

/*
 * Starts sizematd on the user's socket and a free loopback port, detached
 * from this process (its own session, output to its log file), and waits
 * until it answers. Returns 0, or -1 having said why.
 */
static int
daemon_start(struct options *o, const char *sock)
{
	char	*prog, *log;
	pid_t	 pid;
	int	 fd, waited, status;

	prog = daemon_program();
	log = daemon_log_path();
	if ((pid = fork()) == -1) {
		fprintf(stderr, "sizemat: cannot start sizematd: %s\n",
		    strerror(errno));
		free(prog);
		free(log);
		return (-1);
	}
	if (pid == 0) {
		/* Its own session, so that it outlives this shell. */
		setsid();
		switch (fork()) {
		case -1:
			fprintf(stderr, "sizemat: cannot start sizematd: %s\n",
			    strerror(errno));
			_exit(1);
		case 0:
			break;
		default:
			_exit(0);
		}
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (log == NULL)
				dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		if (log != NULL && (fd = open(log, O_WRONLY | O_CREAT |
		    O_APPEND, 0600)) != -1) {
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execlp(prog, prog, "--socket", sock, "--listen", "127.0.0.1:0",
		    (char *)NULL);
		fprintf(stderr, "sizemat: cannot run %s: %s\n", prog,
		    strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		free(prog);
		free(log);
		return (-1);		/* the first child said why */
	}
	o->socket = sock;
	for (waited = 0; waited < DAEMON_START_WAIT_MS; waited += 100) {
		if (daemon_answers(o, NULL))
			break;
		daemon_sleep(100);
	}
	if (waited >= DAEMON_START_WAIT_MS) {
		fprintf(stderr, "sizemat: started %s, but it does not answer on "
		    "%s after %d s; see %s\n", prog, sock,
		    DAEMON_START_WAIT_MS / 1000, log ? log : "its output");
		free(prog);
		free(log);
		return (-1);
	}
	free(prog);
	free(log);
	return (0);
}

/*
 * Points o at a daemon: the one given, else the first that answers, else
 * (with start) the user's own, started now and announced once on stderr.
 * Returns 0, or -1 when none answers.
 */
int
daemon_find(struct options *o, int start)
{
	cJSON		*doc = NULL;
	char		*sock;

	if (o->server_given || o->socket != NULL)
		return (0);
	if ((sock = daemon_user_socket(start)) != NULL) {
		o->socket = sock;
		o->socket_buf = sock;
		if (daemon_answers(o, NULL))
			return (0);
		o->socket = NULL;
	}
	if (daemon_answers(o, NULL))
		return (0);
	if (!start || sock == NULL)
		return (-1);
	if (daemon_start(o, sock) != 0)
		return (-1);
	if (daemon_answers(o, &doc) && !o->quiet)
		fprintf(stderr, "sizemat: started sizematd (pid %lld) on %s; "
		    "dashboard at %s; 'sizemat daemon stop' stops it\n",
		    (long long)json_int(cJSON_GetObjectItemCaseSensitive(doc,
		    "daemon"), "pid", 0), sock, json_str(
		    cJSON_GetObjectItemCaseSensitive(doc, "daemon"), "url", "?"));
	cJSON_Delete(doc);
	return (0);
}

/* Tells whether pid is a sizematd of this user on this machine. */
static int
daemon_is_local(pid_t pid)
{
	struct stat	 sb;
	char		 path[64], comm[32];
	FILE		*f;
	int		 ok;

	snprintf(path, sizeof path, "/proc/%lld", (long long)pid);
	if (stat(path, &sb) != 0 || sb.st_uid != getuid())
		return (0);
	snprintf(path, sizeof path, "/proc/%lld/comm", (long long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	ok = fgets(comm, sizeof comm, f) != NULL &&
	    strcmp(comm, "sizematd\n") == 0;
	fclose(f);
	return (ok);
}

/* sizemat daemon status|stop */
int
cmd_daemon(struct options *o)
{
	const cJSON	*d;
	cJSON		*doc = NULL;
	pid_t		 pid;
	int		 waited, rc = EXIT_USAGE, fmt = o->format;

	if (strcmp(o->args[0], "status") != 0 &&
	    strcmp(o->args[0], "stop") != 0)
		return (usage_error("daemon: \"%s\" is not status or stop",
		    o->args[0]));
	if (daemon_find(o, 0) != 0) {
		fprintf(stderr, "sizemat: no sizematd answers (%s%s%s)\n",
		    o->socket_buf != NULL ? o->socket_buf : "",
		    o->socket_buf != NULL ? ", " : "", o->server);
		return (EXIT_NO);
	}
	o->format = FORMAT_TABLE;	/* the status is printed here */
	doc = request_get(o, "/v1/status", &rc);
	o->format = fmt;
	if (doc == NULL)
		return (rc);	/* it answered with an error: said */
	d = cJSON_GetObjectItemCaseSensitive(doc, "daemon");
	pid = (pid_t)json_int(d, "pid", 0);
	if (strcmp(o->args[0], "status") == 0) {
		if (o->format == FORMAT_JSON)
			print_json(d);
		else
			printf("sizematd pid %lld\nsocket: %s\ndashboard: %s\n",
			    (long long)pid, json_str(d, "socket", "-"),
			    json_str(d, "url", "?"));
		cJSON_Delete(doc);
		return (EXIT_OK);
	}
	cJSON_Delete(doc);
	/*
	 * The pid is the daemon's own word: signal it only when this
	 * machine has a process of ours by that number that is a sizematd
	 * (a daemon reached elsewhere, or in another namespace, is not).
	 */
	if (pid > 0 && !daemon_is_local(pid)) {
		fprintf(stderr, "sizemat: the sizematd that answered (pid %lld) "
		    "is not a process of yours on this machine; stop it where "
		    "it runs\n", (long long)pid);
		return (EXIT_USAGE);
	}
	if (pid <= 0 || kill(pid, SIGTERM) == -1) {
		fprintf(stderr, "sizemat: cannot stop sizematd (pid %lld): %s; "
		    "it may run as another user or on another machine\n",
		    (long long)pid, strerror(errno));
		return (EXIT_USAGE);
	}
	/* Running builds may finish within its --grace. */
	for (waited = 0; kill(pid, 0) == 0; waited++) {
		if (waited == 20 && !o->quiet)
			fprintf(stderr, "sizemat: waiting for sizematd (pid "
			    "%lld) to finish its running builds\n",
			    (long long)pid);
		daemon_sleep(100);
	}
	if (!o->quiet)
		fprintf(stderr, "sizemat: sizematd (pid %lld) stopped\n",
		    (long long)pid);
	return (EXIT_OK);
}
