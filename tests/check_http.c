/* Unit tests for http.c: requests in pieces, queries, caps and errors. */
#include <stdlib.h>
#include <string.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

static const struct http_limits limits = { 256, 1024, 64 };

/* Feeds text in chunks of n bytes; returns the last feed's result. */
static int
feed(struct http_request *r, const char *text, size_t n,
    struct http_reply *reply)
{
	size_t	 off, len = strlen(text);
	int	 rc = 0;

	for (off = 0; off < len && rc == 0; off += n)
		rc = http_request_feed(r, text + off,
		    len - off < n ? len - off : n, reply);
	return (rc);
}

/* Returns the error code of a JSON error reply. */
static char *
error_code(const struct http_reply *reply)
{
	cJSON	*doc = cJSON_Parse(reply->body.data);
	char	*code;

	ck_assert_ptr_nonnull(doc);
	code = xstrdup(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "error"),
	    "code")->valuestring);
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(doc,
	    "error"), "message"));
	cJSON_Delete(doc);
	return (code);
}

START_TEST(test_get_in_pieces)
{
	struct http_request	*r = http_request_create(&limits);
	struct http_reply	 reply;
	char			*v;

	http_reply_init(&reply);
	ck_assert_int_eq(feed(r, "GET /v1/best?project=%2Fsrc%2Fmy+app&top=5"
	    " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\n", 3,
	    &reply), 1);
	ck_assert_str_eq(http_request_method(r), "GET");
	ck_assert_str_eq(http_request_path(r), "/v1/best");
	v = http_request_query(r, "project");
	ck_assert_str_eq(v, "/src/my app");
	free(v);
	v = http_request_query(r, "top");
	ck_assert_str_eq(v, "5");
	free(v);
	ck_assert_ptr_null(http_request_query(r, "to"));
	ck_assert_str_eq(http_request_header(r, "authorization"),
	    "Bearer abc");
	http_request_free(r);
	http_reply_free(&reply);
}
END_TEST

START_TEST(test_post_body)
{
	struct http_request	*r = http_request_create(&limits);
	struct http_reply	 reply;
	const char		*body;
	size_t			 len;

	http_reply_init(&reply);
	ck_assert_int_eq(feed(r, "POST /v1/runs HTTP/1.1\r\nContent-Length: 7"
	    "\r\n\r\n{\"a\":1}", 5, &reply), 1);
	ck_assert_str_eq(http_request_method(r), "POST");
	body = http_request_body(r, &len);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(memcmp(body, "{\"a\":1}", 7), 0);
	http_request_free(r);
	http_reply_free(&reply);
}
END_TEST

/* Asserts that a request is refused with status and code. */
static void
assert_refused(const char *text, int status, const char *code)
{
	struct http_request	*r = http_request_create(&limits);
	struct http_reply	 reply;
	char			*got;

	http_reply_init(&reply);
	ck_assert_int_eq(feed(r, text, 16, &reply), -1);
	ck_assert_int_eq(reply.status, status);
	got = error_code(&reply);
	ck_assert_str_eq(got, code);
	free(got);
	http_request_free(r);
	http_reply_free(&reply);
}

START_TEST(test_limits)
{
	struct buf	 b;
	int		 i;

	assert_refused("NOT A REQUEST\r\n\r\n", 400, "bad_request");
	assert_refused("POST /v1/runs HTTP/1.1\r\nContent-Length: 65\r\n\r\n",
	    413, "too_large");
	assert_refused("POST /v1/runs HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n50\r\n0123456789012345678901234567890123456789012345678"
	    "901234567890123456789\r\n0\r\n\r\n", 413, "too_large");
	buf_init(&b);
	buf_addstr(&b, "GET /");
	for (i = 0; i < 300; i++)
		buf_addstr(&b, "a");
	buf_addstr(&b, " HTTP/1.1\r\n\r\n");
	assert_refused(b.data, 414, "too_large");
	buf_reset(&b);
	buf_addstr(&b, "GET / HTTP/1.1\r\n");
	for (i = 0; i < 40; i++)
		buf_addstr(&b, "X-Filler: 0123456789012345678901234567890\r\n");
	buf_addstr(&b, "\r\n");
	assert_refused(b.data, 431, "too_large");
	buf_free(&b);
}
END_TEST

START_TEST(test_reply_format)
{
	struct http_reply	 reply;
	char			*text;
	size_t			 len;

	http_reply_init(&reply);
	http_reply_error(&reply, 404, "not_found", "no run %d", 7);
	text = http_reply_format(&reply, &len);
	ck_assert_int_eq(strncmp(text, "HTTP/1.1 404 Not Found\r\n", 24), 0);
	ck_assert_ptr_nonnull(strstr(text, "Content-Type: application/json"));
	ck_assert_ptr_nonnull(strstr(text, "\"message\":\"no run 7\""));
	ck_assert_uint_eq(len, strlen(text));
	free(text);
	http_reply_free(&reply);
}
END_TEST

Suite *
http_suite(void)
{
	Suite	*s = suite_create("http");
	TCase	*core = tcase_create("core"), *lim = tcase_create("limits");

	tcase_add_test(core, test_get_in_pieces);
	tcase_add_test(core, test_post_body);
	tcase_add_test(core, test_reply_format);
	tcase_add_test(lim, test_limits);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return (s);
}
