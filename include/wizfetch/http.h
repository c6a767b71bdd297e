/**
 * @file http.h
 * @brief HTTP/1.1 request writer and streaming response parser (RFC 9112).
 *
 * Neither part does I/O: the request writer fills a caller buffer, and the
 * response parser is fed whatever bytes the connection delivered, in slices
 * of any size. Feeding a response one byte at a time gives exactly the same
 * callbacks (apart from how the body is split into pieces) and the same
 * result as feeding it all at once.
 *
 * ### Typical use
 * @code
 * char req[1500];
 * int n = wf_http_request_write(req, sizeof req, WF_HTTP_GET, &url, NULL);
 * // or any method, extra headers and a body framing: wf_http_request_head_write
 * send(req, n);
 * wf_http_parser_t p;                    // about 5.2 KiB with default limits
 * wf_http_parser_init(&p, false, &callbacks, my_ctx);
 * while (!wf_http_parser_complete(&p)) {
 *     int got = recv(buf, sizeof buf);   // 0 = end of stream
 *     if (got == 0) { rc = wf_http_parser_finish(&p); break; }
 *     rc = wf_http_parser_feed(&p, buf, got);
 *     if (rc < 0) break;
 * }
 * @endcode
 *
 * ### What the parser accepts
 * - Status line `HTTP/1.0` or `HTTP/1.1`, a 3-digit code 100..599, and an
 *   optional reason (`HTTP/1.1 200` without a reason is accepted). Up to
 *   WF_HTTP_MAX_BLANK_LINES empty lines (CRLF or bare LF) before a status
 *   line are skipped (some servers send a stray CRLF after `100 Continue`;
 *   RFC 9112 2.2 asks servers to be as robust about requests); one more is
 *   WF_EHTTP_PROTO.
 * - Line ends of a head (status line, fields, the empty line): CRLF, or a
 *   bare LF throughout. RFC 9112 2.2 lets a recipient take a bare LF as the
 *   end of the start line and of field lines, and old servers send heads with
 *   LF only, so a head whose status line ends with a bare LF is accepted if
 *   all its lines do. A head that mixes the two is WF_EHTTP_PROTO: a reader
 *   that ends lines only at CRLF would see other fields (a `Content-Length`
 *   hidden after a bare LF), which is how responses are smuggled. Each head
 *   (an interim 1xx one too) picks its own line end with its status line.
 *   A CR not followed by LF is WF_EHTTP_PROTO. Control bytes (NUL included)
 *   other than HTAB anywhere in the head are WF_EHTTP_PROTO.
 * - Header fields `name: value`: the name must be a token (RFC 9110 5.6.2),
 *   with no whitespace before the colon; the value is trimmed of leading and
 *   trailing spaces and tabs. Folded lines (obs-fold: a line starting with a
 *   space or tab) are WF_EHTTP_PROTO.
 * - Interim 1xx responses (100, 102, 103, ...) are parsed and skipped without
 *   callbacks; 101 (Switching Protocols) is WF_EHTTP_PROTO because we never
 *   ask to upgrade.
 * - Body length (RFC 9112 6.3), in this order: no body for a HEAD request and
 *   for 204 and 304; `Transfer-Encoding: chunked` when present (a
 *   Content-Length next to it is ignored, as RFC 9112 6.3 item 3 says;
 *   it must still be well-formed, and the connection is then not kept, see
 *   wf_http_parser_may_keep); else `Content-Length`; else the body runs
 *   until the connection closes (HTTP/1.0 and 1.1 alike).
 * - `Content-Length` must be 1*DIGIT (a comma list of equal values is
 *   accepted, as are repeated fields that agree); other values, disagreeing
 *   repeats, and values above 2^64-1 are WF_EHTTP_PROTO.
 * - `Transfer-Encoding` (all of its fields together) must be exactly one
 *   `chunked` coding, case-insensitive. Anything else (`gzip`, `gzip, chunked`,
 *   `chunked, chunked`, an empty value) is WF_EHTTP_PROTO: we never send
 *   TE/Accept-Encoding, so we could not decode it. Transfer-Encoding in an
 *   HTTP/1.0 response is WF_EHTTP_PROTO (RFC 9112 6.1: its framing is faulty).
 *   Not checked for responses without a body.
 * - Chunked (RFC 9112 7.1), every line end of it CRLF: a bare LF after a
 *   chunk-size line, after chunk data, after a trailer field or as the end of
 *   the trailer section is WF_EHTTP_PROTO, whatever the head used (the
 *   bare-LF allowance of RFC 9112 2.2 is for the start line and the head).
 *   A chunk-size line is `chunk-size [ chunk-ext ]` with
 *   `chunk-size = 1*HEXDIG` (any number of leading zeros; values above
 *   2^64-1 are WF_EHTTP_PROTO) and
 *   `chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )`, a name being
 *   a token and a value a token or a quoted-string (backslash pairs
 *   allowed). Whitespace is accepted only where BWS stands: `1 ;a=b` is
 *   fine, `1 ` (nothing after the spaces), `1;` (no name), `1;a ` (trailing
 *   space), `1;a=` and an unclosed `1;a="b` are WF_EHTTP_PROTO. Extensions
 *   are checked, then ignored. A size line is bounded by WF_HTTP_MAX_LINE
 *   like any line (WF_EHTTP_TOOBIG). Then the data, then CRLF right after
 *   it (anything else is WF_EHTTP_PROTO). After the last chunk, trailer
 *   fields are parsed with the header rules and dropped (no callback).
 * - `Location` is kept (for 3xx responses only) for wf_http_parser_location.
 *   Repeated Location fields must agree, else WF_EHTTP_PROTO.
 *
 * Deliberate differences from curl (as curl 7.88 behaves against the same
 * responses): curl accepts bare-LF chunk framing, a head mixing CRLF and LF,
 * chunk-size lines like `5;`, `5  ` or `5;a="b` (unclosed), and keeps the
 * connection after a response with both Content-Length and chunked; here
 * they are WF_EHTTP_PROTO (exit 8) or close the connection. curl fails on an
 * empty line after `100 Continue` (exit 1, "HTTP/0.9"); here it is skipped.
 *
 * ### Limits (WF_EHTTP_TOOBIG when exceeded)
 * WF_HTTP_MAX_LINE bytes per line (status line, header, chunk-size line,
 * trailer; the line end not counted), WF_HTTP_MAX_HEADERS header fields per
 * response (and as many trailer fields), WF_HTTP_MAX_LOCATION bytes of a
 * 3xx Location value.
 */
