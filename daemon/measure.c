/*
 * Measurements of one artifact file: file_size, ELF section sizes read with
 * libelf, section.debug and loadable_size (INTERFACE.md names).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sizematd.h"

/* Appends a measurement to a list, adding to one of the same name. */
static void
measure_add(struct measurement **list, size_t *n, const char *name,
    int64_t value)
{
	size_t	 i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*list)[i].name, name) == 0) {
			(*list)[i].value += value;
			return;
		}
	}
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[*n].name = xstrdup(name);
	(*list)[*n].value = value;
	(*n)++;
}

/* Adds a canonical measurement to an artifact. */
void
artifact_add_measurement(struct artifact *a, const char *name, int64_t value)
{
	measure_add(&a->measurements, &a->nmeasurements, name, value);
}

/* Frees what an artifact holds. */
void
artifact_clear(struct artifact *a)
{
	size_t	 i;

	free(a->name);
	free(a->kind);
	free(a->path);
	free(a->kept_path);
	for (i = 0; i < a->nsections; i++)
		free(a->sections[i].name);
	for (i = 0; i < a->nmeasurements; i++)
		free(a->measurements[i].name);
	for (i = 0; i < a->ndigests; i++)
		free(a->digests[i].name);
	free(a->sections);
	free(a->measurements);
	free(a->digests);
	free(a->symtab);
	memset(a, 0, sizeof *a);
}

/*
 * Folds the per-function sections of a relocatable object (".text.foo",
 * ".rela.rodata.bar") into the output section a linker's default script
 * would put them in, so an archive's members add up by kind.
 */
static char *
measure_fold(const char *name)
{
	static const char *const outputs[] = { ".data.rel.ro",
	    ".gcc_except_table", ".rodata", ".text", ".data", ".bss", ".tdata",
	    ".tbss", ".init_array", ".fini_array", NULL };
	const char *const	*o;
	const char		*base = name;
	size_t			 n;

	if (strncmp(name, ".rela.", 6) == 0)
		base = name + 5;
	else if (strncmp(name, ".rel.", 5) == 0)
		base = name + 4;
	for (o = outputs; *o != NULL; o++) {
		n = strlen(*o);
		if (strncmp(base, *o, n) == 0 && base[n] == '.')
			return (xstrndup(name, (size_t)(base - name) + n));
	}
	return (xstrdup(name));
}

/* The digest of an artifact's section of that name, or NULL. */
static struct section_digest *
measure_digest_named(const struct artifact *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->ndigests; i++) {
		if (strcmp(a->digests[i].name, name) == 0)
			return (&a->digests[i]);
	}
	return (NULL);
}

/* The sha256 (hex) of an artifact's section's bytes, or NULL. */
const char *
artifact_section_sha256(const struct artifact *a, const char *name)
{
	struct section_digest	*sd = measure_digest_named(a, name);

	return (sd != NULL ? sd->sha256 : NULL);
}

