// localfetch.mjs - a globalThis.fetch that serves files from local table
// directories, so that icebird (which fetches URLs) can read Iceberg tables
// that live on disk, including tables whose metadata records other
// locations (the bunnies table says s3a://hyperparam-iceberg/java/bunnies).
//
//   installLocalFetch([{ prefix: 's3a://bucket/t', dir: '/abs/t' }, ...])
//
// Served URLs:
//   file:///abs/path and /abs/path             the file itself
//   s3://b/k, s3a://b/k, s3n://b/k and         the file under `dir` of the
//   https://b.s3.amazonaws.com/k (what icebird  mapping whose prefix (in any
//   turns s3a:// URLs into)                     of those forms) holds b/k
// Anything else is refused (no network access from tests).  HEAD gives
// Content-Length; GET honours "Range: bytes=a-b", "bytes=a-" and
// "bytes=-n" with 206 and Content-Range; a missing file is a 404.
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// "bucket/key..." of an S3-like URL, or null.
function s3Path(url) {
  let m = /^s3[an]?:\/\/(.+)$/.exec(url);
  if (m) return m[1];
  m = /^https?:\/\/([^./]+)\.s3[.-]([^/]*\.)?amazonaws\.com\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${decodeURIComponent(m[3])}`;
  m = /^https?:\/\/s3[.-]([^/]*\.)?amazonaws\.com\/(.*)$/.exec(url);
  if (m) return decodeURIComponent(m[2]);
  return null;
}

function trimSlash(s) {
  return s.replace(/\/+$/, '');
}

// The local path a URL stands for, or null.
function localPath(url, mappings) {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (url.startsWith('/')) return url;
  const p = s3Path(url);
  if (p === null) return null;
  for (const { prefix, dir } of mappings) {
    const mp = s3Path(trimSlash(prefix));
    if (mp !== null && (p === mp || p.startsWith(`${mp}/`))) return dir + p.slice(mp.length);
  }
  return null;
}

function readRange(path, start, end) {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, end - start));
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

function fileSize(path) {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

// [start, end) of a Range header against size, or null for the whole file.
function parseRange(header, size) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') return [Math.max(0, size - Number(m[2])), size];
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  return [start, end];
}

function headerOf(init, name) {
  const h = init?.headers;
  if (!h) return undefined;
  if (typeof h.get === 'function') return h.get(name) ?? undefined;
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

export function installLocalFetch(mappings) {
  const fetchLocal = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url ?? String(input);
    const path = localPath(url, mappings);
    if (path === null) throw new Error(`localfetch: no local file for ${url}`);
    let size;
    try {
      size = fileSize(path);
    } catch {
      return new Response(null, { status: 404, statusText: 'Not Found' });
    }
    const method = (init.method ?? input.method ?? 'GET').toUpperCase();
    if (method === 'HEAD') {
      return new Response(null, { status: 200, headers: { 'Content-Length': String(size) } });
    }
    const range = parseRange(headerOf(init, 'range'), size);
    if (!range) {
      return new Response(readRange(path, 0, size), {
        status: 200,
        headers: { 'Content-Length': String(size) },
      });
    }
    const [start, end] = range;
    if (start >= size) {
      return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
    }
    const body = readRange(path, start, end);
    return new Response(body, {
      status: 206,
      headers: {
        'Content-Length': String(body.length),
        'Content-Range': `bytes ${start}-${start + body.length - 1}/${size}`,
      },
    });
  };
  globalThis.fetch = fetchLocal;
  return fetchLocal;
}
