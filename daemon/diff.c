/*
 * What changed between two builds: for each artifact both have (same name
 * and kind), the sections that grew or shrank, and from the symbol tables
 * of the kept copies, the crates and the functions and data. Rust symbols
 * are demangled with libiberty's demangler and grouped by crate, the first
 * segment of their path.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sizematd.h"

/*
 * From libiberty's demangle.h, which cannot be included here: it pulls in
 * libiberty.h, whose xmalloc family clashes with ours. These two use only
 * malloc and free.
 */
#define DMGL_PARAMS	(1 << 0)
#define DMGL_ANSI	(1 << 1)
char	*rust_demangle(const char *, int);
char	*cplus_demangle_v3(const char *, int);

struct symbol {
	char	*name;		/* demangled */
	int64_t	 size;
};

struct symbols {
	struct symbol	*v;
	size_t		 n;
	int		 has_table;	/* a symbol table was there */
};

/* Frees a symbol list. */
static void
symbols_clear(struct symbols *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Demangles a Rust (legacy or v0) or C++ name, without Rust's hash. */
static char *
diff_demangle(const char *name)
{
	char	*d;

	if ((d = rust_demangle(name, DMGL_PARAMS | DMGL_ANSI)) != NULL ||
	    (d = cplus_demangle_v3(name, DMGL_PARAMS | DMGL_ANSI)) != NULL) {
		char *copy = xstrdup(d);

		free(d);
		return (copy);
	}
	return (xstrdup(name));
}

/* Compares symbols by name, for qsort and bsearch. */
static int
diff_symbol_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct symbol *)a)->name,
	    ((const struct symbol *)b)->name));
}

/* Adds the sized, defined function and data symbols of one ELF image. */
static void
diff_elf_symbols(Elf *e, struct symbols *out)
{
	Elf_Scn		*scn = NULL, *dyn = NULL, *use;
	GElf_Shdr	 shdr;
	GElf_Sym	 sym;
	Elf_Data	*data;
	size_t		 i, count;
	const char	*name;

	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (gelf_getshdr(scn, &shdr) == NULL)
			continue;
		if (shdr.sh_type == SHT_SYMTAB)
			break;
		if (shdr.sh_type == SHT_DYNSYM)
			dyn = scn;
	}
	if ((use = scn != NULL ? scn : dyn) == NULL ||
	    gelf_getshdr(use, &shdr) == NULL ||
	    (data = elf_getdata(use, NULL)) == NULL || shdr.sh_entsize == 0)
		return;
	out->has_table = 1;
	count = shdr.sh_size / shdr.sh_entsize;
	for (i = 0; i < count; i++) {
		if (gelf_getsym(data, (int)i, &sym) == NULL)
			continue;
		if (sym.st_size == 0 || sym.st_shndx == SHN_UNDEF ||
		    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
		    GELF_ST_TYPE(sym.st_info) != STT_OBJECT))
			continue;
		name = elf_strptr(e, shdr.sh_link, sym.st_name);
		if (name == NULL || *name == '\0')
			continue;
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n].name = diff_demangle(name);
		out->v[out->n].size = (int64_t)sym.st_size;
		out->n++;
	}
}

/*
 * Reads the symbols of an artifact (an archive's members together), sums
 * those of the same name and sorts them by name.
 */
static int
diff_symbols(const char *path, struct symbols *out, char **cause)
{
	Elf		*ar, *e;
	Elf_Cmd		 cmd;
	size_t		 i, j;
	int		 fd;

	memset(out, 0, sizeof *out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (ar = elf_begin(fd, ELF_C_READ, NULL)) == NULL) {
		close(fd);
		return (0);	/* not ELF: no symbols */
	}
	if (elf_kind(ar) == ELF_K_ELF)
		diff_elf_symbols(ar, out);
	else if (elf_kind(ar) == ELF_K_AR) {
		cmd = ELF_C_READ;
		while ((e = elf_begin(fd, cmd, ar)) != NULL) {
			if (elf_kind(e) == ELF_K_ELF)
				diff_elf_symbols(e, out);
			cmd = elf_next(e);
			elf_end(e);
		}
	}
	elf_end(ar);
	close(fd);
	if (out->n > 0)
		qsort(out->v, out->n, sizeof *out->v, diff_symbol_cmp);
	for (i = 0, j = 0; i < out->n; i++) {
		if (j > 0 && strcmp(out->v[j - 1].name, out->v[i].name) == 0) {
			out->v[j - 1].size += out->v[i].size;
			free(out->v[i].name);
			continue;
		}
		out->v[j++] = out->v[i];
	}
	out->n = j;
	return (0);
}

/*
 * Returns the crate of a demangled name: the first path segment, or the
 * trait's for "<T as crate::Trait>::f"; "[C]" for names with no path.
 */
static char *
diff_crate(const char *name)
{
	const char	*p = name, *as;
	size_t		 len;

	if (*p == '<') {
		p++;
		p += strspn(p, "&*");
		if (strncmp(p, "mut ", 4) == 0)
			p += 4;
		if (strncmp(p, "dyn ", 4) == 0)
			p += 4;
		len = strcspn(p, ":<> ;[(");
		if ((len == 0 || p[len] != ':') &&
		    (as = strstr(p, " as ")) != NULL)
			p = as + 4;
	}
	len = strcspn(p, ":<> ;[(");
	if (len == 0 || p[len] != ':')
		return (xstrdup("[C]"));
	return (xstrndup(p, len));
}

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

/* Reads an artifact's symbols into objects by symbol and by crate. */
static int
diff_tables(const cJSON *artifact, cJSON *syms, cJSON *crates, int *has,
    char **cause)
{
	const char	*path;
	struct symbols	 s;
	char		*crate;
	size_t		 i;

	path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(artifact,
	    "kept_path"));
	if (path == NULL || access(path, R_OK) != 0) {
		xasprintf(cause, "the copy of %s kept for diff is gone (%s); "
		    "the daemon keeps the newest --keep-artifacts copies of "
		    "each variant: build the variant again to compare it",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    artifact, "name")), path != NULL ? path : "pruned");
		return (-1);
	}
	if (diff_symbols(path, &s, cause) != 0)
		return (-1);
	*has = s.has_table && s.n > 0;
	for (i = 0; i < s.n; i++) {
		cJSON_AddNumberToObject(syms, s.v[i].name, (double)s.v[i].size);
		crate = diff_crate(s.v[i].name);
		diff_add(crates, crate, (double)s.v[i].size);
		free(crate);
	}
	symbols_clear(&s);
	return (0);
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
 * that changed (top N of each, 0 for all).
 */
cJSON *
diff_builds(const cJSON *ba, const cJSON *bb, int top)
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
		if (diff_tables(a, sa, ca, &has_a, &why) != 0 ||
		    diff_tables(b, sb, cb, &has_b, &why) != 0) {
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