/* Writes a sha256 as hex. */
static void
measure_hex(const unsigned char *md, unsigned int len, char out[65])
{
	unsigned int	 i;

	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * Adds the sha256 of a section's bytes (size bytes) to the artifact, for
 * telling which sections two builds differ in (verify) without their
 * files. Sections of one name, whose sizes add up, hash as the hex of the
 * first's hash followed by the next one's.
 */
static int
measure_digest(Elf_Scn *scn, const char *name, uint64_t size,
    struct artifact *a)
{
	Elf_Data	*d = elf_rawdata(scn, NULL);
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 len = 0;
	struct section_digest *sd;
	char		 both[129];

	if (d == NULL && size > 0)
		return (-1);
	if (EVP_Digest(d != NULL ? d->d_buf : "", d != NULL ? d->d_size : 0,
	    md, &len, EVP_sha256(), NULL) != 1)
		return (-1);
	if ((sd = measure_digest_named(a, name)) != NULL) {
		memcpy(both, sd->sha256, 64);
		measure_hex(md, len, both + 64);
		if (EVP_Digest(both, 128, md, &len, EVP_sha256(), NULL) != 1)
			return (-1);
		measure_hex(md, len, sd->sha256);
		return (0);
	}
	a->digests = xreallocarray(a->digests, a->ndigests + 1,
	    sizeof *a->digests);
	sd = &a->digests[a->ndigests++];
	sd->name = xstrdup(name);
	measure_hex(md, len, sd->sha256);
	return (0);
}

/* Reads the section headers of one ELF image into the artifact. */
static int
measure_elf(Elf *e, struct artifact *a, char **cause)
{
	Elf_Scn		*scn = NULL;
	GElf_Shdr	 shdr;
	GElf_Ehdr	 ehdr;
	size_t		 shstrndx;
	const char	*name;
	char		*canonical, *folded;
	int64_t		 loadable = 0, debug = 0;
	int		 seen_debug = 0;

	if (gelf_getehdr(e, &ehdr) == NULL ||
	    elf_getshdrstrndx(e, &shstrndx) != 0) {
		xasprintf(cause, "%s: %s", a->path, elf_errmsg(-1));
		return (-1);
	}
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (gelf_getshdr(scn, &shdr) == NULL) {
			xasprintf(cause, "%s: %s", a->path, elf_errmsg(-1));
			return (-1);
		}
		if (shdr.sh_type == SHT_NULL)
			continue;
		name = elf_strptr(e, shstrndx, shdr.sh_name);
		if (name == NULL || *name == '\0')
			continue;
		folded = ehdr.e_type == ET_REL ? measure_fold(name) :
		    xstrdup(name);
		measure_add(&a->sections, &a->nsections, folded,
		    (int64_t)shdr.sh_size);
		xasprintf(&canonical, "section.%s",
		    folded[0] == '.' ? folded + 1 : folded);
		artifact_add_measurement(a, canonical, (int64_t)shdr.sh_size);
		free(canonical);
		free(folded);
		if (ehdr.e_type != ET_REL && shdr.sh_type != SHT_NOBITS &&
		    measure_digest(scn, name, shdr.sh_size, a) != 0) {
			xasprintf(cause, "%s: cannot hash section %s", a->path,
			    name);
			return (-1);
		}
		if (strncmp(name, ".debug_", 7) == 0) {
			debug += (int64_t)shdr.sh_size;
			seen_debug = 1;
		}
		/* Allocated sections that take room in the file. */
		if ((shdr.sh_flags & SHF_ALLOC) && shdr.sh_type != SHT_NOBITS)
			loadable += (int64_t)shdr.sh_size;
	}
	if (seen_debug)
		artifact_add_measurement(a, "section.debug", debug);
	artifact_add_measurement(a, "loadable_size", loadable);
	return (0);
}

/* Reads an unsigned LEB128 number, as WebAssembly writes sizes. */
int
wasm_leb(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
	uint64_t	 v = 0;
	int		 shift = 0;

	while (*p < end && shift < 64) {
		v |= (uint64_t)(**p & 0x7f) << shift;
		if ((*(*p)++ & 0x80) == 0) {
			*out = v;
			return (0);
		}
		shift += 7;
	}
	return (-1);
}

/*
 * Reads a WebAssembly module's section headers: each section by its id's
 * name (type, import, ..., code, data) or, for a custom section, its own
 * name (name, .debug_info, producers). A section's size counts its header,
 * so the 8-byte preamble and the sections add up to the file's size;
 * loadable_size is the sum of the non-custom sections.
 */
