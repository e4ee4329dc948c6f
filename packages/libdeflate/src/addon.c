/*
 * gunzip(input, output): one gzip member inflated by libdeflate into caller memory; and the
 * CloudWatch Logs payload scanner (messages, envelope) further down.
 *
 * Node-API (ABI-stable: one build serves every Node version). Each environment
 * (the main thread, every worker thread) gets its own decompressor, made when the
 * addon loads there and freed when the environment goes away, so threads never
 * share one.
 *
 * The result is a number: the bytes written to `output` when `input` is exactly one
 * valid gzip member (CRC32 and ISIZE checked) whose data fits `output`; otherwise a
 * negative status (see index.d.ts). The caller sizes `output`; nothing is allocated
 * per call.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "libdeflate.h"

#define STATUS_BAD_DATA (-1)
#define STATUS_NO_SPACE (-2)
#define STATUS_TRAILING_INPUT (-3)

static void free_decompressor(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  libdeflate_free_decompressor((struct libdeflate_decompressor *)data);
}

/* The memory of a typed array of the given type, or 0 after throwing a TypeError. */
static int typed_of(napi_env env, napi_value value, napi_typedarray_type want, const char *name,
                    void **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok ||
      type != want) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", name);
    return 0;
  }
  return 1;
}

/* The bytes of a Uint8Array (a Buffer is one), or 0 after throwing a TypeError. */
static int bytes_of(napi_env env, napi_value value, const char *name, void **data,
                    size_t *length) {
  return typed_of(env, value, napi_uint8_array, name, data, length);
}

static napi_value gunzip(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  struct libdeflate_decompressor *d = NULL;
  void *in = NULL;
  void *out = NULL;
  size_t in_len = 0;
  size_t out_len = 0;
  size_t in_used = 0;
  size_t out_used = 0;
  int32_t status;
  napi_value result;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "gunzip(input, output) takes two Uint8Arrays");
    return NULL;
  }
  if (!bytes_of(env, argv[0], "input must be a Uint8Array", &in, &in_len)) return NULL;
  if (!bytes_of(env, argv[1], "output must be a Uint8Array", &out, &out_len)) return NULL;
  if (napi_get_instance_data(env, (void **)&d) != napi_ok || d == NULL) {
    napi_throw_error(env, NULL, "libdeflate decompressor unavailable");
    return NULL;
  }
  /* Empty typed arrays may have a NULL data pointer; libdeflate only reads them by length. */
  static unsigned char none[1];
  if (in == NULL) in = none;
  if (out == NULL) out = none;

  switch (libdeflate_gzip_decompress_ex(d, in, in_len, out, out_len, &in_used, &out_used)) {
    case LIBDEFLATE_SUCCESS:
      /* Output of 2 GiB or more cannot be reported as a status: call it no space. */
      if (out_used > INT32_MAX) status = STATUS_NO_SPACE;
      else status = in_used == in_len ? (int32_t)out_used : STATUS_TRAILING_INPUT;
      break;
    case LIBDEFLATE_INSUFFICIENT_SPACE:
      status = STATUS_NO_SPACE;
      break;
    default:
      status = STATUS_BAD_DATA;
      break;
  }
  if (napi_create_int32(env, status, &result) != napi_ok) return NULL;
  return result;
}

/*
 * messages(json, output, spans, info): the Firehose `messages` output of one CloudWatch Logs
 * subscription payload, straight from its JSON bytes: every log event's message, unescaped to
 * UTF-8, each followed by a newline unless it ends with one. What core's JavaScript path gives
 * (JSON.parse, then each message written as UTF-8: a lone surrogate escape becomes U+FFFD), for
 * the payloads this scanner takes; every other payload is left to that path (status -1).
 *
 * It takes a payload only when the whole text is valid JSON (RFC 8259, as JSON.parse reads it)
 * and a valid DATA_MESSAGE envelope: messageType "DATA_MESSAGE"; owner, logGroup and logStream
 * strings without escapes; subscriptionFilters an array of strings; policyLevel, when present, a
 * string; logEvents an array of objects, each with a string id, an integer timestamp of at most
 * 15 digits and a string message; no known key twice (JSON.parse would keep the last); no key
 * spelled with an escape; nesting at most 64 deep. The caller checks that the bytes are UTF-8.
 *
 * `output` must hold at least as many bytes as `json` (every event's output is shorter than its
 * JSON). `spans` receives [start, end) of each message in `output` (two int32 per event).
 * `info` receives [events, least timestamp, greatest timestamp, owner offset, owner length,
 * logGroup offset, logGroup length, logStream offset, logStream length, UTF-16 code units of
 * the output] (offsets in `json`; the last is what the lines' JavaScript strings count).
 * Returns the bytes written, or -1 (not taken), -2 (output or spans too small).
 *
 * envelope(json, output, spans, info, ids, times) is the same scan for reading the envelope
 * itself (core's scanEnvelope builds the object JSON.parse would): it also gives each event's
 * id span and timestamp, the members' order and the spans of subscriptionFilters and
 * policyLevel, and takes less: no member but the known ones, events exactly {id, timestamp,
 * message} in that order with an unescaped id, no lone surrogate escape in a message.
 */
