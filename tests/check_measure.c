/*
 * Unit tests for measure.c: section sizes agree with binutils' size(1) on a
 * real ELF file; other files get file_size only.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

/* Returns the named measurement, or -1. */
static int64_t
measured(const struct artifact *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->nmeasurements; i++) {
		if (strcmp(a->measurements[i].name, name) == 0)
			return (a->measurements[i].value);
	}
	return (-1);
}

/* Asks size -A for one section's size of a file. */
static long long
size_of_section(const char *file, const char *section)
{
	char		 cmd[1024], name[256];
	long long	 n, found = -1;
	FILE		*p;
	char		 line[512];

	snprintf(cmd, sizeof cmd, "size -A '%s'", file);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	while (fgets(line, sizeof line, p) != NULL) {
		if (sscanf(line, "%255s %lld", name, &n) == 2 &&
		    strcmp(name, section) == 0)
			found = n;
	}
	pclose(p);
	return (found);
}

/* The sha256 of section's bytes as objcopy extracts them, or "". */
static void
sha256_of_section(const char *file, const char *section, char out[65])
{
	char	 cmd[1024];
	FILE	*p;

	out[0] = '\0';
	snprintf(cmd, sizeof cmd, "objcopy -O binary --only-section=%s '%s' "
	    "/dev/stdout | sha256sum", section, file);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	if (fscanf(p, "%64s", out) != 1)
		out[0] = '\0';
	pclose(p);
}

START_TEST(test_elf_sections_match_binutils)
{
	struct artifact	 a;
	struct stat	 sb;
	char		*cause = NULL, self[512], want[65];
	ssize_t		 n;
	size_t		 i;
	int64_t		 sum = 0;

	n = readlink("/proc/self/exe", self, sizeof self - 1);
	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	memset(&a, 0, sizeof a);
	a.path = xstrdup(self);
	ck_assert_msg(measure_artifact(&a, &cause) == 0, "%s", cause);
	ck_assert_int_eq(stat(self, &sb), 0);
	ck_assert_int_eq(a.file_size, sb.st_size);
	ck_assert_int_eq(measured(&a, "file_size"), sb.st_size);
	ck_assert_int_eq(measured(&a, "section.text"),
	    size_of_section(self, ".text"));
	ck_assert_int_eq(measured(&a, "section.rodata"),
	    size_of_section(self, ".rodata"));
	ck_assert_int_eq(measured(&a, "section.debug_info"),
	    size_of_section(self, ".debug_info"));
	/* section.debug sums every .debug_* section. */
	for (i = 0; i < a.nsections; i++) {
		if (strncmp(a.sections[i].name, ".debug_", 7) == 0)
			sum += a.sections[i].value;
	}
	ck_assert_int_gt(sum, 0);
	ck_assert_int_eq(measured(&a, "section.debug"), sum);
	ck_assert_int_gt(measured(&a, "loadable_size"),
	    measured(&a, "section.text"));
	ck_assert_int_lt(measured(&a, "loadable_size"), a.file_size);
	/* Each section's bytes are hashed, as objcopy extracts them. */
	sha256_of_section(self, ".rodata", want);
	ck_assert_int_eq(strlen(want), 64);
	ck_assert_ptr_nonnull(artifact_section_sha256(&a, ".rodata"));
	ck_assert_str_eq(artifact_section_sha256(&a, ".rodata"), want);
	ck_assert_ptr_null(artifact_section_sha256(&a, ".bss"));	/* no bytes */
	artifact_clear(&a);
}
END_TEST

/* Sums, over every member of an archive, the sections that start with p. */
static long long
size_of_prefix(const char *file, const char *p)
{
	char		 cmd[1024], name[256], line[512];
	long long	 n, sum = 0;
	FILE		*f;

	snprintf(cmd, sizeof cmd, "size -A '%s'", file);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%255s %lld", name, &n) == 2 &&
		    strncmp(name, p, strlen(p)) == 0 &&
		    (name[strlen(p)] == '\0' || name[strlen(p)] == '.'))
			sum += n;
	}
	pclose(f);
	return (sum);
}

