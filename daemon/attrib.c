/*
 * Attribution: which symbol, and so which crate, each byte of an artifact
 * belongs to, read from its symbol table as cargo-bloat and twiggy read it.
 *
 * ELF (an archive's members together): the sized function and object
 * symbols of .symtab, demangled with libiberty (Rust legacy and v0, C++),
 * each in its section. The sections covered are the allocated sections
 * with contents (.text, .rodata, .data.rel.ro, .data, ...: not .bss, which
 * takes no bytes in the file) that hold at least one such symbol. Bytes
 * two symbols share (aliases, folded functions) count once, for the first
 * by address; what no symbol covers is "[unattributed]" (padding, the
 * linker's stubs, code without symbols). So the symbols plus it add up
 * to the covered sections, and so do the crates plus it.
 *
 * WebAssembly: the code section's function bodies (each with its size
 * prefix), named by the "name" custom section; the code section is what
 * is covered, its entry count is unattributed.
 *
 * A crate is the first segment of a demangled path ("[C]" for names
 * without one). A crate linked in two versions would group as one, since
 * a demangled name carries no version: the symbols each version's rlib
 * defines name it ("twin@0.1.0::work"), where the builder gives them
 * (attrib_origins); what the final crate instantiates of either stays
 * under the bare name. An artifact without a symbol table (stripped) has
 * no attribution: its unstripped twin has it.
 *
 * The table travels packed: zstd-compressed lines "S\tSECTION\tSIZE" for
 * each covered section, then "Y\tSECTION\tSIZE\tNAME" for each symbol.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

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

#define ATTRIB_ZSTD_LEVEL	9
#define ATTRIB_MAX_SECTION	((uint64_t)1 << 40)
#define ATTRIB_MAX_RAW		(512 * 1024 * 1024)

/* A symbol as read, before overlaps are taken out. */
struct attrib_raw {
	size_t		 section;	/* index into the sections read */
	uint64_t	 addr;
	uint64_t	 size;
	const char	*name;		/* mangled, in the ELF image */
};

/* A mangled name defined in a versioned crate's rlib, and that version. */
struct attrib_origin {
	char	*mangled;
	char	*label;		/* "twin@0.1.0" */
};

struct attrib_origins {
	struct attrib_origin	*v;
	size_t			 n;
	int			 sorted;
};

struct attrib_origins *
attrib_origins_create(void)
{
	return (xcalloc(1, sizeof (struct attrib_origins)));
}

void
attrib_origins_free(struct attrib_origins *o)
{
	size_t	i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->v[i].mangled);
		free(o->v[i].label);
	}
	free(o->v);
	free(o);
}

/* Adds the defined symbols of one ELF member of an rlib. */
static void
attrib_origins_elf(struct attrib_origins *o, Elf *e, const char *label)
{
	Elf_Scn		*scn = NULL;
	GElf_Shdr	 sh;
	GElf_Sym	 sym;
	Elf_Data	*data;
	const char	*name;
	size_t		 i, count;

	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == SHT_SYMTAB)
			break;
	}
	if (scn == NULL || (data = elf_getdata(scn, NULL)) == NULL ||
	    sh.sh_entsize == 0)
		return;
	count = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < count; i++) {
		if (gelf_getsym(data, (int)i, &sym) == NULL ||
		    sym.st_shndx == SHN_UNDEF ||
		    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
		    GELF_ST_TYPE(sym.st_info) != STT_OBJECT) ||
		    (name = elf_strptr(e, sh.sh_link, sym.st_name)) == NULL ||
		    *name == '\0')
			continue;
		o->v = xreallocarray(o->v, o->n + 1, sizeof *o->v);
		o->v[o->n].mangled = xstrdup(name);
		o->v[o->n++].label = xstrdup(label);
	}
	o->sorted = 0;
}

/*
 * Adds what an rlib of a versioned crate defines, to be named by label
 * ("twin@0.1.0"). An rlib without object code (LTO's bitcode) adds
 * nothing: its symbols stay under the bare crate name.
 */
