/* Output: aligned tables, CSV and markdown; human sizes; JSON helpers. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

struct table {
	int	  ncols;
	char	**cells;	/* row-major, the header first */
	int	  nrows;
};

/* Formats a byte count: "812 B", "347.9 KiB", "4.15 MiB". */
void
human_size(int64_t n, char *out, size_t len)
{
	double	 v = (double)n;

	if (n < 0)
		snprintf(out, len, "-");
	else if (n < 1024)
		snprintf(out, len, "%" PRId64 " B", n);
	else if (n < 1024 * 1024)
		snprintf(out, len, "%.1f KiB", v / 1024);
	else if (n < (int64_t)1024 * 1024 * 1024)
		snprintf(out, len, "%.2f MiB", v / (1024 * 1024));
	else
		snprintf(out, len, "%.2f GiB", v / (1024.0 * 1024 * 1024));
}

/* Formats a change against a base: "-12.3 KiB (-3.4%)". */
void
human_delta(int64_t n, int64_t base, char *out, size_t len)
{
	char	 size[32];
	int64_t	 d = n - base;

	if (base <= 0) {
		snprintf(out, len, "-");
		return;
	}
	if (d == 0) {
		snprintf(out, len, "0 B");	/* one unit style per column */
		return;
	}
	human_size(d < 0 ? -d : d, size, sizeof size);
	snprintf(out, len, "%s%s (%+.1f%%)", d < 0 ? "-" : "+", size,
	    100.0 * (double)d / (double)base);
}

/*
 * Formats a cell of a plain number: for people as human does, in CSV as
 * the number itself (empty when unknown, below 0), so that a column has
 * one unit style.
 */
static void
cell_plain(enum output_format f, int64_t n, void (*human)(int64_t, char *,
    size_t), char *out, size_t len)
{
	if (f != FORMAT_CSV)
		human(n, out, len);
	else if (n < 0)
		snprintf(out, len, "%s", "");
	else
		snprintf(out, len, "%lld", (long long)n);
}

/* Formats a size cell: human_size for people, plain bytes in CSV. */
void
cell_size(enum output_format f, int64_t n, char *out, size_t len)
{
	cell_plain(f, n, human_size, out, len);
}

/* Formats a change cell: human_delta for people, signed bytes in CSV. */
void
cell_delta(enum output_format f, int64_t n, int64_t base, char *out,
    size_t len)
{
	if (f != FORMAT_CSV)
		human_delta(n, base, out, len);
	else if (base <= 0)
		snprintf(out, len, "%s", "");
	else
		snprintf(out, len, "%+lld", (long long)(n - base));
}

/* Formats a duration cell: human_ms for people, milliseconds in CSV. */
void
cell_ms(enum output_format f, int64_t ms, char *out, size_t len)
{
	cell_plain(f, ms, human_ms, out, len);
}

/* Formats milliseconds: "812 ms", "12.3 s". */
void
human_ms(int64_t ms, char *out, size_t len)
{
	if (ms < 0)
		snprintf(out, len, "-");
	else if (ms < 1000)
		snprintf(out, len, "%" PRId64 " ms", ms);
	else
		snprintf(out, len, "%.1f s", (double)ms / 1000);
}

/* Makes a table with a header row. */
struct table *
table_create(int ncols, const char *const *header)
{
	struct table	*t;

	t = xcalloc(1, sizeof *t);
	t->ncols = ncols;
	table_add(t, header);
	return (t);
}

/* Adds a row of ncols cells (copied). */
void
table_add(struct table *t, const char *const *row)
{
	int	 i;

	t->cells = xreallocarray(t->cells, (size_t)(t->nrows + 1) *
	    (size_t)t->ncols, sizeof *t->cells);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(row[i] ? row[i] :
		    "");
	t->nrows++;
}

/* Prints a CSV field, quoted when it needs to be. */
static void
table_csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Tells whether a cell reads as a number, to right-align it. */
static int
table_numeric(const char *s)
{
	return ((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '+') &&
	    s[1] >= '0' && s[1] <= '9'));
}

/* Prints the table as aligned text, CSV or markdown. */
void
table_print(struct table *t, enum output_format format, FILE *f)
{
	size_t	*width;
	int	 r, c;
	const char *cell;

	width = xcalloc((size_t)t->ncols, sizeof *width);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			if (strlen(cell) > width[c])
				width[c] = strlen(cell);
		}
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			switch (format) {
			case FORMAT_CSV:
				if (c > 0)
					fputc(',', f);
				table_csv_field(f, cell);
				break;
			case FORMAT_MARKDOWN:
				fprintf(f, "| %s ", cell);
				break;
			default:
				if (c > 0)
					fputs("  ", f);
				if (r > 0 && table_numeric(cell))
					fprintf(f, "%*s", (int)width[c], cell);
				else if (c == t->ncols - 1)
					fputs(cell, f);
				else
					fprintf(f, "%-*s", (int)width[c], cell);
			}
		}
		if (format == FORMAT_MARKDOWN)
			fputs("|", f);
		fputc('\n', f);
		if (r == 0 && format == FORMAT_MARKDOWN) {
			for (c = 0; c < t->ncols; c++)
				fputs(c == 0 ? "| --- " : "| ---: ", f);
			fputs("|\n", f);
		}
	}
	free(width);
}