START_TEST(test_archive_members_fold_into_output_sections)
{
	struct artifact	 a;
	char		 dir[] = "/tmp/sizemat-check-ar-XXXXXX", cmd[1024];
	char		 lib[512], *cause = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "cd %s && printf 'int f(int x){return x*3;}"
	    "\\nconst char *g(void){return \"sizemat\";}\\n' > a.c && "
	    "printf 'int h(int x){return x+1;}\\n' > b.c && "
	    "cc -c -O1 -ffunction-sections -fdata-sections a.c b.c && "
	    "ar rcs libx.a a.o b.o", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(lib, sizeof lib, "%s/libx.a", dir);
	memset(&a, 0, sizeof a);
	a.path = xstrdup(lib);
	ck_assert_msg(measure_artifact(&a, &cause) == 0, "%s", cause);
	/* Three functions in .text.f, .text.g and .text.h across two members. */
	ck_assert_int_gt(measured(&a, "section.text"), 0);
	ck_assert_int_eq(measured(&a, "section.text"),
	    size_of_prefix(lib, ".text"));
	ck_assert_int_eq(measured(&a, "section.text.f"), -1);
	ck_assert_int_gt(measured(&a, "section.rodata"), 0);
	ck_assert_int_eq(measured(&a, "section.rodata"),
	    size_of_prefix(lib, ".rodata"));
	/* Summed sections have no one content to hash. */
	ck_assert_uint_eq(a.ndigests, 0);
	artifact_clear(&a);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Returns the value of a measurement, or -1. */
static int64_t
measurement(const struct artifact *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->nmeasurements; i++) {
		if (strcmp(a->measurements[i].name, name) == 0)
			return (a->measurements[i].value);
	}
	return (-1);
}

START_TEST(test_wasm_sections_add_up)
{
	/*
	 * A module with a type section (id 1, 4 bytes), a code section
	 * (id 10, 2 bytes) and a custom "name" section (id 0, 6 bytes).
	 */
	static const unsigned char mod[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 4, 1, 0x60, 0, 0,
		10, 2, 0, 0,
		0, 6, 4, 'n', 'a', 'm', 'e', 0,
	};
	struct artifact	 a;
	char		*cause = NULL;
	char		 path[] = "/tmp/sizemat-check-wasm-XXXXXX";
	int64_t		 sum = 8;
	size_t		 i;
	int		 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, mod, sizeof mod), (ssize_t)sizeof mod);
	close(fd);
	memset(&a, 0, sizeof a);
	a.path = xstrdup(path);
	ck_assert_msg(measure_artifact(&a, &cause) == 0, "%s", cause);
	ck_assert_int_eq(a.file_size, (int64_t)sizeof mod);
	/* Each section counts its header: id and size bytes. */
	ck_assert_int_eq(measurement(&a, "section.type"), 6);
	ck_assert_int_eq(measurement(&a, "section.code"), 4);
	ck_assert_int_eq(measurement(&a, "section.name"), 8);
	ck_assert_int_eq(measurement(&a, "loadable_size"), 10);
	for (i = 0; i < a.nsections; i++)
		sum += a.sections[i].value;
	ck_assert_int_eq(sum, a.file_size);
	artifact_clear(&a);

	/* A section that claims more bytes than the file has is refused. */
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_TRUNC), 0);
	ck_assert_int_eq(write(fd, mod, 12), 12);
	close(fd);
	memset(&a, 0, sizeof a);
	a.path = xstrdup(path);
	ck_assert_int_eq(measure_artifact(&a, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "truncated WebAssembly section"));
	free(cause);
	artifact_clear(&a);
	unlink(path);
}
END_TEST

