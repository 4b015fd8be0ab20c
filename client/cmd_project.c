/*
 * sizemat project add|list|show|remove: tracked projects, a name for a git
 * repository and what to build there.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sizemat.h"

#define PROJECT_CLONE_WAIT_S	600

/* Prints one project as "key: value" lines. */
static void
project_print(const cJSON *p)
{
	static const char *const keys[] = { "name", "state", "problem",
	    "source", "branch", "head", "matrix", "toolchain", "schedule",
	    "next_tick", "threshold", "justification_trailer",
	    "max_slowdown", "speed_metric", "runs", "commits_measured",
	    "regressions", "slowdowns", "last_run", NULL };
	const cJSON	*v, *u;
	size_t		 i;
	char		 size[32];

	for (i = 0; keys[i] != NULL; i++) {
		v = cJSON_GetObjectItemCaseSensitive(p, keys[i]);
		if (cJSON_IsString(v))
			printf("%-17s %s\n", keys[i], v->valuestring);
		else if (cJSON_IsNumber(v))
			printf("%-17s %lld\n", keys[i], (long long)v->valuedouble);
	}
	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(p, "webhooks"))
		printf("%-17s %s\n", "webhook", cJSON_GetStringValue(u));
	v = cJSON_GetObjectItemCaseSensitive(p, "variants");
	if (cJSON_GetArraySize(v) > 0) {
		printf("\nmeasured variants (latest result, smallest first):\n");
		cJSON_ArrayForEach(u, v) {
			human_size(json_int(u, "file_size", 0), size,
			    sizeof size);
			printf("  %10s  %s  %s  at %.12s\n", size,
			    json_str(u, "artifact", ""),
			    json_str(u, "variant_key", ""),
			    json_str(u, "commit", ""));
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(p, "deliveries");
	if (cJSON_GetArraySize(v) > 0) {
		printf("\nwebhook deliveries (newest first):\n");
		cJSON_ArrayForEach(u, v) {
			printf("  %s %.12s %s, %lld attempt%s%s%s\n",
			    json_str(u, "state", ""), json_str(u, "commit", ""),
			    json_str(u, "url", ""), (long long)json_int(u,
			    "attempts", 0), json_int(u, "attempts", 0) == 1 ?
			    "" : "s", json_str(u, "error", NULL) ? ": " : "",
			    json_str(u, "error", ""));
		}
	}
}

/*
 * Adds the project settings given as options to a request body: branch,
 * matrix (a file's content goes with the project), toolchain, schedule,
 * threshold and, for add (or when given), the webhooks. Returns 0 or -1.
 */
static int
project_settings(const struct options *o, cJSON *body, int add)
{
	cJSON	*hooks, *m;
	int	 i;

	if (o->branch != NULL)
		cJSON_AddStringToObject(body, "branch", o->branch);
	if (o->matrix != NULL && run_matrix_is_file(o->matrix)) {
		if ((m = run_matrix_file(o->matrix)) == NULL)
			return (-1);
		cJSON_AddItemToObject(body, "matrix", m);
	} else if (o->matrix != NULL)
		cJSON_AddStringToObject(body, "matrix", o->matrix);
	if (o->toolchain != NULL)
		cJSON_AddStringToObject(body, "toolchain", o->toolchain);
	if (o->schedule != NULL)
		cJSON_AddStringToObject(body, "schedule", o->schedule);
	if (o->trailer != NULL)
		cJSON_AddStringToObject(body, "justification_trailer",
		    o->trailer);
	if (o->threshold != NULL)
		cJSON_AddStringToObject(body, "threshold", o->threshold);
	if (o->max_slowdown != NULL)
		cJSON_AddStringToObject(body, "max_slowdown", o->max_slowdown);
	if (o->speed_metric != NULL)
		cJSON_AddStringToObject(body, "speed_metric", o->speed_metric);
	if (add || o->webhooks.n > 0) {
		hooks = cJSON_AddArrayToObject(body, "webhooks");
		for (i = 0; i < o->webhooks.n; i++)
			cJSON_AddItemToArray(hooks,
			    cJSON_CreateString(o->webhooks.v[i]));
	}
	return (0);
}

/*
 * Waits while the daemon clones or looks the branch up (state "cloning"),
 * following the project at path; *doc is its latest document. Returns 0,
 * or -1 having said why.
 */
static int
project_wait(const struct options *o, const char *path, const char *what,
    cJSON **doc)
{
	enum request_result	 r;
	char			*err;
	int			 waited = 0;

	while (strcmp(json_str(*doc, "state", ""), "cloning") == 0) {
		if (waited == 0)
			fprintf(stderr, "sizemat: cloning %s ...\n", what);
		if (waited++ > PROJECT_CLONE_WAIT_S * 2) {
			fprintf(stderr, "sizemat: %s is still being cloned; "
			    "'sizemat project show %s' tells when it is "
			    "ready\n", what, json_str(*doc, "name", "?"));
			break;
		}
		run_sleep(500);
		cJSON_Delete(*doc);
		*doc = NULL;
		r = request_call(o, "GET", path, NULL, doc, &err);
		if (r != REQUEST_OK) {
			request_fail(o, r, err);
			return (-1);
		}
	}
	return (0);
}

/*
 * project set NAME [--branch B] [--matrix M] [--toolchain T] [--schedule S]
 * [--threshold L] [--webhook URL]...: changes what is given; a new branch
 * is looked up again before it answers.
 */
static int
project_set(struct options *o)
{
	enum request_result	 r;
	cJSON			*body, *doc;
	char			*err, *path;
	int			 rc = EXIT_OK;

	if (o->nargs != 2)
		return (usage_error("project set NAME --OPTION VALUE...: %s",
		    o->nargs < 2 ? "missing NAME" : "too many arguments"));
	body = cJSON_CreateObject();
	if (project_settings(o, body, 0) != 0) {
		cJSON_Delete(body);
		return (EXIT_USAGE);
	}
	if (cJSON_GetArraySize(body) == 0) {
		cJSON_Delete(body);
		return (usage_error("project set: nothing to change; give "
		    "--branch, --matrix, --toolchain, --schedule, --threshold, "
		    "--max-slowdown, --trailer or --webhook"));
	}
	xasprintf(&path, "/v1/projects/%s", o->args[1]);
	r = request_call(o, "PATCH", path, body, &doc, &err);
	cJSON_Delete(body);
	if (r != REQUEST_OK) {
		free(path);
		return (request_fail(o, r, err));
	}
	if (project_wait(o, path, o->branch ? o->branch : o->args[1],
	    &doc) != 0) {
		free(path);
		return (EXIT_USAGE);
	}
	if (strcmp(json_str(doc, "state", ""), "error") == 0) {
		fprintf(stderr, "sizemat: project %s: %s\n", o->args[1],
		    json_str(doc, "problem", "?"));
		rc = EXIT_USAGE;
	} else if (o->format == FORMAT_JSON)
		print_json(doc);
	else
		printf("project %s: branch %s at %.12s, matrix %s, threshold "
		    "%s, schedule %s\n", o->args[1], json_str(doc, "branch",
		    "?"), json_str(doc, "head", "?"), json_str(doc, "matrix",
		    "default"), json_str(doc, "effective_threshold", "?"),
		    json_str(doc,
		    "schedule", "none"));
	free(path);
	cJSON_Delete(doc);
	return (rc);
}

/*
 * project add NAME SOURCE: registers the project, then waits while the
 * daemon clones the source. A source that cannot be used is reported and
 * the project removed again.
 */
static int
project_add(struct options *o)
{
	enum request_result	 r;
	cJSON			*body, *doc;
	char			*err, *path, real[PATH_MAX];
	const char		*source = o->args[2], *state;
	struct stat		 sb;
	int			 rc;

	if (o->nargs != 3)
		return (usage_error("project add NAME SOURCE: %s",
		    o->nargs < 3 ? "missing argument" : "too many arguments"));
	if (o->package != NULL || o->bin != NULL || o->example != NULL ||
	    o->features != NULL ||
	    o->profile != NULL || o->no_default_features)
		return (usage_error("project add takes --matrix and "
		    "--toolchain, not other build settings"));
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", o->args[1]);
	/* A local repository goes by its absolute path. */
	if (strstr(source, "://") == NULL && stat(source, &sb) == 0 &&
	    realpath(source, real) != NULL)
		source = real;
	cJSON_AddStringToObject(body, "source", source);
	if (project_settings(o, body, 1) != 0) {
		cJSON_Delete(body);
		return (EXIT_USAGE);
	}
	r = request_call(o, "POST", "/v1/projects", body, &doc, &err);
	cJSON_Delete(body);
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	xasprintf(&path, "/v1/projects/%s", o->args[1]);
	if (project_wait(o, path, source, &doc) != 0) {
		free(path);
		return (EXIT_USAGE);
	}
	state = json_str(doc, "state", "");
	rc = EXIT_OK;
	if (strcmp(state, "error") == 0) {
		fprintf(stderr, "sizemat: project %s: %s; not added\n",
		    o->args[1], json_str(doc, "problem", "?"));
		cJSON_Delete(doc);
		if (request_call(o, "DELETE", path, NULL, &doc, &err) !=
		    REQUEST_OK)
			free(err);
		rc = EXIT_USAGE;
	} else if (o->format == FORMAT_JSON)
		print_json(doc);
	else {
		printf("project %s: %s, branch %s at %.12s\n", o->args[1],
		    json_str(doc, "source", ""), json_str(doc, "branch", "?"),
		    json_str(doc, "head", "?"));
		fprintf(stderr, "sizemat: measure a commit with 'sizemat run "
		    "%s --rev REV --wait'\n", o->args[1]);
	}
	free(path);
	cJSON_Delete(doc);
	return (rc);
}

/* project list */
static int
project_list(struct options *o)
{
	static const char *const header[] = { "name", "state", "branch",
	    "head", "matrix", "schedule", "runs", "regressions", "source" };
	cJSON		*doc, *p;
	struct table	*t;
	char		 runs[32], regs[32], head[16];
	const char	*cells[9];
	int		 rc = EXIT_OK;

	if (o->nargs != 1)
		return (usage_error("project list takes no argument"));
	if ((doc = request_get(o, "/v1/projects", &rc)) == NULL)
		return (rc);
	t = table_create(9, header);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc,
	    "projects")) {
		snprintf(runs, sizeof runs, "%lld",
		    (long long)json_int(p, "runs", 0));
		snprintf(regs, sizeof regs, "%lld",
		    (long long)json_int(p, "regressions", 0));
		snprintf(head, sizeof head, "%.12s", json_str(p, "head", "-"));
		cells[0] = json_str(p, "name", "");
		cells[1] = json_str(p, "state", "");
		cells[2] = json_str(p, "branch", "-");
		cells[3] = head;
		cells[4] = json_str(p, "matrix", "default");
		cells[5] = json_str(p, "schedule", "-");
		cells[6] = runs;
		cells[7] = regs;
		cells[8] = json_str(p, "source", "");
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	cJSON_Delete(doc);
	return (EXIT_OK);
}

