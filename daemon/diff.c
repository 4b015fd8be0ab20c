/*
 * What changed between two builds: for each artifact both have (same name
 * and kind), the sections that grew or shrank, and from their symbol
 * tables (attrib.c: stored with the build, else read from a kept copy of
 * a build recorded before tables were stored), the crates and the
 * functions and data.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sizematd.h"

/* Adds size to a name's entry of a JSON object of numbers. */
static void
diff_add(cJSON *o, const char *name, double size)
{
	cJSON	*n = cJSON_GetObjectItemCaseSensitive(o, name);

	if (n == NULL)
		cJSON_AddNumberToObject(o, name, size);
	else
		cJSON_SetNumberValue(n, n->valuedouble + size);
}

/* Compares JSON rows by the absolute value of their "delta", largest first. */
static int
diff_row_cmp(const void *a, const void *b)
{
	double	 x = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
		    *(cJSON *const *)a, "delta"));
	double	 y = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
		    *(cJSON *const *)b, "delta"));

	x = x < 0 ? -x : x;
	y = y < 0 ? -y : y;
	return (x < y ? 1 : x > y ? -1 : 0);
}

/*
 * Turns two objects of sizes into rows {name, a, b, delta} that changed,
 * largest change first, at most top of them (0: all).
 */
static cJSON *
diff_rows(const cJSON *a, const cJSON *b, int top)
{
	const cJSON	*item, *other, *from;
	cJSON		**rows = NULL, *out, *row;
	size_t		 n = 0, i;
	double		 va, vb;
	int		 pass;

	for (pass = 0; pass < 2; pass++) {
		from = pass == 0 ? a : b;
		cJSON_ArrayForEach(item, from) {
			other = cJSON_GetObjectItemCaseSensitive(pass == 0 ?
			    b : a, item->string);
			if (pass == 1 && other != NULL)
				continue;	/* seen in the first pass */
			va = pass == 0 ? item->valuedouble : 0;
			vb = pass == 0 ? (other ? other->valuedouble : 0) :
			    item->valuedouble;
			if (va == vb)
				continue;
			row = cJSON_CreateObject();
			cJSON_AddStringToObject(row, "name", item->string);
			cJSON_AddNumberToObject(row, "a", va);
			cJSON_AddNumberToObject(row, "b", vb);
			cJSON_AddNumberToObject(row, "delta", vb - va);
			cJSON_AddStringToObject(row, "change", (pass == 0 &&
			    other == NULL) ? "removed" : pass == 1 ? "added" :
			    "changed");
			rows = xreallocarray(rows, n + 1, sizeof *rows);
			rows[n++] = row;
		}
	}
	if (n > 0)
		qsort(rows, n, sizeof *rows, diff_row_cmp);
	out = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if (top > 0 && i >= (size_t)top)
			cJSON_Delete(rows[i]);
		else
			cJSON_AddItemToArray(out, rows[i]);
	}
	free(rows);
	return (out);
}

/* Adds an attribution's bytes to objects by symbol and by crate. */
static void
diff_attribution(const struct attribution *at, cJSON *syms, cJSON *crates)
{
	char	*crate;
	size_t	 i;

	for (i = 0; i < at->n; i++) {
		diff_add(syms, at->v[i].name, (double)at->v[i].size);
		crate = attrib_crate(at->v[i].name);
		diff_add(crates, crate, (double)at->v[i].size);
		free(crate);
	}
}

/*
 * Reads an artifact's symbols into objects by symbol and by crate: the
 * stored table, else the kept copy's. Returns 0, or -1 with *cause.
 */
static int
diff_tables(const cJSON *build, const cJSON *artifact, diff_table_fn load,
    void *arg, cJSON *syms, cJSON *crates, int *has, char **cause)
{
	struct attribution	 at;
	const char		*path;
	int			 rc;

	if ((rc = load(build, artifact, &at, cause, arg)) < 0)
		return (-1);
	if (rc > 0) {
		path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    artifact, "kept_path"));
		if (path == NULL || access(path, R_OK) != 0) {
			xasprintf(cause, "the symbol table of %s is no longer "
			    "kept: the daemon keeps it for the newest "
			    "--keep-artifacts builds of each variant and for "
			    "builds at a regression's commits; build the "
			    "variant again to compare it",
			    cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(artifact,
			    "name")));
			return (-1);
		}
		if (attrib_read(path, NULL, &at, cause) != 0)
			return (-1);
	}
	*has = at.has_table && at.n > 0;
	diff_attribution(&at, syms, crates);
	attrib_clear(&at);
	return (0);
}

