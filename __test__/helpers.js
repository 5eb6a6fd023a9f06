'use strict'
// Builders for real SkillMeat trees in temp folders, shared by the Node tests.
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const http = require('node:http')
const { after } = require('node:test')
const { tempFolder } = require('../scripts/temp-folder.js')

// Servers started by a test file; whatever a failing test left listening is closed when the
// file's tests end, so a failed assertion can never keep `node --test` waiting.
const servers = new Set()
after(() => Promise.all([...servers].map(closeServer)))

function closeServer(srv) {
  servers.delete(srv)
  return new Promise((resolve) => {
    srv.close(() => resolve())
    srv.closeAllConnections?.()
  })
}

/**
 * An HTTP server on 127.0.0.1 (any free port) answering with `handler`. Returns the server, its
 * base URL and an idempotent `close()`; it is also closed when the test file ends.
 */
async function listen(handler) {
  const srv = http.createServer(handler)
  servers.add(srv)
  await new Promise((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', resolve)
  })
  return { srv, base: `http://127.0.0.1:${srv.address().port}`, close: () => closeServer(srv) }
}

/**
 * Moves the modification time of every file under `dir` `seconds` into the past, keeping their
 * order. A file modified just before a scan is read again at the next one (its stat cannot show a
 * second change within the same clock tick), so tests that count re-reads age fresh trees first,
 * as real projects are.
 */
function age(dir, seconds = 60) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath ?? e.path, e.name)
    if (!e.isFile()) continue
    const t = fs.statSync(p).mtimeMs / 1000 - seconds
    fs.utimesSync(p, t, t)
  }
}

/** A temp folder, deleted when the test file's process exits. */
function tmpdir(prefix = 'smc-') {
  return tempFolder(prefix)
}

function write(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
}

function md(fields, body = 'Body text.\n') {
  const lines = Object.entries(fields).map(([k, v]) =>
    Array.isArray(v) ? `${k}: [${v.join(', ')}]` : `${k}: ${v}`,
  )
  return `---\n${lines.join('\n')}\n---\n${body}`
}

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex')
}

/** SkillMeat's folder hash: sorted (by path components) relative paths, each path then bytes. */
function folderHash(dir) {
  const files = []
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(path.join(d, e.name), r)
      else files.push(r)
    }
  }
  walk(dir, '')
  files.sort((a, b) => {
    const x = a.split('/')
    const y = b.split('/')
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return Buffer.compare(Buffer.from(x[i]), Buffer.from(y[i]))
    }
    return x.length - y.length
  })
  const h = crypto.createHash('sha256')
  for (const f of files) {
    h.update(Buffer.from(f, 'utf8'))
    h.update(fs.readFileSync(path.join(dir, f)))
  }
  return h.digest('hex')
}

/** Git's object id of a folder (`git write-tree` of its files; empty folders left out). */
function gitTreeId(dir) {
  const id = (type, body) => crypto.createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest()
  const tree = (d) => {
    const entries = []
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) {
        const sub = tree(p)
        if (sub) entries.push({ key: `${e.name}/`, mode: '40000', name: e.name, id: sub })
      } else if (e.isFile()) {
        const exec = fs.statSync(p).mode & 0o100
        entries.push({ key: e.name, mode: exec ? '100755' : '100644', name: e.name, id: id('blob', fs.readFileSync(p)) })
      }
    }
    if (!entries.length) return null
    entries.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
    return id('tree', Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), e.id]))))
  }
  const t = tree(dir)
  return t ? t.toString('hex') : null
}

/** A small project with one artifact of each kind. Returns its path. */
function makeProject(root, name, { artifacts = {} } = {}) {
  const dir = path.join(root, name)
  const c = path.join(dir, '.claude')
  write(path.join(c, 'skills', 'pdf-tools', 'SKILL.md'), md({ name: 'pdf-tools', description: 'Work with PDF files', version: '1.2.0', tags: ['docs', 'pdf'], author: 'Ann', license: 'MIT' }))
  write(path.join(c, 'skills', 'pdf-tools', 'reference', 'forms.md'), '# Forms\n')
  write(path.join(c, 'commands', 'review.md'), md({ description: 'Review the current diff', 'allowed-tools': ['Read', 'Grep'] }))
  write(path.join(c, 'agents', 'planner.md'), md({ name: 'team-planner', description: 'Plans work', tools: 'Read, Write', model: 'sonnet' }))
  for (const [rel, content] of Object.entries(artifacts)) write(path.join(c, rel), content)
  return dir
}

module.exports = { tmpdir, write, md, sha256, folderHash, makeProject, listen, gitTreeId, age }