#define SCAN_NOT_TAKEN (-1)
#define SCAN_NO_SPACE (-2)
#define MAX_DEPTH 64

typedef const uint8_t *cursor;

static inline cursor skip_ws(cursor p, cursor end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

static inline int hex_digit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The code unit of the four hex digits at p, or -1. */
static inline int32_t hex4(cursor p, cursor end) {
  if (end - p < 4) return -1;
  int a = hex_digit(p[0]), b = hex_digit(p[1]), c = hex_digit(p[2]), d = hex_digit(p[3]);
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/*
 * Eight bytes at a time (portable SWAR): nonzero when any of the eight is a quote, a
 * backslash or a control character (< 0x20); bytes of 0x80 and above never count.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the message scanner reads eight bytes at a time as a little-endian word"
#endif
#if defined(_MSC_VER)
#include <intrin.h>
#endif
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline uint64_t any_special(uint64_t x) {
  uint64_t quote = x ^ (ONES * '"');
  uint64_t backslash = x ^ (ONES * '\\');
  return ((x - ONES * 0x20) | (quote - ONES) | (backslash - ONES)) & ~x & HIGHS;
}

/* Index of the lowest byte flagged in a nonzero any_special() mask (little-endian load). */
static inline size_t first_flagged(uint64_t mask) {
#if defined(_MSC_VER)
  unsigned long i;
  _BitScanForward64(&i, mask);
  return (size_t)i >> 3;
#else
  return (size_t)__builtin_ctzll(mask) >> 3;
#endif
}

/*
 * Past the plain bytes (no quote, backslash or control character) from p, eight at a time.
 * The lowest flagged byte is always a special one (a borrow only flags bytes above one).
 */
static inline cursor skip_plain(cursor p, cursor end) {
  uint64_t x, m;
  while (end - p >= 8) {
    memcpy(&x, p, 8);
    m = any_special(x);
    if (m) return p + first_flagged(m);
    p += 8;
  }
  return p;
}

/* Past the closing quote of the string whose body starts at p, or NULL; *escaped set on a backslash. */
static cursor skip_string(cursor p, cursor end, int *escaped) {
  while (p < end) {
    p = skip_plain(p, end);
    if (p >= end) break;
    uint8_t c = *p;
    if (c == '"') return p + 1;
    if (c < 0x20) return NULL;
    if (c != '\\') {
      p++;
      continue;
    }
    *escaped = 1;
    if (end - p < 2) return NULL;
    switch (p[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        p += 2;
        break;
      case 'u':
        if (hex4(p + 2, end) < 0) return NULL;
        p += 6;
        break;
      default:
        return NULL;
    }
  }
  return NULL;
}

static inline uint8_t *put_code_point(uint8_t *o, uint32_t cp) {
  if (cp < 0x80) {
    *o++ = (uint8_t)cp;
  } else if (cp < 0x800) {
    *o++ = (uint8_t)(0xC0 | (cp >> 6));
    *o++ = (uint8_t)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (uint8_t)(0xE0 | (cp >> 12));
    *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (uint8_t)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (uint8_t)(0xF0 | (cp >> 18));
    *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (uint8_t)(0x80 | (cp & 0x3F));
  }
  return o;
}

/*
 * Copies the string whose body starts at p to *out, unescaped to UTF-8; past its closing
 * quote, or NULL. Never writes more bytes than the string's JSON text holds.
 */
static cursor copy_string(cursor p, cursor end, uint8_t **out, int lone_ok) {
  uint8_t *o = *out;
  uint64_t x;
  while (p < end) {
    /*
     * Plain bytes eight at a time, up to the first special one. Writing all eight is safe:
     * o never runs ahead of p, and the output is at least as long as the input.
     */
    while (end - p >= 8) {
      uint64_t m;
      memcpy(&x, p, 8);
      memcpy(o, &x, 8);
      m = any_special(x);
      if (m) {
        size_t n = first_flagged(m);
        o += n;
        p += n;
        break;
      }
      o += 8;
      p += 8;
    }
    if (p >= end) break;
    uint8_t c = *p;
    if (c == '"') {
      *out = o;
      return p + 1;
    }
    if (c < 0x20) return NULL;
    if (c != '\\') {
      *o++ = c;
      p++;
      continue;
    }
    if (end - p < 2) return NULL;
    switch (p[1]) {
      case '"': *o++ = '"'; p += 2; break;
      case '\\': *o++ = '\\'; p += 2; break;
      case '/': *o++ = '/'; p += 2; break;
      case 'b': *o++ = '\b'; p += 2; break;
      case 'f': *o++ = '\f'; p += 2; break;
      case 'n': *o++ = '\n'; p += 2; break;
      case 'r': *o++ = '\r'; p += 2; break;
      case 't': *o++ = '\t'; p += 2; break;
      case 'u': {
        int32_t u = hex4(p + 2, end);
        if (u < 0) return NULL;
        p += 6;
        if (u >= 0xD800 && u <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          int32_t low = hex4(p + 2, end);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            p += 6;
            o = put_code_point(o, 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)low - 0xDC00));
            break;
          }
        }
        /*
         * A lone surrogate: U+FFFD, as V8 writes one to UTF-8; where the string itself is
         * wanted (envelope mode, lone_ok 0), UTF-8 cannot hold it: not taken.
         */
        if (u >= 0xD800 && u <= 0xDFFF && !lone_ok) return NULL;
        o = put_code_point(o, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : (uint32_t)u);
        break;
      }
      default:
        return NULL;
    }
  }
  return NULL;
}

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static cursor skip_number(cursor p, cursor end) {
  if (p < end && *p == '-') p++;
  if (p >= end) return NULL;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9') while (p < end && is_digit(*p)) p++;
  else return NULL;
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) p++;
  }
  return p;
}

