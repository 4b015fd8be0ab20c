/*
 * HTTP/1.1 requests through llhttp: gathers the method, URL, headers and
 * body under size caps, and formats replies, JSON errors among them.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "sizematd.h"

#define HTTP_MAX_HEADER_COUNT	64

struct http_request {
	llhttp_t		 parser;
	llhttp_settings_t	 settings;
	struct http_limits	 limits;
	struct buf		 url;
	char			*path;
	char			*query;
	struct buf		 field;
	struct buf		 value;
	char			*names[HTTP_MAX_HEADER_COUNT];
	char			*values[HTTP_MAX_HEADER_COUNT];
	size_t			 nheaders;
	size_t			 header_bytes;
	int			 in_value;
	struct buf		 body;
	int			 complete;
	int			 too_large;	/* HTTP status to answer */
	const char		*too_large_what;
};

/* Gathers the URL, up to its cap. */
static int
http_on_url(llhttp_t *p, const char *at, size_t len)
{
	struct http_request	*r = p->data;

	if (r->url.len + len > r->limits.max_url) {
		r->too_large = 414;
		r->too_large_what = "URL";
		return (-1);
	}
	buf_add(&r->url, at, len);
	return (0);
}

/* Stores the header that was being read. */
static void
http_header_done(struct http_request *r)
{
	if (!r->in_value)
		return;
	if (r->nheaders < HTTP_MAX_HEADER_COUNT) {
		r->names[r->nheaders] = xstrdup(r->field.data);
		r->values[r->nheaders] = xstrdup(r->value.data);
		r->nheaders++;
	}
	buf_reset(&r->field);
	buf_reset(&r->value);
	r->in_value = 0;
}

/* Counts header bytes against the cap. */
static int
http_header_bytes(struct http_request *r, size_t len)
{
	r->header_bytes += len;
	if (r->header_bytes > r->limits.max_headers ||
	    r->nheaders >= HTTP_MAX_HEADER_COUNT) {
		r->too_large = 431;
		r->too_large_what = "headers";
		return (-1);
	}
	return (0);
}

/* Gathers a header name. */
static int
http_on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct http_request	*r = p->data;

	http_header_done(r);
	if (http_header_bytes(r, len) != 0)
		return (-1);
	buf_add(&r->field, at, len);
	return (0);
}

/* Gathers a header value. */
static int
http_on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct http_request	*r = p->data;

	if (http_header_bytes(r, len) != 0)
		return (-1);
	r->in_value = 1;
	buf_add(&r->value, at, len);
	return (0);
}

/* Ends the headers; refuses a declared body over the cap at once. */
static int
http_on_headers_complete(llhttp_t *p)
{
	struct http_request	*r = p->data;

	http_header_done(r);
	if ((p->flags & F_CONTENT_LENGTH) &&
	    p->content_length > r->limits.max_body) {
		r->too_large = 413;
		r->too_large_what = "body";
		return (-1);
	}
	return (0);
}

/* Gathers the body, up to its cap. */
static int
http_on_body(llhttp_t *p, const char *at, size_t len)
{
	struct http_request	*r = p->data;

	if (r->body.len + len > r->limits.max_body) {
		r->too_large = 413;
		r->too_large_what = "body";
		return (-1);
	}
	buf_add(&r->body, at, len);
	return (0);
}

/* Marks the request complete and pauses the parser. */
static int
http_on_message_complete(llhttp_t *p)
{
	struct http_request	*r = p->data;

	r->complete = 1;
	return (HPE_PAUSED);
}

/* Makes a parser for one request. */
struct http_request *
http_request_create(const struct http_limits *limits)
{
	struct http_request	*r;

	r = xcalloc(1, sizeof *r);
	r->limits = *limits;
	buf_init(&r->url);
	buf_init(&r->field);
	buf_init(&r->value);
	buf_init(&r->body);
	llhttp_settings_init(&r->settings);
	r->settings.on_url = http_on_url;
	r->settings.on_header_field = http_on_header_field;
	r->settings.on_header_value = http_on_header_value;
	r->settings.on_headers_complete = http_on_headers_complete;
	r->settings.on_body = http_on_body;
	r->settings.on_message_complete = http_on_message_complete;
	llhttp_init(&r->parser, HTTP_REQUEST, &r->settings);
	r->parser.data = r;
	return (r);
}

/* Frees a request. */
void
http_request_free(struct http_request *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	buf_free(&r->url);
	buf_free(&r->field);
	buf_free(&r->value);
	buf_free(&r->body);
	for (i = 0; i < r->nheaders; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->path);
	free(r->query);
	free(r);
}

/*
 * Feeds bytes read from the connection. Returns 1 once the request is
 * complete, 0 when more is needed, and -1 with an error reply filled in.
 */
int
http_request_feed(struct http_request *r, const char *data, size_t len,
    struct http_reply *reply)
{
	llhttp_errno_t	 err;
	const char	*q;