/* Keeps the rows that grew or appeared, largest first, with percent. */
static cJSON *
diff_growth(const cJSON *a, const cJSON *b, int top)
{
	cJSON	*all, *out, *row, *next;
	double	 before;
	int	 n = 0;

	all = diff_rows(a, b, 0);
	out = cJSON_CreateArray();
	for (row = all->child; row != NULL; row = next) {
		next = row->next;
		if (json_num(row, "delta", 0) <= 0 || (top > 0 && n >= top))
			continue;
		row = cJSON_DetachItemViaPointer(all, row);
		before = json_num(row, "a", 0);
		if (before > 0)
			cJSON_AddNumberToObject(row, "percent",
			    json_num(row, "delta", 0) * 100.0 / before);
		else
			cJSON_AddNullToObject(row, "percent");
		cJSON_AddItemToArray(out, row);
		n++;
	}
	cJSON_Delete(all);
	return (out);
}

/*
 * What made b bigger than a: the crates and the symbols that grew or
 * appeared most, top of each, as {"crates": [...], "symbols": [...]} in
 * diff's row shape with "percent" (null for what appeared).
 */
cJSON *
diff_causes(const struct attribution *a, const struct attribution *b,
    int top)
{
	cJSON	*sa, *sb, *ca, *cb, *out;

	sa = cJSON_CreateObject();
	sb = cJSON_CreateObject();
	ca = cJSON_CreateObject();
	cb = cJSON_CreateObject();
	diff_attribution(a, sa, ca);
	diff_attribution(b, sb, cb);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "crates", diff_growth(ca, cb, top));
	cJSON_AddItemToObject(out, "symbols", diff_growth(sa, sb, top));
	cJSON_Delete(sa);
	cJSON_Delete(sb);
	cJSON_Delete(ca);
	cJSON_Delete(cb);
	return (out);
}

/* Returns what a diff says of a build: id, run, variant and toolchain. */
static cJSON *
diff_build_summary(const cJSON *b)
{
	static const char *const keys[] = { "id", "run", "project",
	    "variant_key", "state", "toolchain", "bootstrap", NULL };
	const char *const	*k;
	const cJSON		*v;
	cJSON			*o;

	o = cJSON_CreateObject();
	for (k = keys; *k != NULL; k++) {
		if ((v = cJSON_GetObjectItemCaseSensitive(b, *k)) != NULL)
			cJSON_AddItemToObject(o, *k, cJSON_Duplicate(v, 1));
	}
	return (o);
}

/*
 * Compares two build documents (store_build_document). Returns the diff:
 * per artifact both have, its sizes, and the sections, crates and symbols
 * that changed (top N of each, 0 for all); load gives an artifact's
 * stored symbol table.
 */
cJSON *
diff_builds(const cJSON *ba, const cJSON *bb, int top, diff_table_fn load,
    void *arg)
{
	const cJSON	*a, *b;
	cJSON		*out, *list, *row, *sa, *sb, *ca, *cb;
	const char	*name, *kind;
	char		*why = NULL;
	int		 has_a = 0, has_b = 0;

	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "a", diff_build_summary(ba));
	cJSON_AddItemToObject(out, "b", diff_build_summary(bb));
	list = cJSON_AddArrayToObject(out, "artifacts");
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(ba,
	    "artifacts")) {
		name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a,
		    "name"));
		kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a,
		    "kind"));
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(bb,
		    "artifacts")) {
			if (strcmp(name, cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(b, "name"))) == 0 &&
			    strcmp(kind, cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(b, "kind"))) == 0)
				break;
		}
		if (b == NULL)
			continue;
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "name", name);
		cJSON_AddStringToObject(row, "kind", kind);
		cJSON_AddNumberToObject(row, "a", cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(a, "file_size")));
		cJSON_AddNumberToObject(row, "b", cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(b, "file_size")));
		cJSON_AddItemToObject(row, "sections", diff_rows(
		    cJSON_GetObjectItemCaseSensitive(a, "sections"),
		    cJSON_GetObjectItemCaseSensitive(b, "sections"), top));
		sa = cJSON_CreateObject();
		sb = cJSON_CreateObject();
		ca = cJSON_CreateObject();
		cb = cJSON_CreateObject();
		if (diff_tables(ba, a, load, arg, sa, ca, &has_a, &why) != 0 ||
		    diff_tables(bb, b, load, arg, sb, cb, &has_b, &why) != 0) {
			cJSON_AddStringToObject(row, "symbols_error", why);
			free(why);
			why = NULL;
		} else if (!has_a || !has_b) {
			cJSON_AddStringToObject(row, "symbols_error", !has_a ?
			    "build a has no symbol table (it is stripped); "
			    "build its variant with strip=none to compare "
			    "functions" : "build b has no symbol table (it is "
			    "stripped); build its variant with strip=none to "
			    "compare functions");
		} else {
			cJSON_AddItemToObject(row, "crates", diff_rows(ca, cb,
			    top));
			cJSON_AddItemToObject(row, "symbols", diff_rows(sa, sb,
			    top));
		}
		cJSON_Delete(sa);
		cJSON_Delete(sb);
		cJSON_Delete(ca);
		cJSON_Delete(cb);
		cJSON_AddItemToArray(list, row);
	}
	return (out);
}

