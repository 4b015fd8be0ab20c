/*
 * sizematd: flags and config, signals, and the start and orderly stop of
 * the event loop.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sizematd.h"

#ifndef SIZEMAT_VERSION
#define SIZEMAT_VERSION "0.1.0"
#endif

struct daemon {
	uv_loop_t		*loop;
	int			 argc;
	char			**argv;
	struct config		 config;
	struct store		*store;
	struct queue		*queue;
	struct jobserver	*jobserver;
	struct gc		*gc;
	struct planner		 planner;
	struct notify		*notify;
	struct track		*track;
	struct searcher		*searcher;
	struct peers		*peers;
	struct events		*events;
	struct server		*server;
	struct api		 api;
	struct builder_config	 builder;
	struct toolchains	*toolchains;
	char			*helper;	/* sizemat-spawn's path */
	uv_signal_t		 sigint;
	uv_signal_t		 sigterm;
	uv_signal_t		 sighup;
	uv_timer_t		 drain;
	uint64_t		 drain_start;
	int			 stopping;	/* draining or stopped */
	int			 stopped;
};

/* Prints usage to f. */
static void
daemon_usage(FILE *f)
{
	fprintf(f, "usage: sizematd [--config FILE] [--db PATH|URI] "
	    "[--listen HOST:PORT] [--workdir DIR]\n"
	    "                [--profiles DIR] [--jobs N] [--token-file F] "
	    "[--allow-root DIR]... [-v]\n"
	    "                [--socket PATH [--tcp-read-only]] [--grace S] "
	    "[--log-file PATH] ...\n"
	    "       sizematd --worker --db URI [--name NAME] [--lease S] "
	    "[--workdir DIR] ...\n\n"
	    "Schedules cargo builds across matrices of profile settings and "
	    "records every\nartifact's size in SQLite or PostgreSQL. Daemons "
	    "sharing a PostgreSQL database\nshare its queue: each claims builds "
	    "under a lease. Runs in the foreground and\nlogs to stderr.\n\n"
	    "  --config FILE      JSON file with the same names as the flags\n"
	    "%s"
	    "  --check-config     check the flags and config file, then exit\n"
	    "  -v                 log debug lines too\n"
	    "  --help, --version\n\n"
	    "Signals: TERM and INT stop taking work and let running builds "
	    "finish for\n--grace seconds, then kill them (they are queued again "
	    "at the next start); a\nsecond TERM or INT kills them at once. HUP "
	    "reopens --log-file and reloads\n--config and the flags.\n\n"
	    "STATE is $XDG_STATE_HOME/sizemat, else ~/.local/state/sizemat.\n",
	    config_usage());
}

/* Creates a directory and its parents. */
static int
daemon_mkdirs(const char *path)
{
	char	*copy, *p;
	int	 rc = 0;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0' && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0755) == -1 && errno != EEXIST)
		rc = -1;
	free(copy);
	return (rc);
}

/* Returns the path of sizemat-spawn: beside this program. */
static char *
daemon_spawn_helper(void)
{
	char	 self[PATH_MAX], *slash, *path;
	ssize_t	 n;

	if ((path = getenv("SIZEMAT_SPAWN")) != NULL)
		return (xstrdup(path));
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return (xstrdup("sizemat-spawn"));
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	xasprintf(&path, "%s/sizemat-spawn", self);
	return (path);
}

/* Walks the loop's handles and closes any still open. */
static void
daemon_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * Ends the loop's work: builds still running are killed and stay
 * "running" in the store, so the next start queues them again; on a
 * shared store they are queued again now, for the other daemons.
 */
static void
daemon_halt(struct daemon *d)
{
	int	 n;

	if (d->stopped)
		return;
	d->stopped = 1;
	if (queue_active(d->queue) > 0)
		log_info("killing %d running builds; they are queued again %s",
		    queue_active(d->queue), store_shared(d->store) ? "now, "
		    "for the daemons sharing the database" : "at the next "
		    "start");
	uv_timer_stop(&d->drain);
	uv_close((uv_handle_t *)&d->drain, NULL);
	queue_stop(d->queue);
	if (store_shared(d->store) && store_requeue_running(d->store,
	    STORE_REQUEUE_START, &n) == 0 && n > 0)
		log_info("%d builds were running when sizematd stopped; "
		    "queued again", n);
	peers_stop(d->peers);
	if (store_daemon_gone(d->store) != 0)
		log_warnx("cannot tell the other daemons this one stops");
	track_stop(d->track);
	notify_stop(d->notify);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
}