#ifndef WIZFETCH_HTTP_H
#define WIZFETCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/config.h"
#include "wizfetch/url.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest line of the response head, in bytes without the line end. Also
 *  the size of the parser's line buffer, so it sets most of the parser's
 *  RAM. */
#ifndef WF_HTTP_MAX_LINE
#define WF_HTTP_MAX_LINE 4096
#endif

/** Most header fields in one response head (and trailer fields after a
 *  chunked body). */
#ifndef WF_HTTP_MAX_HEADERS
#define WF_HTTP_MAX_HEADERS 64
#endif

/** Longest Location value kept for a redirect, in bytes. */
#ifndef WF_HTTP_MAX_LOCATION
#define WF_HTTP_MAX_LOCATION 1024
#endif

/** Most empty lines skipped before one status line (a stray CRLF after an
 *  interim 1xx response); one more is WF_EHTTP_PROTO. */
#ifndef WF_HTTP_MAX_BLANK_LINES
#define WF_HTTP_MAX_BLANK_LINES 4
#endif

/** User-Agent sent when the caller passes NULL. */
#ifndef WF_HTTP_USER_AGENT
#define WF_HTTP_USER_AGENT "wizfetch/0.1"
#endif

#if WF_HTTP_MAX_LINE < 64
#error "WF_HTTP_MAX_LINE must be at least 64"
#endif
#if WF_HTTP_MAX_HEADERS < 1
#error "WF_HTTP_MAX_HEADERS must be at least 1"
#endif
#if WF_HTTP_MAX_BLANK_LINES < 0 || WF_HTTP_MAX_BLANK_LINES > 254
#error "WF_HTTP_MAX_BLANK_LINES must be 0..254"
#endif
#if WF_HTTP_MAX_LOCATION < 1 || WF_HTTP_MAX_LOCATION > WF_HTTP_MAX_LINE
#error "WF_HTTP_MAX_LOCATION must be 1..WF_HTTP_MAX_LINE"
#endif