START_TEST(test_non_elf_gets_file_size_only)
{
	struct artifact	 a;
	char		*cause = NULL;
	char		 path[] = "/tmp/sizemat-check-measure-XXXXXX";
	int		 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	memset(&a, 0, sizeof a);
	a.path = xstrdup(path);
	ck_assert_int_eq(measure_artifact(&a, &cause), 0);
	ck_assert_int_eq(a.file_size, 10);
	ck_assert_uint_eq(a.nmeasurements, 1);
	ck_assert_uint_eq(a.nsections, 0);
	artifact_clear(&a);
	unlink(path);
}
END_TEST

START_TEST(test_missing_file_is_an_error)
{
	struct artifact	 a;
	char		*cause = NULL;

	memset(&a, 0, sizeof a);
	a.path = xstrdup("/nonexistent/sizemat/artifact");
	ck_assert_int_eq(measure_artifact(&a, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/sizemat/artifact"));
	free(cause);
	artifact_clear(&a);
}
END_TEST

/* Returns the attributed bytes of a symbol, or -1. */
static int64_t
attributed(const struct attribution *at, const char *name)
{
	size_t	 i;

	for (i = 0; i < at->n; i++) {
		if (strcmp(at->v[i].name, name) == 0)
			return (at->v[i].size);
	}
	return (-1);
}

START_TEST(test_attribution_adds_up)
{
	struct attribution	 at, back;
	struct artifact		 a;
	char			 dir[] = "/tmp/sizemat-check-at-XXXXXX";
	char			 cmd[1024], exe[512], *cause = NULL, sum[80];
	void			*packed;
	size_t			 len, raw, i;
	int64_t			 total = 0, crates = 0;
	FILE			*p;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "cd %s && printf 'int f(int x){return "
	    "x*3+1;}\\nint g(int) __attribute__((alias(\"f\")));\\n"
	    "const char t[64] = \"sizemat\";\\nint main(int c, char **v)"
	    "{return f(c)+g(c)+t[c];}\\n' > m.c && cc -O1 -o m m.c", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(exe, sizeof exe, "%s/m", dir);
	ck_assert_msg(attrib_read(exe, NULL, &at, &cause) == 0, "%s", cause);
	ck_assert(at.has_table);
	/* The symbols and what none covers add up to the covered sections. */
	for (i = 0; i < at.nsections; i++)
		total += at.sections[i].value;
	ck_assert_int_eq(total, at.covered);
	ck_assert_int_ge(attrib_unattributed(&at), 0);
	ck_assert_int_ge(at.covered, size_of_section(exe, ".text"));
	/* An alias's bytes count once: f or g, not both. */
	ck_assert((attributed(&at, "f") > 0) != (attributed(&at, "g") > 0));
	ck_assert_int_eq(attributed(&at, "t"), 64);
	/* The crates measured (C's "[C]") add up to the same. */
	memset(&a, 0, sizeof a);
	attrib_measure(&at, &a);
	for (i = 0; i < a.nmeasurements; i++)
		crates += a.measurements[i].value;
	ck_assert_int_eq(crates, at.covered);
	ck_assert_int_gt(measured(&a, "crate.[C]"), 0);
	artifact_clear(&a);
	/* Packed for the store and back: the same table. */
	ck_assert_ptr_nonnull(packed = attrib_pack(&at, &len, &raw));
	ck_assert_int_lt(len, raw);
	ck_assert_int_eq(attrib_unpack(packed, len, &back), 0);
	ck_assert_int_eq(back.n, at.n);
	ck_assert_int_eq(back.covered, at.covered);
	for (i = 0; i < at.n; i++) {
		ck_assert_str_eq(back.v[i].name, at.v[i].name);
		ck_assert_str_eq(back.v[i].section, at.v[i].section);
		ck_assert_int_eq(back.v[i].size, at.v[i].size);
	}
	attrib_clear(&back);
	ck_assert_int_eq(attrib_unpack("garbage", 7, &back), -1);
	free(packed);
	/* A name cannot add lines of its own to the table. */
	free(at.v[0].name);
	at.v[0].name = xstrdup("evil\nS\t.text\t999999\tx");
	ck_assert_ptr_nonnull(packed = attrib_pack(&at, &len, &raw));
	ck_assert_int_eq(attrib_unpack(packed, len, &back), 0);
	ck_assert_int_eq(back.covered, at.covered);
	ck_assert_int_eq(back.n, at.n);
	free(packed);
	attrib_clear(&back);
	attrib_clear(&at);
	/* The artifact's sha256 is sha256sum's. */
	memset(&a, 0, sizeof a);
	a.path = xstrdup(exe);
	ck_assert_msg(measure_artifact(&a, &cause) == 0, "%s", cause);
	snprintf(cmd, sizeof cmd, "sha256sum '%s'", exe);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_int_eq(fscanf(p, "%64s", sum), 1);
	pclose(p);
	ck_assert_str_eq(a.sha256, sum);
	artifact_clear(&a);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_wasm_attribution)
{
	/*
	 * One imported function (index 0), two bodies (indices 1 and 2)
	 * of 4 and 3 bytes with their size prefixes, and a name section
	 * naming index 2 only.
	 */
	static const unsigned char mod[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		2, 7, 1, 1, 'm', 1, 'f', 0, 0,
		10, 8, 2, 3, 0, 0x41, 0x0b, 2, 0, 0x0b,
		0, 11, 4, 'n', 'a', 'm', 'e', 1, 4, 1, 2, 1, 'h',
	};
	struct attribution	 at;
	char			*cause = NULL;
	char			 path[] = "/tmp/sizemat-check-wasm-XXXXXX";
	int			 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, mod, sizeof mod), (ssize_t)sizeof mod);
	close(fd);
	ck_assert_msg(attrib_read(path, NULL, &at, &cause) == 0, "%s", cause);
	ck_assert(at.has_table);
	ck_assert_int_eq(at.covered, 8);
	ck_assert_int_eq(attributed(&at, "code[0]"), 4);
	ck_assert_int_eq(attributed(&at, "h"), 3);
	ck_assert_int_eq(attrib_unattributed(&at), 1);	/* the count */
	attrib_clear(&at);

	/* A code section that claims 2^60 bodies is not believed. */
	{
		static const unsigned char lie[] = {
			0, 'a', 's', 'm', 1, 0, 0, 0,
			10, 10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
			0x10, 0,
			0, 7, 4, 'n', 'a', 'm', 'e', 1, 0,
		};

		ck_assert_int_ge(fd = open(path, O_WRONLY | O_TRUNC), 0);
		ck_assert_int_eq(write(fd, lie, sizeof lie),
		    (ssize_t)sizeof lie);
		close(fd);
		ck_assert_msg(attrib_read(path, NULL, &at, &cause) == 0, "%s",
		    cause);
		ck_assert(!at.has_table);
		attrib_clear(&at);
	}
	unlink(path);
}
END_TEST

