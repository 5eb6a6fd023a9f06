'use strict'
// Builders for real SkillMeat trees in temp folders, shared by the Node tests.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')

function tmpdir(prefix = 'smc-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
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

module.exports = { tmpdir, write, md, sha256, folderHash, makeProject }