/* Halts once the running builds are done or the grace period is over. */
static void
daemon_drain_tick(uv_timer_t *t)
{
	struct daemon	*d = t->data;
	uint64_t	 waited = uv_now(d->loop) - d->drain_start;

	if (queue_active(d->queue) == 0) {
		log_info("running builds finished; stopping");
		daemon_halt(d);
	} else if (waited >= (uint64_t)d->config.grace * 1000) {
		log_info("grace period of %d s is over", d->config.grace);
		daemon_halt(d);
	}
}

/*
 * Stops taking requests and builds, and lets running builds finish for
 * the grace period; a second signal halts at once.
 */
static void
daemon_stop(struct daemon *d, const char *why)
{
	if (d->stopping) {
		log_info("%s again: not waiting for running builds", why);
		daemon_halt(d);
		return;
	}
	d->stopping = 1;
	/* Builds that end while draining wake no one: the server is gone. */
	events_set_wake(d->events, NULL, NULL);
	if (d->server != NULL)
		server_close(d->server);
	queue_drain(d->queue);
	if (queue_active(d->queue) == 0) {
		log_info("%s: stopping", why);
		daemon_halt(d);
		return;
	}
	log_info("%s: stopping; %d running builds may finish within %d s "
	    "(send it again to stop now)", why, queue_active(d->queue),
	    d->config.grace);
	d->drain_start = uv_now(d->loop);
	uv_timer_start(&d->drain, daemon_drain_tick, 200, 200);
}

/*
 * Reads the config file and flags into c; on an error *cause says what.
 * --help and --version print and exit.
 */
static int
daemon_flags(struct config *c, int argc, char **argv, int *check_only,
    char **cause)
{
	char		*name, *value, *eq, *why;
	const char	*file;
	int		 i, secret;

	config_defaults(c);
	/* The config file first, so flags override it. */
	for (i = 1; i < argc; i++) {
		file = NULL;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
		if (file != NULL && config_load_file(c, file, cause) != 0)
			return (-1);
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			daemon_usage(stdout);
			exit(0);
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("sizematd %s\n", SIZEMAT_VERSION);
			exit(0);
		}
		if (strcmp(argv[i], "-v") == 0) {
			c->verbose++;
			continue;
		}
		if (strcmp(argv[i], "--check-config") == 0) {
			*check_only = 1;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			xasprintf(cause, "unexpected argument \"%s\"; try "
			    "'sizematd --help'", argv[i]);
			return (-1);
		}
		name = xstrdup(argv[i] + 2);
		if ((eq = strchr(name, '=')) != NULL) {
			*eq = '\0';
			value = eq + 1;
		}
		if ((*cause = config_unknown(name)) != NULL) {
			free(name);
			return (-1);
		}
		if (eq == NULL && config_is_switch(name))
			value = "1";
		else if (eq == NULL && i + 1 < argc)
			value = argv[++i];
		else if (eq == NULL) {
			xasprintf(cause, "--%s needs a value; try 'sizematd "
			    "--help'", name);
			free(name);
			return (-1);
		}
		if (strcmp(name, "db") == 0 &&
		    (secret = store_name_has_password(value)) != 0) {
			xasprintf(cause, "--db: %s; put the password in "
			    "PGPASSFILE, the config file's \"db\" or a file "
			    "given to --db-file", secret < 0 ?
			    "the URI cannot be read (check its "
			    "%-escapes and spaces), and it may hold a password"
			    : "a password on the command line is there for "
			    "every user of this machine to read (ps)");
			free(name);
			return (-1);
		}
		if (strcmp(name, "config") != 0 &&
		    config_set(c, name, value, &why) != 0) {
			xasprintf(cause, "--%s; try 'sizematd --help'", why);
			free(why);
			free(name);
			return (-1);
		}
		free(name);
	}
	return (config_finish(c, cause));
}

