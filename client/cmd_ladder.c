/*
 * sizemat ladder RUN: a ladder run step by step, each step's size with what
 * it saved against the previous step and against the first, and a bar;
 * steps that could not run say why.
 */
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

#define LADDER_BAR	30

/* Returns the size of a build's artifact named like ref, or -1. */
static int64_t
ladder_size(const cJSON *build, const cJSON *ref)
{
	const cJSON	*a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(build,
	    "artifacts")) {
		if (ref == NULL || artifact_cmp(a, ref) == 0)
			return (json_int(a, "file_size", -1));
	}
	return (-1);
}

/* Formats what a step saved against a base: "12.3 KiB 3.4%". */
static void
ladder_saved(enum output_format f, int64_t size, int64_t base, char *bytes,
    size_t blen, char *pct, size_t plen)
{
	char	 h[32];

	if (size < 0 || base <= 0) {
		snprintf(bytes, blen, "-");
		snprintf(pct, plen, "-");
		return;
	}
	/* In CSV a plain number of bytes, for people a size. */
	cell_size(f, base - size >= 0 ? base - size : size - base, h,
	    sizeof h);
	snprintf(bytes, blen, "%s%s", base - size >= 0 ? "" : "-", h);
	snprintf(pct, plen, "%.1f%%", 100.0 * (double)(base - size) /
	    (double)base);
}

/* Returns the ladder step (from 1) of a build id, or 0. */
static int
ladder_step_of(const cJSON *doc, int64_t id)
{
	const cJSON	*b;
	int		 k = 0;

	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc,
	    "builds")) {
		k++;
		if (json_int(b, "id", -1) == id)
			return (k);
	}
	return (0);
}

/*
 * Writes a step's state, and when the step changed nothing in the effective
 * profile, the settings it adds that were already in effect (the project's
 * own, or from an earlier step or Cargo's defaults) and the step it is the
 * same build as.
 */
static void
ladder_note(const cJSON *doc, const cJSON *b, const cJSON *prev,
    char *out, size_t len)
{
	const cJSON	*var, *pvar, *eff, *peff, *own, *e;
	const char	*now, *was, *mine;
	struct buf	 same;
	int64_t		 as = json_int(b, "same_as", -1);
	int		 all_own = 1;

	snprintf(out, len, "%s", json_str(b, "state", "?"));
	var = cJSON_GetObjectItemCaseSensitive(b, "variant");
	pvar = cJSON_GetObjectItemCaseSensitive(prev, "variant");
	eff = cJSON_GetObjectItemCaseSensitive(b, "effective");
	peff = cJSON_GetObjectItemCaseSensitive(prev, "effective");
	own = cJSON_GetObjectItemCaseSensitive(b, "project_profile");
	buf_init(&same);
	buf_addstr(&same, "");
	cJSON_ArrayForEach(e, var) {
		now = json_str(eff, e->string, NULL);
		was = json_str(peff, e->string, NULL);
		/* A profile key this step adds or changes, in effect before. */
		if (prev == NULL || now == NULL || was == NULL ||
		    strcmp(now, was) != 0 || strcmp(json_str(pvar, e->string,
		    ""), json_str(var, e->string, "")) == 0)
			continue;
		mine = json_str(own, e->string, NULL);
		if (mine == NULL || strcmp(mine, now) != 0)
			all_own = 0;
		buf_printf(&same, "%s%s=%s", same.len ? ", " : "", e->string,
		    now);
	}
	if (same.len > 0)
		snprintf(out, len, "%s; changes nothing: %s %s", json_str(b,
		    "state", "?"), same.data, all_own ?
		    "is already the project's" : "was already in effect");
	if (same.len > 0 && as <= 0 && strcmp(json_str(b, "state", ""),
	    "done") == 0)
		snprintf(out + strlen(out), len - strlen(out), "; built all "
		    "the same: cargo takes the project's spelling (lto = true "
		    "is not lto = \"fat\" to it) as another build");
	if (as > 0 && ladder_step_of(doc, as) > 0)
		snprintf(out + strlen(out), len - strlen(out), "; same build "
		    "as step %d", ladder_step_of(doc, as));
	else if (as > 0)
		snprintf(out + strlen(out), len - strlen(out), "; same build "
		    "as build %lld of another run", (long long)as);
	buf_free(&same);
}

/*
 * Returns a step's name; in a table, the step that sets nothing says that
 * it is the project's own profile.
 */
static const char *
ladder_step_name(const struct options *o, const cJSON *b, char *out,
    size_t len)
{
	const char	*name = json_str(b, "step", json_str(b, "variant_key",
			    ""));

	if (o->format == FORMAT_TABLE && strcmp(json_str(b, "variant_key",
	    ""), "release") == 0) {
		snprintf(out, len, "%s (the project's profile)", name);
		return (out);
	}
	return (name);
}