void
attrib_origins_add(struct attrib_origins *o, const char *rlib,
    const char *label)
{
	Elf	*ar, *e;
	Elf_Cmd	 cmd = ELF_C_READ;
	int	 fd;

	if ((fd = open(rlib, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (elf_version(EV_CURRENT) != EV_NONE &&
	    (ar = elf_begin(fd, ELF_C_READ, NULL)) != NULL) {
		if (elf_kind(ar) == ELF_K_AR) {
			while ((e = elf_begin(fd, cmd, ar)) != NULL) {
				if (elf_kind(e) == ELF_K_ELF)
					attrib_origins_elf(o, e, label);
				cmd = elf_next(e);
				elf_end(e);
			}
		}
		elf_end(ar);
	}
	close(fd);
}

static int
attrib_origin_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct attrib_origin *)a)->mangled,
	    ((const struct attrib_origin *)b)->mangled));
}

/* Returns the version label of a mangled name, or NULL. */
static const char *
attrib_origin(struct attrib_origins *o, const char *mangled)
{
	struct attrib_origin	 key, *hit;

	if (o == NULL || o->n == 0)
		return (NULL);
	if (!o->sorted) {
		qsort(o->v, o->n, sizeof *o->v, attrib_origin_cmp);
		o->sorted = 1;
	}
	key.mangled = (char *)mangled;
	hit = bsearch(&key, o->v, o->n, sizeof *o->v, attrib_origin_cmp);
	return (hit != NULL ? hit->label : NULL);
}

/*
 * Names the version in a demangled name: the first "twin::" that starts a
 * path (at the start, or after '<', '&', '*' or a space) becomes
 * "twin@0.1.0::". Takes the name; returns the new one.
 */
static char *
attrib_relabel(char *name, const char *label)
{
	const char	*at = strchr(label, '@'), *p;
	char		*crate, *out;
	size_t		 len;

	if (at == NULL || at == label)
		return (name);
	len = (size_t)(at - label);
	crate = xstrndup(label, len);
	for (p = name; (p = strstr(p, crate)) != NULL; p += len) {
		if (strncmp(p + len, "::", 2) == 0 && (p == name ||
		    strchr("<&* ", p[-1]) != NULL)) {
			xasprintf(&out, "%.*s%s%s", (int)(p - name), name,
			    label, p + len);
			free(crate);
			free(name);
			return (out);
		}
	}
	free(crate);
	return (name);
}

/* Frees what an attribution holds. */
void
attrib_clear(struct attribution *at)
{
	size_t	i;

	for (i = 0; i < at->n; i++) {
		free(at->v[i].name);
		free(at->v[i].section);
	}
	free(at->v);
	for (i = 0; i < at->nsections; i++)
		free(at->sections[i].name);
	free(at->sections);
	memset(at, 0, sizeof *at);
}

/* Demangles a Rust (legacy or v0) or C++ name, without Rust's hash. */
char *
attrib_demangle(const char *name)
{
	char	*d, *copy;

	if ((d = rust_demangle(name, DMGL_PARAMS | DMGL_ANSI)) != NULL ||
	    (d = cplus_demangle_v3(name, DMGL_PARAMS | DMGL_ANSI)) != NULL) {
		copy = xstrdup(d);
		free(d);
		return (copy);
	}
	return (xstrdup(name));
}

/*
 * Returns the crate of a demangled name: the first path segment, or the
 * trait's for "<T as crate::Trait>::f"; "[C]" for names with no path.
 */
char *
attrib_crate(const char *name)
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

/*
 * Returns a section's name without the symbol's part that
 * -ffunction-sections adds (".text._ZN3foo" is ".text").
 */
static char *
attrib_section_name(const char *name)
{
	static const char *const bases[] = { ".text", ".rodata",
	    ".data.rel.ro", ".data", ".tdata", ".init_array", ".fini_array",
	    NULL };
	const char *const	*b;
	size_t			 len;

	for (b = bases; *b != NULL; b++) {
		len = strlen(*b);
		if (strncmp(name, *b, len) == 0 && name[len] == '.')
			return (xstrdup(*b));
	}
	return (xstrdup(name));
}

/* Adds size to a covered section's total, by name. */
static void
attrib_cover(struct attribution *at, const char *name, int64_t size)
{
	size_t	i;

	for (i = 0; i < at->nsections; i++) {
		if (strcmp(at->sections[i].name, name) == 0) {
			at->sections[i].value += size;
			at->covered += size;
			return;
		}
	}
	at->sections = xreallocarray(at->sections, at->nsections + 1,
	    sizeof *at->sections);
	at->sections[at->nsections].name = xstrdup(name);
	at->sections[at->nsections++].value = size;
	at->covered += size;
}

