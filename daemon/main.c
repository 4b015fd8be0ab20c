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
	struct config		 config;
	struct store		*store;
	struct queue		*queue;
	struct gc		*gc;
	struct planner		 planner;
	struct notify		*notify;
	struct track		*track;
	struct server		*server;
	struct api		 api;
	struct builder_config	 builder;
	struct toolchains	*toolchains;
	uv_signal_t		 sigint;
	uv_signal_t		 sigterm;
	uv_signal_t		 sighup;
	int			 stopping;
};

/* Prints usage to f. */
static void
daemon_usage(FILE *f)
{
	fprintf(f, "usage: sizematd [--config FILE] [--db PATH] "
	    "[--listen HOST:PORT] [--workdir DIR]\n"
	    "                [--profiles DIR] [--jobs N] [--token-file F] "
	    "[--allow-root DIR]... [-v]\n\n"
	    "Schedules cargo builds across matrices of profile settings and "
	    "records every\nartifact's size in SQLite. Runs in the foreground "
	    "and logs to stderr.\n\n"
	    "  --config FILE   JSON file with the same names as the flags\n"
	    "%s"
	    "  --check-config  check the flags and config file, then exit\n"
	    "  -v              log debug lines too\n"
	    "  --help, --version\n\n"
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

/* Stops taking requests and builds; the loop ends when all is closed. */
static void
daemon_stop(struct daemon *d, const char *why)
{
	if (d->stopping)
		return;
	d->stopping = 1;
	log_info("%s: stopping; running builds are queued again at the next "
	    "start", why);
	server_close(d->server);
	queue_stop(d->queue);
	track_stop(d->track);
	notify_stop(d->notify);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
}

/* Handles TERM, INT and HUP through the loop. */
static void
daemon_signal(uv_signal_t *h, int sig)
{
	struct daemon	*d = h->data;

	if (sig == SIGHUP) {
		log_info("SIGHUP: the log goes to stderr; nothing to reopen");
		return;
	}
	daemon_stop(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* Reads flags: --name VALUE or --name=VALUE, from the config table. */
static void
daemon_flags(struct daemon *d, int argc, char **argv, int *check_only)
{
	char	*cause, *name, *value, *eq;
	int	 i;

	/* The config file first, so flags override it. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			if (config_load_file(&d->config, argv[i + 1],
			    &cause) != 0) {
				fprintf(stderr, "sizematd: %s\n", cause);
				exit(2);
			}
		} else if (strncmp(argv[i], "--config=", 9) == 0 &&
		    config_load_file(&d->config, argv[i] + 9, &cause) != 0) {
			fprintf(stderr, "sizematd: %s\n", cause);
			exit(2);
		}
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
			d->config.verbose++;
			continue;
		}
		if (strcmp(argv[i], "--check-config") == 0) {
			*check_only = 1;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			fprintf(stderr, "sizematd: unexpected argument \"%s\"; "
			    "try 'sizematd --help'\n", argv[i]);
			exit(2);
		}
		name = xstrdup(argv[i] + 2);
		if ((eq = strchr(name, '=')) != NULL) {
			*eq = '\0';
			value = eq + 1;
		} else if (i + 1 < argc)
			value = argv[++i];
		else {
			fprintf(stderr, "sizematd: --%s needs a value; try "
			    "'sizematd --help'\n", name);
			exit(2);
		}
		if (strcmp(name, "config") != 0 &&
		    config_set(&d->config, name, value, &cause) != 0) {
			fprintf(stderr, "sizematd: --%s; try 'sizematd "
			    "--help'\n", cause);
			exit(2);
		}
		free(name);
	}
	if (config_finish(&d->config, &cause) != 0) {
		fprintf(stderr, "sizematd: %s%s\n", d->config.config_file ?
		    "" : "", cause);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct daemon	 d;
	char		*cause, *dbdir, *slash, *helper;
	int		 check_only = 0, requeued, rc;

	memset(&d, 0, sizeof d);
	config_defaults(&d.config);
	daemon_flags(&d, argc, argv, &check_only);
	log_init(d.config.verbose);
	d.toolchains = toolchains_create("cargo", getenv("RUSTC") != NULL &&
	    *getenv("RUSTC") != '\0' ? getenv("RUSTC") : "rustc",
	    d.config.toolchains, d.config.config_file, &cause);
	if (d.toolchains == NULL) {
		fprintf(stderr, "sizematd: %s\n", cause);
		exit(2);
	}
	if (check_only) {
		printf("sizematd: config ok: db %s, listen %s, workdir %s, "
		    "profiles %s, jobs %d\n", d.config.db, d.config.listen,
		    d.config.workdir, d.config.profiles, d.config.jobs);
		return (0);
	}
	signal(SIGPIPE, SIG_IGN);

	dbdir = xstrdup(d.config.db);
	if ((slash = strrchr(dbdir, '/')) != NULL && slash != dbdir) {
		*slash = '\0';
		if (daemon_mkdirs(dbdir) != 0)
			fatal("%s", dbdir);
	}
	free(dbdir);
	if (daemon_mkdirs(d.config.workdir) != 0)
		fatal("%s", d.config.workdir);
	if ((d.store = store_open(d.config.db, &cause)) == NULL)
		fatalx("%s", cause);
	if (store_requeue_running(d.store, &requeued) != 0)
		fatalx("%s: cannot queue again the builds that were running",
		    d.config.db);
	if (requeued > 0)
		log_info("%d builds were running when sizematd stopped; "
		    "queued again", requeued);

	d.loop = uv_default_loop();
	helper = daemon_spawn_helper();
	if (access(helper, X_OK) != 0)
		fatalx("%s: the spawn helper is missing; install sizematd "
		    "with 'make install' or set SIZEMAT_SPAWN", helper);
	d.builder.workdir = d.config.workdir;
	d.builder.spawn_helper = helper;
	d.builder.toolchains = d.toolchains;
	d.builder.timeout_s = d.config.build_timeout;
	d.builder.keep_artifacts = d.config.keep_artifacts;
	d.builder.keep_logs = d.config.keep_logs;
	d.queue = queue_create(d.loop, d.store, &d.builder, d.config.jobs);
	d.gc = gc_create(d.loop, d.store, d.config.workdir,
	    d.config.disk_budget_bytes);
	gc_set_busy(d.gc, queue_dir_busy, d.queue);
	queue_set_gc(d.queue, d.gc);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("libcurl cannot start");
	d.notify = notify_create(d.loop, d.store);
	d.planner.store = d.store;
	d.planner.queue = d.queue;
	d.planner.toolchains = d.toolchains;
	d.planner.workdir = d.config.workdir;
	d.planner.unstable = d.config.unstable;
	d.planner.profiles = d.config.profiles;
	d.planner.max_builds = (size_t)d.config.max_builds;
	d.track = track_create(d.loop, d.store, &d.planner, d.notify);
	d.planner.prepare = track_kick;
	d.planner.prepare_arg = d.track;
	queue_set_track(d.queue, d.track);
	track_kick(d.track);

	d.api.store = d.store;
	d.api.queue = d.queue;
	d.api.config = &d.config;
	d.api.workdir = d.config.workdir;
	d.api.toolchains = d.toolchains;
	d.api.gc = d.gc;
	d.api.planner = &d.planner;
	d.api.track = d.track;
	if ((d.server = server_create(d.loop, &d.api, &d.config,
	    &cause)) == NULL)
		fatalx("%s", cause);
	/* The port bound, for the Host headers the API accepts. */
	d.config.listen_port = server_port(d.server);

	uv_signal_init(d.loop, &d.sigint);
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sighup);
	d.sigint.data = d.sigterm.data = d.sighup.data = &d;
	uv_signal_start(&d.sigint, daemon_signal, SIGINT);
	uv_signal_start(&d.sigterm, daemon_signal, SIGTERM);
	uv_signal_start(&d.sighup, daemon_signal, SIGHUP);

	if (access(d.config.profiles, R_OK | X_OK) != 0)
		log_warnx("profiles %s: %s; only inline matrices can run "
		    "(set --profiles)", d.config.profiles, strerror(errno));
	log_info("database %s (schema %d), workdir %s, profiles %s, %d jobs",
	    d.config.db, store_schema_version(d.store), d.config.workdir,
	    d.config.profiles, d.config.jobs);
	fprintf(stderr, "sizematd: listening on http://%s%s%s:%d\n",
	    strchr(d.config.listen_host, ':') ? "[" : "",
	    d.config.listen_host,
	    strchr(d.config.listen_host, ':') ? "]" : "",
	    server_port(d.server));
	fflush(stderr);
	queue_kick(d.queue);

	uv_run(d.loop, UV_RUN_DEFAULT);
	uv_walk(d.loop, daemon_close_walk, NULL);
	uv_run(d.loop, UV_RUN_DEFAULT);
	if ((rc = uv_loop_close(d.loop)) != 0)
		log_warnx("event loop: %s", uv_strerror(rc));
	queue_free(d.queue);
	track_free(d.track);
	notify_free(d.notify);
	curl_global_cleanup();
	gc_free(d.gc);
	store_close(d.store);
	toolchains_free(d.toolchains);
	config_free(&d.config);
	free(helper);
	log_info("stopped");
	return (rc == 0 ? 0 : 1);
}