static inline cursor skip_word(cursor p, cursor end, const char *word, size_t n) {
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* Past one JSON value (whitespace before it skipped), or NULL. */
static cursor skip_value(cursor p, cursor end, int depth) {
  int escaped = 0;
  p = skip_ws(p, end);
  if (p >= end) return NULL;
  switch (*p) {
    case '"':
      return skip_string(p + 1, end, &escaped);
    case 't':
      return skip_word(p, end, "true", 4);
    case 'f':
      return skip_word(p, end, "false", 5);
    case 'n':
      return skip_word(p, end, "null", 4);
    case '{':
    case '[': {
      uint8_t close = *p == '{' ? '}' : ']';
      int object = *p == '{';
      if (depth >= MAX_DEPTH) return NULL;
      p = skip_ws(p + 1, end);
      if (p < end && *p == close) return p + 1;
      for (;;) {
        if (object) {
          if (p >= end || *p != '"') return NULL;
          p = skip_string(p + 1, end, &escaped);
          if (p == NULL) return NULL;
          p = skip_ws(p, end);
          if (p >= end || *p != ':') return NULL;
          p++;
        }
        p = skip_value(p, end, depth + 1);
        if (p == NULL) return NULL;
        p = skip_ws(p, end);
        if (p >= end) return NULL;
        if (*p == close) return p + 1;
        if (*p != ',') return NULL;
        p = skip_ws(p + 1, end);
      }
    }
    default:
      return skip_number(p, end);
  }
}

/* An object key at p (whitespace skipped): its body in [*key, *key + *len), past the colon; NULL if escaped. */
static cursor read_key(cursor p, cursor end, cursor *key, size_t *len) {
  int escaped = 0;
  if (p >= end || *p != '"') return NULL;
  cursor q = skip_string(p + 1, end, &escaped);
  if (q == NULL || escaped) return NULL;
  *key = p + 1;
  *len = (size_t)(q - 1 - (p + 1));
  q = skip_ws(q, end);
  if (q >= end || *q != ':') return NULL;
  return skip_ws(q + 1, end);
}

static inline int key_is(cursor key, size_t len, const char *name) {
  size_t n = strlen(name);
  return len == n && memcmp(key, name, n) == 0;
}

/* A string value without escapes at p: its body in [*s, *s + *len); past it, or NULL. */
static cursor plain_string(cursor p, cursor end, cursor *s, size_t *len) {
  int escaped = 0;
  if (p >= end || *p != '"') return NULL;
  cursor q = skip_string(p + 1, end, &escaped);
  if (q == NULL || escaped) return NULL;
  *s = p + 1;
  *len = (size_t)(q - 1 - (p + 1));
  return q;
}

/* After a member's value: past the comma (1) or the closing brace/bracket (0); -1 otherwise. */
static inline int next_member(cursor *pp, cursor end, uint8_t close) {
  cursor p = skip_ws(*pp, end);
  if (p >= end) return -1;
  if (*p == ',') {
    *pp = skip_ws(p + 1, end);
    return 1;
  }
  if (*p == close) {
    *pp = p + 1;
    return 0;
  }
  return -1;
}

typedef struct {
  uint8_t *out;
  uint8_t *out_start;
  int32_t *spans;
  size_t spans_cap;
  size_t events;
  double least;
  double greatest;
  /*
   * Envelope mode (`envelope()`), when not NULL: each event's id span in the input (two
   * int32, same capacity as spans) and timestamp; events must be exactly {id, timestamp,
   * message} in that order, and the envelope must have no member but the known ones.
   */
  int32_t *ids;
  double *times;
  const uint8_t *in_start;
} scan_state;

/* One log event object at p (its '{'); past it, or NULL. Writes its line and span. */
static cursor scan_event(cursor p, cursor end, scan_state *st, int *no_space) {
  int seen_id = 0, seen_ts = 0, seen_msg = 0, members = 0;
  uint8_t *line_start = st->out;
  uint8_t *msg_end = st->out;
  cursor id_start = NULL, id_end = NULL;
  double time = 0;
  if (p >= end || *p != '{') return NULL;
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') return NULL; /* no id, timestamp or message */
  for (;;) {
    cursor key;
    size_t len;
    p = read_key(p, end, &key, &len);
    if (p == NULL) return NULL;
    members++;
    if (key_is(key, len, "message")) {
      if (seen_msg++ || p >= end || *p != '"') return NULL;
      if (st->ids != NULL && members != 3) return NULL;
      /* The message is written where this event's line starts. */
      uint8_t *o = line_start;
      p = copy_string(p + 1, end, &o, st->ids == NULL);
      if (p == NULL) return NULL;
      msg_end = o;
    } else if (key_is(key, len, "id")) {
      int escaped = 0;
      if (seen_id++ || p >= end || *p != '"') return NULL;
      id_start = p + 1;
      p = skip_string(p + 1, end, &escaped);
      if (p == NULL) return NULL;
      id_end = p - 1;
      if (st->ids != NULL && (members != 1 || escaped)) return NULL;
    } else if (key_is(key, len, "timestamp")) {
      int negative = 0, digits = 0;
      double v = 0;
      if (seen_ts++) return NULL;
      if (st->ids != NULL && members != 2) return NULL;
      if (p < end && *p == '-') {
        negative = 1;
        p++;
      }
      if (p >= end || !is_digit(*p)) return NULL;
      if (*p == '0' && p + 1 < end && is_digit(p[1])) return NULL;
      while (p < end && is_digit(*p)) {
        v = v * 10 + (*p - '0');
        p++;
        if (++digits > 15) return NULL;
      }
      if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) return NULL;
      if (negative) v = -v;
      time = v;
      if (st->events == 0 || v < st->least) st->least = v;
      if (st->events == 0 || v > st->greatest) st->greatest = v;
    } else {
      if (st->ids != NULL) return NULL;
      p = skip_value(p, end, 2);
      if (p == NULL) return NULL;
    }
    int more = next_member(&p, end, '}');
    if (more < 0) return NULL;
    if (more == 0) break;
  }
  if (!(seen_id && seen_ts && seen_msg)) return NULL;
  if (st->ids != NULL) {
    if (2 * (st->events + 1) > st->spans_cap) {
      *no_space = 1;
      return NULL;
    }
    st->ids[2 * st->events] = (int32_t)(id_start - st->in_start);
    st->ids[2 * st->events + 1] = (int32_t)(id_end - st->in_start);
    st->times[st->events] = time;
  }
  if (2 * (st->events + 1) > st->spans_cap) {
    *no_space = 1;
    return NULL;
  }
  st->spans[2 * st->events] = (int32_t)(line_start - st->out_start);
  st->spans[2 * st->events + 1] = (int32_t)(msg_end - st->out_start);
  st->events++;
  /* A newline unless the message ends with one (an empty message gets one). */
  if (msg_end == line_start || msg_end[-1] != '\n') *msg_end++ = '\n';
  st->out = msg_end;
  return p;
}