/* Tells whether two optional strings differ. */
static int
daemon_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != b);
	return (strcmp(a, b) != 0);
}

/* Keeps an old string setting that only a restart may change. */
static void
daemon_keep_string(char **now, char **next, const char *name)
{
	if (name != NULL && daemon_differs(*now, *next))
		log_warnx("SIGHUP: %s changed; it takes effect at the next "
		    "start", name);
	free(*next);
	*next = *now;
	*now = NULL;
}

/* Keeps an old number setting that only a restart may change. */
static void
daemon_keep_int(int now, int *next, const char *name)
{
	if (now != *next)
		log_warnx("SIGHUP: %s changed; it takes effect at the next "
		    "start", name);
	*next = now;
}

/*
 * Reopens the log and reloads the config file and flags. Settings that
 * need a restart (addresses, paths, jobs, toolchains) keep their values;
 * a config with errors changes nothing.
 */
static void
daemon_reload(struct daemon *d)
{
	struct config	 next;
	char		*cause;
	int		 check_only = 0;

	if (d->config.log_file != NULL && log_open(d->config.log_file) != 0)
		log_warn("SIGHUP: %s: cannot reopen the log; it goes on in the "
		    "old file", d->config.log_file);
	if (daemon_flags(&next, d->argc, d->argv, &check_only, &cause) != 0) {
		log_warnx("SIGHUP: the config was not reloaded, nothing "
		    "changed: %s", cause);
		free(cause);
		config_free(&next);
		return;
	}
	daemon_keep_string(&d->config.db, &next.db, "db");
	daemon_keep_string(&d->config.listen, &next.listen, "listen");
	daemon_keep_string(&d->config.listen_host, &next.listen_host, NULL);
	daemon_keep_string(&d->config.workdir, &next.workdir, "workdir");
	daemon_keep_string(&d->config.profiles, &next.profiles, "profiles");
	daemon_keep_string(&d->config.socket, &next.socket, "socket");
	daemon_keep_int(d->config.jobs, &next.jobs, "jobs");
	daemon_keep_int(d->config.worker, &next.worker, "worker");
	daemon_keep_int(d->config.lease, &next.lease, "lease");
	daemon_keep_int(d->config.cores, &next.cores, "cores");
	daemon_keep_int(d->config.tcp_read_only, &next.tcp_read_only,
	    "tcp-read-only");
	next.listen_port = d->config.listen_port;
	if ((d->config.toolchains != NULL || next.toolchains != NULL) &&
	    !cJSON_Compare(d->config.toolchains, next.toolchains, 1))
		log_warnx("SIGHUP: toolchains changed; they take effect at the "
		    "next start");
	if (daemon_differs(d->config.log_file, next.log_file) &&
	    next.log_file != NULL && log_open(next.log_file) != 0) {
		log_warn("SIGHUP: %s: cannot open the log; it goes on where it "
		    "was", next.log_file);
		free(next.log_file);
		next.log_file = d->config.log_file;
		d->config.log_file = NULL;
	}
	config_free(&d->config);
	d->config = next;
	log_init(d->config.verbose);
	d->builder.timeout_s = d->config.build_timeout;
	d->builder.keep_artifacts = d->config.keep_artifacts;
	d->builder.keep_logs = d->config.keep_logs;
	d->builder.min_free = d->config.min_free_bytes;
	d->planner.unstable = d->config.unstable;
	d->planner.max_builds = (size_t)d->config.max_builds;
	gc_set_budget(d->gc, d->config.disk_budget_bytes);
	log_info("SIGHUP: config reloaded%s%s", d->config.config_file ?
	    " from " : "", d->config.config_file ? d->config.config_file : "");
}

/*
 * Keeps the daemon's own environment out of the numbers: a make jobserver
 * it was started under is not handed to cargo, and variables that change
 * what cargo builds without showing in a build's recorded env are named
 * in the log (RUSTFLAGS is recorded: it is part of every build's own).
 */
