'use strict'
// The addon against trees made by scripts/gen-fixtures.js (and the committed demo sample): every
// count the generator promises must come back from a real refresh.
//
// What counts where (see scripts/gen-fixtures.js):
//   - a malformed artifact file (bad YAML frontmatter, NUL bytes, not UTF-8, skill folder without
//     SKILL.md) => exactly one artifact with status 'error' (and one line in RefreshSummary.errors);
//   - an invalid .skillmeat-deployed.toml => exactly one entry in that Project.errors (status
//     'error', one line in RefreshSummary.errors); its artifacts are listed with origin 'local'.
//   So RefreshSummary.errors.length === expected.malformed === artifactErrors + projectErrors +
//   yamlBroken (skills and agents Claude Code will not load get a line too).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { Cache } = require('../index.js')
const { generate } = require('../scripts/gen-fixtures.js')
const { hashPath } = require('../scripts/hash-artifact.js')
const { tmpdir, age } = require('./helpers.js')

const ROOT = path.join(__dirname, '..')

function allArtifacts(cache, query = {}) {
  const out = []
  for (let offset = 0; ; ) {
    const page = cache.listArtifacts({ ...query, offset, limit: 1000 })
    out.push(...page.items)
    offset += page.items.length
    if (page.items.length === 0 || offset >= page.total) return out
  }
}

const keyOf = (projectPath, a) => `${projectPath}|${a.profile}|${a.type}|${a.name}`

