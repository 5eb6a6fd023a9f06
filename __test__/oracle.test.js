'use strict'
// Our health of every skill, command and agent of tests/fixtures/claude-code against Claude Code's
// own verdicts (verdicts.json, written by scripts/claude-oracle.js from `claude plugin validate`).
// The validator judges a file; health says what Claude Code does when it loads it. Where the two
// differ, the fixtures' README quotes what Claude Code's bundle does at load time, and the
// expected health below follows that (each such case says why). Hooks and MCP servers are judged
// by the validator per entry; this cache reports them per file until they become units of their
// own (issue 27), so they are not compared here yet.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Cache } = require('../index.js')

const ROOT = path.join(__dirname, '..', 'tests', 'fixtures', 'claude-code')
const VERDICTS = JSON.parse(fs.readFileSync(path.join(ROOT, 'verdicts.json'), 'utf8'))
const HEALTH_OF_VERDICT = { ok: 'ok', warning: 'degraded', error: 'broken' }

/** Cases where load-time behaviour (fixtures README, from Claude Code's bundle) overrides the validator. */
const AT_LOAD = {
  'agent-dashes-in-value': ['broken', 'not loaded: the block ends at the `---` inside `model:`, so it has no description (the validator only warns)'],
  'agent-description-number': ['broken', 'not loaded: Bfo wants the description as a string (the validator is silent)'],
  'agent-hooks-event-invalid': ['degraded', 'loads without the Stop hook: nEs drops an invalid hook of an event other than PreToolUse/PermissionRequest (the validator is silent)'],
  'agent-hooks-guard-invalid': ['broken', 'not loaded: an invalid PreToolUse hook is an unloadable guard for nEs (the validator is silent)'],
  'agent-hooks-not-object': ['broken', 'not loaded: nEs refuses hooks that are not an object of events (the validator is silent)'],
  'agent-hooks-outside-hooks': ['broken', 'not loaded: PreToolUse at the frontmatter top level, outside hooks (the validator is silent)'],
  'agent-fence-dots': ['broken', 'never listed: `...` does not close the block, so it has no frontmatter and no name'],
  'agent-name-leading-hyphen': ['broken', 'not loaded: Bfo refuses a name starting with "-" (the validator is silent)'],
  'agent-missing-description': ['broken', 'not loaded: "Missing required description" (the validator only warns)'],
  'agent-missing-name': ['broken', 'never listed: without a name it is taken for a co-located document'],
  'agent-name-with-colon': ['broken', 'not loaded: agent names must not contain ":" (the validator is silent)'],
  'agent-no-frontmatter': ['broken', 'never listed as an agent (a file in agents/ meant as one)'],
  'agent-tools-unknown-tool': ['degraded', 'loads; the unknown tool matches nothing, so the agent lacks it'],
  'command-allowed-tools-unknown-tool': ['degraded', 'loads; FooTool matches nothing'],
  'command-allowed-tools-number': ['degraded', 'loads; allowed-tools is dropped'],
  'command-broken-yaml-bad-indent': ['degraded', 'loads with empty metadata'],
  'command-broken-yaml-unterminated-quote': ['degraded', 'loads with empty metadata'],
  'command-frontmatter-not-mapping': ['degraded', 'loads with empty metadata'],
  'command-repair-indented-line': ['degraded', 'loads with empty metadata (the repair touches top-level lines only)'],
  'command-repair-key-with-digit': ['degraded', 'loads with empty metadata (the repair takes keys without digits)'],
  'command-no-frontmatter': ['ok', 'loads; its description is the body, nothing is lost (the validator suggests frontmatter)'],
  'skill-broken-yaml-unrepairable': ['degraded', 'loads with empty metadata: name from the folder, description from the body'],
  'skill-description-list': ['degraded', 'loads; the description is dropped'],
  'skill-name-not-string': ['ok', 'loads as its folder; the number becomes a display name'],
  'skill-shadows-command': ['degraded', 'the command of the same name is hidden by the skill (inferred from lookup order)'],
}

/** Where we knowingly still differ from Claude Code's load-time behaviour, and why. */
const KNOWN_GAPS = {
  'command-shell-invalid': 'a `shell` Claude Code does not support (validator error; load-time effect not established): not checked yet',
}

function ourHealth() {
  const cache = Cache.open({ path: ':memory:', watch: false })
  const out = new Map()
  try {
    for (const name of fs.readdirSync(ROOT)) {
      const dir = path.join(ROOT, name)
      if (!fs.statSync(dir).isDirectory() || !['.claude', '.mcp.json'].some((f) => fs.existsSync(path.join(dir, f)))) continue
      const p = cache.registerProject(dir)
      for (const a of cache.listArtifacts({ projectId: p.id, limit: 1000 }).items) {
        out.set(`${name}|${a.path}`, a)
        if (a.type === 'mcp' && a.path === '.mcp.json') out.set(`${name}|.mcp.json#mcpServers.${a.name}`, a)
        if (a.type === 'hook' && a.name.includes('#')) out.set(`${name}|.claude/${a.name}`, a)
      }
    }
  } finally {
    cache.close()
  }
  return out
}