static int
measure_wasm(const unsigned char *data, size_t len, struct artifact *a,
    char **cause)
{
	static const char *const ids[] = { "custom", "type", "import",
	    "function", "table", "memory", "global", "export", "start",
	    "element", "code", "data", "datacount", "tag" };
	const unsigned char	*p = data + 8, *end = data + len, *start;
	const unsigned char	*payload;
	uint64_t		 size, nlen;
	int64_t			 loadable = 0, debug = 0, total;
	char			*name, *canonical;
	int			 seen_debug = 0;

	while (p < end) {
		start = p;
		if (*p >= sizeof ids / sizeof ids[0] && *p != 0) {
			xasprintf(cause, "%s: unknown WebAssembly section id "
			    "%u at offset %zu", a->path, *p,
			    (size_t)(p - data));
			return (-1);
		}
		p++;
		if (wasm_leb(&p, end, &size) != 0 ||
		    size > (uint64_t)(end - p)) {
			xasprintf(cause, "%s: truncated WebAssembly section at "
			    "offset %zu", a->path, (size_t)(start - data));
			return (-1);
		}
		payload = p;
		p += size;
		total = (int64_t)(p - start);
		if (*start == 0) {
			if (wasm_leb(&payload, p, &nlen) != 0 ||
			    nlen > (uint64_t)(p - payload)) {
				xasprintf(cause, "%s: bad custom section name "
				    "at offset %zu", a->path,
				    (size_t)(start - data));
				return (-1);
			}
			name = xstrndup((const char *)payload, (size_t)nlen);
			if (strncmp(name, ".debug_", 7) == 0) {
				debug += total;
				seen_debug = 1;
			}
		} else {
			name = xstrdup(ids[*start]);
			loadable += total;
		}
		measure_add(&a->sections, &a->nsections, name, total);
		xasprintf(&canonical, "section.%s",
		    name[0] == '.' ? name + 1 : name);
		artifact_add_measurement(a, canonical, total);
		free(canonical);
		free(name);
	}
	if (seen_debug)
		artifact_add_measurement(a, "section.debug", debug);
	artifact_add_measurement(a, "loadable_size", loadable);
	return (0);
}

/* Measures a file that starts with WebAssembly's magic number. */
static int
measure_wasm_file(int fd, struct artifact *a, char **cause)
{
	unsigned char	*data;
	size_t		 got = 0, len = (size_t)a->file_size;
	ssize_t		 n;
	int		 rc;

	data = xmalloc(len + 1);
	while (got < len) {
		n = pread(fd, data + got, len - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != len) {
		xasprintf(cause, "%s: short read", a->path);
		free(data);
		return (-1);
	}
	rc = measure_wasm(data, len, a, cause);
	free(data);
	return (rc);
}

/* Writes the sha256 of a file's bytes as hex; -1 when it cannot. */
int
measure_sha256(int fd, char out[65])
{
	EVP_MD_CTX	*ctx;
	unsigned char	 buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int	 len = 0;
	off_t		 off = 0;
	ssize_t		 n;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && (n = pread(fd, buf, sizeof buf, off)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ok = 0;
			break;
		}
		ok = EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += n;
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (-1);
	measure_hex(md, len, out);
	return (0);
}

/*
 * Measures the file at a->path: its size and sha256 always, and section
 * sizes when it is ELF (an archive's members are summed) or WebAssembly.
 * Other formats get file_size only.
 */
int
measure_artifact(struct artifact *a, char **cause)
{
	struct stat	 st;
	Elf		*ar, *e;
	Elf_Cmd		 cmd;
	int		 fd, rc = 0;

	if ((fd = open(a->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", a->path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	a->file_size = (int64_t)st.st_size;
	artifact_add_measurement(a, "file_size", a->file_size);
	if (measure_sha256(fd, a->sha256) != 0) {
		xasprintf(cause, "%s: cannot hash it: %s", a->path,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	if (st.st_size >= 8) {
		unsigned char	 magic[8];

		if (pread(fd, magic, 8, 0) == 8 &&
		    memcmp(magic, "\0asm\1\0\0\0", 8) == 0) {
			rc = measure_wasm_file(fd, a, cause);
			close(fd);
			return (rc);
		}
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		xasprintf(cause, "libelf: %s", elf_errmsg(-1));
		return (-1);
	}
	if ((ar = elf_begin(fd, ELF_C_READ, NULL)) == NULL) {
		close(fd);
		return (0);
	}
	switch (elf_kind(ar)) {
	case ELF_K_ELF:
		rc = measure_elf(ar, a, cause);
		break;
	case ELF_K_AR:
		cmd = ELF_C_READ;
		while ((e = elf_begin(fd, cmd, ar)) != NULL) {
			if (elf_kind(e) == ELF_K_ELF && rc == 0)
				rc = measure_elf(e, a, cause);
			cmd = elf_next(e);
			elf_end(e);
		}
		break;
	default:
		break;
	}
	elf_end(ar);
	close(fd);
	return (rc);
}