/* Frees a table. */
void
table_free(struct table *t)
{
	int	 i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* Prints a JSON document on stdout. */
void
print_json(const cJSON *doc)
{
	char	*s;

	s = cJSON_Print(doc);
	printf("%s\n", s);
	cJSON_free(s);
}

/* Names an artifact for people: "app", or "plug (cdylib)" when not a bin. */
void
artifact_label(const cJSON *a, char *out, size_t len)
{
	const char	*kind = json_str(a, "kind", "bin");

	if (strcmp(kind, "bin") == 0)
		snprintf(out, len, "%s", json_str(a, "name", "?"));
	else
		snprintf(out, len, "%s (%s)", json_str(a, "name", "?"), kind);
}

/* Returns the measurements of the artifact a build's benchmark ran. */
const cJSON *
bench_measurements(const cJSON *b)
{
	const cJSON	*x = cJSON_GetObjectItemCaseSensitive(b, "bench");
	const cJSON	*a;
	const char	*name = json_str(x, "artifact", NULL);

	if (name == NULL)
		return (NULL);
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(b,
	    "artifacts")) {
		if (strcmp(json_str(a, "name", ""), name) == 0)
			return (cJSON_GetObjectItemCaseSensitive(a,
			    "measurements"));
	}
	return (NULL);
}

/* Formats an instruction count for people: "43.7M", "812k", "950". */
void
human_count(int64_t n, char *out, size_t len)
{
	if (n < 0)
		snprintf(out, len, "-");
	else if (n >= 1000000000)
		snprintf(out, len, "%.2fG", (double)n / 1e9);
	else if (n >= 1000000)
		snprintf(out, len, "%.1fM", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(out, len, "%.1fk", (double)n / 1e3);
	else
		snprintf(out, len, "%" PRId64, n);
}

/*
 * Says what a build's benchmark found, for people: "3 ms ±1 (2-5 ms),
 * 43.7M instructions, 2.1 MiB peak", or its state and why; "" when the
 * build has none.
 */
void
bench_summary(const cJSON *b, char *out, size_t len)
{
	const cJSON	*x = cJSON_GetObjectItemCaseSensitive(b, "bench");
	const cJSON	*m = bench_measurements(b);
	const char	*state = json_str(x, "state", NULL), *err;
	char		 ins[32], rss[32];

	if (state == NULL) {
		snprintf(out, len, "%s", "");
		return;
	}
	err = json_str(x, "error", NULL);
	if (strcmp(state, "done") != 0 || m == NULL) {
		snprintf(out, len, "benchmark %s%s%.*s", state, err ? ": " : "",
		    err ? (int)strcspn(err, "\n") : 0, err ? err : "");
		return;
	}
	human_count(json_int(m, "bench.instructions", -1), ins, sizeof ins);
	human_size(json_int(m, "bench.max_rss_kib", -1) < 0 ? -1 :
	    json_int(m, "bench.max_rss_kib", 0) * 1024, rss, sizeof rss);
	snprintf(out, len, "%lld ms ±%lld (%lld-%lld ms), %s instructions, "
	    "%s peak%s%s", (long long)json_int(m, "bench.wall_ms", -1),
	    (long long)json_int(m, "bench.wall_ms_mad", -1),
	    (long long)json_int(m, "bench.wall_ms_min", -1),
	    (long long)json_int(m, "bench.wall_ms_max", -1), ins, rss,
	    err ? "; " : "", err ? err : "");
}

/* Orders artifacts by name, then kind: one artifact is both. */
int
artifact_cmp(const cJSON *a, const cJSON *b)
{
	int	 c;

	c = strcmp(json_str(a, "name", ""), json_str(b, "name", ""));
	if (c != 0)
		return (c);
	return (strcmp(json_str(a, "kind", ""), json_str(b, "kind", "")));
}

/* Returns "s" for a count other than one: "1 build", "2 builds". */
const char *
plural(int64_t n)
{
	return (n == 1 ? "" : "s");
}

/*
 * Formats a build's toolchain as "NAME RELEASE", with " [bootstrap]" when
 * unstable options ran through RUSTC_BOOTSTRAP=1 and " [varies]" when
 * verify found the variant's bytes change from one build to the next.
 */
const char *
toolchain_label(const cJSON *build, char *out, size_t len)
{
	const cJSON	*tc = cJSON_GetObjectItemCaseSensitive(build,
			    "toolchain");
	const cJSON	*boot = cJSON_GetObjectItemCaseSensitive(build,
			    "bootstrap");

	/* A build that never started has no toolchain yet. */
	if (json_str(tc, "name", NULL) == NULL)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%s %s%s%s", json_str(tc, "name", "?"),
		    json_str(tc, "release", "?"), cJSON_IsTrue(boot) ?
		    " [bootstrap]" : "", cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(build,
		    "nondeterministic")) ? " [varies]" : "");
	return (out);
}


/*
 * Prints what a project's own profile sets (the keys where it differs from
 * Cargo's release defaults), when the build's unit graph said.
 */
void
project_settings_line(const cJSON *own, FILE *f)
{
	const cJSON	*e;
	int		 n = 0;

	if (!cJSON_IsObject(own))
		return;
	fputs("the project's own profile: ", f);
	cJSON_ArrayForEach(e, own) {
		if (cJSON_IsString(e))
			fprintf(f, "%s%s=%s", n++ ? ", " : "", e->string,
			    e->valuestring);
	}
	fputs(n ? "\n" : "Cargo's defaults\n", f);
}



/*
 * Prints the winner of a table, ready to paste: its profile as a
 * Cargo.toml section and the build as shell lines and a command, as the
 * daemon rendered them (snippet.c).
 */
void
print_snippet(const cJSON *build, FILE *f)
{
	const cJSON	*snippet;
	const char	*toml;

	snippet = cJSON_GetObjectItemCaseSensitive(build, "snippet");
	if (!cJSON_IsObject(snippet))
		return;
	fprintf(f, "\nsmallest: %s\n", json_str(build, "variant_key", ""));
	if ((toml = json_str(snippet, "toml", NULL)) != NULL)
		fprintf(f, "\n%s", toml);
	fprintf(f, "\n%s", json_str(snippet, "shell", ""));
}