test('generated fixtures: totals, errors, local modifications and deployments', async (t) => {
  const out = tmpdir('smc-fixtures-')
  // 10% malformed and 25% modified so every malformed kind and several modifications occur in 3x20.
  t.after(() => fs.rmSync(out, { recursive: true, force: true }))
  const fx = generate({ out, projects: 3, artifacts: 20, malformedRate: 0.1, modifiedRate: 0.25, seed: 1 })
  const exp = fx.expected
  const items = exp.items

  // The generator made what this test relies on (guards against silently losing coverage).
  assert.equal(items.length, exp.artifacts)
  assert.equal(exp.artifacts, 60)
  assert.deepEqual(
    [...new Set(items.filter((i) => i.malformed).map((i) => i.malformed))].sort(),
    ['bad-yaml', 'binary', 'no-skill-md', 'not-utf8'],
  )
  assert.equal(exp.projectErrors, 1)
  assert.ok(exp.modified >= 4, `modified ${exp.modified}`)
  assert.ok(items.some((i) => i.modified && i.type === 'skill'), 'a modified skill')
  assert.ok(items.some((i) => i.modified && i.type !== 'skill'), 'a modified single-file artifact')
  assert.ok(items.some((i) => i.deployed && !i.versionInManifest), 'a deployment whose version comes from the lock only')
  assert.ok(items.some((i) => i.type === 'command' && i.name.includes('/')), 'a command in a sub-folder')
  assert.ok(items.some((i) => i.type === 'mcp'), 'an MCP server')
  assert.ok(items.some((i) => i.type === 'hook'), 'a hook')
  // A deployed, unmodified skill whose files sort differently by component than by plain string
  // (templates/base.md before templates-extra.md): its hash only matches with SkillMeat's order.
  const tricky = items.filter(
    (i) => i.deployed && !i.modified && i.type === 'skill' && fs.existsSync(path.join(i.project, i.path, 'templates-extra.md')),
  )
  assert.ok(tricky.length > 0, 'a deployed skill with component-order-sensitive file names')
  for (const i of items.filter((x) => x.deployed)) {
    assert.equal(hashPath(path.join(i.project, i.path)) === i.deployedHash, !i.modified, `JS hash of ${i.path}`)
  }

  age(fx.projectsDir)
  const cache = Cache.open({ home: fx.home, path: path.join(out, 'cache.db'), projectRoots: [fx.projectsDir] })
  try {
    const s = await cache.refresh()
    assert.equal(s.projectsDiscovered, 3)
    assert.equal(s.projectsScanned, 3)
    assert.equal(s.artifactsAdded, exp.artifacts)
    assert.equal(s.artifactsRead, exp.artifacts)
    assert.equal(s.errors.length, exp.malformed, s.errors.join('\n'))

    const projects = cache.listProjects({ limit: 100 }).items
    assert.equal(projects.length, 3)
    const pathOf = new Map(projects.map((p) => [p.id, p.path]))
    for (const ep of exp.projects) {
      const p = projects.find((x) => x.path === ep.path)
      assert.ok(p, `project ${ep.path}`)
      assert.equal(p.name, ep.name)
      assert.equal(p.artifactCount, ep.artifacts, `${ep.name} artifactCount`)
      assert.equal(p.errorCount, ep.artifactErrors, `${ep.name} errorCount`)
      assert.equal(p.modifiedCount, ep.modified, `${ep.name} modifiedCount`)
      assert.equal(p.errors.length, ep.projectErrors, `${ep.name} errors: ${JSON.stringify(p.errors)}`)
      if (ep.brokenManifest) {
        assert.equal(p.status, 'error')
        assert.equal(p.errors[0].file, '.claude/.skillmeat-deployed.toml')
        assert.equal(p.errors[0].line, ep.manifestErrorLine, 'the TOML error names the broken line')
      } else {
        assert.equal(p.status, 'active')
      }
    }

    const arts = allArtifacts(cache)
    assert.equal(arts.length, exp.artifacts)
    const st = cache.status()
    assert.equal(st.artifacts, exp.artifacts)
    assert.equal(st.artifactErrors, exp.artifactErrors)
    assert.ok(st.artifactsByHealth.broken >= exp.yamlBroken, JSON.stringify(st.artifactsByHealth))
    assert.equal(st.artifactsByHealth.ok + st.artifactsByHealth.degraded + st.artifactsByHealth.broken, exp.artifacts)
    assert.equal(st.modifiedArtifacts, exp.modified)

    const want = new Map(items.map((i) => [`${i.project}|${i.profile}|${i.type}|${i.name}`, i]))
    const seen = new Set()
    for (const a of arts) {
      const k = keyOf(pathOf.get(a.projectId), a)
      const i = want.get(k)
      assert.ok(i, `unexpected artifact ${k}`)
      seen.add(k)
      assert.equal(a.path, i.path, k)

      // Errors: exactly the malformed files, each message naming the file.
      const unreadable = i.malformed && i.malformed !== 'bad-yaml'
      assert.equal(a.status, unreadable ? 'error' : 'ok', `${k} status (${a.error})`)
      if (unreadable) assert.ok(a.error.startsWith(i.path), `${k} error names its file: ${a.error}`)
      if (i.malformed === 'bad-yaml') {
        // Invalid YAML: a health problem on the right file and line, by type.
        const p = a.problems.find((x) => x.code === 'FRONTMATTER_INVALID_YAML')
        assert.ok(p, `${k} has a YAML problem: ${JSON.stringify(a.problems)}`)
        const file = i.type === 'skill' ? `${i.path}/SKILL.md` : i.path
        assert.equal(p.file, file, k)
        if (i.errorLine) assert.equal(p.line, i.errorLine, `${k} YAML problem on line ${i.errorLine}`)
        assert.equal(a.health, i.type === 'command' ? 'degraded' : 'broken', k)
      } else if (i.errorLine) {
        assert.ok(a.error.startsWith(`${i.path} line ${i.errorLine}:`), `${k} error names line ${i.errorLine}: ${a.error}`)
      }

      // Local modifications: exactly the deliberately modified ones (checks SkillMeat's hash).
      assert.equal(a.localModified, i.modified, `${k} localModified (${i.modification ?? 'not modified'})`)
      assert.ok(a.contentHash && /^[0-9a-f]{64}$/.test(a.contentHash), `${k} contentHash`)

      // Deployments.
      if (i.deployed) {
        assert.equal(a.origin, 'collection', k)
        assert.equal(a.fromCollection, 'default', k)
        assert.equal(a.deployedVersion, i.deployedVersion, `${k} deployedVersion (manifest has it: ${i.versionInManifest})`)
        assert.equal(a.deployedSha, i.deployedSha, `${k} deployedSha`)
        assert.equal(a.deployedHash, i.deployedHash, `${k} deployedHash`)
        assert.equal(a.source, i.source, `${k} source`)
        assert.equal(a.versionSpec, i.versionSpec, `${k} versionSpec`)
        assert.ok(a.deployedAt, `${k} deployedAt`)
        if (!i.modified) assert.equal(a.contentHash, i.deployedHash, k)
      } else {
        assert.equal(a.origin, 'local', k)
        assert.equal(a.fromCollection, undefined, k)
        assert.equal(a.deployedHash, undefined, k)
      }
    }
    assert.equal(seen.size, want.size, `missing: ${[...want.keys()].filter((k) => !seen.has(k)).join(', ')}`)
    assert.equal(arts.filter((a) => a.status === 'error').length + projects.reduce((n, p) => n + p.errors.length, 0), exp.artifactErrors + exp.projectErrors)
    const yamlBroken = arts.filter((a) => a.problems.some((p) => p.code === 'FRONTMATTER_INVALID_YAML' && p.severity === 'error'))
    assert.equal(yamlBroken.length, exp.yamlBroken)
    assert.equal(arts.filter((a) => a.problems.some((p) => p.code === 'FRONTMATTER_INVALID_YAML' && p.severity === 'warning')).length, exp.yamlDegraded)
    assert.equal(arts.filter((a) => a.localModified).length, exp.modified)
    assert.equal(arts.filter((a) => a.origin === 'collection').length, exp.deployed)

    // Nothing changed on disk: nothing is read again.
    const again = await cache.refresh()
    assert.equal(again.artifactsRead, 0)
    assert.equal(again.projectsChanged, 0)
    assert.equal(cache.status().modifiedArtifacts, exp.modified)
  } finally {
    cache.close()
  }
})