	if (r->complete)
		return (1);
	err = llhttp_execute(&r->parser, data, len);
	if (err == HPE_PAUSED || r->complete) {
		q = strchr(r->url.data, '?');
		r->path = xstrndup(r->url.data, q != NULL ?
		    (size_t)(q - r->url.data) : r->url.len);
		r->query = xstrdup(q != NULL ? q + 1 : "");
		return (1);
	}
	if (err == HPE_OK)
		return (0);
	if (r->too_large != 0)
		http_reply_error(reply, r->too_large, "too_large",
		    "request %s over the limit of %zu bytes",
		    r->too_large_what, r->too_large == 414 ?
		    r->limits.max_url : r->too_large == 431 ?
		    r->limits.max_headers : r->limits.max_body);
	else
		http_reply_error(reply, 400, "bad_request",
		    "malformed HTTP request: %s (%s)", llhttp_errno_name(err),
		    llhttp_get_error_reason(&r->parser));
	return (-1);
}

/* Returns the request method ("GET"). */
const char *
http_request_method(const struct http_request *r)
{
	return (llhttp_method_name((llhttp_method_t)r->parser.method));
}

/* Returns the URL path, without the query. */
const char *
http_request_path(const struct http_request *r)
{
	return (r->path);
}

/* Returns the query as sent, without its '?' ("" for none). */
const char *
http_request_query_string(const struct http_request *r)
{
	return (r->query != NULL ? r->query : "");
}

/* Decodes %XX and '+' in a query component. */
static char *
http_unescape(const char *s, size_t len)
{
	char	*out, *o, hex[3];
	size_t	 i;

	out = o = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < len &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			hex[2] = '\0';
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return (out);
}

/* Returns the decoded value of a query parameter, or NULL. */
char *
http_request_query(const struct http_request *r, const char *name)
{
	const char	*p, *eq, *end;
	size_t		 n = strlen(name);

	for (p = r->query; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == n &&
		    strncmp(p, name, n) == 0)
			return (http_unescape(eq + 1, (size_t)(end - eq - 1)));
		if (eq == NULL && (size_t)(end - p) == n &&
		    strncmp(p, name, n) == 0)
			return (xstrdup(""));
	}
	return (NULL);
}

/* Returns a header's value (names compare without case), or NULL. */
const char *
http_request_header(const struct http_request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->names[i], name) == 0)
			return (r->values[i]);
	}
	return (NULL);
}

/* Returns the body and its length. */
const char *
http_request_body(const struct http_request *r, size_t *len)
{
	*len = r->body.len;
	return (r->body.data);
}

/* Returns the reason phrase of a status. */
const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 201: return ("Created");
	case 202: return ("Accepted");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 408: return ("Request Timeout");
	case 409: return ("Conflict");
	case 413: return ("Content Too Large");
	case 414: return ("URI Too Long");
	case 415: return ("Unsupported Media Type");
	case 421: return ("Misdirected Request");
	case 422: return ("Unprocessable Content");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 503: return ("Service Unavailable");
	default: return ("Unknown");
	}
}

/* Makes an empty 200 reply. */
void
http_reply_init(struct http_reply *reply)
{
	reply->status = 200;
	reply->content_type = "application/json";
	buf_init(&reply->body);
	reply->hold_ms = 0;
	reply->last = 0;
}

/* Frees a reply's body. */
void
http_reply_free(struct http_reply *reply)
{
	buf_free(&reply->body);
}

/*
 * Every rejection goes through here: the status and the JSON error
 * {"error": {"code": ..., "message": ...}}.
 */
void
http_reply_error(struct http_reply *reply, int status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	cJSON	*doc, *err;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	doc = cJSON_CreateObject();
	err = cJSON_AddObjectToObject(doc, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", msg);
	free(msg);
	http_reply_json(reply, status, doc);
}

/*
 * Sets a JSON reply, taking the document. No document (the store could
 * not read one) is a 500.
 */
void
http_reply_json(struct http_reply *reply, int status, cJSON *doc)
{
	char	*s;

	if (doc == NULL) {
		http_reply_error(reply, 500, "database", "the answer could "
		    "not be read: the database failed (the daemon's log says "
		    "how)");
		return;
	}
	s = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	reply->status = status;
	reply->content_type = "application/json";
	buf_reset(&reply->body);
	buf_addstr(&reply->body, s);
	buf_addstr(&reply->body, "\n");
	cJSON_free(s);
}

/* Formats the whole reply: status line, headers and body. */
char *
http_reply_format(const struct http_reply *reply, size_t *len)
{
	struct buf	 b;

	buf_init(&b);
	buf_printf(&b, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n"
	    "Cache-Control: no-store\r\n\r\n", reply->status,
	    http_status_text(reply->status), reply->content_type,
	    reply->body.len);
	buf_add(&b, reply->body.data, reply->body.len);
	*len = b.len;
	return (b.data);
}