static int32_t scan_envelope(cursor begin, cursor end, scan_state *st, double *info) {
  enum { MT = 1, OWNER = 2, GROUP = 4, STREAM = 8, FILTERS = 16, EVENTS = 32, POLICY = 64 };
  int seen = 0;
  int no_space = 0;
  int members = 0;
  cursor p = skip_ws(begin, end);
  if (st->ids != NULL) {
    info[12] = -1; /* no policyLevel */
    for (int i = 14; i < 21; i++) info[i] = 0;
  }
  if (p >= end || *p != '{') return SCAN_NOT_TAKEN;
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') return SCAN_NOT_TAKEN;
  for (;;) {
    cursor key, s;
    size_t len, slen;
    int bit;
    p = read_key(p, end, &key, &len);
    if (p == NULL) return SCAN_NOT_TAKEN;
    if (key_is(key, len, "messageType")) bit = MT;
    else if (key_is(key, len, "owner")) bit = OWNER;
    else if (key_is(key, len, "logGroup")) bit = GROUP;
    else if (key_is(key, len, "logStream")) bit = STREAM;
    else if (key_is(key, len, "subscriptionFilters")) bit = FILTERS;
    else if (key_is(key, len, "logEvents")) bit = EVENTS;
    else if (key_is(key, len, "policyLevel")) bit = POLICY;
    else bit = 0;
    if (bit & seen) return SCAN_NOT_TAKEN;
    seen |= bit;
    if (st->ids != NULL) {
      /* Envelope mode: the members in order (info[14..20]), and none unknown. */
      if (bit == 0 || members >= 7) return SCAN_NOT_TAKEN;
      info[14 + members++] = (double)bit;
    }
    switch (bit) {
      case MT:
        p = plain_string(p, end, &s, &slen);
        if (p == NULL || slen != 12 || memcmp(s, "DATA_MESSAGE", 12) != 0) return SCAN_NOT_TAKEN;
        break;
      case OWNER:
      case GROUP:
      case STREAM: {
        int at = bit == OWNER ? 3 : bit == GROUP ? 5 : 7;
        p = plain_string(p, end, &s, &slen);
        if (p == NULL) return SCAN_NOT_TAKEN;
        info[at] = (double)(s - begin);
        info[at + 1] = (double)slen;
        break;
      }
      case POLICY:
        p = plain_string(p, end, &s, &slen);
        if (p == NULL) return SCAN_NOT_TAKEN;
        if (st->ids != NULL) {
          info[12] = (double)(s - begin);
          info[13] = (double)slen;
        }
        break;
      case FILTERS:
      case EVENTS:
        if (p >= end || *p != '[') return SCAN_NOT_TAKEN;
        /* info[10..13] exist in envelope mode only (messages() takes 10 numbers). */
        if (bit == FILTERS && st->ids != NULL) info[10] = (double)(p - begin);
        p = skip_ws(p + 1, end);
        if (p < end && *p == ']') {
          p++;
          if (bit == FILTERS && st->ids != NULL) info[11] = (double)(p - begin);
          break;
        }
        for (;;) {
          if (bit == FILTERS) {
            if (p >= end || *p != '"') return SCAN_NOT_TAKEN;
            p = skip_value(p, end, 2);
          } else {
            p = scan_event(p, end, st, &no_space);
          }
          if (p == NULL) return no_space ? SCAN_NO_SPACE : SCAN_NOT_TAKEN;
          int more = next_member(&p, end, ']');
          if (more < 0) return SCAN_NOT_TAKEN;
          if (more == 0) break;
        }
        if (bit == FILTERS && st->ids != NULL) info[11] = (double)(p - begin);
        break;
      default:
        p = skip_value(p, end, 1);
        if (p == NULL) return SCAN_NOT_TAKEN;
    }
    int more = next_member(&p, end, '}');
    if (more < 0) return SCAN_NOT_TAKEN;
    if (more == 0) break;
  }
  if (skip_ws(p, end) != end) return SCAN_NOT_TAKEN;
  if ((seen & (MT | OWNER | GROUP | STREAM | FILTERS | EVENTS)) != (MT | OWNER | GROUP | STREAM | FILTERS | EVENTS))
    return SCAN_NOT_TAKEN;
  info[0] = (double)st->events;
  info[1] = st->least;
  info[2] = st->greatest;
  /* UTF-16 code units of the output: one per byte that starts a character, two for a 4-byte one. */
  size_t units = 0;
  for (const uint8_t *o = st->out_start; o < st->out; o++) units += ((*o & 0xC0) != 0x80) + (*o >= 0xF0);
  info[9] = (double)units;
  return (int32_t)(st->out - st->out_start);
}