/* Adds a symbol's attributed bytes. */
static void
attrib_add(struct attribution *at, char *name, const char *section,
    int64_t size)
{
	at->v = xreallocarray(at->v, at->n + 1, sizeof *at->v);
	at->v[at->n].name = name;
	at->v[at->n].section = xstrdup(section);
	at->v[at->n++].size = size;
}

/* Orders raw symbols by section, address, and the larger first. */
static int
attrib_raw_cmp(const void *a, const void *b)
{
	const struct attrib_raw	*x = a, *y = b;

	if (x->section != y->section)
		return (x->section < y->section ? -1 : 1);
	if (x->addr != y->addr)
		return (x->addr < y->addr ? -1 : 1);
	return (x->size > y->size ? -1 : x->size < y->size ? 1 : 0);
}

/*
 * Attributes one ELF image's bytes: its sized symbols in allocated
 * sections with contents, each byte once, and those sections' sizes.
 */
static void
attrib_elf(Elf *e, struct attrib_origins *origins, struct attribution *at)
{
	Elf_Scn			*scn = NULL, *symtab = NULL;
	GElf_Shdr		 shdr, *shdrs = NULL;
	GElf_Sym		 sym;
	Elf_Data		*data;
	struct attrib_raw	*raw = NULL;
	size_t			 nraw = 0, nsec = 0, shstrndx, i, count;
	uint64_t		 end, lo, hi, done = 0;
	const char		*name, *label;
	char			*section, *demangled;
	int			*used;

	if (elf_getshdrnum(e, &nsec) != 0 || elf_getshdrstrndx(e,
	    &shstrndx) != 0)
		return;
	shdrs = xcalloc(nsec ? nsec : 1, sizeof *shdrs);
	used = xcalloc(nsec ? nsec : 1, sizeof *used);
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (gelf_getshdr(scn, &shdr) == NULL ||
		    elf_ndxscn(scn) >= nsec)
			continue;
		shdrs[elf_ndxscn(scn)] = shdr;
		if (shdr.sh_type == SHT_SYMTAB)
			symtab = scn;
	}
	if (symtab == NULL || gelf_getshdr(symtab, &shdr) == NULL ||
	    (data = elf_getdata(symtab, NULL)) == NULL ||
	    shdr.sh_entsize == 0)
		goto out;
	at->has_table = 1;
	count = shdr.sh_size / shdr.sh_entsize;
	for (i = 0; i < count; i++) {
		if (gelf_getsym(data, (int)i, &sym) == NULL ||
		    sym.st_size == 0 || sym.st_shndx == SHN_UNDEF ||
		    sym.st_shndx >= nsec ||
		    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
		    GELF_ST_TYPE(sym.st_info) != STT_OBJECT) ||
		    shdrs[sym.st_shndx].sh_type != SHT_PROGBITS ||
		    !(shdrs[sym.st_shndx].sh_flags & SHF_ALLOC) ||
		    shdrs[sym.st_shndx].sh_size > ATTRIB_MAX_SECTION)
			continue;
		name = elf_strptr(e, shdr.sh_link, sym.st_name);
		if (name == NULL || *name == '\0')
			continue;
		raw = xreallocarray(raw, nraw + 1, sizeof *raw);
		raw[nraw].section = sym.st_shndx;
		raw[nraw].addr = sym.st_value;
		raw[nraw].size = sym.st_size;
		raw[nraw++].name = name;
	}
	if (nraw > 0)
		qsort(raw, nraw, sizeof *raw, attrib_raw_cmp);
	for (i = 0; i < nraw; i++) {
		shdr = shdrs[raw[i].section];
		if (i == 0 || raw[i].section != raw[i - 1].section)
			done = shdr.sh_addr;
		lo = raw[i].addr > done ? raw[i].addr : done;
		end = raw[i].addr + raw[i].size;
		hi = shdr.sh_addr + shdr.sh_size;
		hi = end < hi ? end : hi;
		if (hi <= lo)
			continue;	/* an alias of bytes counted */
		done = hi;
		used[raw[i].section] = 1;
		name = elf_strptr(e, shstrndx, shdr.sh_name);
		section = attrib_section_name(name != NULL ? name : "?");
		demangled = attrib_demangle(raw[i].name);
		if ((label = attrib_origin(origins, raw[i].name)) != NULL)
			demangled = attrib_relabel(demangled, label);
		attrib_add(at, demangled, section, (int64_t)(hi - lo));
		free(section);
	}
	for (i = 0; i < nsec; i++) {
		/* A section larger than any file is a broken header. */
		if (!used[i] || shdrs[i].sh_size > ATTRIB_MAX_SECTION)
			continue;
		name = elf_strptr(e, shstrndx, shdrs[i].sh_name);
		section = attrib_section_name(name != NULL ? name : "?");
		attrib_cover(at, section, (int64_t)shdrs[i].sh_size);
		free(section);
	}
