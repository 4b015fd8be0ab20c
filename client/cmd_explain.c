/*
 * sizemat explain RUN [--variant V] [--wait]: what each setting of a
 * variant buys. The daemon undoes one setting at a time and compares with
 * builds the project already has; the missing neighbours are queued as a
 * linked run, which --wait follows before answering.
 */
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

/* Asks the daemon to explain; returns the document or NULL (rc set). */
static cJSON *
explain_request(const struct options *o, long long id, int *rc)
{
	enum request_result	 r;
	cJSON			*body, *doc;
	char			*path, *err;

	body = cJSON_CreateObject();
	if (o->variant != NULL)
		cJSON_AddStringToObject(body, "variant", o->variant);
	if (o->artifact != NULL)
		cJSON_AddStringToObject(body, "artifact", o->artifact);
	xasprintf(&path, "/v1/runs/%lld/explain", id);
	r = request_call(o, "POST", path, body, &doc, &err);
	free(path);
	cJSON_Delete(body);
	if (r != REQUEST_OK) {
		*rc = request_fail(o, r, err);
		return (NULL);
	}
	return (doc);
}

/*
 * Says what a row compares with: the project's own value, or Cargo's
 * default where the project already has the variant's.
 */
static void
explain_instead(const cJSON *s, char *note, size_t len)
{
	const char	*from = json_str(s, "instead_from", "unset");
	const char	*instead = json_str(s, "instead", "");

	if (strcmp(from, "project") == 0)
		snprintf(note, len, "vs the project's own %s=%s",
		    json_str(s, "key", ""), instead);
	else if (strcmp(from, "cargo-default") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "project_has")))
		snprintf(note, len, "the project already has it; vs Cargo's "
		    "default %s=%s", json_str(s, "key", ""), instead);
	else if (strcmp(from, "cargo-default") == 0)
		snprintf(note, len, "vs Cargo's default %s=%s, which the "
		    "project keeps", json_str(s, "key", ""), instead);
	else
		note[0] = '\0';
}

/* Prints one line per setting: what undoing it costs. */
static int
explain_print(const struct options *o, const cJSON *doc)
{
	static const char *const header[] = { "setting", "saves", "bytes",
	    "%", "without it", "build", "note" };
	const cJSON	*s;
	struct table	*t;
	int64_t		 size = json_int(doc, "file_size", -1), without, saves;
	char		 setting[256], h[48], bytes[32], pct[16], wo[32];
	char		 build[32], note[512], tc[128];
	const char	*cells[7], *state;
	int		 missing = 0;

	t = table_create(7, header);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(doc,
	    "settings")) {
		snprintf(setting, sizeof setting, "%s=%s", json_str(s, "key",
		    "?"), json_str(s, "value", ""));
		state = json_str(s, "state", "?");
		without = json_int(s, "file_size", -1);
		snprintf(h, sizeof h, "-");
		snprintf(bytes, sizeof bytes, "-");
		snprintf(pct, sizeof pct, "-");
		snprintf(build, sizeof build, "-");
		human_size(without, wo, sizeof wo);
		explain_instead(s, note, sizeof note);
		if (strcmp(state, "same") == 0)
			snprintf(note, sizeof note, "made no difference: the "
			    "project's profile already gives it, as Cargo's "
			    "default does");
		else if (strcmp(state, "done") == 0) {
			saves = without - size;
			human_size(saves < 0 ? -saves : saves, h, sizeof h);
			if (saves < 0) {
				memmove(h + 1, h, strlen(h) + 1);
				h[0] = '-';
			}
			snprintf(bytes, sizeof bytes, "%lld", (long long)saves);
			snprintf(pct, sizeof pct, "%.1f%%", without > 0 ?
			    100.0 * (double)saves / (double)without : 0.0);
			snprintf(build, sizeof build, "%lld",
			    (long long)json_int(s, "build", 0));
			if (saves <= 0)
				snprintf(note + strlen(note), sizeof note -
				    strlen(note), "%s%s", note[0] ? "; " : "",
				    saves == 0 ? "made no difference" :
				    "costs size here");
		} else if (strcmp(state, "inseparable") == 0)
			snprintf(note, sizeof note, "cannot be undone alone: "
			    "%s", json_str(s, "reason", ""));
		else {
			missing++;
			snprintf(note + strlen(note), sizeof note -
			    strlen(note), "%snot built yet (%s)", note[0] ?
			    "; " : "", state);
		}
		cells[0] = setting;
		cells[1] = h;
		cells[2] = bytes;
		cells[3] = pct;
		cells[4] = wo;
		cells[5] = build;
		cells[6] = note;
		table_add(t, cells);
	}
	if (o->format == FORMAT_TABLE) {
		human_size(size, h, sizeof h);
		printf("run %lld, build %lld: %s, %s %s (%lld bytes), %s\n",
		    (long long)json_int(doc, "run", 0),
		    (long long)json_int(doc, "build", 0),
		    json_str(doc, "variant_key", ""),
		    json_str(doc, "artifact", ""), h, (long long)size,
		    toolchain_label(doc, tc, sizeof tc));
		project_settings_line(cJSON_GetObjectItemCaseSensitive(doc,
		    "project_profile"), stdout);
		printf("each row: the size with that one setting as it would "
		    "otherwise be, and what the setting saves\n");
	}
	table_print(t, o->format, stdout);
	table_free(t);
	fflush(stdout);
	if (o->format == FORMAT_TABLE) {
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(doc,
		    "settings")) {
			if (strcmp(json_str(s, "state", ""), "done") == 0 &&
			    json_int(s, "file_size", -1) > size)
				printf("%s=%s saves %lld bytes (%.1f%%)\n",
				    json_str(s, "key", ""), json_str(s, "value",
				    ""), (long long)(json_int(s, "file_size",
				    0) - size), 100.0 * (double)(json_int(s,
				    "file_size", 0) - size) / (double)json_int(s,
				    "file_size", 1));
		}
	}
	return (missing);
}

/* sizemat explain RUN [--variant V] [--wait] */
int
cmd_explain(struct options *o)
{
	cJSON		*doc, *child;
	long long	 id, queued;
	int		 rc = EXIT_USAGE, missing;

	if (results_run_id(o->args[0], &id) != 0)
		return (EXIT_USAGE);
	if ((doc = explain_request(o, id, &rc)) == NULL)
		return (rc);
	queued = (long long)json_int(doc, "queued_run", 0);
	if (o->wait && queued > 0) {
		if (!o->quiet)
			fprintf(stderr, "sizemat: run %lld builds the missing "
			    "neighbours of run %lld\n", queued, id);
		cJSON_Delete(doc);
		if ((child = run_follow(o, queued, &rc)) == NULL)
			return (rc);
		cJSON_Delete(child);
		if ((doc = explain_request(o, id, &rc)) == NULL)
			return (rc);
	}
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		missing = 0;
	} else
		missing = explain_print(o, doc);
	if (missing > 0 && !o->wait)
		fprintf(stderr, "sizemat: %d neighbours are not built yet%s; "
		    "run 'sizemat explain %lld --wait' to wait for them\n",
		    missing, queued > 0 ? " (queued as a new run)" : "", id);
	cJSON_Delete(doc);
	return (EXIT_OK);
}