/** Request methods the writer knows. */
enum wf_http_method {
    WF_HTTP_GET = 0,
    WF_HTTP_HEAD = 1,
};

/**
 * @brief Write an HTTP/1.1 GET or HEAD request head for `url` (no extra
 * headers, no body): wf_http_request_head_write with the defaults.
 *
 * Writes `<METHOD> <url->path> HTTP/1.1`, then `Host` (wf_url_authority),
 * `User-Agent`, `Accept: * / *` (without the spaces), `Connection: close`, and
 * the empty line, all with CRLF line ends, and a terminating NUL (not counted).
 *
 * @param buf        receives the request.
 * @param cap        size of buf in bytes; WF_URL_MAX_PATH + WF_URL_MAX_HOST +
 *                   strlen(user_agent) + 100 always suffices.
 * @param method     WF_HTTP_GET or WF_HTTP_HEAD.
 * @param url        the target (host, port, path are used; the scheme only
 *                   for the default-port rule of Host).
 * @param user_agent NUL-terminated User-Agent value, or NULL for
 *                   WF_HTTP_USER_AGENT.
 * @return the number of bytes written (without the NUL); WF_ENOMEM if the
 *         request does not fit (buf then holds an empty string if cap > 0);
 *         WF_EINVAL for an unknown method, a user agent with control bytes,
 *         or a url whose host or path holds spaces or control bytes (only a
 *         hand-made struct can).
 */
int wf_http_request_write(char *buf, size_t cap, enum wf_http_method method, const struct wf_url *url,
                          const char *user_agent);

/**
 * One request header field given by the caller. Both strings are
 * caller-owned, NUL-terminated, and must stay valid for the whole request
 * (redirects included). A `value` of NULL removes the default header of that
 * name instead of sending one (curl's `-H "Name:"`).
 */
struct wf_http_header {
    const char *name;  /**< a token (RFC 9110 5.6.2): letters, digits, !#$%&'*+-.^_`|~ */
    const char *value; /**< no control bytes but HTAB (CR/LF would add lines); NULL = remove */
    unsigned flags;    /**< WF_HTTP_HEADER_* bits (0 for an ordinary field) */
};

/** wf_http_header.flags: the field describes the body (e.g. the Content-Type
 *  a program derived from its data): left out when a redirect drops the body
 *  (303, or 301/302 after POST), as curl does with its own Content-Type. */
#define WF_HTTP_HEADER_BODY 1u

/** How the request body is delimited (RFC 9112 6). */
enum wf_http_framing {
    WF_HTTP_NO_BODY = 0, /**< no body, no Content-Length */
    WF_HTTP_LENGTH = 1,  /**< Content-Length: content_length */
    WF_HTTP_CHUNKED = 2, /**< Transfer-Encoding: chunked */
};

/** wf_http_range.last of a range that runs to the end of the representation. */
#define WF_HTTP_RANGE_TO_END UINT64_MAX

/**
 * A byte range to ask for (RFC 9110 14.1.2), sent as `Range: bytes=...`:
 * bytes `first` to `last` (inclusive, counted from 0; `last` may be
 * WF_HTTP_RANGE_TO_END: "first-"), or with `suffix` the last `last` bytes
 * ("-last"). Invalid, and refused by the head writer with WF_EINVAL:
 * `last` < `first` (without `suffix`), or a suffix of 0 bytes.
 */
struct wf_http_range {
    uint64_t first; /**< first byte (unused with `suffix`) */
    uint64_t last;  /**< last byte, inclusive; WF_HTTP_RANGE_TO_END; with `suffix`: the byte count */
    bool suffix;    /**< the last `last` bytes */
};

/** Is the range valid (see struct wf_http_range)? */
bool wf_http_range_valid(const struct wf_http_range *r);

/** Room for the longest Range value, "bytes=FIRST-LAST" with 20-digit numbers, and its NUL. */
#define WF_HTTP_RANGE_VALUE_MAX 48

/** @brief The Range field value of a valid range ("bytes=0-99", "bytes=100-",
 *  "bytes=-500") into `out`, NUL-terminated; returns its length. */
size_t wf_http_range_value(const struct wf_http_range *r, char out[WF_HTTP_RANGE_VALUE_MAX]);

