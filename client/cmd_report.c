/*
 * sizemat report PROJECT [--run ID] --html FILE | --markdown: a project's
 * trend and a run's results as one self-contained HTML file (the daemon's
 * dashboard script and style, with the answers it reads written in), or a
 * markdown summary of the same numbers for a pull-request comment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

/*
 * Says how many regressions stand (a withdrawn one was false blame), how
 * many of them are ranges still to narrow, and the latest.
 */
static void
report_regressions(const cJSON *rows)
{
	const cJSON	*item, *latest = NULL;
	int		 n = 0, ranges = 0;

	cJSON_ArrayForEach(item, rows) {
		if (strcmp(json_str(item, "state", ""), "withdrawn") == 0)
			continue;
		n++;
		ranges += strcmp(json_str(item, "state", ""), "range") == 0;
		latest = item;
	}
	printf("\n%d regression%s recorded", n, plural(n));
	if (ranges > 0)
		printf(" (%d a range of commits not all measured yet)", ranges);
	if (latest != NULL)
		printf("; the latest at `%.12s` (%s): %s", json_str(latest,
		    "commit", ""), json_str(latest, "subject", ""),
		    json_str(latest, "variant_key", ""));
	printf(".\n");
}

/* What a report holds: the API's answers, by the path that asks them. */
struct report {
	const struct options	*o;
	cJSON			*data;
	const char		*name;		/* a tracked project, or NULL */
	char			*project;	/* as the runs name it */
	long long		 run;
};

/*
 * GETs a document and files it under key: the path as the page asks for
 * it, unescaped.
 */
static cJSON *
report_fetch(struct report *r, const char *key, const char *path, int *rc)
{
	enum request_result	 res;
	cJSON			*doc;
	char			*err;

	res = request_call(r->o, "GET", path, NULL, &doc, &err);
	if (res != REQUEST_OK) {
		*rc = request_fail(r->o, res, err);
		return (NULL);
	}
	cJSON_AddItemToObject(r->data, key, doc);
	return (doc);
}

/*
 * Fetches what the page shows for a tracked project: the project, its
 * regressions, and the trend of every variant measured.
 */
static int
report_project(struct report *r)
{
	const cJSON	*v, *w;
	const char	*def;
	cJSON		*doc;
	char		*base, *key, *path, *ev, *ea;
	int		 rc = EXIT_OK, seen;

	xasprintf(&base, "/v1/projects/%s", r->name);
	doc = report_fetch(r, base, base, &rc);
	if (doc == NULL) {
		free(base);
		return (rc);
	}
	xasprintf(&path, "%s/regressions", base);
	if (report_fetch(r, path, path, &rc) == NULL) {
		free(path);
		free(base);
		return (rc);
	}
	free(path);
	/* The project's default artifact (INTERFACE.md), when it has one. */
	def = NULL;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "variants"))
		if (def == NULL)
			def = json_str(v, "default_artifact", NULL);
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc,
	    "variants")) {
		if (def != NULL && strcmp(json_str(v, "artifact", ""), def) != 0)
			continue;
		seen = 0;
		for (w = cJSON_GetObjectItemCaseSensitive(doc,
		    "variants")->child; w != v; w = w->next)
			seen |= strcmp(json_str(w, "variant_key", ""),
			    json_str(v, "variant_key", "")) == 0;
		if (seen)
			continue;	/* the page asks for the first artifact */
		xasprintf(&key, "%s/trend?variant=%s&artifact=%s&crates=6",
		    base, json_str(v, "variant_key", ""), json_str(v,
		    "artifact", ""));
		ev = request_escape(json_str(v, "variant_key", ""));
		ea = request_escape(json_str(v, "artifact", ""));
		xasprintf(&path, "%s/trend?variant=%s&artifact=%s&crates=6",
		    base, ev, ea);
		free(ev);
		free(ea);
		w = report_fetch(r, key, path, &rc);
		free(key);
		free(path);
		if (w == NULL) {
			free(base);
			return (rc);
		}
	}
	free(base);
	return (EXIT_OK);
}

/*
 * Returns the newest measured commit on a tracked project's branch line,
 * as its trends say (the latest row of the newest), or NULL.
 */
