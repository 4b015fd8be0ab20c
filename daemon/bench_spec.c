/*
 * A benchmark's spec, as a matrix or a run gives it ("bench": command
 * with {artifact}, stdin, runs, warmup, timeout, instructions, artifact),
 * checked and normalised; and what its runs leave to read: the spread of
 * the timed runs, and cachegrind's instruction count. The runs
 * themselves are bench.c's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

#define BENCH_MAX_RUNS		1000
#define BENCH_MAX_WARMUP	100
#define BENCH_MAX_TIMEOUT	86400
#define BENCH_MAX_ARGS		256

/* Frees a spec's contents. */
void
bench_spec_clear(struct bench_spec *s)
{
	strlist_free(&s->command);
	free(s->stdin_path);
	free(s->artifact);
	memset(s, 0, sizeof *s);
}

/* Sets *cause to "source: bench.key: message". */
static void
bench_fail(char **cause, const char *source, const char *key,
    const char *msg)
{
	free(*cause);
	xasprintf(cause, "%s: bench%s%s: %s", source, key ? "." : "",
	    key ? key : "", msg);
}

/* Reads a whole number from lo to hi, or dflt when absent. */
static int
bench_number(const cJSON *o, const char *key, int lo, int hi, int dflt,
    int *out, const char *source, char **cause)
{
	const cJSON	*n = cJSON_GetObjectItemCaseSensitive(o, key);
	char		*msg;

	if (n == NULL) {
		*out = dflt;
		return (0);
	}
	/* In range before the cast: a double beyond int is undefined. */
	if (!cJSON_IsNumber(n) || n->valuedouble < lo || n->valuedouble > hi ||
	    n->valuedouble != (double)(int)n->valuedouble) {
		xasprintf(&msg, "must be a whole number from %d to %d", lo, hi);
		bench_fail(cause, source, key, msg);
		free(msg);
		return (-1);
	}
	*out = n->valueint;
	return (0);
}

/* Reads "command": strings, one of them naming {artifact}. */
static int
bench_command(const cJSON *o, struct bench_spec *s, const char *source,
    char **cause)
{
	const cJSON	*c, *arg;
	int		 named = 0;

	c = cJSON_GetObjectItemCaseSensitive(o, "command");
	if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) < 1 ||
	    cJSON_GetArraySize(c) > BENCH_MAX_ARGS) {
		bench_fail(cause, source, "command", "must be an array of 1 to "
		    "256 strings, the program and its arguments, with "
		    "{artifact} where the built file goes: [\"{artifact}\", "
		    "\"--some\", \"args\"]");
		return (-1);
	}
	cJSON_ArrayForEach(arg, c) {
		if (!cJSON_IsString(arg) || arg->valuestring[0] == '\0') {
			bench_fail(cause, source, "command", "every element "
			    "must be a non-empty string");
			return (-1);
		}
		if (strstr(arg->valuestring, "{artifact}") != NULL)
			named = 1;
		strlist_add(&s->command, arg->valuestring);
	}
	if (!named) {
		bench_fail(cause, source, "command", "names no {artifact}: "
		    "the benchmark must run the built file, as in "
		    "[\"{artifact}\", \"--some\", \"args\"] or [\"wasmtime\", "
		    "\"{artifact}\"]");
		return (-1);
	}
	return (0);
}

/* Reads "stdin": a file inside the project, by a relative path. */
static int
bench_stdin(const cJSON *o, struct bench_spec *s, const char *source,
    char **cause)
{
	const cJSON	*in = cJSON_GetObjectItemCaseSensitive(o, "stdin");
	const char	*p;

	if (in == NULL || cJSON_IsNull(in))
		return (0);
	if (!cJSON_IsString(in) || (p = in->valuestring)[0] == '\0' ||
	    p[0] == '/' || strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 ||
	    strstr(p, "/../") != NULL || (strlen(p) >= 3 &&
	    strcmp(p + strlen(p) - 3, "/..") == 0)) {
		bench_fail(cause, source, "stdin", "must be a path relative "
		    "to the project, inside it (no leading / or ..): the file "
		    "the benchmark reads on its standard input");
		return (-1);
	}
	s->stdin_path = xstrdup(p);
	return (0);
}

/*
 * Validates a "bench" object into s. Returns 0, or -1 with the cause
 * ("source: bench.key: message").
 */