/** wf_http_content_range.complete when the server wrote '*' (length not known). */
#define WF_HTTP_LENGTH_UNKNOWN UINT64_MAX

/** A parsed Content-Range field value (RFC 9110 14.4). */
struct wf_http_content_range {
    bool unsatisfied;  /**< a 416's form, '*' then '/' COMPLETE: no first/last; `complete` is known */
    uint64_t first;    /**< first byte of the part sent, from 0 */
    uint64_t last;     /**< last byte of the part sent, inclusive */
    uint64_t complete; /**< length of the whole representation, or WF_HTTP_LENGTH_UNKNOWN */
};

/**
 * @brief Parse a Content-Range value: "bytes FIRST-LAST/COMPLETE", the same
 * with '*' for COMPLETE (not known), or the unsatisfied form "bytes " '*' '/'
 * COMPLETE (the unit case-insensitive, decimal numbers of at most 19 digits). Returns 0, or
 * WF_EHTTP_PROTO for anything else: another unit, a missing part, LAST <
 * FIRST, LAST >= COMPLETE, trailing bytes. `out` is written only on success.
 */
int wf_http_content_range_parse(const char *value, struct wf_http_content_range *out);

/** Everything the request head is made of. */
struct wf_http_request_head {
    const char *method;                   /**< a token, e.g. "POST"; NULL = "GET" */
    const struct wf_url *url;             /**< the target */
    const char *user_agent;               /**< NULL: WF_HTTP_USER_AGENT */
    const struct wf_http_header *headers; /**< extra fields (may be NULL if header_count is 0) */
    size_t header_count;
    enum wf_http_framing framing;
    uint64_t content_length; /**< with WF_HTTP_LENGTH, in bytes */
    bool drop_credentials;   /**< leave out the caller's credential fields (wf_http_is_credential):
                                  a redirect to another origin */
    bool drop_body_fields;   /**< leave out fields flagged WF_HTTP_HEADER_BODY (the body was dropped) */
    bool keep_alive;         /**< no default `Connection: close` (the connection may be kept) */
    const struct wf_http_range *range; /**< NULL: none; else a default `Range: bytes=...` field */
};

/**
 * @brief Write an HTTP/1.1 request head.
 *
 * The request line `<method> <url->path> HTTP/1.1`, then the default fields
 * `Host`, `User-Agent`, `Accept: * / *` (without the spaces), `Connection:
 * close` (one request per connection; left out with `keep_alive`: HTTP/1.1
 * connections are persistent by default), `Range: bytes=...` (with `range`), then `Content-Length: N` or
 * `Transfer-Encoding: chunked` as `framing` says, then the caller's fields in
 * their order, then the empty line; CRLF line ends and a terminating NUL (not
 * counted). A caller field whose name equals a default's (case-insensitive)
 * replaces that default; one with a NULL value only removes it.
 *
 * Refused with WF_EINVAL, before anything is written: a method that is not a
 * token; a header name that is empty or not a token (so CR, LF, space, ':'
 * are impossible in it); a value with a control byte other than HTAB (CR, LF
 * and every other control; strings end at the first NUL, so a NUL cannot be
 * inside one); a caller `Content-Length` or `Transfer-Encoding` field (the
 * framing follows the body: a wrong one would desynchronise the connection);
 * a user agent with control bytes; an invalid `range`; a url whose host or path holds spaces or
 * control bytes (only a hand-made struct can).
 *
 * @param buf receives the head.
 * @param cap size of buf in bytes.
 * @return bytes written (without the NUL); WF_ENOMEM if the head does not
 *         fit in `cap` (buf then holds an empty string if cap > 0); WF_EINVAL
 *         as above.
 */
int wf_http_request_head_write(char *buf, size_t cap, const struct wf_http_request_head *head);

/** @brief Check one header field as wf_http_request_head_write does:
 *  0 or WF_EINVAL (value NULL is allowed: a removal). */
int wf_http_header_check(const char *name, const char *value);

/** @brief true if `method` is a non-empty token (RFC 9110 9.1). */
bool wf_http_method_valid(const char *method);

/** Bytes before and after the data of one chunk that wf_http_chunk_frame may
 *  use: the size line (at most 16 hex digits and CRLF) and the CRLF after the data. */