static const char *
report_current_commit(const struct report *r)
{
	const cJSON	*item, *rows, *last;
	const char	*commit = NULL, *time = "";

	cJSON_ArrayForEach(item, r->data) {
		if (strstr(item->string, "/trend?") == NULL)
			continue;
		rows = cJSON_GetObjectItemCaseSensitive(item, "rows");
		last = cJSON_GetArrayItem(rows, cJSON_GetArraySize(rows) - 1);
		if (last != NULL && strcmp(json_str(last, "time", ""), time) > 0) {
			time = json_str(last, "time", "");
			commit = json_str(last, "commit", NULL);
		}
	}
	return (commit);
}

/*
 * Finds the run to describe when none was named: a tracked project's
 * newest run at its current commit (the newest measured on the branch
 * line, not the newest run: that may be of an old commit), else the
 * project's newest run that is over.
 */
static int
report_pick_run(struct report *r)
{
	const cJSON	*run;
	const char	*current;
	cJSON		*doc;
	int		 rc = EXIT_OK;

	if (r->run > 0)
		return (EXIT_OK);
	if ((doc = report_fetch(r, "/v1/runs?limit=10000",
	    "/v1/runs?limit=10000", &rc)) == NULL)
		return (rc);
	current = r->name != NULL ? report_current_commit(r) : NULL;
	cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(doc, "runs")) {
		if (current != NULL && strcmp(json_str(run, "commit", ""),
		    current) != 0)
			continue;
		if (strcmp(json_str(run, "project", ""), r->project) == 0 &&
		    strcmp(json_str(run, "state", ""), "done") == 0 &&
		    strcmp(json_str(run, "kind", "run"), "bisect") != 0) {
			r->run = (long long)json_int(run, "id", 0);
			break;
		}
	}
	cJSON_DeleteItemFromObject(r->data, "/v1/runs?limit=10000");
	return (EXIT_OK);
}

/* Writes s with every "</" made "<\/", so no text closes the script. */
static void
report_script_text(FILE *f, const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (p[0] == '<' && p[1] == '/')
			fputs("<\\", f);
		else
			fputc(*p, f);
	}
}

/* Writes the self-contained page. */
static int
report_html(struct report *r, const char *file)
{
	struct buf	 css, js;
	cJSON		*rep;
	FILE		*f;
	char		*err, *text;
	enum request_result res;

	buf_init(&css);
	buf_init(&js);
	if ((res = request_text(r->o, "/app.css", &css, &err)) != REQUEST_OK ||
	    (res = request_text(r->o, "/app.js", &js, &err)) != REQUEST_OK) {
		buf_free(&css);
		buf_free(&js);
		return (request_fail(r->o, res, err));
	}
	if ((f = fopen(file, "w")) == NULL) {
		fprintf(stderr, "sizemat: %s: cannot write it\n", file);
		buf_free(&css);
		buf_free(&js);
		return (EXIT_USAGE);
	}
	rep = cJSON_CreateObject();
	if (r->name != NULL)
		cJSON_AddStringToObject(rep, "project", r->name);
	if (r->run > 0)
		cJSON_AddNumberToObject(rep, "run", (double)r->run);
	fprintf(f, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n"
	    "<title>sizemat report: %s</title>\n"
	    "<style>\n", r->name != NULL ? r->name : r->project);
	fwrite(css.data, 1, css.len, f);
	fprintf(f, "</style>\n</head>\n<body>\n<header><span class=\"brand\">"
	    "sizemat</span><span class=\"live\">a report written by sizemat "
	    "report</span></header>\n<main id=\"view\" data-state=\"loading\">"
	    "</main>\n<div id=\"tip\" class=\"tip\" hidden></div>\n"
	    "<pre id=\"errors\" class=\"errors\" hidden></pre>\n<script>\n"
	    "window.SIZEMAT_REPORT = ");
	text = cJSON_PrintUnformatted(rep);
	report_script_text(f, text);
	cJSON_free(text);
	fputs(";\nwindow.SIZEMAT_DATA = ", f);
	text = cJSON_PrintUnformatted(r->data);
	report_script_text(f, text);
	cJSON_free(text);
	fputs(";\n</script>\n<script>\n", f);
	report_script_text(f, js.data);
	fputs("</script>\n</body>\n</html>\n", f);
	cJSON_Delete(rep);
	buf_free(&css);
	buf_free(&js);
	if (fclose(f) != 0) {
		fprintf(stderr, "sizemat: %s: cannot write it\n", file);
		return (EXIT_USAGE);
	}
	if (!r->o->quiet)
		fprintf(stderr, "sizemat: wrote %s\n", file);
	return (EXIT_OK);
}