/* A benchmark's spread: median, median absolute deviation, min, max. */
START_TEST(test_bench_stats)
{
	int64_t			 odd[] = { 30, 10, 50, 20, 1000 };
	int64_t			 even[] = { 4, 1, 3, 2 };
	struct bench_stats	 st;

	bench_stats(odd, 5, &st);
	ck_assert_int_eq(st.median, 30);
	/* |x - 30|: 0, 20, 20, 10, 970: sorted 0 10 20 20 970 */
	ck_assert_int_eq(st.mad, 20);
	ck_assert_int_eq(st.min, 10);
	ck_assert_int_eq(st.max, 1000);
	bench_stats(even, 4, &st);
	ck_assert_int_eq(st.median, 2);	/* (2 + 3) / 2, whole */
	ck_assert_int_eq(st.min, 1);
	ck_assert_int_eq(st.max, 4);
	bench_stats(even, 1, &st);
	ck_assert_int_eq(st.median, 4);
	ck_assert_int_eq(st.mad, 0);
}
END_TEST

/* The instruction count from cachegrind's log, and none from another. */
START_TEST(test_bench_instructions)
{
	char	 path[] = "/tmp/check-vg.XXXXXX";
	FILE	*f;
	int	 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fputs("==12== Cachegrind, a cache and branch-prediction profiler\n"
	    "==12== Command: ./squeeze 150\n==12== \n"
	    "==12== I   refs:      32,883,288\n", f);
	fclose(f);
	ck_assert_int_eq(bench_read_instructions(path), 32883288);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("==12== valgrind: ./squeeze: Permission denied\n", f);
	fclose(f);
	ck_assert_int_eq(bench_read_instructions(path), -1);
	unlink(path);
	ck_assert_int_eq(bench_read_instructions(path), -1);
}
END_TEST