static void
daemon_clean_environment(void)
{
	static const char *const jobserver[] = { "MAKEFLAGS", "MFLAGS",
	    "CARGO_MAKEFLAGS", NULL };
	static const char *const hidden[] = { "CARGO_PROFILE_", "CARGO_BUILD_",
	    "CARGO_TARGET_", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER",
	    "RUSTC_WORKSPACE_WRAPPER", "RUSTDOCFLAGS", NULL };
	const char *const	*p;
	size_t			 i, len;

	for (p = jobserver; *p != NULL; p++)
		unsetenv(*p);
	for (i = 0; environ[i] != NULL; i++) {
		for (p = hidden; *p != NULL; p++) {
			len = strlen(*p);
			if (strncmp(environ[i], *p, len) != 0)
				continue;
			log_warnx("the environment sets %.*s, which every "
			    "build inherits without it showing in the build's "
			    "recorded env; unset it where sizematd starts",
			    (int)strcspn(environ[i], "="), environ[i]);
		}
	}
}

/* Handles TERM, INT and HUP through the loop. */
static void
daemon_signal(uv_signal_t *h, int sig)
{
	struct daemon	*d = h->data;

	if (sig == SIGHUP) {
		if (!d->stopping)
			daemon_reload(d);
		return;
	}
	daemon_stop(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/*
 * Reads the flags and config, opens the log and finds the toolchains.
 * Returns -1 to go on, else the exit code (a bad flag, --check-config).
 */
static int
daemon_setup(struct daemon *d, int argc, char **argv)
{
	char	*cause;
	int	 check_only = 0;

	d->argc = argc;
	d->argv = argv;
	if (daemon_flags(&d->config, argc, argv, &check_only, &cause) != 0) {
		fprintf(stderr, "sizematd: %s\n", cause);
		return (2);
	}
	log_init(d->config.verbose);
	if (d->config.log_file != NULL && log_open(d->config.log_file) != 0) {
		fprintf(stderr, "sizematd: log-file: %s: %s\n",
		    d->config.log_file, strerror(errno));
		return (2);
	}
	d->toolchains = toolchains_create("cargo", getenv("RUSTC") != NULL &&
	    *getenv("RUSTC") != '\0' ? getenv("RUSTC") : "rustc",
	    d->config.toolchains, d->config.config_file, &cause);
	if (d->toolchains == NULL) {
		fprintf(stderr, "sizematd: %s\n", cause);
		return (2);
	}
	if (check_only) {
		printf("sizematd: config ok: db %s, listen %s, workdir %s, "
		    "profiles %s, jobs %d\n", d->config.db_name,
		    d->config.listen != NULL ? d->config.listen : "nothing",
		    d->config.workdir, d->config.profiles, d->config.jobs);
		return (0);
	}
	return (-1);
}

/*
 * Opens the database (its directory and the work dir made first) and
 * queues again what was running when the daemon stopped.
 */
static void
daemon_open_store(struct daemon *d)
{
	char	*dbdir, *slash, *cause, *caps;
	int	 requeued;

	dbdir = xstrdup(d->config.db);
	if (!store_name_is_uri(dbdir) &&
	    (slash = strrchr(dbdir, '/')) != NULL && slash != dbdir) {
		*slash = '\0';
		if (daemon_mkdirs(dbdir) != 0)
			fatal("%s", dbdir);
	}
	free(dbdir);
	if (daemon_mkdirs(d->config.workdir) != 0)
		fatal("%s", d->config.workdir);
	if ((d->store = store_open(d->config.db, &cause)) == NULL)
		fatalx("%s", cause);
	store_set_worker(d->store, d->config.name);
	caps = toolchains_caps(d->toolchains);
	store_set_daemon(d->store, d->config.worker, d->config.jobs, caps,
	    d->config.lease);
	free(caps);
	if (store_daemon_seen(d->store) != 0)
		fatalx("%s: cannot record this daemon", d->config.db_name);
	/* On SQLite, the one daemon; on PostgreSQL, one of many. */
	if (store_requeue_running(d->store, store_shared(d->store) ?
	    STORE_REQUEUE_START : STORE_REQUEUE_ALL, &requeued) != 0)
		fatalx("%s: cannot queue again the builds that were running",
		    d->config.db_name);
	if (requeued > 0)
		log_info("%d builds were running when sizematd stopped; "
		    "queued again", requeued);
}

/*
 * The queue's events (this daemon's, or another's on the same database)
 * for the modules that act on them once: the leader's.
 */
static void
daemon_on_queue(enum queue_event ev, int64_t id, void *arg)
{
	struct daemon	*d = arg;

	if (!peers_leading(d->peers))
		return;
	track_on_queue(ev, id, d->track);
	searcher_on_queue(ev, id, d->searcher);
	verify_on_queue(ev, id, &d->planner);
}

/*
 * This daemon leads the daemons sharing the database, or no longer does:
 * schedules, detection, bisections, searches and webhook deliveries are
 * the leader's.
 */
static void
daemon_lead(void *arg, int leading)
{
	struct daemon	*d = arg;

	notify_lead(d->notify, leading);
	track_lead(d->track, leading);
	if (leading)
		searcher_resume(d->searcher);
}

/* Another daemon asks the leader to look for git work. */
static void
daemon_work(void *arg, int unused)
{
	struct daemon	*d = arg;

	(void)unused;
	track_schedules(d->track);
}

/* The tracker of a daemon that does not lead asks the leader. */
static void
daemon_ask_work(void *arg)
{
	struct daemon	*d = arg;

	peers_ask_work(d->peers);
}

/*
 * Creates the modules on the loop in their one-way order: the builder's
 * config, the queue and the collector, webhooks, the planner, and the
 * tracker, which listens to the queue.
 */
static void
daemon_start_work(struct daemon *d)
{
	char	*path, *cause;

	d->helper = daemon_spawn_helper();
	if (access(d->helper, X_OK) != 0)
		fatalx("%s: the spawn helper is missing; install sizematd "
		    "with 'make install' or set SIZEMAT_SPAWN", d->helper);
	xasprintf(&path, "%s/jobserver", d->config.workdir);
	if (d->config.jobs > 0 && (d->jobserver = jobserver_create(path,
	    d->config.cores, &cause)) == NULL) {
		log_warnx("%s; each build takes every core", cause);
		free(cause);
	}
	free(path);
	d->builder.workdir = d->config.workdir;
	d->builder.spawn_helper = d->helper;
	d->builder.toolchains = d->toolchains;
	d->builder.identities = identities_create();
	d->builder.timeout_s = d->config.build_timeout;
	d->builder.keep_artifacts = d->config.keep_artifacts;
	d->builder.keep_logs = d->config.keep_logs;
	d->builder.min_free = d->config.min_free_bytes;
	d->builder.jobserver = jobserver_env(d->jobserver);
	d->queue = queue_create(d->loop, d->store, &d->builder,
	    d->config.jobs, d->config.lease, d->jobserver);
	d->gc = gc_create(d->loop, d->store, d->config.workdir,
	    d->config.disk_budget_bytes);
	gc_set_busy(d->gc, queue_dir_busy, d->queue);
	queue_set_gc(d->queue, d->gc);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("libcurl cannot start");
	d->notify = notify_create(d->loop, d->store);
	d->planner.store = d->store;
	d->planner.queue = d->queue;
	d->planner.toolchains = d->toolchains;
	d->planner.workdir = d->config.workdir;
	d->planner.unstable = d->config.unstable;
	d->planner.profiles = d->config.profiles;
	d->planner.max_builds = (size_t)d->config.max_builds;
	d->track = track_create(d->loop, d->store, &d->planner, d->notify,
	    daemon_ask_work, d);
	d->planner.prepare = track_kick;
	d->planner.prepare_arg = d->track;
	d->searcher = searcher_create(d->store, &d->planner);
	d->events = events_create(d->store);
	d->peers = peers_create(d->loop, d->store, d->queue, d->config.lease,
	    daemon_lead, daemon_work, d);
	queue_listen(d->queue, peers_on_queue, d->peers);
	queue_listen(d->queue, daemon_on_queue, d);
	queue_listen(d->queue, events_on_queue, d->events);
}

/* Catches TERM, INT and HUP on the loop. */
static void
daemon_start_signals(struct daemon *d)
{
	uv_timer_init(d->loop, &d->drain);
	d->drain.data = d;
	uv_signal_init(d->loop, &d->sigint);
	uv_signal_init(d->loop, &d->sigterm);
	uv_signal_init(d->loop, &d->sighup);
	d->sigint.data = d->sigterm.data = d->sighup.data = d;
	uv_signal_start(&d->sigint, daemon_signal, SIGINT);
	uv_signal_start(&d->sigterm, daemon_signal, SIGTERM);
	uv_signal_start(&d->sighup, daemon_signal, SIGHUP);
}

/*
 * Starts the API's server, unless this is a worker given no --listen, and
 * the signal handlers, and says where it listens.
 */
static void
daemon_start_serving(struct daemon *d)
{
	char	*cause;

	d->api.store = d->store;
	d->api.queue = d->queue;
	d->api.config = &d->config;
	d->api.workdir = d->config.workdir;
	d->api.toolchains = d->toolchains;
	d->api.gc = d->gc;
	d->api.planner = &d->planner;
	d->api.track = d->track;
	d->api.searcher = d->searcher;
	d->api.events = d->events;
	d->api.cache = api_cache_create();
	d->api.metrics = metrics_create();
	if (d->config.listen != NULL) {
		if ((d->server = server_create(d->loop, &d->api, &d->config,
		    &cause)) == NULL)
			fatalx("%s", cause);
		events_set_wake(d->events, server_wake, d->server);
		/* The port bound, for the Host headers the API accepts. */
		d->config.listen_port = server_port(d->server);
	}
	daemon_start_signals(d);

	if (access(d->config.profiles, R_OK | X_OK) != 0)
		log_warnx("profiles %s: %s; only inline matrices can run "
		    "(set --profiles)", d->config.profiles, strerror(errno));
	log_info("%s %s: database %s (schema %d), workdir %s, profiles %s, "
	    "%d jobs sharing %d cores, leases of %d s",
	    d->config.worker ? "worker" : "daemon", d->config.name,
	    d->config.db_name, store_schema_version(d->store),
	    d->config.workdir, d->config.profiles, d->config.jobs,
	    jobserver_tokens(d->jobserver), d->config.lease);
	if (d->server == NULL) {
		fprintf(stderr, "sizematd: worker %s ready; listening on "
		    "nothing\n", d->config.name);
		fflush(stderr);
		return;
	}
	snprintf(d->api.url, sizeof d->api.url, "http://%s%s%s:%d",
	    strchr(d->config.listen_host, ':') ? "[" : "",
	    d->config.listen_host,
	    strchr(d->config.listen_host, ':') ? "]" : "",
	    server_port(d->server));
	fprintf(stderr, "sizematd: listening on %s\n", d->api.url);
	fflush(stderr);
}

/* Closes what the loop left and frees every module; the exit code. */
static int
daemon_finish(struct daemon *d)
{
	int	 rc;

	uv_walk(d->loop, daemon_close_walk, NULL);
	uv_run(d->loop, UV_RUN_DEFAULT);
	if ((rc = uv_loop_close(d->loop)) != 0)
		log_warnx("event loop: %s", uv_strerror(rc));
	queue_free(d->queue);
	jobserver_free(d->jobserver);
	api_cache_free(d->api.cache);
	metrics_free(d->api.metrics);
	peers_free(d->peers);
	track_free(d->track);
	searcher_free(d->searcher);
	events_free(d->events);
	notify_free(d->notify);
	curl_global_cleanup();
	gc_free(d->gc);
	store_close(d->store);
	identities_free(d->builder.identities);
	toolchains_free(d->toolchains);
	config_free(&d->config);
	free(d->helper);
	log_info("stopped");
	return (rc == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	struct daemon	 d;
	int		 rc;

	memset(&d, 0, sizeof d);
	if ((rc = daemon_setup(&d, argc, argv)) >= 0)
		exit(rc);
	signal(SIGPIPE, SIG_IGN);
	daemon_clean_environment();
	daemon_open_store(&d);
	d.loop = uv_default_loop();
	daemon_start_work(&d);
	daemon_start_serving(&d);
	queue_kick(d.queue);
	uv_run(d.loop, UV_RUN_DEFAULT);
	return (daemon_finish(&d));
}
