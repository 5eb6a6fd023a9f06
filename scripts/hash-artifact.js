#!/usr/bin/env node
'use strict';
// SkillMeat's content hash of a deployed artifact, as recorded in `.skillmeat-deployed.toml`
// (`content_hash`) and `collection.lock`:
//   - a single file: SHA-256 of its bytes;
//   - a folder (a skill): ONE SHA-256 fed, for every regular file under the folder in sorted
//     relative-path order (paths split on '/' and compared component by component), the
//     relative path as UTF-8 ('/'-separated) and then the file's bytes.
//
// Usage:  node scripts/hash-artifact.js PATH [PATH...]
//   prints "<sha256-hex>  PATH" per argument (just the hex when given one path).
// As a module: { hashPath, hashFile, hashFolder, hashEntries, compareComponents, listFiles }.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** Orders '/'-separated relative paths component by component ("a/b" before "a-b"). */
function compareComponents(a, b) {
  const pa = a.split('/');
  const pb = b.split('/');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    if (pa[i] !== pb[i]) return Buffer.compare(Buffer.from(pa[i]), Buffer.from(pb[i]));
  }
  return pa.length - pb.length;
}

/** Regular files under `root` (symlinks to files included, symlinked folders not followed), relative, sorted. */
function listFiles(root) {
  const out = [];
  const walk = (dir, rel) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs, r);
      else if (e.isFile()) out.push(r);
      else if (e.isSymbolicLink()) {
        try {
          if (fs.statSync(abs).isFile()) out.push(r);
        } catch {
          /* dangling link: skipped */
        }
      }
    }
  };
  walk(root, '');
  return out.sort(compareComponents);
}

/** Hash of in-memory folder content: `entries` is [{ rel, data }] (data: Buffer or string). */
function hashEntries(entries) {
  const h = crypto.createHash('sha256');
  const sorted = [...entries].sort((x, y) => compareComponents(x.rel, y.rel));
  for (const { rel, data } of sorted) {
    h.update(Buffer.from(rel, 'utf8'));
    h.update(data);
  }
  return h.digest('hex');
}

function hashFile(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function hashFolder(dir) {
  return hashEntries(listFiles(dir).map((rel) => ({ rel, data: fs.readFileSync(path.join(dir, rel)) })));
}

/** Hash of a file or folder on disk. */
function hashPath(p) {
  return fs.statSync(p).isDirectory() ? hashFolder(p) : hashFile(p);
}

module.exports = { compareComponents, listFiles, hashEntries, hashFile, hashFolder, hashPath };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('-h') || args.includes('--help')) {
    process.stderr.write('usage: node scripts/hash-artifact.js PATH [PATH...]\n');
    process.exit(args.length === 0 ? 2 : 0);
  }
  let failed = false;
  for (const p of args) {
    try {
      const h = hashPath(p);
      process.stdout.write(args.length === 1 ? `${h}\n` : `${h}  ${p}\n`);
    } catch (e) {
      process.stderr.write(`${p}: ${e.message}\n`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}