/* Prints the ladder of one artifact. */
static void
ladder_print(const struct options *o, const cJSON *doc, const cJSON *ref,
    struct table *t)
{
	const cJSON	*b, *pb_build = NULL;
	int64_t		 size, first = -1, prev = -1, max = 0;
	char		 sz[32], bytes[32], pb[48], pp[16], fb[48], fp[16];
	char		 bar[LADDER_BAR + 1], why[512], name[256], tc[128];
	char		 step[128];
	const char	*cells[11], *err, *state;
	int		 k = 0, n;

	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc,
	    "builds")) {
		if ((size = ladder_size(b, ref)) > max)
			max = size;
	}
	if (ref != NULL)
		artifact_label(ref, name, sizeof name);
	else
		snprintf(name, sizeof name, "-");
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc,
	    "builds")) {
		char num[16];

		size = ladder_size(b, ref);
		state = json_str(b, "state", "?");
		snprintf(num, sizeof num, "%d", ++k);
		if (size >= 0) {
			cell_size(o->format, size, sz, sizeof sz);
			snprintf(bytes, sizeof bytes, "%lld", (long long)size);
			ladder_saved(o->format, size, prev, pb, sizeof pb, pp,
			    sizeof pp);
			ladder_saved(o->format, size, first, fb, sizeof fb, fp,
			    sizeof fp);
			n = max > 0 ? (int)((size * LADDER_BAR + max - 1) /
			    max) : 0;
			memset(bar, '#', (size_t)n);
			bar[n] = '\0';
			if (first < 0)
				first = size;
			prev = size;
			ladder_note(doc, b, pb_build, why, sizeof why);
		} else {
			snprintf(sz, sizeof sz, "-");
			snprintf(bytes, sizeof bytes, "-");
			snprintf(pb, sizeof pb, "-");
			snprintf(pp, sizeof pp, "-");
			snprintf(fb, sizeof fb, "-");
			snprintf(fp, sizeof fp, "-");
			bar[0] = '\0';
			err = json_str(b, "error", "");
			snprintf(why, sizeof why, "%s: %.*s", state,
			    (int)strcspn(err, "\n"), err);
		}
		pb_build = b;
		cells[0] = num;
		cells[1] = ladder_step_name(o, b, step, sizeof step);
		cells[2] = name;
		cells[3] = sz;
		cells[4] = bytes;
		cells[5] = pb;
		cells[6] = pp;
		cells[7] = fp;
		cells[8] = o->format == FORMAT_TABLE ? bar : fb;
		cells[9] = toolchain_label(b, tc, sizeof tc);
		cells[10] = why;
		table_add(t, cells);
	}
}

/* sizemat ladder RUN */
int
cmd_ladder(struct options *o)
{
	static const char *const header[] = { "#", "step", "artifact", "size",
	    "bytes", "saved vs previous", "%", "% vs first", "", "toolchain",
	    "state" };
	const char	*hdr[11];
	const cJSON	*run, *b, *a, *seen[64];
	struct table	*t;
	cJSON		*doc;
	long long	 id;
	size_t		 nseen = 0, i;
	int		 rc = EXIT_USAGE;

	if (results_run_id(o->args[0], &id) != 0)
		return (EXIT_USAGE);
	if ((doc = results_fetch(o, id, &rc)) == NULL)
		return (rc);
	run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	if (strcmp(json_str(run, "shape", ""), "ladder") != 0) {
		fprintf(stderr, "sizemat: run %lld is an axes matrix (%s), not "
		    "a ladder; 'sizemat results %lld' ranks it\n", id,
		    json_str(run, "matrix", "?"), id);
		cJSON_Delete(doc);
		return (EXIT_USAGE);
	}
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		rc = results_exit_code(doc);
		cJSON_Delete(doc);
		return (rc);
	}
	memcpy(hdr, header, sizeof hdr);
	hdr[8] = o->format == FORMAT_TABLE ? "" : "saved vs first";
	t = table_create(11, hdr);
	/* One ladder per artifact (name and kind), in the order first seen. */
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(b,
		    "artifacts")) {
			for (i = 0; i < nseen; i++) {
				if (artifact_cmp(seen[i], a) == 0)
					break;
			}
			if (i == nseen && nseen < 64)
				seen[nseen++] = a;
		}
	}
	for (i = 0; i < nseen; i++)
		ladder_print(o, doc, seen[i], t);
	if (nseen == 0)
		ladder_print(o, doc, NULL, t);
	if (o->format == FORMAT_TABLE)
		printf("run %lld: ladder %s on %s, %s (%lld of %lld steps "
		    "built)\n", id, json_str(run, "matrix", ""),
		    json_str(run, "project", ""), json_str(run, "state", ""),
		    (long long)json_int(run, "builds_done", 0),
		    (long long)json_int(run, "builds_total", 0));
	if (o->format == FORMAT_TABLE)
		project_settings_line(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc,
		    "builds"), 0), "project_profile"), stdout);
	table_print(t, o->format, stdout);
	table_free(t);
	fflush(stdout);
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		if (json_str(b, "notes", NULL) != NULL)
			fprintf(stderr, "sizemat: step %s: post steps not "
			    "measured:\n  %s\n", json_str(b, "step", "?"),
			    json_str(b, "notes", ""));
	}
	rc = results_exit_code(doc);
	cJSON_Delete(doc);
	return (rc);
}
