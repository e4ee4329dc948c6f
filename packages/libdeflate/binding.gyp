{
  "targets": [
    {
      "target_name": "logpipe_libdeflate",
      "sources": [
        "src/addon.c",
        "deps/libdeflate/lib/deflate_decompress.c",
        "deps/libdeflate/lib/gzip_decompress.c",
        "deps/libdeflate/lib/crc32.c",
        "deps/libdeflate/lib/utils.c",
        "deps/libdeflate/lib/x86/cpu_features.c",
        "deps/libdeflate/lib/arm/cpu_features.c"
      ],
      "include_dirs": ["deps/libdeflate"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-std=gnu99", "-Wno-sign-compare"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O2"] }
    }
  ]
}
