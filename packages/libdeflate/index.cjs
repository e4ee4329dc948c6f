'use strict';
// The compiled addon (node-gyp rebuild, run on install). Loading throws when it was not
// built; @logpipe/core catches that and inflates with node:zlib instead.
module.exports = require('./build/Release/logpipe_libdeflate.node');