#define WF_HTTP_CHUNK_PREFIX 18
#define WF_HTTP_CHUNK_SUFFIX 2

/**
 * @brief Frame one chunk of a chunked body in place (RFC 9112 7.1).
 *
 * The caller puts `len` (>= 1) data bytes at `buf + WF_HTTP_CHUNK_PREFIX`;
 * `buf` must hold WF_HTTP_CHUNK_PREFIX + len + WF_HTTP_CHUNK_SUFFIX bytes.
 * The size line is written right before the data and CRLF after it.
 *
 * @param[out] start offset in `buf` where the framed chunk begins.
 * @return the framed chunk's length in bytes (from `start`). The last chunk
 *         is the constant WF_HTTP_CHUNK_LAST.
 */
size_t wf_http_chunk_frame(uint8_t *buf, size_t len, size_t *start);

/** The end of a chunked body: the last chunk and an empty trailer section. */
#define WF_HTTP_CHUNK_LAST "0\r\n\r\n"

/**
 * @brief What following a redirect does to the request, with curl's rules
 * (curl -L): 303 turns any method but HEAD into GET without the body; 301 and
 * 302 turn POST into GET without the body (what browsers and curl do) and
 * keep other methods; 307 and 308 repeat the method and the body.
 *
 * @param status      the redirect status (301, 302, 303, 307, 308).
 * @param method      the method of the request that was redirected.
 * @param[out] keep_body true if the next request carries the same body.
 * @return the next request's method: `method` itself or the string "GET".
 */
const char *wf_http_redirect_method(int status, const char *method, bool *keep_body);

/**
 * @brief May credentials (the fields wf_http_is_credential names) go to `to`
 * after a request to `from`? Only to the same scheme, host and port, as curl
 * does without --location-trusted: another host (or port) must not get the
 * password or the cookies.
 */
bool wf_http_redirect_keeps_auth(const struct wf_url *from, const struct wf_url *to);

/**
 * @brief Is `name` a field that carries the caller's credentials for one
 * origin: `Authorization`, `Proxy-Authorization` or `Cookie` (any case)?
 * Those are the fields curl drops on a redirect to another origin; the
 * request writer leaves them out with `drop_credentials`.
 */
bool wf_http_is_credential(const char *name);

/**
 * Response callbacks. Every member may be NULL. A callback returns 0 to go
 * on or a negative WF_E* code (for example WF_EWRITE) to stop: the parser
 * then returns that code from the current wf_http_parser_feed and every later
 * call. Strings passed are NUL-terminated and valid only during the call.
 */
struct wf_http_callbacks {
    /** Final status line: code 200..599 (or 1xx never: interim responses are skipped). */
    int (*status)(void *ctx, int code, const char *reason);
    /** One header field of the final response, value trimmed. */
    int (*header)(void *ctx, const char *name, const char *value);
    /** The head is complete; body callbacks (if any) follow. */
    int (*headers_done)(void *ctx);
    /** A piece of the body (chunk framing removed), len >= 1. */
    int (*body)(void *ctx, const uint8_t *data, size_t len);
};

/** Response parser context. Fields are internal: use the functions below. */
typedef struct wf_http_parser {
    const struct wf_http_callbacks *cb;
    void *ctx;
    int err; /**< sticky error once state is the error state */
    uint8_t state;
    bool head_request;
    bool got_any; /**< at least one byte was fed */
    bool cr;      /**< the previous head byte was CR */
    bool interim; /**< parsing the head of a 1xx response */
    bool http10;  /**< the final response is HTTP/1.0 */
    bool cl_seen;
    bool cl_applies; /**< the body is delimited by content_length */
    bool te_seen;
    bool te_bad;         /**< a coding other than one "chunked" was seen */
    bool conn_close;     /**< the final response said Connection: close */
    bool must_close;     /**< the final head had Content-Length and Transfer-Encoding */
    bool until_close;    /**< the body runs until the connection closes */
    uint8_t te_chunked;  /**< "chunked" codings seen (saturating) */
    uint8_t eol;         /**< line end of the current head (set by its status line) */
    uint8_t blank_lines; /**< empty lines skipped before status lines */
    uint16_t status;
    uint16_t fields; /**< header or trailer fields so far */
    uint64_t content_length;
    uint64_t remaining; /**< bytes left in the body or the current chunk */
    uint64_t body_received;
    size_t line_len;
    size_t location_len;
    bool has_location;
    char line[WF_HTTP_MAX_LINE + 1];
    char location[WF_HTTP_MAX_LOCATION + 1];
} wf_http_parser_t;