out:
	free(raw);
	free(used);
	free(shdrs);
}

/* Reads a WebAssembly vector of names by index: the name section's. */
static char **
attrib_wasm_names(const unsigned char *p, const unsigned char *end,
    uint64_t nfuncs)
{
	char		**names;
	uint64_t	  sub, size, count, idx, len, i;
	const unsigned char *next;

	names = xcalloc(nfuncs ? nfuncs : 1, sizeof *names);
	while (p < end) {
		sub = *p++;
		if (wasm_leb(&p, end, &size) != 0 ||
		    size > (uint64_t)(end - p))
			break;
		next = p + size;
		if (sub != 1) {		/* function names */
			p = next;
			continue;
		}
		if (wasm_leb(&p, next, &count) != 0)
			break;
		for (i = 0; i < count; i++) {
			if (wasm_leb(&p, next, &idx) != 0 ||
			    wasm_leb(&p, next, &len) != 0 ||
			    len > (uint64_t)(next - p))
				break;
			if (idx < nfuncs && names[idx] == NULL)
				names[idx] = xstrndup((const char *)p,
				    (size_t)len);
			p += len;
		}
		p = next;
	}
	return (names);
}

/* Counts a module's imported functions: they come first in the index. */
static uint64_t
attrib_wasm_imports(const unsigned char *p, const unsigned char *end)
{
	uint64_t	count, len, i, funcs = 0, skip;
	int		kind;

	if (wasm_leb(&p, end, &count) != 0)
		return (0);
	for (i = 0; i < count && p < end; i++) {
		/* module and field names */
		if (wasm_leb(&p, end, &len) != 0 || len > (uint64_t)(end - p))
			return (funcs);
		p += len;
		if (wasm_leb(&p, end, &len) != 0 ||
		    len >= (uint64_t)(end - p))
			return (funcs);
		p += len;
		kind = *p++;
		switch (kind) {
		case 0:		/* function: a type index */
			funcs++;
			if (wasm_leb(&p, end, &skip) != 0)
				return (funcs);
			break;
		case 1:		/* table: element type and limits */
			p++;
			/* FALLTHROUGH */
		case 2:		/* memory: limits */
			if (p >= end)
				return (funcs);
			kind = *p++;
			if (wasm_leb(&p, end, &skip) != 0 || ((kind & 1) &&
			    wasm_leb(&p, end, &skip) != 0))
				return (funcs);
			break;
		case 3:		/* global: value type, mutability */
			p += 2;
			break;
		default:	/* tag and what comes later */
			return (funcs);
		}
	}
	return (funcs);
}