/* project show NAME, project remove NAME */
static int
project_one(struct options *o, int remove)
{
	enum request_result	 r;
	cJSON			*doc;
	char			*path, *err;
	int			 rc = EXIT_OK;

	if (o->nargs != 2)
		return (usage_error("project %s NAME", o->args[0]));
	xasprintf(&path, "/v1/projects/%s", o->args[1]);
	if (remove) {
		r = request_call(o, "DELETE", path, NULL, &doc, &err);
		free(path);
		if (r != REQUEST_OK)
			return (request_fail(o, r, err));
		if (o->format == FORMAT_JSON)
			print_json(doc);
		else
			printf("project %s removed; its history stays in the "
			    "database\n", o->args[1]);
		cJSON_Delete(doc);
		return (EXIT_OK);
	}
	doc = request_get(o, path, &rc);
	free(path);
	if (doc == NULL)
		return (rc);
	project_print(doc);
	cJSON_Delete(doc);
	return (EXIT_OK);
}

/* sizemat project add|list|show|remove ... */
int
cmd_project(struct options *o)
{
	const char	*sub = o->args[0];

	if (strcmp(sub, "add") != 0 && strcmp(sub, "set") != 0 &&
	    (o->given & ~OPT_FORMAT))
		return (usage_error("project %s takes no options but --json",
		    sub));
	if (strcmp(sub, "add") == 0)
		return (project_add(o));
	if (strcmp(sub, "set") == 0)
		return (project_set(o));
	if (strcmp(sub, "list") == 0)
		return (project_list(o));
	if (strcmp(sub, "show") == 0)
		return (project_one(o, 0));
	if (strcmp(sub, "remove") == 0)
		return (project_one(o, 1));
	return (usage_error("project: \"%s\" is not add, set, list, show or "
	    "remove", sub));
}
