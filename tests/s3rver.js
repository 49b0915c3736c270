// Starts s3rver on 127.0.0.1:<port> with its data in <dir> and the given
// buckets, then prints "ready" on stdout.  Used by tests/with-s3rver.
'use strict';
const S3rver = require('s3rver');
const [dir, port, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory: dir,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
server.run().then(() => console.log('ready'), (e) => { console.error(e); process.exit(1); });
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