/* A bench spec: defaults filled in, and each bad value named. */
START_TEST(test_bench_spec)
{
	static const struct {
		const char	*json;
		const char	*cause;
	} bad[] = {
		{ "[]", "m.json: bench: must be an object" },
		{ "{\"command\": []}", "m.json: bench.command: must be an" },
		{ "{\"command\": [\"x\"]}", "bench.command: names no "
		    "{artifact}" },
		{ "{\"command\": [\"{artifact}\", 3]}", "bench.command: "
		    "every element" },
		{ "{\"command\": [\"{artifact}\"], \"stdin\": \"a/../..\"}",
		    "bench.stdin: must be a path relative" },
		{ "{\"command\": [\"{artifact}\"], \"stdin\": \"/etc/x\"}",
		    "bench.stdin: must be a path relative" },
		{ "{\"command\": [\"{artifact}\"], \"warmup\": 1.5}",
		    "bench.warmup: must be a whole number from 0 to 100" },
		{ "{\"command\": [\"{artifact}\"], \"timeout\": 0}",
		    "bench.timeout: must be a whole number from 1 to 86400" },
		{ "{\"command\": [\"{artifact}\"], \"instructions\": 1}",
		    "bench.instructions: must be true or false" },
		{ "{\"command\": [\"{artifact}\"], \"runz\": 1}",
		    "bench.runz: unknown key" },
	};
	struct bench_spec	 s;
	cJSON			*o, *n;
	char			*cause = NULL, *text;
	size_t			 i;

	o = cJSON_Parse("{\"command\": [\"wasmtime\", \"--dir=.\", "
	    "\"{artifact}\"], \"stdin\": \"data/in.txt\"}");
	ck_assert_int_eq(bench_spec_parse(o, "m.json", &s, &cause), 0);
	n = bench_spec_json(&s);
	text = cJSON_PrintUnformatted(n);
	ck_assert_str_eq(text, "{\"command\":[\"wasmtime\",\"--dir=.\","
	    "\"{artifact}\"],\"stdin\":\"data/in.txt\",\"runs\":10,"
	    "\"warmup\":1,\"timeout\":60,\"instructions\":true,"
	    "\"artifact\":null}");
	cJSON_free(text);
	cJSON_Delete(n);
	cJSON_Delete(o);
	bench_spec_clear(&s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o = cJSON_Parse(bad[i].json);
		ck_assert_int_eq(bench_spec_parse(o, "m.json", &s, &cause),
		    -1);
		ck_assert_msg(strstr(cause, bad[i].cause) != NULL,
		    "%s: %s", bad[i].json, cause);
		free(cause);
		cause = NULL;
		cJSON_Delete(o);
	}
}
END_TEST

Suite *
measure_suite(void)
{
	Suite	*s = suite_create("measure");
	TCase	*core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_elf_sections_match_binutils);
	tcase_add_test(core, test_archive_members_fold_into_output_sections);
	tcase_add_test(limits, test_non_elf_gets_file_size_only);
	tcase_add_test(core, test_wasm_sections_add_up);
	tcase_add_test(limits, test_missing_file_is_an_error);
	tcase_add_test(core, test_attribution_adds_up);
	tcase_add_test(core, test_wasm_attribution);
	tcase_add_test(limits, test_bench_stats);
	tcase_add_test(limits, test_bench_instructions);
	tcase_add_test(limits, test_bench_spec);
	/* Two cases run the C compiler and binutils: slow on a busy machine. */
	tcase_set_timeout(core, 60);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return (s);
}
