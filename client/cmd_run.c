/*
 * sizemat run PROJECT [--matrix NAME|FILE] [--wait]: queues a run and,
 * with --wait, follows it to its end, through a daemon restart.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sizemat.h"

#define RUN_POLL_MS		700	/* a daemon without events */
#define RUN_TICK_MS		1000	/* the status line's redraw */
#define RUN_QUIET_MS		10000	/* elsewhere, between events */
#define RUN_RECONNECT_S		60
#define RUN_MAX_MATRIX		(1024 * 1024)
#define RUN_STANDING_S		30

struct run_live;
static void	run_unshow(struct run_live *);

/*
 * Reads a PROJECT argument (INTERFACE.md): one with a '/' or that names a
 * directory is a path, made absolute; anything else is a tracked
 * project's name, returned as it is. Sets *tracked for a name.
 */
char *
project_arg(const char *arg, int *tracked)
{
	char		 real[PATH_MAX];
	struct stat	 sb;

	*tracked = 0;
	if (strchr(arg, '/') == NULL &&
	    (stat(arg, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		*tracked = 1;
		return (xstrdup(arg));
	}
	if (realpath(arg, real) == NULL) {
		fprintf(stderr, "sizemat: %s: %s\n", arg, strerror(errno));
		return (NULL);
	}
	if (stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "sizemat: %s: not a directory\n", arg);
		return (NULL);
	}
	return (xstrdup(real));
}

/* Tells whether a --matrix value names a file rather than a matrix. */
int
run_matrix_is_file(const char *matrix)
{
	size_t	 len = strlen(matrix);

	return (strchr(matrix, '/') != NULL ||
	    (len > 5 && strcmp(matrix + len - 5, ".json") == 0));
}

/* Reads a matrix file into a JSON object, or says why it cannot. */
cJSON *
run_matrix_file(const char *path)
{
	cJSON	*doc;
	char	*cause;

	if ((doc = json_load_file(path, RUN_MAX_MATRIX, &cause)) == NULL) {
		fprintf(stderr, "sizemat: --matrix %s\n", cause);
		free(cause);
	} else if (!cJSON_IsObject(doc)) {
		fprintf(stderr, "sizemat: --matrix %s: a matrix is a JSON "
		    "object\n", path);
		cJSON_Delete(doc);
		doc = NULL;
	}
	return (doc);
}

/*
 * Adds a --matrix value to a request body: a name as it is, a file's
 * matrix with its path. Returns 0, or -1 having said why.
 */
int
run_add_matrix(cJSON *body, const char *matrix)
{
	char	 real[PATH_MAX];
	cJSON	*m;

	if (!run_matrix_is_file(matrix)) {
		cJSON_AddStringToObject(body, "matrix", matrix);
		return (0);
	}
	if ((m = run_matrix_file(matrix)) == NULL)
		return (-1);
	cJSON_AddItemToObject(body, "matrix", m);
	cJSON_AddStringToObject(body, "matrix_file", realpath(matrix, real) !=
	    NULL ? real : matrix);
	return (0);
}

/*
 * Waits up to ms for the daemon's next event after *seq: of run id, or
 * of every run for id 0 (GET /v1/runs/ID/events, GET /v1/events). *seq
 * becomes the newest event's number; the first call (*seq < 0) only
 * learns it. A daemon that cannot say is waited for by sleeping, and so
 * is one that held the request briefly (--max-hold) with nothing new.
 */
void
run_wait(const struct options *o, long long id, long long *seq, int ms)
{
	enum request_result	 r;
	cJSON			*doc;
	char			*path, *err, after[32] = "";

	if (*seq >= 0)
		snprintf(after, sizeof after, "after=%lld&", *seq);
	if (id > 0)
		xasprintf(&path, "/v1/runs/%lld/events?%stimeout_ms=%d", id,
		    after, ms);
	else
		xasprintf(&path, "/v1/events?%stimeout_ms=%d", after, ms);
	r = request_call(o, "GET", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK) {
		free(err);
		run_sleep(ms < RUN_POLL_MS ? ms : RUN_POLL_MS);
		return;
	}
	if (*seq >= 0 && json_int(doc, "seq", *seq) == *seq &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "over")))
		run_sleep(RUN_POLL_MS);
	*seq = (long long)json_int(doc, "seq", *seq);
	cJSON_Delete(doc);
}