/* messages(json, output, spans, info) and, with ids and times, envelope(...). */
static napi_value run_scan(napi_env env, napi_callback_info info, int envelope_mode) {
  size_t argc = 6;
  napi_value argv[6];
  void *in = NULL, *out = NULL, *spans = NULL, *meta = NULL, *ids = NULL, *times = NULL;
  size_t in_len = 0, out_len = 0, spans_len = 0, meta_len = 0, ids_len = 0, times_len = 0;
  size_t want_args = envelope_mode ? 6 : 4;
  size_t want_info = envelope_mode ? 21 : 10;
  int32_t status;
  napi_value result;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < want_args) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS",
                          envelope_mode
                              ? "envelope(json, output, spans, info, ids, times) takes six typed arrays"
                              : "messages(json, output, spans, info) takes four typed arrays");
    return NULL;
  }
  if (!bytes_of(env, argv[0], "json must be a Uint8Array", &in, &in_len)) return NULL;
  if (!bytes_of(env, argv[1], "output must be a Uint8Array", &out, &out_len)) return NULL;
  if (!typed_of(env, argv[2], napi_int32_array, "spans must be an Int32Array", &spans, &spans_len))
    return NULL;
  if (!typed_of(env, argv[3], napi_float64_array, "info must be a Float64Array", &meta, &meta_len))
    return NULL;
  if (envelope_mode &&
      (!typed_of(env, argv[4], napi_int32_array, "ids must be an Int32Array", &ids, &ids_len) ||
       !typed_of(env, argv[5], napi_float64_array, "times must be a Float64Array", &times,
                 &times_len)))
    return NULL;
  if (meta_len < want_info) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                           envelope_mode ? "info must hold 21 numbers" : "info must hold 10 numbers");
    return NULL;
  }
  if (in == NULL || in_len == 0 || in_len > INT32_MAX) {
    status = SCAN_NOT_TAKEN;
  } else if (out_len < in_len) {
    status = SCAN_NO_SPACE;
  } else {
    size_t cap = spans_len;
    if (envelope_mode) {
      if (ids_len < cap) cap = ids_len;
      if (2 * times_len < cap) cap = 2 * times_len;
    }
    scan_state st = {(uint8_t *)out, (uint8_t *)out, (int32_t *)spans, cap, 0, 0, 0,
                     (int32_t *)ids, (double *)times, (const uint8_t *)in};
    status = scan_envelope((cursor)in, (cursor)in + in_len, &st, (double *)meta);
  }
  if (napi_create_int32(env, status, &result) != napi_ok) return NULL;
  return result;
}

static napi_value messages(napi_env env, napi_callback_info info) {
  return run_scan(env, info, 0);
}

static napi_value envelope(napi_env env, napi_callback_info info) {
  return run_scan(env, info, 1);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_value version;
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  if (d == NULL) {
    napi_throw_error(env, NULL, "libdeflate_alloc_decompressor failed");
    return NULL;
  }
  if (napi_set_instance_data(env, d, free_decompressor, NULL) != napi_ok) {
    libdeflate_free_decompressor(d);
    return NULL;
  }
  if (napi_create_function(env, "gunzip", NAPI_AUTO_LENGTH, gunzip, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "gunzip", fn) != napi_ok ||
      napi_create_function(env, "messages", NAPI_AUTO_LENGTH, messages, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "messages", fn) != napi_ok ||
      napi_create_function(env, "envelope", NAPI_AUTO_LENGTH, envelope, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "envelope", fn) != napi_ok ||
      napi_create_string_utf8(env, LIBDEFLATE_VERSION_STRING, NAPI_AUTO_LENGTH, &version) !=
          napi_ok ||
      napi_set_named_property(env, exports, "libdeflateVersion", version) != napi_ok) {
    return NULL;
  }
  return exports;
}