/* Reads an ELF file's sections with contents: name -> its bytes. */
static int
diff_section_data(const char *path, int *fd, Elf **e)
{
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (*e = elf_begin(*fd, ELF_C_READ, NULL)) == NULL ||
	    elf_kind(*e) != ELF_K_ELF) {
		if (*e != NULL)
			elf_end(*e);
		close(*fd);
		return (-1);
	}
	return (0);
}

/* Finds a section by name; NULL when there is none. */
static Elf_Scn *
diff_section_named(Elf *e, size_t shstrndx, const char *name)
{
	Elf_Scn		*scn = NULL;
	GElf_Shdr	 sh;
	const char	*n;

	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (gelf_getshdr(scn, &sh) != NULL &&
		    (n = elf_strptr(e, shstrndx, sh.sh_name)) != NULL &&
		    strcmp(n, name) == 0)
			return (scn);
	}
	return (NULL);
}

/*
 * Lists the sections whose bytes differ between two ELF files (same name;
 * contents compared, not only sizes), as diff rows {name, a, b, delta,
 * change}; an empty list when the files are not both ELF.
 */
cJSON *
diff_section_bytes(const char *pa, const char *pb)
{
	Elf		*ea = NULL, *eb = NULL;
	Elf_Scn		*sa = NULL, *sb;
	Elf_Data	*da, *db;
	GElf_Shdr	 sh;
	cJSON		*out, *row;
	const char	*name;
	size_t		 stra, strb;
	int		 fa, fb, same;

	out = cJSON_CreateArray();
	if (pa == NULL || pb == NULL || diff_section_data(pa, &fa, &ea) != 0)
		return (out);
	if (diff_section_data(pb, &fb, &eb) != 0) {
		elf_end(ea);
		close(fa);
		return (out);
	}
	if (elf_getshdrstrndx(ea, &stra) == 0 &&
	    elf_getshdrstrndx(eb, &strb) == 0) {
		while ((sa = elf_nextscn(ea, sa)) != NULL) {
			if (gelf_getshdr(sa, &sh) == NULL ||
			    sh.sh_type == SHT_NOBITS ||
			    (name = elf_strptr(ea, stra, sh.sh_name)) == NULL ||
			    *name == '\0')
				continue;
			sb = diff_section_named(eb, strb, name);
			da = elf_rawdata(sa, NULL);
			db = sb != NULL ? elf_rawdata(sb, NULL) : NULL;
			same = da != NULL && db != NULL &&
			    da->d_size == db->d_size && (da->d_size == 0 ||
			    memcmp(da->d_buf, db->d_buf, da->d_size) == 0);
			if (same)
				continue;
			row = cJSON_CreateObject();
			cJSON_AddStringToObject(row, "name", name);
			cJSON_AddNumberToObject(row, "a", da ?
			    (double)da->d_size : 0);
			cJSON_AddNumberToObject(row, "b", db ?
			    (double)db->d_size : 0);
			cJSON_AddNumberToObject(row, "delta", (db ?
			    (double)db->d_size : 0) - (da ? (double)da->d_size :
			    0));
			cJSON_AddStringToObject(row, "change", db == NULL ?
			    "removed" : "changed");
			cJSON_AddItemToArray(out, row);
		}
	}
	elf_end(ea);
	elf_end(eb);
	close(fa);
	close(fb);
	return (out);
}