/* Sleeps for ms milliseconds, through signals. */
void
run_sleep(int ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Prints one progress line for a build that has ended. */
static void
run_progress(const cJSON *b, int k, int total)
{
	const cJSON	*a;
	const char	*state = json_str(b, "state", "?");
	const char	*err = json_str(b, "error", NULL);
	char		 size[32], ms[32], name[256], tc[128];
	int		 first = 1;

	human_ms(json_int(b, "wall_ms", -1), ms, sizeof ms);
	fprintf(stderr, "[%d/%d] %s: %s", k, total,
	    json_str(b, "step", NULL) ? json_str(b, "step", "") :
	    json_str(b, "variant_key", "?"), state);
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(b,
	    "artifacts")) {
		human_size(json_int(a, "file_size", -1), size, sizeof size);
		artifact_label(a, name, sizeof name);
		fprintf(stderr, "%s %s %s", first ? "," : ";", name, size);
		first = 0;
	}
	if (strcmp(state, "done") == 0 && json_int(b, "reused_from", 0) > 0)
		fprintf(stderr, " (reused build %lld, not built again)\n",
		    (long long)json_int(b, "reused_from", 0));
	else if (strcmp(state, "done") == 0 && json_int(b, "same_as", 0) > 0)
		fprintf(stderr, " (same build as %lld, not built again)\n",
		    (long long)json_int(b, "same_as", 0));
	else if (strcmp(state, "done") == 0)
		fprintf(stderr, " (%s, %s)\n", ms, toolchain_label(b, tc,
		    sizeof tc));
	else if (err != NULL)
		fprintf(stderr, ": %.*s\n", (int)strcspn(err, "\n"), err);
	else
		fputc('\n', stderr);
}

/*
 * Prints a line for each benchmark that has ended since the last call,
 * numbered among the run's benchmarks; bseen holds those printed.
 */
static void
run_bench_progress(const struct options *o, const cJSON *builds,
    int64_t **bseen, size_t *nbseen, struct run_live *live)
{
	const cJSON	*b, *x;
	const char	*state;
	char		 line[512];
	size_t		 i;
	int		 total = 0;

	cJSON_ArrayForEach(b, builds)
		total += cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(b,
		    "bench"));
	cJSON_ArrayForEach(b, builds) {
		x = cJSON_GetObjectItemCaseSensitive(b, "bench");
		state = json_str(x, "state", "pending");
		if (strcmp(state, "pending") == 0 ||
		    strcmp(state, "running") == 0)
			continue;
		for (i = 0; i < *nbseen; i++) {
			if ((*bseen)[i] == json_int(b, "id", 0))
				break;
		}
		if (i < *nbseen)
			continue;
		*bseen = xreallocarray(*bseen, *nbseen + 1, sizeof **bseen);
		(*bseen)[(*nbseen)++] = json_int(b, "id", 0);
		if (o->quiet)
			continue;
		run_unshow(live);
		bench_summary(b, line, sizeof line);
		fprintf(stderr, "[bench %zu/%d] %s: %s\n", *nbseen, total,
		    json_str(b, "step", NULL) ? json_str(b, "step", "") :
		    json_str(b, "variant_key", "?"), line);
	}
}

/* Tells whether a build state is final. */
static int
run_final(const char *state)
{
	return (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0);
}

/* Formats a wait for people: "42 s", "3 min 5 s", "1 h 12 min". */
static void
run_duration(int64_t ms, char *out, size_t len)
{
	long long	 s = (long long)(ms + 500) / 1000;

	if (s < 60)
		snprintf(out, len, "%lld s", s);
	else if (s < 3600)
		snprintf(out, len, "%lld min %lld s", s / 60, s % 60);
	else
		snprintf(out, len, "%lld h %lld min", s / 3600, s % 3600 / 60);
}

