/*
 * Why sizes grew, as the daemon explains it (causes: crates and symbols
 * that grew, what accepted the growth), printed for regressions and for
 * compare and check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

/* Appends up to n rows of causes to a line: "name +12.1 KiB, ...". */
static void
causes_rows(struct buf *b, const cJSON *rows, int n)
{
	const cJSON	*c;
	char		 d[32];
	int		 i = 0;

	cJSON_ArrayForEach(c, rows) {
		if (n > 0 && i++ == n)
			break;
		human_size(json_int(c, "delta", 0), d, sizeof d);
		buf_printf(b, "%s%s +%s", c == rows->child ? "" : ", ",
		    json_str(c, "name", "?"), d);
	}
}

/* Prints one line of a row's top causes: three crates, three symbols. */
static void
causes_line(const cJSON *row)
{
	const cJSON	*causes = cJSON_GetObjectItemCaseSensitive(row,
			    "causes");
	struct buf	 b;

	if (!cJSON_IsObject(causes))
		return;
	buf_init(&b);
	causes_rows(&b, cJSON_GetObjectItemCaseSensitive(causes, "crates"), 3);
	buf_addstr(&b, "; ");
	causes_rows(&b, cJSON_GetObjectItemCaseSensitive(causes, "symbols"),
	    3);
	printf("%.12s %s: %s\n", json_str(row, "commit", ""),
	    json_str(row, "variant_key", ""), b.data);
	buf_free(&b);
}

/* Prints a row's causes as a table: each crate, then each symbol. */
static void
causes_table(const cJSON *causes, enum output_format fmt)
{
	static const char *const header[] = { "what", "name", "before",
	    "after", "delta", "percent" };
	static const char *const what[] = { "crates", "symbols" };
	const cJSON	*c;
	struct table	*t;
	const char	*cells[6];
	char		 a[32], z[32], d[32], pct[32];
	size_t		 k;

	t = table_create(6, header);
	for (k = 0; k < 2; k++) {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(causes,
		    what[k])) {
			human_size(json_int(c, "a", 0), a, sizeof a);
			human_size(json_int(c, "b", 0), z, sizeof z);
			snprintf(d, sizeof d, "%+lld",
			    (long long)json_int(c, "delta", 0));
			if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c,
			    "percent")))
				history_percent(json_num(c, "percent", 0), pct,
				    sizeof pct);
			else
				snprintf(pct, sizeof pct, "new");
			cells[0] = k == 0 ? "crate" : "symbol";
			cells[1] = json_str(c, "name", "?");
			cells[2] = a;
			cells[3] = z;
			cells[4] = d;
			cells[5] = pct;
			table_add(t, cells);
		}
	}
	table_print(t, fmt, stdout);
	table_free(t);
}

/*
 * Prints why each row grew (a regression, or a comparison's row over its
 * base): one line of its top crates and symbols, or (explain) a table of
 * each; in markdown, a collapsible block per row for a pull request.
 */
void
causes_print(const struct options *o, const cJSON *rows, int explain)
{
	const cJSON	*r, *causes;

	cJSON_ArrayForEach(r, rows) {
		causes = cJSON_GetObjectItemCaseSensitive(r, "causes");
		if (!cJSON_IsObject(causes)) {
			if (explain && json_str(r, "causes_note", NULL))
				printf("\n%.12s %s: %s\n", json_str(r, "commit",
				    ""), json_str(r, "variant_key", ""),
				    json_str(r, "causes_note", ""));
			continue;
		}
		if (o->format == FORMAT_MARKDOWN) {
			printf("\n<details><summary>Why <code>%s</code> "
			    "(%s) grew%s</summary>\n\n", json_str(r,
			    "variant_key", ""), json_str(r, "artifact", ""),
			    json_str(causes, "from", NULL) ? ", from the "
			    "unstripped twin" : "");
			causes_table(causes, FORMAT_MARKDOWN);
			printf("\n</details>\n");
		} else if (explain) {
			printf("\n%.12s %s (%s), against %.12s%s:\n",
			    json_str(r, "commit", ""), json_str(r,
			    "variant_key", ""), json_str(r, "artifact", ""),
			    json_str(r, "base_commit", ""), json_str(causes,
			    "from", NULL) ? ", from the unstripped twin" : "");
			causes_table(causes, FORMAT_TABLE);
		} else
			causes_line(r);
	}
}

/*
 * Prints what follows the regressions' table: what accepted each, why
 * each grew, and for a range the bisect command that narrows it.
 */
