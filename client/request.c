/* libcurl and cJSON: one call to sizematd, one JSON answer or one error. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sizemat.h"

#define REQUEST_MAX_REPLY	(64 * 1024 * 1024)

/* Gathers the reply body, up to a cap. */
static size_t
request_write(char *data, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > REQUEST_MAX_REPLY)
		return (0);
	buf_add(b, data, size * n);
	return (size * n);
}

/* Percent-escapes a string for a query parameter. */
char *
request_escape(const char *s)
{
	char	*e, *copy;

	e = curl_easy_escape(NULL, s, 0);
	if (e == NULL)
		abort();
	copy = xstrdup(e);
	curl_free(e);
	return (copy);
}

/* Performs one request; the body and status come back. */
static enum request_result
request_perform(const struct options *o, const char *method,
    const char *path, const cJSON *body, struct buf *reply, long *status,
    char **err)
{
	CURL			*c;
	CURLcode		 rc;
	struct curl_slist	*headers = NULL;
	char			*url, *text = NULL, *auth;
	enum request_result	 result = REQUEST_OK;
	size_t			 len;

	/* "http://host:port/" is the same daemon as "http://host:port". */
	len = strlen(o->server);
	while (len > 0 && o->server[len - 1] == '/')
		len--;
	xasprintf(&url, "%.*s%s", (int)len, o->server, path);
	if ((c = curl_easy_init()) == NULL)
		abort();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, request_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (o->socket != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, o->socket);
	headers = curl_slist_append(headers, "Accept: application/json");
	if (o->token != NULL) {
		xasprintf(&auth, "Authorization: Bearer %s", o->token);
		headers = curl_slist_append(headers, auth);
		free(auth);
	}
	if (body != NULL) {
		text = cJSON_PrintUnformatted(body);
		headers = curl_slist_append(headers,
		    "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		xasprintf(err, "cannot reach sizematd at %s: %s",
		    o->socket != NULL ? o->socket : o->server,
		    curl_easy_strerror(rc));
		result = REQUEST_UNREACHABLE;
	} else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	cJSON_free(text);
	free(url);
	return (result);
}

/* Turns an error reply into its message. */
static char *
request_error_text(long status, const struct buf *reply)
{
	cJSON		*doc, *e;
	const char	*msg;
	char		*text;

	doc = cJSON_Parse(reply->data);
	e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	msg = json_str(e, "message", NULL);
	if (msg != NULL)
		text = xstrdup(msg);
	else
		xasprintf(&text, "the daemon answered HTTP %ld", status);
	cJSON_Delete(doc);
	return (text);
}

/*
 * Calls the daemon and parses its JSON answer into *out. On an error *err
 * says what went wrong.
 */
enum request_result
request_call(const struct options *o, const char *method, const char *path,
    const cJSON *body, cJSON **out, char **err)
{
	struct buf		 reply;
	long			 status = 0;
	enum request_result	 r;

	*out = NULL;
	*err = NULL;
	buf_init(&reply);
	r = request_perform(o, method, path, body, &reply, &status, err);
	if (r == REQUEST_OK && (status < 200 || status > 299)) {
		*err = request_error_text(status, &reply);
		r = REQUEST_ERROR;
	} else if (r == REQUEST_OK &&
	    (*out = cJSON_Parse(reply.data)) == NULL) {
		xasprintf(err, "%s answered with something that is not JSON",
		    o->server);
		r = REQUEST_ERROR;
	}
	buf_free(&reply);
	return (r);
}

/* Calls the daemon for a text answer (a build log). */
enum request_result
request_text(const struct options *o, const char *path, struct buf *out,
    char **err)
{
	long			 status = 0;
	enum request_result	 r;

	*err = NULL;
	r = request_perform(o, "GET", path, NULL, out, &status, err);
	if (r == REQUEST_OK && (status < 200 || status > 299)) {
		*err = request_error_text(status, out);
		r = REQUEST_ERROR;
	}
	return (r);
}

/* Prints a failed request's error and returns the exit code for it. */
int
request_fail(const struct options *o, enum request_result r, char *err)
{
	if (r == REQUEST_UNREACHABLE)
		fprintf(stderr, "sizemat: %s; start it with 'sizematd' or "
		    "point --server or SIZEMAT_URL at it\n", err);
	else
		fprintf(stderr, "sizemat: %s\n", err);
	(void)o;
	free(err);
	return (EXIT_USAGE);
}

/*
 * Fetches a JSON document, or prints the error (*rc set). With --json the
 * document is printed as it is and NULL returned with *rc 0.
 */
cJSON *
request_get(const struct options *o, const char *path, int *rc)
{
	enum request_result	 r;
	cJSON			*doc;
	char			*err;

	r = request_call(o, "GET", path, NULL, &doc, &err);
	if (r != REQUEST_OK) {
		*rc = request_fail(o, r, err);
		return (NULL);
	}
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		cJSON_Delete(doc);
		*rc = EXIT_OK;
		return (NULL);
	}
	return (doc);
}