/*
 * Writes where a run stands while it is not done: builds done and left,
 * the running build's time so far against what it took before, and the
 * queued builds' place in the daemon's queue.
 */
static void
run_standing(const cJSON *doc, char *out, size_t len)
{
	const cJSON	*run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	const cJSON	*b, *running = NULL;
	char		 el[32], est[32];
	long long	 queued = 0, first = 0, pos, total, ended;
	size_t		 n;

	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc,
	    "builds")) {
		if (strcmp(json_str(b, "state", ""), "running") == 0 &&
		    running == NULL)
			running = b;
		if (strcmp(json_str(b, "state", ""), "queued") != 0)
			continue;
		queued++;
		pos = (long long)json_int(b, "queue_position", 0);
		if (pos > 0 && (first == 0 || pos < first))
			first = pos;
	}
	total = (long long)json_int(run, "builds_total", 0);
	ended = total - queued - (long long)json_int(run, "builds_running", 0);
	n = (size_t)snprintf(out, len, "run %lld: %lld of %lld build%s ended",
	    (long long)json_int(run, "id", 0), ended, total, plural(total));
	if (queued > 0 && n < len)
		n += (size_t)snprintf(out + n, len - n, ", %lld queued", queued);
	if (queued > 0 && first > 1 && n < len)
		n += (size_t)snprintf(out + n, len - n, " behind %lld build%s "
		    "of other runs", first - 1, plural(first - 1));
	if (running == NULL && queued == 0 && n < len &&
	    strcmp(json_str(run, "state", ""), "running") == 0)
		n += (size_t)snprintf(out + n, len - n, "; benchmarking, one at "
		    "a time while no build runs");
	if (running == NULL || n >= len)
		return;
	/* The variant key last: a narrow terminal cuts it, not the times. */
	run_duration(json_int(running, "elapsed_ms", 0), el, sizeof el);
	if (json_int(running, "estimate_ms", -1) >= 0) {
		run_duration(json_int(running, "estimate_ms", 0), est,
		    sizeof est);
		n += (size_t)snprintf(out + n, len - n, "; building for %s "
		    "(took %s before): ", el, est);
	} else
		n += (size_t)snprintf(out + n, len - n, "; building for %s: ",
		    el);
	if (n < len)
		snprintf(out + n, len - n, "%s", json_str(running, "step",
		    NULL) ? json_str(running, "step", "") :
		    json_str(running, "variant_key", "?"));
}

/* The line that says where a followed run stands. */
struct run_live {
	int	 tty;		/* stderr is a terminal: one line redrawn */
	int	 drawn;		/* that line is on the screen */
	time_t	 printed;	/* elsewhere: when a line was last printed */
};

/*
 * Shows where a run stands: on a terminal as one line redrawn in place,
 * elsewhere as a line every RUN_STANDING_S.
 */
static void
run_show(const struct options *o, const cJSON *doc, struct run_live *l)
{
	char		 line[512];
	struct winsize	 ws;
	int		 width = 80;

	if (o->quiet)
		return;
	run_standing(doc, line, sizeof line);
	if (!l->tty) {
		if (time(NULL) - l->printed >= RUN_STANDING_S) {
			fprintf(stderr, "sizemat: %s\n", line);
			l->printed = time(NULL);
		}
		return;
	}
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		width = ws.ws_col;
	fprintf(stderr, "\r\033[K%.*s", width - 1, line);
	l->drawn = 1;
}

/* Clears the line run_show drew on a terminal, if any. */
static void
run_unshow(struct run_live *l)
{
	if (l->drawn)
		fputs("\r\033[K", stderr);
	l->drawn = 0;
}

/*
 * Follows a run until it is done or cancelled, printing a line per build
 * that ends. Returns the final results document, or NULL (exit code set).
 */