/* Prints the markdown summary of the same numbers. */
static void
report_markdown(struct report *r)
{
	const cJSON	*item, *row, *last, *b, *a, *c, *best = NULL;
	const cJSON	*rel = NULL;
	char		 s1[32], s2[32], path[64], *rpath;
	int		 n;

	printf("## Binary size: %s\n\n", r->name != NULL ? r->name :
	    r->project);
	if (r->name != NULL) {
		printf("| variant | artifact | commit | size | change |\n"
		    "| --- | --- | --- | ---: | ---: |\n");
		cJSON_ArrayForEach(item, r->data) {
			if (strstr(item->string, "/trend?") == NULL)
				continue;
			n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
			    item, "rows"));
			if (n == 0)
				continue;
			last = cJSON_GetArrayItem(
			    cJSON_GetObjectItemCaseSensitive(item, "rows"),
			    n - 1);
			human_size(json_int(last, "value", 0), s1, sizeof s1);
			if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(
			    last, "delta")))
				human_delta(json_int(last, "value", 0),
				    json_int(last, "value", 0) -
				    json_int(last, "delta", 0), s2, sizeof s2);
			else
				snprintf(s2, sizeof s2, "-");
			printf("| `%s` | %s | `%.12s` | %s | %s |\n",
			    json_str(item, "variant_key", ""),
			    json_str(item, "artifact", ""),
			    json_str(last, "commit", ""), s1, s2);
		}
		xasprintf(&rpath, "/v1/projects/%s/regressions", r->name);
		row = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(r->data, rpath),
		    "regressions");
		free(rpath);
		report_regressions(row);
	}
	if (r->run <= 0)
		return;
	snprintf(path, sizeof path, "/v1/runs/%lld", r->run);
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r->data, path), "builds")) {
		a = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b,
		    "artifacts"), 0);
		if (strcmp(json_str(b, "state", ""), "done") != 0 || a == NULL)
			continue;
		if (best == NULL || json_int(a, "file_size", 0) < json_int(
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(best,
		    "artifacts"), 0), "file_size", 0))
			best = b;
	}
	if (best == NULL)
		return;
	/* The winner's own release baseline: same features, toolchain... */
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r->data, path), "builds")) {
		if (strcmp(json_str(b, "state", ""), "done") == 0 &&
		    strcmp(json_str(b, "variant_key", ""), json_str(best,
		    "baseline_key", "release")) == 0)
			rel = b;
	}
	human_size(json_int(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(best, "artifacts"), 0),
	    "file_size", 0), s1, sizeof s1);
	printf("\nSmallest in run %lld", r->run);
	c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    r->data, path), "commit");
	if (c != NULL)
		printf(" (at `%.12s`, %s)", json_str(c, "id", ""),
		    json_str(c, "subject", ""));
	printf(": `%s`, %s", json_str(best, "variant_key", ""), s1);
	if (rel != NULL) {
		human_delta(json_int(cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(best, "artifacts"), 0),
		    "file_size", 0), json_int(cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(rel, "artifacts"), 0),
		    "file_size", 0), s2, sizeof s2);
		printf(" (%s against the plain release build)", s2);
	}
	printf(".\n");
}

/* sizemat report PROJECT [--run ID] --html FILE | --markdown */
int
cmd_report(struct options *o)
{
	struct report	 r;
	char		 path[64];
	int		 rc, tracked;

	if ((o->html == NULL) == (o->format != FORMAT_MARKDOWN))
		return (usage_error("report: give --html FILE or --markdown"));
	memset(&r, 0, sizeof r);
	r.o = o;
	r.data = cJSON_CreateObject();
	if ((r.project = project_arg(o->args[0], &tracked)) == NULL) {
		cJSON_Delete(r.data);
		return (EXIT_USAGE);
	}
	r.name = tracked ? r.project : NULL;
	if (o->run != NULL && parse_id(o->run, "run", "'sizemat runs' lists "
	    "them", &r.run) != 0)
		rc = EXIT_USAGE;
	else if (tracked && (rc = report_project(&r)) != EXIT_OK)
		;
	else if ((rc = report_pick_run(&r)) != EXIT_OK)
		;
	else {
		if (r.run > 0) {
			snprintf(path, sizeof path, "/v1/runs/%lld", r.run);
			if (report_fetch(&r, path, path, &rc) == NULL)
				goto out;
		}
		if (o->html != NULL)
			rc = report_html(&r, o->html);
		else {
			report_markdown(&r);
			rc = EXIT_OK;
		}
	}
out:
	free(r.project);
	cJSON_Delete(r.data);
	return (rc);
}
