'use strict';
// Install step: builds the addon with node-gyp (on PATH in npm's and pnpm's install scripts).
// A failed build is not an install failure: @logpipe/core then inflates with node:zlib, the
// same results at a lower speed. LOGPIPE_LIBDEFLATE_REQUIRED=1 makes it one.
const { spawnSync } = require('node:child_process');

const r = spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: true });
if (r.status !== 0) {
  const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
  console.warn(
    `@logpipe/libdeflate: not built (${why}); @logpipe/core will gunzip with node:zlib. ` +
      'Building needs Python 3, make and a C compiler.',
  );
  if (process.env.LOGPIPE_LIBDEFLATE_REQUIRED === '1') process.exit(1);
}