int
bench_spec_parse(const cJSON *o, const char *source, struct bench_spec *s,
    char **cause)
{
	static const char *const keys[] = { "command", "stdin", "runs",
	    "warmup", "timeout", "instructions", "artifact", NULL };
	const char *const	*k;
	const cJSON		*item, *ins, *art;

	memset(s, 0, sizeof *s);
	if (!cJSON_IsObject(o)) {
		bench_fail(cause, source, NULL, "must be an object: {\"command"
		    "\": [\"{artifact}\", ...], \"stdin\": FILE, \"runs\": 10, "
		    "\"warmup\": 1, \"timeout\": 60}");
		return (-1);
	}
	cJSON_ArrayForEach(item, o) {
		for (k = keys; *k != NULL && strcmp(*k, item->string) != 0; k++)
			;
		if (*k == NULL) {
			bench_fail(cause, source, item->string, "unknown key; "
			    "a bench has command, stdin, runs, warmup, timeout,"
			    " instructions and artifact");
			return (-1);
		}
	}
	if (bench_command(o, s, source, cause) != 0 ||
	    bench_stdin(o, s, source, cause) != 0 ||
	    bench_number(o, "runs", 1, BENCH_MAX_RUNS, 10, &s->runs, source,
	    cause) != 0 ||
	    bench_number(o, "warmup", 0, BENCH_MAX_WARMUP, 1, &s->warmup,
	    source, cause) != 0 ||
	    bench_number(o, "timeout", 1, BENCH_MAX_TIMEOUT, 60, &s->timeout_s,
	    source, cause) != 0)
		goto fail;
	ins = cJSON_GetObjectItemCaseSensitive(o, "instructions");
	if (ins != NULL && !cJSON_IsBool(ins)) {
		bench_fail(cause, source, "instructions", "must be true or "
		    "false (true, the default: count one run's instructions "
		    "under valgrind)");
		goto fail;
	}
	s->instructions = ins == NULL || cJSON_IsTrue(ins);
	art = cJSON_GetObjectItemCaseSensitive(o, "artifact");
	if (art != NULL && !cJSON_IsNull(art)) {
		if (!cJSON_IsString(art) || art->valuestring[0] == '\0') {
			bench_fail(cause, source, "artifact", "must be the name"
			    " of a built artifact (default: the build's default"
			    " artifact)");
			goto fail;
		}
		s->artifact = xstrdup(art->valuestring);
	}
	return (0);
fail:
	bench_spec_clear(s);
	return (-1);
}

/* Returns a spec as its normalised JSON, every key given. */
cJSON *
bench_spec_json(const struct bench_spec *s)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "command", strlist_to_json(&s->command));
	if (s->stdin_path != NULL)
		cJSON_AddStringToObject(o, "stdin", s->stdin_path);
	else
		cJSON_AddNullToObject(o, "stdin");
	cJSON_AddNumberToObject(o, "runs", s->runs);
	cJSON_AddNumberToObject(o, "warmup", s->warmup);
	cJSON_AddNumberToObject(o, "timeout", s->timeout_s);
	cJSON_AddBoolToObject(o, "instructions", s->instructions);
	if (s->artifact != NULL)
		cJSON_AddStringToObject(o, "artifact", s->artifact);
	else
		cJSON_AddNullToObject(o, "artifact");
	return (o);
}

/* Compares two int64_t for qsort. */
static int
bench_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Returns the median of n sorted values (the mean of the middle two). */
static int64_t
bench_median_sorted(const int64_t *v, size_t n)
{
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

/*
 * Fills st from n samples: median, median absolute deviation, min, max.
 * n must be at least 1.
 */
void
bench_stats(const int64_t *samples, size_t n, struct bench_stats *st)
{
	int64_t	*v, *d;
	size_t	 i;

	v = xreallocarray(NULL, n, sizeof *v);
	d = xreallocarray(NULL, n, sizeof *d);
	memcpy(v, samples, n * sizeof *v);
	qsort(v, n, sizeof *v, bench_cmp);
	st->median = bench_median_sorted(v, n);
	st->min = v[0];
	st->max = v[n - 1];
	for (i = 0; i < n; i++)
		d[i] = v[i] > st->median ? v[i] - st->median :
		    st->median - v[i];
	qsort(d, n, sizeof *d, bench_cmp);
	st->mad = bench_median_sorted(d, n);
	free(d);
	free(v);
}

/*
 * Reads "I refs: N" from cachegrind's log: the instructions the program
 * ran; -1 when the log has none.
 */
int64_t
bench_read_instructions(const char *path)
{
	FILE		*f;
	char		 line[512], *p, *q;
	int64_t		 n = -1;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if ((p = strstr(line, "I   refs:")) == NULL &&
		    (p = strstr(line, "I refs:")) == NULL)
			continue;
		p = strchr(p, ':') + 1;
		n = 0;
		for (q = p; *q != '\0' && *q != '\n'; q++) {
			if (*q >= '0' && *q <= '9') {
				if (n > (INT64_MAX - 9) / 10) {
					n = -1;
					break;
				}
				n = n * 10 + (*q - '0');
			} else if (*q != ',' && *q != ' ')
				break;
		}
	}
	fclose(f);
	return (n);
}

/*
 * Checks a "bench" object and returns it normalised, as JSON text (what
 * a run keeps); NULL with the cause ("source: bench.key: message").
 */
char *
bench_spec_normalise(const cJSON *o, const char *source, char **cause)
{
	struct bench_spec	 spec;
	cJSON			*norm;
	char			*text, *json;

	if (bench_spec_parse(o, source, &spec, cause) != 0)
		return (NULL);
	norm = bench_spec_json(&spec);
	text = cJSON_PrintUnformatted(norm);
	json = xstrdup(text);
	cJSON_free(text);
	cJSON_Delete(norm);
	bench_spec_clear(&spec);
	return (json);
}