cJSON *
run_follow(const struct options *o, long long id, int *rc)
{
	enum request_result	 r;
	cJSON			*doc = NULL, *b;
	char			*path, *err;
	int64_t			*seen = NULL, *bseen = NULL;
	size_t			 nseen = 0, nbseen = 0, i;
	time_t			 lost = 0;
	long long		 seq = -1;
	struct run_live		 live;
	int			 total, k;
	const char		*state;

	live.tty = isatty(STDERR_FILENO);
	live.drawn = 0;
	live.printed = time(NULL);
	xasprintf(&path, "/v1/runs/%lld", id);
	for (;;) {
		r = request_call(o, "GET", path, NULL, &doc, &err);
		if (r == REQUEST_UNREACHABLE) {
			if (lost == 0) {
				run_unshow(&live);
				lost = time(NULL);
				fprintf(stderr, "sizemat: lost sizematd at %s; "
				    "retrying for up to %d s\n", o->server,
				    RUN_RECONNECT_S);
			}
			if (time(NULL) - lost > RUN_RECONNECT_S) {
				*rc = request_fail(o, r, err);
				break;
			}
			free(err);
			run_sleep(1000);
			continue;
		}
		if (r != REQUEST_OK) {
			run_unshow(&live);
			*rc = request_fail(o, r, err);
			break;
		}
		if (lost != 0 && !o->quiet)
			fprintf(stderr, "sizemat: sizematd is back; following "
			    "run %lld\n", id);
		lost = 0;
		total = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
		    "builds"));
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc,
		    "builds")) {
			if (!run_final(json_str(b, "state", "queued")))
				continue;
			for (i = 0; i < nseen; i++) {
				if (seen[i] == json_int(b, "id", 0))
					break;
			}
			if (i < nseen)
				continue;
			seen = xreallocarray(seen, nseen + 1, sizeof *seen);
			seen[nseen++] = json_int(b, "id", 0);
			k = (int)nseen;
			run_unshow(&live);
			if (!o->quiet)
				run_progress(b, k, total);
		}
		run_bench_progress(o, cJSON_GetObjectItemCaseSensitive(doc,
		    "builds"), &bseen, &nbseen, &live);
		state = json_str(cJSON_GetObjectItemCaseSensitive(doc, "run"),
		    "state", "");
		if (strcmp(state, "done") == 0 ||
		    strcmp(state, "cancelled") == 0) {
			run_unshow(&live);
			free(path);
			free(seen);
			free(bseen);
			return (doc);
		}
		run_show(o, doc, &live);
		cJSON_Delete(doc);
		doc = NULL;
		/* Woken by the run's next event; a terminal's line ticks. */
		run_wait(o, id, &seq, live.tty ? RUN_TICK_MS : RUN_QUIET_MS);
	}
	run_unshow(&live);
	cJSON_Delete(doc);
	free(path);
	free(seen);
	free(bseen);
	return (NULL);
}

/*
 * Adds --bench to a run request: a JSON object as a matrix's "bench"
 * takes it, else a command line split on spaces ("{artifact} 20" is a
 * command: it does not parse as JSON). The daemon checks either.
 */
static void
run_add_bench(cJSON *body, const char *text)
{
	cJSON		*b, *cmd;
	const char	*p;
	char		*word;
	size_t		 len;

	if ((b = cJSON_Parse(text)) != NULL && cJSON_IsObject(b)) {
		cJSON_AddItemToObject(body, "bench", b);
		return;
	}
	cJSON_Delete(b);
	b = cJSON_AddObjectToObject(body, "bench");
	cmd = cJSON_AddArrayToObject(b, "command");
	for (p = text; *p != '\0'; p += len) {
		p += strspn(p, " \t");
		if ((len = strcspn(p, " \t")) == 0)
			continue;
		word = xstrndup(p, len);
		cJSON_AddItemToArray(cmd, cJSON_CreateString(word));
		free(word);
	}
}

