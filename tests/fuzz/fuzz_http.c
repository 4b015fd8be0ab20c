/*
 * libFuzzer harness: bytes from a client -> the HTTP parser (llhttp, in
 * two reads) -> the router and its handlers, on a daemon wired as
 * sizematd wires it (its loop never runs, so no build starts) -> the
 * formatted reply. The first byte chooses the socket or TCP and where the
 * bytes split. POST /v1/projects is left out: it clones with git.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/sizematd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct config		 config;
static struct builder_config	 builder;
static struct planner		 planner;
static struct api		 api;
static struct http_limits	 limits;

/* Sets a config entry or stops the harness. */
static void
fuzz_set(const char *name, const char *value)
{
	char	*cause;

	if (config_set(&config, name, value, &cause) != 0) {
		fprintf(stderr, "fuzz_http: %s\n", cause);
		exit(1);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char		 dir[] = "/tmp/sizemat-fuzz-http-XXXXXX";
	uv_loop_t		*loop = uv_default_loop();
	struct toolchains	*tcs;
	struct store		*store;
	struct notify		*notify;
	char			*cause, *path, *token;
	FILE			*f;

	(void)argc;
	(void)argv;
	log_init(-1);
	if (mkdtemp(dir) == NULL)
		abort();
	xasprintf(&token, "%s/token", dir);
	if ((f = fopen(token, "w")) == NULL)
		abort();
	fputs("fuzz-token-0123456789\n", f);
	fclose(f);
	config_defaults(&config);
	xasprintf(&path, "%s/db", dir);
	fuzz_set("db", path);
	free(path);
	fuzz_set("workdir", dir);
	fuzz_set("allow-root", dir);
	fuzz_set("token-file", token);
	fuzz_set("max-builds", "64");
	fuzz_set("profiles", getenv("SIZEMAT_PROFILES") != NULL ?
	    getenv("SIZEMAT_PROFILES") : "profiles");
	free(token);
	if (config_finish(&config, &cause) != 0 ||
	    (store = store_open(config.db, &cause)) == NULL ||
	    (tcs = toolchains_create("/nonexistent/cargo",
	    "/nonexistent/rustc", NULL, NULL, &cause)) == NULL) {
		fprintf(stderr, "fuzz_http: %s\n", cause);
		exit(1);
	}
	builder.workdir = config.workdir;
	builder.spawn_helper = "/nonexistent/sizemat-spawn";
	builder.toolchains = tcs;
	builder.timeout_s = 60;
	planner.store = store;
	planner.queue = queue_create(loop, store, &builder, 1);
	planner.toolchains = tcs;
	planner.workdir = config.workdir;
	planner.profiles = config.profiles;
	planner.max_builds = 64;
	notify = notify_create(loop, store);
	api.store = store;
	api.queue = planner.queue;
	api.config = &config;
	api.workdir = config.workdir;
	api.toolchains = tcs;
	api.gc = gc_create(loop, store, config.workdir, (int64_t)1 << 30);
	api.planner = &planner;
	api.track = track_create(loop, store, &planner, notify);
	limits.max_url = HTTP_MAX_URL;
	limits.max_headers = HTTP_MAX_HEADERS;
	limits.max_body = (size_t)config.max_body;
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request	*req;
	struct http_reply	 reply;
	size_t			 split, len;
	char			*out;
	int			 local, rc;

	if (size < 2)
		return (0);
	local = data[0] & 1;
	split = data[1] % (size - 1);
	data += 2;
	size -= 2;
	req = http_request_create(&limits);
	http_reply_init(&reply);
	rc = http_request_feed(req, (const char *)data, split, &reply);
	if (rc == 0)
		rc = http_request_feed(req, (const char *)data + split,
		    size - split, &reply);
	if (rc == 1 && !(strcmp(http_request_method(req), "POST") == 0 &&
	    strcmp(http_request_path(req), "/v1/projects") == 0))
		api_handle(&api, req, local, &reply);
	if (rc != 0) {
		if (reply.status < 200 || reply.status > 599)
			abort();	/* every answer has a real status */
		out = http_reply_format(&reply, &len);
		free(out);
	}
	http_reply_free(&reply);
	http_request_free(req);
	return (0);
}
