'use strict'
// checkUpstream() with GitLab sources: a GitLab-shaped REST API v4 on 127.0.0.1 set as
// gitlabApiUrl, so sources on its host are asked of it (a self-hosted GitLab).
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Cache } = require('../index.js')
const { tmpdir, write, md, listen } = require('./helpers.js')

test('a GitLab source gets its upstream version, revalidates with 304, and a missing project fails alone', async () => {
  const log = []
  const server = await listen((req, res) => {
    log.push({ path: req.url.split('?')[0], inm: req.headers['if-none-match'] })
    if (!req.url.startsWith('/api/v4/projects/group%2Fsub%2Fproj/releases')) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return res.end('{"message":"404 Project Not Found"}')
    }
    const text = JSON.stringify([{ tag_name: 'v1.3.0' }, { tag_name: 'v1.2.0' }])
    if (req.headers['if-none-match'] === '"r1"') {
      res.writeHead(304, { etag: '"r1"' })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json', etag: '"r1"' })
    res.end(text)
  })
  const root = tmpdir()
  const home = tmpdir()
  const host = new URL(server.base).host
  const dir = path.join(root, 'p')
  write(path.join(dir, '.claude/skills/pdf/SKILL.md'), md({ name: 'pdf', description: 'PDF' }))
  write(path.join(dir, '.claude/skills/gone/SKILL.md'), md({ name: 'gone', description: 'Gone' }))
  const entry = (name, source) =>
    `[[deployed]]\nartifact_name = "${name}"\nartifact_type = "skill"\nartifact_path = "skills/${name}"\nfrom_collection = "default"\nsource = "${source}"\nversion = "1.2.0"\n`
  write(
    path.join(dir, '.claude/.skillmeat-deployed.toml'),
    [entry('pdf', `${host}/group/sub/proj.git/skills/pdf`), entry('gone', `http://${host}/group/gone/-/tree/main/skills/gone`)].join('\n'),
  )
  const cache = Cache.open({
    home,
    path: path.join(home, 'cache.db'),
    githubApiUrl: server.base,
    gitlabApiUrl: `${server.base}/api/v4`,
    allowHttpHosts: ['127.0.0.1'],
    httpTimeoutMs: 2000,
  })
  try {
    const p = cache.registerProject(dir)
    let s = await cache.checkUpstream()
    assert.equal(s.requests, 2, JSON.stringify(log))
    assert.deepEqual(s.errors.map((e) => [e.repository, e.code]), [[`${host}/group/gone`, 'NOT_FOUND']])
    const arts = Object.fromEntries(cache.listArtifacts({ projectId: p.id }).items.map((a) => [a.name, a]))
    assert.equal(arts.pdf.upstreamVersion, 'v1.3.0')
    assert.equal(arts.pdf.upstreamOrigin, 'gitlab')
    assert.equal(arts.pdf.isOutdated, true)
    assert.match(arts.gone.upstreamError, /^NOT_FOUND: project group\/gone( or ref "main")? not found/)
    s = await cache.checkUpstream({ force: true })
    assert.equal(s.notModified, 1)
    assert.equal(log.filter((l) => l.inm === '"r1"').length, 1)
    assert.equal(cache.outdatedArtifacts({ projectId: p.id }).items.length, 1)
  } finally {
    cache.close()
    await server.close()
  }
})