static void
regressions_notes(const struct options *o, const cJSON *regs)
{
	const cJSON	*r, *acc;

	cJSON_ArrayForEach(r, regs) {
		acc = cJSON_GetObjectItemCaseSensitive(r, "accepted");
		if (o->format == FORMAT_TABLE && cJSON_IsObject(acc))
			printf("%.12s accepted, justified in %.12s: %s\n",
			    json_str(r, "commit", ""), json_str(acc, "commit",
			    ""), json_str(acc, "text", ""));
	}
	if (o->format == FORMAT_TABLE) {
		if (!o->explain)
			printf("\nwhy (the largest crates and symbols that grew; "
			    "--explain for all):\n");
		causes_print(o, regs, o->explain);
	}
	cJSON_ArrayForEach(r, regs) {
		if (o->format == FORMAT_CSV || strcmp(json_str(r, "state", ""),
		    "range") != 0)
			continue;
		fprintf(stderr, "sizemat: %.12s grew past %.12s, with commits "
		    "between them not measured; narrow it with 'sizemat bisect "
		    "%s --good %.12s --bad %.12s --variant %s --artifact %s'\n",
		    json_str(r, "commit", ""), json_str(r, "base_commit", ""),
		    o->args[0], json_str(r, "base_commit", ""), json_str(r,
		    "commit", ""), json_str(r, "variant_key", ""), json_str(r,
		    "artifact", ""));
	}
}

/*
 * Prints a project's speed regressions under its size regressions: a
 * line each, what got slower by how much against what.
 */
static void
slowdowns_print(const cJSON *doc)
{
	const cJSON	*r, *rows = cJSON_GetObjectItemCaseSensitive(doc,
			    "slowdowns");

	if (json_str(doc, "max_slowdown", NULL) == NULL &&
	    cJSON_GetArraySize(rows) == 0)
		return;
	printf("\nslower by more than %s against the nearest earlier "
	    "benchmarked commit: %d\n", json_str(doc, "max_slowdown",
	    "the limit"), cJSON_GetArraySize(rows));
	cJSON_ArrayForEach(r, rows)
		printf("%.12s %s %s: %s %lld -> %lld (%+.2f%%) against %.12s, "
		    "%s\n", json_str(r, "commit", ""), json_str(r,
		    "variant_key", ""), json_str(r, "artifact", ""), json_str(r,
		    "metric", ""), (long long)json_int(r, "base_value", 0),
		    (long long)json_int(r, "value", 0), json_num(r, "percent",
		    0), json_str(r, "base_commit", ""), json_str(r, "subject",
		    ""));
}

/* sizemat regressions NAME [--explain] */
int
cmd_regressions(struct options *o)
{
	static const char *const header[] = { "commit", "state", "date",
	    "variant", "artifact", "before", "after", "bytes", "percent",
	    "found by", "subject" };
	struct table	*t;
	cJSON		*doc, *r;
	char		*path, commit[16], date[16], before[32], after[32];
	char		 bytes[32], pct[32], state[64];
	const char	*cells[11];
	int		 rc = EXIT_OK;

	xasprintf(&path, "/v1/projects/%s/regressions", o->args[0]);
	doc = request_get(o, path, &rc);
	free(path);
	if (doc == NULL)
		return (rc);
	t = table_create(11, header);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc,
	    "regressions")) {
		if (strcmp(json_str(r, "state", ""), "range") == 0) {
			/* The growth lies somewhere after base_commit. */
			snprintf(state, sizeof state, "range from %.12s, %lld "
			    "unmeasured", json_str(r, "first", ""),
			    (long long)json_int(r, "unmeasured", 0));
		} else
			snprintf(state, sizeof state, "%s", json_str(r, "state",
			    "?"));
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r,
		    "accepted")))
			snprintf(state + strlen(state), sizeof state -
			    strlen(state), ", accepted");
		snprintf(commit, sizeof commit, "%.12s", json_str(r, "commit",
		    ""));
		snprintf(date, sizeof date, "%.10s", json_str(r, "commit_time",
		    ""));
		if (o->format == FORMAT_CSV) {
			snprintf(before, sizeof before, "%lld",
			    (long long)json_int(r, "base_size", 0));
			snprintf(after, sizeof after, "%lld",
			    (long long)json_int(r, "size", 0));
		} else {
			human_size(json_int(r, "base_size", 0), before,
			    sizeof before);
			human_size(json_int(r, "size", 0), after,
			    sizeof after);
		}
		snprintf(bytes, sizeof bytes, "%+lld",
		    (long long)json_int(r, "bytes", 0));
		history_percent(json_num(r, "percent", 0), pct, sizeof pct);
		cells[0] = o->format == FORMAT_CSV ? json_str(r, "commit", "") :
		    commit;
		cells[1] = o->format == FORMAT_CSV ? json_str(r, "state", "") :
		    state;
		cells[2] = date;
		cells[3] = json_str(r, "variant_key", "");
		cells[4] = json_str(r, "artifact", "");
		cells[5] = before;
		cells[6] = after;
		cells[7] = bytes;
		cells[8] = pct;
		cells[9] = json_str(r, "found_by", "");
		cells[10] = json_str(r, "subject", "");
		table_add(t, cells);
	}
	if (o->format == FORMAT_TABLE)
		printf("%s: regressions over %s against the nearest earlier "
		    "measured commit\n", json_str(doc, "project", ""),
		    json_str(doc, "threshold", ""));
	table_print(t, o->format, stdout);
	table_free(t);
	regressions_notes(o, cJSON_GetObjectItemCaseSensitive(doc,
	    "regressions"));
	if (o->format == FORMAT_TABLE)
		slowdowns_print(doc);
	cJSON_Delete(doc);
	return (EXIT_OK);
}