test('gen-fixtures is deterministic and usable from the command line', () => {
  const a = tmpdir('smc-fixtures-a-')
  const b = tmpdir('smc-fixtures-b-')
  try {
    const script = path.join(ROOT, 'scripts', 'gen-fixtures.js')
    for (const dir of [a, b]) {
      const r = spawnSync(process.execPath, [script, '--out', dir, '--projects', '4', '--artifacts', '12', '--seed', '7'], { encoding: 'utf8' })
      assert.equal(r.status, 0, r.stderr)
      assert.match(r.stdout, /^gen-fixtures: 4 projects, 48 artifacts .*\n$/)
    }
    const files = (root) => {
      const out = []
      const walk = (d, rel) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name
          if (e.isDirectory()) walk(path.join(d, e.name), r)
          else out.push([r, fs.readFileSync(path.join(d, e.name)).toString('base64')])
        }
      }
      walk(root, '')
      return out.sort((x, y) => (x[0] < y[0] ? -1 : 1))
    }
    assert.deepEqual(files(a), files(b))
    // Regenerating into the same folder replaces the previous tree.
    const again = generate({ out: a, projects: 2, artifacts: 5, seed: 7 })
    assert.deepEqual(fs.readdirSync(again.projectsDir).filter((n) => !n.startsWith('.')), ['p000', 'p001'])
  } finally {
    fs.rmSync(a, { recursive: true, force: true })
    fs.rmSync(b, { recursive: true, force: true })
  }
})

test('the demo sample: manifests match the files except the one deliberate modification', async () => {
  const sample = path.join(ROOT, 'examples', 'sample')
  const home = tmpdir('smc-sample-')
  fs.cpSync(path.join(sample, 'home'), home, { recursive: true })
  const cache = Cache.open({ home, path: ':memory:', projectRoots: [path.join(sample, 'projects')] })
  try {
    const s = await cache.refresh()
    assert.equal(s.projectsDiscovered, 3)
    assert.equal(s.errors.length, 1, s.errors.join('\n'))
    assert.match(s.errors[0], /etl-architect\.md line \d+: frontmatter is not valid YAML.*not loaded.*FRONTMATTER_INVALID_YAML/)
    const arts = allArtifacts(cache)
    assert.deepEqual(
      arts.filter((a) => a.localModified).map((a) => `${a.projectName}/${a.name}`),
      ['acme-web-app/review-pr'],
    )
    assert.deepEqual(arts.filter((a) => a.status === 'error').map((a) => a.name), [])
    assert.deepEqual(arts.filter((a) => a.health === 'broken').map((a) => a.name), ['etl-architect'])
    const deployed = arts.filter((a) => a.origin === 'collection')
    assert.equal(deployed.length, 10)
    for (const a of deployed) {
      assert.equal(a.fromCollection, 'default')
      assert.ok(a.deployedVersion, `${a.name} deployedVersion`)
    }
    assert.deepEqual(new Set(arts.map((a) => a.type)), new Set(['skill', 'command', 'agent', 'hook', 'mcp']))
  } finally {
    cache.close()
    fs.rmSync(home, { recursive: true, force: true })
  }
})

test('npm run demo (scripts/demo.js) runs, exits on its own and leaves the repo clean', () => {
  const before = spawnSync('git', ['status', '--porcelain', '--', 'examples'], { cwd: ROOT, encoding: 'utf8' })
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'demo.js')], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /Locally modified since deployment \(1\)/)
  assert.match(r.stdout, /artifactsRead 0/)
  assert.match(r.stdout, /closed\.\n$/)
  const after = spawnSync('git', ['status', '--porcelain', '--', 'examples'], { cwd: ROOT, encoding: 'utf8' })
  if (before.status === 0) assert.equal(after.stdout, before.stdout)
})
