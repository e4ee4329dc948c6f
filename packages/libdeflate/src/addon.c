/*
 * gunzip(input, output): one gzip member inflated by libdeflate into caller memory.
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

#include "libdeflate.h"

#define STATUS_BAD_DATA (-1)
#define STATUS_NO_SPACE (-2)
#define STATUS_TRAILING_INPUT (-3)

static void free_decompressor(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  libdeflate_free_decompressor((struct libdeflate_decompressor *)data);
}

/* The bytes of a Uint8Array (a Buffer is one), or NULL after throwing a TypeError. */
static int bytes_of(napi_env env, napi_value value, const char *name, void **data,
                    size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", name);
    return 0;
  }
  return 1;
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
      napi_create_string_utf8(env, LIBDEFLATE_VERSION_STRING, NAPI_AUTO_LENGTH, &version) !=
          napi_ok ||
      napi_set_named_property(env, exports, "libdeflateVersion", version) != napi_ok) {
    return NULL;
  }
  return exports;
}