/* Adds the run-wide build settings given as options to a run request. */
static void
run_build_settings(const struct options *o, cJSON *body)
{
	cJSON		*list;
	const char	*p;
	char		*name;
	size_t		 len;

	if (o->toolchain != NULL)
		cJSON_AddStringToObject(body, "toolchain", o->toolchain);
	if (o->package != NULL)
		cJSON_AddStringToObject(body, "package", o->package);
	if (o->bin != NULL)
		cJSON_AddStringToObject(body, "bin", o->bin);
	if (o->example != NULL)
		cJSON_AddStringToObject(body, "example", o->example);
	if (o->profile != NULL)
		cJSON_AddStringToObject(body, "profile", o->profile);
	if (o->no_default_features)
		cJSON_AddFalseToObject(body, "default-features");
	if (o->features != NULL) {
		/* Cargo takes features split by commas or spaces. */
		list = cJSON_AddArrayToObject(body, "features");
		for (p = o->features; *p != '\0'; p += len) {
			p += strspn(p, ", ");
			if ((len = strcspn(p, ", ")) == 0)
				continue;
			name = xstrndup(p, len);
			cJSON_AddItemToArray(list, cJSON_CreateString(name));
			free(name);
		}
	}
}

/* sizemat run PROJECT [--matrix NAME|FILE] [--wait] [--toolchain T] ... */
int
cmd_run(struct options *o)
{
	enum request_result	 r;
	cJSON			*body, *doc, *run;
	char			*project, *err;
	const char		*matrix = o->matrix ? o->matrix : "default";
	long long		 id;
	int			 rc = EXIT_OK, tracked;

	if ((project = project_arg(o->args[0], &tracked)) == NULL)
		return (EXIT_USAGE);
	if (!tracked && (o->rev != NULL || o->force)) {
		free(project);
		return (usage_error("run: --rev and --force need a tracked "
		    "project's name ('sizemat project add'); %s is a path",
		    o->args[0]));
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "project", project);
	free(project);
	if (o->rev != NULL)
		cJSON_AddStringToObject(body, "rev", o->rev);
	if (o->force)
		cJSON_AddTrueToObject(body, "force");
	if (o->any_compiler)
		cJSON_AddTrueToObject(body, "any_compiler");
	/* A tracked project's run takes its own matrix unless one is given. */
	if ((!tracked || o->matrix != NULL) && run_add_matrix(body,
	    matrix) != 0) {
		cJSON_Delete(body);
		return (EXIT_USAGE);
	}
	run_build_settings(o, body);
	if (o->bench != NULL)
		run_add_bench(body, o->bench);

	r = request_call(o, "POST", "/v1/runs", body, &doc, &err);
	cJSON_Delete(body);
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	id = (long long)json_int(run, "id", 0);
	if (!o->wait) {
		if (o->format == FORMAT_JSON)
			print_json(doc);
		else
			printf("run %lld queued: %lld build%s of matrix %s "
			    "on %s%s%s\n", id, (long long)json_int(run,
			    "builds_total", 0), plural(json_int(run,
			    "builds_total", 0)), json_str(run, "matrix", ""),
			    json_str(run, "project", ""), json_str(run, "rev",
			    NULL) != NULL ? " at " : "", json_str(run, "rev",
			    ""));
		if (o->format != FORMAT_JSON)
			fprintf(stderr, "sizemat: follow it with 'sizemat "
			    "results %lld', or run with --wait\n", id);
		cJSON_Delete(doc);
		return (EXIT_OK);
	}
	if (!o->quiet)
		fprintf(stderr, "sizemat: run %lld: %lld build%s of matrix %s "
		    "on %s%s%s\n", id, (long long)json_int(run, "builds_total",
		    0), plural(json_int(run, "builds_total", 0)),
		    json_str(run, "matrix", ""), json_str(run, "project",
		    ""), json_str(run, "rev", NULL) != NULL ? " at " : "",
		    json_str(run, "rev", ""));
	cJSON_Delete(doc);
	if ((doc = run_follow(o, id, &rc)) == NULL)
		return (rc);
	rc = results_print(o, doc);
	cJSON_Delete(doc);
	return (rc);
}