/* Attributes a WebAssembly module's code section to its functions. */
static void
attrib_wasm(const unsigned char *data, size_t len, struct attribution *at)
{
	const unsigned char	*p = data + 8, *end = data + len, *payload;
	const unsigned char	*code = NULL, *code_end = NULL;
	const unsigned char	*names = NULL, *names_end = NULL, *q;
	uint64_t		 size, nlen, imports = 0, count, body, i;
	char			**fn, *name;
	int			 id;

	while (p < end) {
		id = *p++;
		if (wasm_leb(&p, end, &size) != 0 || size > (uint64_t)(end - p))
			return;
		payload = p;
		p += size;
		if (id == 2)
			imports = attrib_wasm_imports(payload, p);
		else if (id == 10) {
			code = payload;
			code_end = p;
		} else if (id == 0 && wasm_leb(&payload, p, &nlen) == 0 &&
		    nlen == 4 && nlen <= (uint64_t)(p - payload) &&
		    memcmp(payload, "name", 4) == 0) {
			names = payload + 4;
			names_end = p;
		}
	}
	if (code == NULL || names == NULL)
		return;		/* no code, or no names: nothing to say */
	q = code;
	/* Each body takes a byte at least: a count beyond that is a lie. */
	if (wasm_leb(&q, code_end, &count) != 0 ||
	    count > (uint64_t)(code_end - q))
		return;
	at->has_table = 1;
	fn = attrib_wasm_names(names, names_end, imports + count);
	attrib_cover(at, "code", (int64_t)(code_end - code));
	for (i = 0; i < count; i++) {
		payload = q;
		if (wasm_leb(&q, code_end, &body) != 0 ||
		    body > (uint64_t)(code_end - q))
			break;
		q += body;
		if (fn[imports + i] != NULL)
			name = attrib_demangle(fn[imports + i]);
		else
			xasprintf(&name, "code[%llu]", (unsigned long long)i);
		attrib_add(at, name, "code", (int64_t)(q - payload));
	}
	for (i = 0; i < imports + count; i++)
		free(fn[i]);
	free(fn);
}

/* Orders rows by section, then name. */
static int
attrib_row_cmp(const void *a, const void *b)
{
	const struct attrib_row	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->section, y->section)) != 0)
		return (c);
	return (strcmp(x->name, y->name));
}

/* Sorts the rows and sums those of one name in one section. */
static void
attrib_merge(struct attribution *at)
{
	size_t	i, j;

	if (at->n > 0)
		qsort(at->v, at->n, sizeof *at->v, attrib_row_cmp);
	for (i = 0, j = 0; i < at->n; i++) {
		if (j > 0 && attrib_row_cmp(&at->v[j - 1], &at->v[i]) == 0) {
			at->v[j - 1].size += at->v[i].size;
			free(at->v[i].name);
			free(at->v[i].section);
			continue;
		}
		at->v[j++] = at->v[i];
	}
	at->n = j;
}

/* Reads a whole file; NULL with errno set when it cannot. */
static unsigned char *
attrib_slurp(int fd, size_t *len)
{
	unsigned char	*data;
	off_t		 size;
	size_t		 got = 0;
	ssize_t		 n;

	if ((size = lseek(fd, 0, SEEK_END)) < 0)
		return (NULL);
	data = xmalloc((size_t)size + 1);
	while (got < (size_t)size) {
		n = pread(fd, data + got, (size_t)size - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(data);
			errno = EIO;
			return (NULL);
		}
		got += (size_t)n;
	}
	*len = got;
	return (data);
}

/*
 * Reads an artifact's attribution. Returns 0 (at->has_table says whether
 * there was a symbol table), or -1 with *cause when the file cannot be
 * read.
 */
int
attrib_read(const char *path, struct attrib_origins *origins,
    struct attribution *at, char **cause)
{
	Elf		*ar, *e;
	Elf_Cmd		 cmd;
	unsigned char	 magic[4], *data;
	size_t		 len;
	int		 fd;

	memset(at, 0, sizeof *at);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (pread(fd, magic, 4, 0) == 4 && memcmp(magic, "\0asm", 4) == 0) {
		if ((data = attrib_slurp(fd, &len)) == NULL) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			close(fd);
			return (-1);
		}
		attrib_wasm(data, len, at);
		free(data);
	} else if (elf_version(EV_CURRENT) != EV_NONE &&
	    (ar = elf_begin(fd, ELF_C_READ, NULL)) != NULL) {
		if (elf_kind(ar) == ELF_K_ELF)
			attrib_elf(ar, origins, at);
		else if (elf_kind(ar) == ELF_K_AR) {
			cmd = ELF_C_READ;
			while ((e = elf_begin(fd, cmd, ar)) != NULL) {
				if (elf_kind(e) == ELF_K_ELF)
					attrib_elf(e, origins, at);
				cmd = elf_next(e);
				elf_end(e);
			}
		}
		elf_end(ar);
	}
	close(fd);
	attrib_merge(at);
	return (0);
}

/* Returns the bytes of the covered sections that no symbol holds. */
int64_t
attrib_unattributed(const struct attribution *at)
{
	int64_t	sum = 0;
	size_t	i;

	for (i = 0; i < at->n; i++)
		sum += at->v[i].size;
	return (at->covered - sum);
}