/**
 * @brief Prepare a parser for one response. Cannot fail.
 * @param p            the context (caller-owned; may be uninitialised).
 * @param head_request true if the request was HEAD (the response has no body).
 * @param cb           callbacks (may be NULL for none); must outlive the parser.
 * @param ctx          passed to every callback.
 */
void wf_http_parser_init(wf_http_parser_t *p, bool head_request, const struct wf_http_callbacks *cb,
                         void *ctx);

/**
 * @brief Feed the next bytes of the response.
 *
 * Consumes bytes until the message is complete; bytes after the end of the
 * message are left unconsumed (the return value is then less than len).
 * Body bytes are handed to the body callback as they arrive, never buffered.
 *
 * @param data bytes received (need not be NUL-terminated; may hold NULs).
 * @param len  number of bytes, at most INT_MAX.
 * @return the number of bytes consumed (0..len), or a negative code:
 *         WF_EHTTP_PROTO (malformed), WF_EHTTP_TOOBIG (a limit was hit), or
 *         the code a callback returned. Errors are sticky.
 */
int wf_http_parser_feed(wf_http_parser_t *p, const uint8_t *data, size_t len);

/**
 * @brief Tell the parser the connection reached end of stream.
 * @return 0 if the message is complete (a body that runs until close is
 *         complete now); WF_EHTTP_EMPTY if no byte was ever fed;
 *         WF_EHTTP_PROTO if the stream ended inside the status line or
 *         headers (or after an interim response); WF_EHTTP_SHORT if it ended
 *         inside a Content-Length body or anywhere in a chunked body before
 *         the end of its trailer section; or the earlier sticky error.
 */
int wf_http_parser_finish(wf_http_parser_t *p);

/** @brief True once the whole message was received (the caller can stop reading). */
bool wf_http_parser_complete(const wf_http_parser_t *p);

/** @brief Status code of the final response, 0 while its status line has not arrived. */
int wf_http_parser_status(const wf_http_parser_t *p);

/**
 * @brief The Location value of a 3xx response (NUL-terminated, trimmed), or
 *        NULL if there is none (or the status is not 3xx). Valid until the
 *        parser is re-initialised.
 */
const char *wf_http_parser_location(const wf_http_parser_t *p);

/**
 * @brief The body length the response announced.
 * @return true and *len set if a Content-Length applies (not for chunked,
 *         until-close or body-less responses); false otherwise.
 */
bool wf_http_parser_content_length(const wf_http_parser_t *p, uint64_t *len);

/** @brief Body bytes delivered to the body callback so far. */
uint64_t wf_http_parser_body_received(const wf_http_parser_t *p);

/** @brief True once at least one byte of the response was fed (an interim
 *  1xx response counts). */
bool wf_http_parser_started(const wf_http_parser_t *p);

/**
 * @brief May the connection carry another request after this response
 * (persistent connection, RFC 9112 9.3)? True only when the response is
 * complete, is HTTP/1.1 (an HTTP/1.0 response is never kept, even with
 * `Connection: keep-alive`), has no `close` option in its Connection field,
 * did not carry both Content-Length and Transfer-Encoding (RFC 9112 6.3 item
 * 3: chunked wins, but the connection must be closed after such a message;
 * applied to any final response, one without a body too), and its end was
 * known from its framing (Content-Length, chunked, or no body), not from the
 * connection closing. The caller must also check what
 * the parser cannot see: that its request did not say `Connection: close`,
 * that the whole request body was sent, and that no byte followed the
 * response (wf_http_parser_feed consumed all it was given).
 */
bool wf_http_parser_may_keep(const wf_http_parser_t *p);

/**
 * @brief Does the field value `value`, a comma-separated list (e.g. of
 * Connection options), hold `token`? Case-insensitive; whitespace around the
 * elements is ignored; "close" is not found in "closed" or "x-close".
 */
bool wf_http_field_has_token(const char *value, const char *token);

#ifdef __cplusplus
}
#endif
#endif
