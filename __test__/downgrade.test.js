'use strict'
// A rollback to an older release after an upgrade: the database and search index the newer
// release migrated are never written, the older release works from files of its own and says so
// in status(), and the newer release finds its files as it left them.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const Database = require('better-sqlite3')
const { Cache } = require('../index.js')
const { tmpdir, sha256, makeProject } = require('./helpers.js')

test('a database migrated by a newer release survives a downgrade untouched', async () => {
  const home = tmpdir()
  const root = tmpdir()
  const project = makeProject(root, 'alpha')
  const db = path.join(home, 'cache', 'skillmeat-cache.db')
  let c = Cache.open({ home, watch: false, backgroundRefresh: false })
  const ours = c.status().schemaVersion
  c.registerProject(project)
  c.close()

  // What the newer release leaves: one schema version more, a table of its own, WAL checkpointed.
  const newer = new Database(db)
  newer.exec('CREATE TABLE from_the_future (x INTEGER)')
  newer.pragma(`user_version = ${ours + 1}`)
  newer.pragma('journal_mode = DELETE')
  newer.close()
  const before = sha256(fs.readFileSync(db))

  c = Cache.open({ home, watch: false, backgroundRefresh: false })
  try {
    const st = c.status()
    assert.equal(st.dbPath, `${db}.schema-v${ours}`)
    const warning = st.warnings.find((w) => w.code === 'CACHE_SCHEMA_NEWER')
    assert.ok(warning, `warnings: ${JSON.stringify(st.warnings)}`)
    assert.match(warning.message, new RegExp(`schema v${ours + 1}`))
    assert.match(warning.message, /left untouched/)
    await c.refresh()
    assert.deepEqual(c.listProjects({}).items.map((p) => p.path), [project], 'the registration came along')
    assert.ok(c.listArtifacts({ limit: 10 }).total >= 3)
    assert.equal(c.search('pdf').items.length, 1)
  } finally {
    c.close()
  }
  assert.equal(sha256(fs.readFileSync(db)), before, 'the newer database is byte for byte as it was')
  assert.ok(!fs.existsSync(`${db}-wal`))
  const back = new Database(db, { readonly: true })
  try {
    assert.equal(back.pragma('user_version', { simple: true }), ours + 1)
    assert.equal(back.prepare('SELECT count(*) AS n FROM from_the_future').get().n, 0)
  } finally {
    back.close()
  }
})