/*
 * Adds the measurements crate.NAME for each crate, and
 * crate.[unattributed], to an artifact with a symbol table.
 */
void
attrib_measure(const struct attribution *at, struct artifact *a)
{
	struct measurement	*crates = NULL;
	size_t			 n = 0, i, j;
	char			*crate, *name;

	if (!at->has_table)
		return;
	for (i = 0; i < at->n; i++) {
		crate = attrib_crate(at->v[i].name);
		for (j = 0; j < n; j++)
			if (strcmp(crates[j].name, crate) == 0)
				break;
		if (j == n) {
			crates = xreallocarray(crates, n + 1, sizeof *crates);
			crates[n].name = crate;
			crates[n++].value = 0;
		} else
			free(crate);
		crates[j].value += at->v[i].size;
	}
	for (j = 0; j < n; j++) {
		xasprintf(&name, "crate.%s", crates[j].name);
		artifact_add_measurement(a, name, crates[j].value);
		free(name);
		free(crates[j].name);
	}
	free(crates);
	artifact_add_measurement(a, "crate.[unattributed]",
	    attrib_unattributed(at));
}

/* Adds a name to a table line, its tabs and line breaks as spaces. */
static void
attrib_pack_name(struct buf *b, const char *name)
{
	const char	*p;

	for (p = name; *p != '\0'; p++)
		buf_add(b, *p == '\t' || *p == '\n' || *p == '\r' ? " " : p,
		    1);
}

/* Packs an attribution: compressed lines, their raw size in *raw. */
void *
attrib_pack(const struct attribution *at, size_t *len, size_t *raw)
{
	struct buf	 b;
	void		*out;
	size_t		 i, bound, n;

	buf_init(&b);
	for (i = 0; i < at->nsections; i++) {
		buf_addstr(&b, "S\t");
		attrib_pack_name(&b, at->sections[i].name);
		buf_printf(&b, "\t%lld\n", (long long)at->sections[i].value);
	}
	for (i = 0; i < at->n; i++) {
		buf_addstr(&b, "Y\t");
		attrib_pack_name(&b, at->v[i].section);
		buf_printf(&b, "\t%lld\t", (long long)at->v[i].size);
		attrib_pack_name(&b, at->v[i].name);
		buf_addstr(&b, "\n");
	}
	bound = ZSTD_compressBound(b.len);
	out = xmalloc(bound);
	n = ZSTD_compress(out, bound, b.data, b.len, ATTRIB_ZSTD_LEVEL);
	*raw = b.len;
	buf_free(&b);
	if (ZSTD_isError(n)) {
		free(out);
		return (NULL);
	}
	*len = n;
	return (out);
}

/* Unpacks a table; -1 when it is not one. */
int
attrib_unpack(const void *data, size_t len, struct attribution *at)
{
	unsigned long long	 raw;
	char			*text, *line, *next, *f[4];
	size_t			 n, k;

	memset(at, 0, sizeof *at);
	raw = ZSTD_getFrameContentSize(data, len);
	if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN ||
	    raw > ATTRIB_MAX_RAW)
		return (-1);
	text = xmalloc((size_t)raw + 1);
	n = ZSTD_decompress(text, (size_t)raw, data, len);
	if (ZSTD_isError(n)) {
		free(text);
		return (-1);
	}
	text[n] = '\0';
	at->has_table = 1;
	for (line = text; *line != '\0'; line = next) {
		memset(f, 0, sizeof f);
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		for (k = 0, f[0] = line; k < 3 && f[k] != NULL; k++) {
			f[k + 1] = strchr(f[k], '\t');
			if (f[k + 1] != NULL)
				*f[k + 1]++ = '\0';
		}
		if (strcmp(f[0], "S") == 0 && f[1] != NULL && f[2] != NULL)
			attrib_cover(at, f[1], strtoll(f[2], NULL, 10));
		else if (strcmp(f[0], "Y") == 0 && f[1] != NULL &&
		    f[2] != NULL && f[3] != NULL)
			attrib_add(at, xstrdup(f[3]), f[1],
			    strtoll(f[2], NULL, 10));
	}
	free(text);
	return (0);
}