test("skills, commands and agents: our health is what Claude Code 2.1.x does with each fixture when it loads it", () => {
  const ours = ourHealth()
  // Project-shaped cases (a plugin folder is not a project this cache scans).
  const cases = VERDICTS.cases.filter((c) => c.target.startsWith('.claude/') && (['skill', 'command', 'agent'].includes(c.kind) || /\.md$|\/$/.test(c.target)))
  assert.ok(cases.length >= 60, `fixtures read: ${cases.length}`)
  const disagree = []
  // Agreement with the validator's own verdicts where no load-time evidence overrides them.
  let agreeWithValidator = 0
  let judgedByValidator = 0
  for (const c of cases) {
    // Our artifact path: the skill's folder, or the file.
    const rel = c.target.replace(/\/(SKILL|skill)\.md$/, '').replace(/\/$/, '')
    const a = ours.get(`${c.case}|${rel}`)
    const expected = c.case in AT_LOAD && !(c.case === 'skill-shadows-command' && !rel.includes('commands')) ? AT_LOAD[c.case][0] : HEALTH_OF_VERDICT[c.verdict]
    const got = a ? a.health : 'not listed'
    if (!(c.case in AT_LOAD)) {
      judgedByValidator++
      if (a && a.health === HEALTH_OF_VERDICT[c.verdict]) agreeWithValidator++
    }
    if (got !== expected && !(c.case in KNOWN_GAPS)) disagree.push(`${c.case} ${c.target}: expected ${expected}, ours ${got} ${a ? JSON.stringify(a.problems.map((p) => p.code)) : ''}`)
  }
  assert.deepEqual(disagree, [])
  // The known gaps are still gaps (fixing one means taking it off the list).
  for (const [name, why] of Object.entries(KNOWN_GAPS)) {
    const c = cases.find((x) => x.case === name)
    const a = ours.get(`${name}|${c.target}`)
    assert.notEqual(a && a.health, HEALTH_OF_VERDICT[c.verdict], `${name} now agrees: remove it from KNOWN_GAPS (${why})`)
  }
  assert.ok(agreeWithValidator / judgedByValidator > 0.9, `${agreeWithValidator}/${judgedByValidator}`)
})

test("MCP servers of a project's .mcp.json: each one Claude Code drops is broken, the others load", () => {
  const ours = ourHealth()
  const servers = VERDICTS.cases.filter((c) => c.target.startsWith('.mcp.json#mcpServers.'))
  assert.ok(servers.length >= 20, `servers judged: ${servers.length}`)
  const disagree = []
  for (const c of servers) {
    const a = ours.get(`${c.case}|${c.target}`)
    const got = a ? a.health : 'not listed'
    if (got !== HEALTH_OF_VERDICT[c.verdict]) disagree.push(`${c.case} ${c.target}: Claude Code ${c.verdict}, ours ${got} ${a ? JSON.stringify(a.problems.map((p) => p.message)) : ''}`)
  }
  assert.deepEqual(disagree, [])
})

test('hooks in .claude/settings*.json: every entry Claude Code ignores is broken, every one it runs loads', () => {
  const ours = ourHealth()
  const targets = VERDICTS.cases.filter((c) => /^\.claude\/settings(\.local)?\.json#hooks\./.test(c.target) && c.case.startsWith('hooks-'))
  assert.ok(targets.length >= 40, `hook targets judged: ${targets.length}`)
  const disagree = []
  for (const c of targets) {
    const unit = ours.get(`${c.case}|${c.target}`)
    // Units under this target (a malformed event or matcher stands for the entries under it).
    const under = [...ours.entries()].filter(([k]) => k.startsWith(`${c.case}|${c.target}.`) || k === `${c.case}|${c.target}`).map(([, a]) => a)
    // The validator reports a dropped event or matcher on that node; the entries under it are
    // listed ok, but Claude Code ignores them with it.
    const ancestorDropped = targets.some((t) => t.case === c.case && t.verdict !== 'ok' && c.target.startsWith(`${t.target}.`))
    if (c.verdict === 'ok' && ancestorDropped) {
      if (unit && unit.health !== 'broken') disagree.push(`${c.case} ${c.target}: under a dropped node, ours ${unit.health}`)
    } else if (c.verdict === 'ok') {
      if (unit && unit.health !== 'ok') disagree.push(`${c.case} ${c.target}: Claude Code runs it, ours ${unit.health} ${JSON.stringify(unit.problems.map((p) => p.message))}`)
    } else if (!under.length || !under.every((a) => a.health === 'broken')) {
      disagree.push(`${c.case} ${c.target}: Claude Code ignores it (${c.messages.map((m) => m.message.slice(0, 60))}), ours ${under.map((a) => `${a.name}=${a.health}`)}`)
    }
  }
  assert.deepEqual(disagree, [])
})

test('the oracle file names the Claude Code version it came from and every fixture folder has verdicts', () => {
  assert.match(VERDICTS.claudeCode, /^2\.\d+\.\d+$/)
  const named = new Set(VERDICTS.cases.map((c) => c.case))
  for (const name of fs.readdirSync(ROOT)) {
    if (fs.statSync(path.join(ROOT, name)).isDirectory()) assert.ok(named.has(name), `${name} has no verdict: rerun node scripts/claude-oracle.js`)
  }
})
