'use strict'
// The HTTP rows, the browser client's types and the addon's Artifact stay one shape: every field
// the addon returns is either on the wire (artifactDetail) or named below as kept off it, and every
// row the routes build has exactly the fields src/js/client.d.ts declares for it. A new Artifact
// field (one entry in src/model/artifact.rs) fails here until the wire and the client decide.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Cache, ArtifactType, ProjectStatus } = require('../index.js')
const wire = require('../src/js/http/wire.js')
const { Query } = require('../src/js/http/query.js')
const { tmpdir, makeProject } = require('./helpers.js')

/** Artifact fields the wire leaves out, and why. */
const OFF_THE_WIRE = {
  projectId: 'sent as project_cache_id (project_id is SkillMeat’s base64 path id)',
  deployedHash: 'SkillMeat’s own hash of the deployment; local_modified says what it tells',
  contentHash: 'an internal identity of the files; local_modified says what it tells',
  metadata: 'frontmatter keys as JSON text; the detail’s typed fields carry what SkillMeat shows',
  updatedAt: 'the row’s own bookkeeping; modified_at and scanned_at are sent',
}

/** Artifact fields the wire sends under another name. */
const RENAMED = { versionDiff: 'difference' }

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase())

/** Field names of `interface name` in a .d.ts file, with those of the interface it extends. */
function declared(name, file = path.join(__dirname, '..', 'src', 'js', 'client.d.ts')) {
  const src = fs.readFileSync(file, 'utf8')
  const m = src.match(new RegExp(`export interface ${name}(?: extends (\\w+))? \\{([\\s\\S]*?)\\n\\}`))
  assert.ok(m, `${path.basename(file)} declares ${name}`)
  const own = [...m[2].matchAll(/^ {2}(\w+)\??:/gm)].map((x) => x[1])
  return new Set([...(m[1] ? declared(m[1], file) : []), ...own])
}

test('the wire rows, the client types and the Artifact fields agree', () => {
  const root = tmpdir()
  const cache = Cache.open({ home: tmpdir() })
  try {
    const p = cache.registerProject(makeProject(root, 'shop'))
    const a = cache.listArtifacts({ projectId: p.id }).items[0]
    assert.ok(a, 'the project has artifacts')

    const rows = {
      ArtifactRow: wire.artifactRow(a, 'key'),
      ArtifactDetail: wire.artifactDetail(a, 'key'),
      OutdatedArtifact: wire.staleRow(a, 'key'),
    }
    for (const [name, row] of Object.entries(rows)) {
      assert.deepEqual(new Set(Object.keys(row)), declared(name), `${name}: wire.js and client.d.ts`)
    }
    assert.deepEqual(new Set(Object.keys(wire.problemRow({ code: 'X', severity: 'note', file: 'f', message: 'm', fix: 'x' }))), declared('ArtifactProblem'))

    // Every field of the addon's Artifact (index.d.ts, generated from the Rust struct) reaches
    // the detail by its snake_case name, or is named in OFF_THE_WIRE.
    const fields = declared('Artifact', path.join(__dirname, '..', 'index.d.ts'))
    const detail = new Set(Object.keys(rows.ArtifactDetail).map(camel))
    const sent = (k) => detail.has(k) || (k in RENAMED && Object.hasOwn(rows.ArtifactDetail, RENAMED[k]))
    const missing = [...fields].filter((k) => !sent(k) && !(k in OFF_THE_WIRE))
    assert.deepEqual(missing, [], 'Artifact fields neither on the wire nor in OFF_THE_WIRE')
    for (const k of Object.keys(OFF_THE_WIRE)) assert.ok(fields.has(k), `OFF_THE_WIRE names ${k}, which Artifact does not have`)
  } finally {
    cache.close()
  }
})

test('every artifact type and project status the addon knows is a filter the routes take, as the client types say', () => {
  const words = Object.values(ArtifactType)
  assert.deepEqual([...words].sort(), ['agent', 'command', 'hook', 'mcp', 'skill'])
  for (const w of words) {
    assert.equal(new Query(new URLSearchParams({ artifact_type: w })).type('artifact_type'), w, w)
  }
  assert.equal(new Query(new URLSearchParams({ artifact_type: 'plugin' })).type('artifact_type'), null, 'an unknown type matches nothing')
  for (const s of Object.values(ProjectStatus)) assert.equal(new Query(new URLSearchParams({ status: s })).projectStatus(), s, s)
  // The browser client's words are the addon's, not a copy.
  const client = fs.readFileSync(path.join(__dirname, '..', 'src', 'js', 'client.d.ts'), 'utf8')
  assert.match(client, /import type \{[^}]*\bArtifactType\b[^}]*\} from '..\/..\/index'/)
  assert.doesNotMatch(client, /type ArtifactType =/)
})
