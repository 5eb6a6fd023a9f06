#!/usr/bin/env node
'use strict';
// Deterministic generator of realistic SkillMeat fixture trees (tests and benchmarks).
//
//   node scripts/gen-fixtures.js --out DIR --projects N --artifacts M [--malformed-rate 0.02] [--seed 1]
//
// Creates DIR/home (a SkillMeat home: collections/default/collection.toml + collection.lock for
// every artifact deployed somewhere) and DIR/projects/p000.. (each a project whose `.claude/`
// profile root holds exactly M artifacts: ~40% skills, ~30% commands (some in a sub-folder),
// ~25% agents, ~5% hooks and MCP servers (`.claude/mcp/<name>.json` or the project's `.mcp.json`)).
// Same arguments => byte-identical files. Node built-ins only. DIR/home and DIR/projects are
// replaced when they were made by this script (marker file), and refused otherwise.
//
// What is generated, and what the cache must report for it:
//   - deployed: ~70% of the artifacts (well-formed skills/commands/agents) are copies of
//     collection artifacts (same bytes in every project that deploys them) with a `[[deployed]]`
//     entry holding SkillMeat's content_hash; half the entries also carry resolved_version/sha,
//     the others rely on collection.lock. => origin 'collection', fromCollection 'default',
//     deployedVersion = the lock's resolved_version.
//   - modified: ~5% of the deployed ones are changed after deployment (a file edited or added),
//     so their hash no longer matches. => localModified true; every other artifact false.
//   - malformed artifacts: round(N*M*malformedRate) in total, kinds in rotation: frontmatter that
//     is not valid YAML, a `.md` file with NUL bytes, a file that is not UTF-8, a skill folder
//     with no SKILL.md. Never deployed. => status 'error', one artifact each, except invalid YAML:
//     status 'ok', health 'degraded' (commands) or 'broken' (skills, agents).
//   - a broken manifest: when malformedRate > 0, max(1, round(N/100)) projects get an invalid
//     `.skillmeat-deployed.toml` (an unclosed `[[deployed]` header). => one project-level error
//     each (Project.errors, status 'error'); that project's would-be deployed artifacts read as
//     origin 'local', and none of them is counted as modified.
//   - half the projects have `.claude/.skillmeat-project.toml` with [project] name/description.
//
// As a module: generate({ out, projects, artifacts, malformedRate = 0.02, seed = 1,
//                         deployedRate = 0.7, modifiedRate = 0.05 }) returns
//   { home, projectsDir, projectPaths, expected }
// where expected = {
//   artifacts,        // artifacts the scanner must list (sum over projects)
//   malformed,        // artifactErrors + projectErrors + yamlBroken (= RefreshSummary.errors.length)
//   artifactErrors,   // artifacts that must have status 'error' (unreadable: binary, not UTF-8, no SKILL.md)
//   yamlDegraded,     // commands with invalid YAML (health 'degraded': loaded without frontmatter)
//   yamlBroken,       // skills and agents with invalid YAML (health 'broken')
//   projectErrors,    // project-level FileErrors (invalid .skillmeat-deployed.toml)
//   modified,         // artifacts that must have localModified === true
//   deployed,         // artifacts that must have origin 'collection'
//   projects: [{ path, name, description, artifacts, artifactErrors, projectErrors, deployed,
//                modified, brokenManifest, manifestErrorLine }],
//   items: [{ project, profile, type, name, path, deployed, modified, modification, malformed, errorLine,
//             collectionName, source, versionSpec, deployedVersion, deployedSha, deployedHash,
//             versionInManifest }]
// }
// `project` is the canonical project path (as Project.path reports it); `profile`/`type`/`name`
// are the scanner's identity (`.` for `.mcp.json` servers; nested commands keep their folder:
// `git/review-pr`); `path` is relative to the project; `malformed` is the kind or null.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { hashEntries } = require('./hash-artifact.js');

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (xmur3 string hash -> sfc32).

function xmur3(str) {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

function makeRng(seed) {
  const s = xmur3(`skillmeat-fixtures:${seed}`);
  let a = s();
  let b = s();
  let c = s();
  let d = s();
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    pickN(arr, n) {
      const copy = arr.slice();
      rng.shuffle(copy);
      return copy.slice(0, n);
    },
    shuffle(arr) {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [arr[i], arr[j]] = [arr[j], arr[i]];
      }
      return arr;
    },
    hex: (n) => {
      let s = '';
      while (s.length < n) s += Math.floor(next() * 16).toString(16);
      return s;
    },
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

const DOMAINS = [
  'api', 'auth', 'billing', 'cache', 'cli', 'data', 'database', 'docker', 'docs', 'frontend',
  'graphql', 'infra', 'k8s', 'logging', 'mobile', 'perf', 'pdf', 'react', 'release', 'rust',
  'schema', 'security', 'sql', 'terraform', 'test', 'typescript', 'ui', 'python', 'go', 'css',
  'accessibility', 'changelog', 'dependency', 'i18n', 'monitoring', 'onboarding', 'queue',
  'search', 'seo', 'backend', 'payments', 'analytics', 'ml', 'etl', 'webhook', 'ci',
];
const FOCUS = [
  'design', 'review', 'lint', 'audit', 'refactor', 'migration', 'optimization', 'coverage',
  'setup', 'debug', 'triage', 'generation', 'validation', 'hardening', 'upgrade', 'style',
  'contract', 'incident', 'cost', 'latency',
];
const AGENT_ROLES = ['reviewer', 'architect', 'expert', 'specialist', 'engineer', 'auditor', 'analyst', 'writer', 'advisor'];
const SKILL_ROLES = ['helper', 'toolkit', 'workflow', 'patterns', 'guide', 'builder', 'generator', 'checklist'];
const VERBS = ['review', 'fix', 'generate', 'deploy', 'scaffold', 'explain', 'optimize', 'audit', 'bump', 'summarize', 'triage', 'migrate', 'document', 'profile', 'clean', 'check'];
const OBJECTS = ['pr', 'issue', 'tests', 'changelog', 'docs', 'component', 'schema', 'deps', 'release', 'api', 'types', 'commit', 'branch', 'config', 'endpoint', 'query', 'bundle', 'migration'];
const COMMAND_GROUPS = ['git', 'tools', 'ci', 'docs', 'team'];
const HOOK_NAMES = ['pre-commit-lint', 'post-edit-format', 'block-secrets', 'notify-slack', 'session-start-context', 'pre-tool-guard', 'stop-summary', 'test-on-save', 'branch-protect', 'audit-log'];
const MCP_NAMES = ['github', 'postgres', 'filesystem', 'sentry', 'linear', 'playwright', 'slack', 'redis', 'stripe', 'notion', 'figma', 'jira'];
const AUTHORS = ['Jane Doe', 'Ravi Patel', 'Mei Lin', 'Carlos Mendes', 'Ada Okafor', 'Tom Becker', 'SkillMeat Team', 'Priya Raman'];
const LICENSES = ['MIT', 'Apache-2.0', 'MIT', 'BSD-3-Clause', 'MIT'];
const TOOLS = ['Read', 'Write', 'Edit', 'Grep', 'Glob', 'Bash', 'WebFetch', 'WebSearch', 'Task', 'TodoWrite'];
const MODELS = ['sonnet', 'opus', 'haiku', 'inherit'];
const OWNERS = ['anthropics', 'wshobson', 'obra', 'acme-labs', 'devtools-co', 'jdoe', 'skillmeat', 'northwind'];
const REPOS = ['skills', 'agents', 'claude-toolkit', 'commands', 'superpowers', 'ai-playbooks'];
const PROJECT_WORDS = ['checkout', 'billing', 'atlas', 'nova', 'ledger', 'harbor', 'pulse', 'orbit', 'cedar', 'quartz', 'ember', 'summit', 'delta', 'lumen', 'falcon', 'maple'];
const PROJECT_KINDS = ['service', 'web-app', 'pipeline', 'api', 'docs-site', 'mobile', 'infra', 'sdk', 'dashboard', 'worker'];

const QUALITIES = ['consistency', 'backwards compatibility', 'clarity', 'security', 'performance', 'accessibility', 'test coverage', 'naming', 'error handling', 'observability', 'cost'];
const TRIGGERS = [
  'adding or changing endpoints', 'before opening a pull request', 'a build fails in CI',
  'reviewing a migration', 'onboarding a new service', 'the user asks for a release',
  'touching authentication code', 'profiling a slow page', 'writing user-facing docs',
  'a dependency has a security advisory', 'planning a refactor across modules',
];
const OUTPUTS = ['a prioritized checklist', 'a short report with file and line references', 'a patch with tests', 'a summary table', 'ready-to-paste review comments', 'a migration plan'];
const BODY_SENTENCES = [
  'Start by reading the files the user mentioned and the tests next to them.',
  'Prefer small, reviewable changes over sweeping rewrites.',
  'Check the public interface first, then the implementation details.',
  'Flag anything that changes behaviour for existing callers.',
  'When unsure, ask one focused question instead of guessing.',
  'Keep the output short and actionable; link to files by path and line.',
  'Run the existing test suite before and after the change.',
  'Never commit secrets, tokens or credentials found in the working tree.',
  'Summarize trade-offs in a table when there is more than one option.',
  'Respect the repository conventions in CONTRIBUTING and the lint configuration.',
  'Group findings by severity: blocking, important, and nice to have.',
  'Verify assumptions against the actual code rather than documentation alone.',
];

function titleCase(name) {
  return name
    .split(/[-/]/)
    .map((w) => (w.length <= 3 && w !== 'fix' ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1)))
    .join(' ');
}

function sentence(rng, name, type) {
  const noun = name.split('/').pop().replace(/-/g, ' ');
  const s1 = {
    agent: () => `Expert ${noun} focused on ${rng.pick(QUALITIES)} and ${rng.pick(QUALITIES)}.`,
    skill: () => `Guides Claude through ${noun} tasks with a repeatable, checked process.`,
    command: () => `Runs the ${noun} routine for the current branch and reports ${rng.pick(OUTPUTS)}.`,
  }[type]();
  const s2 = rng.chance(0.5)
    ? `Use PROACTIVELY when ${rng.pick(TRIGGERS)}.`
    : `Use when ${rng.pick(TRIGGERS)}.`;
  const s3 = `Produces ${rng.pick(OUTPUTS)}.`;
  const n = rng.int(1, 3);
  return [s1, s2, s3].slice(0, n).join(' ');
}

function wrap(text, width) {
  const words = text.split(' ');
  const lines = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

function yamlList(key, items, flow) {
  if (flow) return `${key}: [${items.join(', ')}]\n`;
  return `${key}:\n${items.map((t) => `  - ${t}`).join('\n')}\n`;
}

function version(rng) {
  const r = rng.next();
  const [a, b, c] = [rng.int(0, 3), rng.int(0, 12), rng.int(0, 9)];
  if (r < 0.5) return `${a}.${b}.${c}`;
  if (r < 0.85) return `v${a}.${b}.${c}`;
  return `v${a + 1}.0.0-${rng.pick(['beta', 'rc', 'alpha'])}.${rng.int(1, 4)}`;
}

/** Frontmatter + body of a Markdown artifact (valid YAML). */
function markdown(rng, type, name, ver) {
  const desc = sentence(rng, name, type);
  let fm = '---\n';
  const display = rng.chance(0.1) ? titleCase(name.split('/').pop()) : name.split('/').pop();
  fm += `name: ${display}\n`;
  const style = rng.next();
  if (style < 0.2) fm += `description: >\n${wrap(desc, 60).map((l) => `  ${l}`).join('\n')}\n`;
  else if (style < 0.4) fm += `description: ${JSON.stringify(desc)}\n`;
  else fm += `description: ${desc}\n`;
  if (rng.chance(0.8)) fm += `version: ${ver}\n`;
  const domain = name.split('/').pop().split('-')[0];
  const tags = [...new Set([domain, rng.pick(FOCUS), rng.pick(QUALITIES).split(' ')[0]])].slice(0, rng.int(1, 3));
  if (rng.chance(0.85)) fm += yamlList('tags', tags, rng.chance(0.5));
  if (rng.chance(0.6)) fm += `author: ${rng.pick(AUTHORS)}\n`;
  if (rng.chance(0.5)) fm += `license: ${rng.pick(LICENSES)}\n`;
  if (type !== 'skill' || rng.chance(0.3)) {
    const tools = rng.pickN(TOOLS, rng.int(2, 5));
    if (rng.chance(0.5)) fm += `tools: ${tools.join(', ')}\n`;
    else fm += yamlList('tools', tools, rng.chance(0.5));
  }
  if (type === 'agent') fm += `model: ${rng.pick(MODELS)}\n`;
  if (type === 'command' && rng.chance(0.4)) fm += `argument-hint: "[path] [--fix]"\n`;
  fm += '---\n\n';

  let body = `# ${titleCase(name.split('/').pop())}\n\n${desc}\n\n## When to use\n\n`;
  for (let i = rng.int(2, 4); i > 0; i--) body += `- ${rng.pick(TRIGGERS)[0].toUpperCase()}${rng.pick(TRIGGERS).slice(1)}\n`;
  body += '\n## Process\n\n';
  for (let i = 1, n = rng.int(3, 8); i <= n; i++) body += `${i}. ${rng.pick(BODY_SENTENCES)}\n`;
  for (let s = rng.int(0, 3); s > 0; s--) {
    body += `\n## ${titleCase(rng.pick(FOCUS))} notes\n\n`;
    const para = [];
    for (let i = rng.int(3, 8); i > 0; i--) para.push(rng.pick(BODY_SENTENCES));
    body += `${wrap(para.join(' '), 100).join('\n')}\n`;
  }
  if (type === 'command') body += '\n$ARGUMENTS\n';
  return fm + body;
}

function hookScript(rng, name) {
  if (name.endsWith('.py')) {
    return `#!/usr/bin/env python3\n"""${name}: Claude Code hook."""\nimport json, sys\n\nevent = json.load(sys.stdin)\nif event.get("tool_name") == "Bash" and "rm -rf /" in json.dumps(event):\n    print("blocked", file=sys.stderr)\n    sys.exit(2)\nsys.exit(0)\n`;
  }
  if (name.endsWith('.json')) {
    return `${JSON.stringify({ hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './.claude/hooks/guard.sh' }] }] } }, null, 2)}\n`;
  }
  return `#!/usr/bin/env bash\n# ${name}: Claude Code hook\nset -euo pipefail\ninput="$(cat)"\n${rng.pick(['npx prettier --write "$CLAUDE_FILE_PATHS" >/dev/null 2>&1 || true', 'git diff --cached --name-only | grep -E "\\\\.(env|pem)$" && exit 2', 'echo "$input" >> "$HOME/.claude/audit.log"', 'npm test --silent || exit 2'])}\nexit 0\n`;
}

function mcpConfig(rng, name) {
  const cfg = {
    command: rng.pick(['npx', 'uvx', 'docker', 'node']),
    args: ['-y', `@modelcontextprotocol/server-${name}`],
  };
  if (rng.chance(0.6)) cfg.env = { [`${name.toUpperCase()}_TOKEN`]: `\${${name.toUpperCase()}_TOKEN}` };
  return cfg;
}

// ---------------------------------------------------------------------------------------------
// Malformed artifact content (each yields exactly one artifact with status 'error').

const MALFORMED_KINDS = ['bad-yaml', 'binary', 'not-utf8', 'no-skill-md'];

function badYaml(name) {
  return `---\nname: ${name}\ndescription: Use when: a: b\ntags: [api, review\n  - [broken\n---\n\n# ${name}\n\nThis file's frontmatter is not valid YAML.\n`;
}

function binaryMd(rng) {
  const b = Buffer.alloc(256 + rng.int(0, 512));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rng.next() * 256);
  b[0] = 0x89;
  b[1] = 0x50;
  b[2] = 0x4e;
  b[3] = 0x47;
  b[4] = 0x00; // a PNG saved as .md: NUL bytes guaranteed
  return b;
}

function notUtf8(name) {
  // Latin-1 bytes (0xE9, 0xFC) are not valid UTF-8.
  return Buffer.concat([
    Buffer.from(`---\nname: ${name}\ndescription: Caf`),
    Buffer.from([0xe9]),
    Buffer.from(' menu review for the M'),
    Buffer.from([0xfc]),
    Buffer.from('nchen office\n---\n\nSaved by an editor in Latin-1.\n'),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/** Integer shares of `total` by `weights` (largest remainder, ties to the earlier key). */
function apportion(total, weights) {
  const keys = Object.keys(weights);
  const sum = keys.reduce((s, k) => s + weights[k], 0);
  const raw = keys.map((k) => (total * weights[k]) / sum);
  const out = Object.fromEntries(keys.map((k, i) => [k, Math.floor(raw[i])]));
  let left = total - keys.reduce((s, k) => s + out[k], 0);
  const order = keys.map((k, i) => [k, raw[i] - Math.floor(raw[i]), i]).sort((a, b) => b[1] - a[1] || a[2] - b[2]);
  for (let i = 0; left > 0; i++, left--) out[order[i % order.length][0]]++;
  return out;
}

/** Running rounding: over many calls, sum(results) == round(sum(x)). */
function carrier() {
  let acc = 0;
  let given = 0;
  return (x) => {
    acc += x;
    const n = Math.round(acc) - given;
    given += n;
    return n;
  };
}

function tomlStr(s) {
  return JSON.stringify(s);
}

const MARKER = '.skillmeat-fixtures';

function prepareOut(out) {
  fs.mkdirSync(out, { recursive: true });
  for (const sub of ['home', 'projects']) {
    const p = path.join(out, sub);
    if (!fs.existsSync(p)) continue;
    if (!fs.existsSync(path.join(p, MARKER))) {
      throw new Error(`${p} exists and was not made by gen-fixtures; choose an empty --out`);
    }
    fs.rmSync(p, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Generator.

function generate(opts = {}) {
  const out = opts.out;
  if (!out) throw new Error('generate: `out` is required');
  const nProjects = opts.projects ?? 3;
  const nArtifacts = opts.artifacts ?? 20;
  const malformedRate = opts.malformedRate ?? 0.02;
  const seed = opts.seed ?? 1;
  const deployedRate = opts.deployedRate ?? 0.7;
  const modifiedRate = opts.modifiedRate ?? 0.05;
  if (!Number.isInteger(nProjects) || nProjects < 0) throw new Error('projects must be an integer >= 0');
  if (!Number.isInteger(nArtifacts) || nArtifacts < 0) throw new Error('artifacts must be an integer >= 0');
  for (const [k, v] of Object.entries({ malformedRate, deployedRate, modifiedRate })) {
    if (!(v >= 0 && v <= 1)) throw new Error(`${k} must be within [0, 1]`);
  }

  const rng = makeRng(seed);
  prepareOut(out);
  const root = fs.realpathSync(out);
  const home = path.join(root, 'home');
  const projectsDir = path.join(root, 'projects');

  const made = new Set();
  const mkdir = (d) => {
    if (!made.has(d)) {
      fs.mkdirSync(d, { recursive: true });
      made.add(d);
    }
  };
  const write = (file, data) => {
    mkdir(path.dirname(file));
    fs.writeFileSync(file, data);
  };
  mkdir(home);
  mkdir(projectsDir);
  write(path.join(home, MARKER), 'generated by scripts/gen-fixtures.js\n');
  write(path.join(projectsDir, MARKER), 'generated by scripts/gen-fixtures.js\n');

  // Type counts per project (identical for all projects; hook/mcp split alternates).
  const counts = apportion(nArtifacts, { skill: 40, command: 30, agent: 25, other: 5 });

  // --- The collection: a pool of artifacts that projects deploy (same bytes in every project).
  const usedNames = { skill: new Set(), command: new Set(), agent: new Set() };
  const newName = (type) => {
    for (let attempt = 0; ; attempt++) {
      let n;
      if (type === 'agent') n = `${rng.pick(DOMAINS)}-${rng.pick(FOCUS)}-${rng.pick(AGENT_ROLES)}`;
      else if (type === 'skill') n = rng.chance(0.3) ? rng.pick(DOMAINS) + '-' + rng.pick(SKILL_ROLES) : `${rng.pick(DOMAINS)}-${rng.pick(FOCUS)}-${rng.pick(SKILL_ROLES)}`;
      else n = rng.chance(0.6) ? `${rng.pick(VERBS)}-${rng.pick(OBJECTS)}` : `${rng.pick(VERBS)}-${rng.pick(DOMAINS)}-${rng.pick(OBJECTS)}`;
      if (attempt > 50) n = `${n}-${attempt}`;
      if (!usedNames[type].has(n)) {
        usedNames[type].add(n);
        return n;
      }
    }
  };

  /** Files of a skill folder: [{ rel, data }] with SKILL.md first. */
  const skillFiles = (name, ver, forceTemplates = false) => {
    const files = [{ rel: 'SKILL.md', data: Buffer.from(markdown(rng, 'skill', name, ver)) }];
    const r = forceTemplates ? 0.45 : rng.next();
    if (r < 0.15) files.push({ rel: 'reference.md', data: Buffer.from(`# ${titleCase(name)} reference\n\n${wrap(rng.pickN(BODY_SENTENCES, 5).join(' '), 100).join('\n')}\n`) });
    else if (r < 0.3) files.push({ rel: 'examples/basic.md', data: Buffer.from(`# Example\n\n\`\`\`bash\n${name} --check\n\`\`\`\n`) });
    else if (r < 0.4) files.push({ rel: 'scripts/check.py', data: Buffer.from(`#!/usr/bin/env python3\nprint("${name}: ok")\n`) });
    else if (r < 0.5) {
      // "templates/x" sorts before "templates-extra.md" by component, after it by plain string order.
      files.push({ rel: 'templates/base.md', data: Buffer.from(`# {{title}}\n\n{{body}}\n`) });
      files.push({ rel: 'templates-extra.md', data: Buffer.from(`Extra templates for ${name}.\n`) });
    } else if (r < 0.55) files.push({ rel: 'LICENSE.txt', data: Buffer.from('MIT License\n\nCopyright (c) 2025\n') });
    return files;
  };

  const pool = { skill: [], command: [], agent: [] };
  const poolSize = (t) => Math.max(4, Math.ceil(counts[t] * 1.5) + 2);
  for (const type of ['skill', 'command', 'agent']) {
    for (let i = 0, n = nProjects > 0 ? poolSize(type) : 0; i < n; i++) {
      const name = newName(type);
      const ver = version(rng);
      const item = { type, name, version: ver };
      if (type === 'skill') {
        // The first collection skill always has component-order-sensitive names, and every
        // project deploys it (a popular skill), so each tree checks the folder-hash order.
        item.files = skillFiles(name, ver, i === 0);
        item.hash = hashEntries(item.files);
        item.artifactPath = `skills/${name}`;
      } else {
        item.data = Buffer.from(markdown(rng, type, name, ver));
        item.hash = crypto.createHash('sha256').update(item.data).digest('hex');
        item.group = type === 'command' && rng.chance(0.2) ? rng.pick(COMMAND_GROUPS) : null;
        item.artifactPath = `${type}s/${item.group ? `${item.group}/` : ''}${name}.md`;
      }
      const owner = rng.pick(OWNERS);
      const repo = rng.pick(REPOS);
      item.upstream = `${owner}/${repo}/${type}s/${name}`;
      item.versionSpec = rng.chance(0.5) ? 'latest' : (ver.startsWith('v') ? ver : `v${ver}`);
      item.resolvedVersion = item.versionSpec === 'latest' ? ver : item.versionSpec;
      item.resolvedSha = rng.hex(40);
      item.tags = rng.pickN([name.split('-')[0], rng.pick(FOCUS), rng.pick(['team', 'core', 'experimental'])], rng.int(1, 3));
      item.used = false;
      pool[type].push(item);
    }
  }

  // --- Projects.
  const width = Math.max(3, String(Math.max(0, nProjects - 1)).length);
  const malformedCarry = carrier();
  const deployedCarry = carrier();
  const modifiedCarry = carrier();
  let malformedSeq = 0;
  const brokenCount = malformedRate > 0 && nProjects > 0 ? Math.max(1, Math.round(nProjects / 100)) : 0;
  const brokenSet = new Set(rng.pickN([...Array(nProjects).keys()], brokenCount));
  const withProjectFile = new Set(rng.pickN([...Array(nProjects).keys()], Math.floor(nProjects / 2)));

  const expected = { artifacts: 0, malformed: 0, artifactErrors: 0, projectErrors: 0, yamlDegraded: 0, yamlBroken: 0, modified: 0, deployed: 0, projects: [], items: [] };
  const projectPaths = [];

  for (let pi = 0; pi < nProjects; pi++) {
    const dirName = `p${String(pi).padStart(width, '0')}`;
    const proj = path.join(projectsDir, dirName);
    const claude = path.join(proj, '.claude');
    mkdir(claude);
    projectPaths.push(proj);
    const broken = brokenSet.has(pi);

    let projectName = dirName;
    let projectDesc;
    if (withProjectFile.has(pi)) {
      projectName = `${rng.pick(PROJECT_WORDS)}-${rng.pick(PROJECT_KINDS)}-${pi}`;
      projectDesc = `${titleCase(projectName.replace(/-\d+$/, ''))} (fixture project ${pi}).`;
      write(path.join(claude, '.skillmeat-project.toml'), `[project]\nname = ${tomlStr(projectName)}\ndescription = ${tomlStr(projectDesc)}\n`);
    }

    // Slots: one per artifact, by type.
    const other = counts.other;
    const hooks = pi % 2 === 0 ? Math.ceil(other / 2) : Math.floor(other / 2);
    const slots = [];
    for (const t of ['skill', 'command', 'agent']) for (let i = 0; i < counts[t]; i++) slots.push({ type: t });
    for (let i = 0; i < hooks; i++) slots.push({ type: 'hook' });
    for (let i = 0; i < other - hooks; i++) slots.push({ type: 'mcp' });

    // Malformed slots (skills, commands and agents only), kinds in global rotation.
    const wantMalformed = malformedCarry(nArtifacts * malformedRate);
    const mdSlots = rng.shuffle(slots.filter((s) => s.type === 'skill' || s.type === 'command' || s.type === 'agent'));
    for (let k = 0; k < wantMalformed; k++) {
      const kind = MALFORMED_KINDS[malformedSeq % MALFORMED_KINDS.length];
      const okTypes = kind === 'no-skill-md' ? ['skill'] : kind === 'binary' ? ['command', 'agent'] : ['skill', 'command', 'agent'];
      const slot = mdSlots.find((s) => !s.malformed && okTypes.includes(s.type)) ?? mdSlots.find((s) => !s.malformed);
      if (!slot) break;
      slot.malformed = okTypes.includes(slot.type) ? kind : 'bad-yaml';
      malformedSeq++;
    }

    // Deployed slots (~70% of all artifacts, drawn from well-formed skills/commands/agents).
    const deployable = rng.shuffle(slots.filter((s) => !s.malformed && s.type !== 'hook' && s.type !== 'mcp'));
    const nDeployed = Math.min(deployable.length, deployedCarry(nArtifacts * deployedRate));
    const byType = { skill: [], command: [], agent: [] };
    for (const s of deployable.slice(0, nDeployed)) byType[s.type].push(s);
    for (const t of Object.keys(byType)) {
      const n = byType[t].length;
      const items = t === 'skill' && n > 0 ? rng.shuffle([pool[t][0], ...rng.pickN(pool[t].slice(1), n - 1)]) : rng.pickN(pool[t], n);
      byType[t].forEach((s, i) => {
        s.pool = items[i];
        items[i].used = true;
      });
    }
    // ~5% of the deployed ones are edited after deployment.
    const nModified = broken ? 0 : Math.min(nDeployed, modifiedCarry(nDeployed * modifiedRate));
    for (const s of rng.pickN(deployable.slice(0, nDeployed), nModified)) s.modified = true;

    // Names: deployed ones take the pool's; command file stems stay unique within the project.
    const taken = { skill: new Set(), command: new Set(), agent: new Set(), hook: new Set(), mcp: new Set() };
    for (const s of slots) if (s.pool) taken[s.type].add(s.pool.name);
    const localName = (type) => {
      for (;;) {
        const n = newName(type);
        if (!taken[type].has(n)) {
          taken[type].add(n);
          return n;
        }
      }
    };

    const entries = [];
    const mcpJson = {};
    const useMcpJson = rng.chance(0.5);
    let hookIdx = 0;
    let mcpIdx = 0;
    let prjArtErrors = 0;
    let prjDeployed = 0;
    let prjModified = 0;

    for (const s of slots) {
      const item = { project: proj, profile: '.claude', type: s.type, name: null, path: null, deployed: false, modified: false, malformed: s.malformed ?? null };
      // The line the scanner must name for bad YAML: `description: Use when: a: b` is line 3.
      if (s.malformed === 'bad-yaml') item.errorLine = 3;
      if (s.type === 'hook') {
        const base = HOOK_NAMES[hookIdx % HOOK_NAMES.length] + (hookIdx >= HOOK_NAMES.length ? `-${hookIdx}` : '');
        const name = `${base}.${rng.pick(['sh', 'sh', 'py', 'json'])}`;
        hookIdx++;
        item.name = name;
        item.path = `.claude/hooks/${name}`;
        write(path.join(claude, 'hooks', name), hookScript(rng, name));
      } else if (s.type === 'mcp') {
        const name = MCP_NAMES[mcpIdx % MCP_NAMES.length] + (mcpIdx >= MCP_NAMES.length ? `-${mcpIdx}` : '');
        mcpIdx++;
        item.name = name;
        if (useMcpJson && mcpIdx % 2 === 1) {
          mcpJson[name] = mcpConfig(rng, name);
          item.profile = '.';
          item.path = '.mcp.json';
        } else {
          const cfg = { description: `${titleCase(name)} MCP server`, ...mcpConfig(rng, name) };
          item.path = `.claude/mcp/${name}.json`;
          write(path.join(claude, 'mcp', `${name}.json`), `${JSON.stringify(cfg, null, 2)}\n`);
        }
      } else if (s.malformed) {
        const name = localName(s.type);
        item.name = name;
        if (s.malformed !== 'bad-yaml') prjArtErrors++
        // Invalid YAML is a health problem, not a read error: a command still loads (degraded),
        // an agent or a skill does not (broken, and a line in RefreshSummary.errors).
        else if (s.type === 'command') expected.yamlDegraded++
        else expected.yamlBroken++
        if (s.type === 'skill') {
          item.path = `.claude/skills/${name}`;
          const dir = path.join(claude, 'skills', name);
          if (s.malformed === 'no-skill-md') {
            write(path.join(dir, 'README.md'), `# ${name}\n\nThe SKILL.md of this skill was never written.\n`);
            write(path.join(dir, 'notes.txt'), 'TODO\n');
          } else if (s.malformed === 'not-utf8') write(path.join(dir, 'SKILL.md'), notUtf8(name));
          else write(path.join(dir, 'SKILL.md'), badYaml(name));
        } else {
          const rel = `.claude/${s.type}s/${name}.md`;
          item.path = rel;
          const data = s.malformed === 'binary' ? binaryMd(rng) : s.malformed === 'not-utf8' ? notUtf8(name) : badYaml(name);
          write(path.join(proj, rel), data);
        }
      } else if (s.pool) {
        const p = s.pool;
        item.deployed = !broken;
        item.modified = !!s.modified;
        item.collectionName = p.name;
        item.source = p.upstream;
        item.versionSpec = p.versionSpec;
        item.deployedVersion = p.resolvedVersion;
        item.deployedSha = p.resolvedSha;
        item.deployedHash = p.hash;
        if (s.type === 'skill') {
          item.name = p.name;
          item.path = `.claude/skills/${p.name}`;
          let files = p.files;
          if (s.modified) {
            const how = files.length === 1 ? rng.pick([0, 2]) : rng.int(0, 2);
            item.modification = ['edited SKILL.md', 'edited another file', 'added a file'][how];
            if (how === 0) files = files.map((f, i) => (i === 0 ? { rel: f.rel, data: Buffer.concat([f.data, Buffer.from('\n<!-- local tweak: stricter checks -->\n')]) } : f));
            else if (how === 1) files = files.map((f, i) => (i === files.length - 1 ? { rel: f.rel, data: Buffer.concat([f.data, Buffer.from('# edited locally\n')]) } : f));
            else files = [...files, { rel: 'notes/local.md', data: Buffer.from('Local notes added after deployment.\n') }];
          }
          for (const f of files) write(path.join(claude, 'skills', p.name, f.rel), f.data);
        } else {
          item.name = p.group ? `${p.group}/${p.name}` : p.name;
          item.path = `.claude/${p.artifactPath}`;
          if (s.modified) item.modification = 'edited the file';
          const data = s.modified ? Buffer.concat([p.data, Buffer.from('\nAlso check the changelog entry.\n')]) : p.data;
          write(path.join(claude, p.artifactPath), data);
        }
        const deployedAt = new Date(Date.UTC(2025, rng.int(0, 10), rng.int(1, 28), rng.int(0, 23), rng.int(0, 59), rng.int(0, 59))).toISOString().replace('.000Z', 'Z');
        let e = `[[deployed]]\nartifact_name = ${tomlStr(p.name)}\nartifact_type = ${tomlStr(s.type)}\nfrom_collection = "default"\ndeployed_at = ${tomlStr(deployedAt)}\nartifact_path = ${tomlStr(p.artifactPath)}\ncontent_hash = ${tomlStr(p.hash)}\nlocal_modifications = false\n`;
        item.versionInManifest = rng.chance(0.5);
        if (item.versionInManifest) e += `resolved_version = ${tomlStr(p.resolvedVersion)}\nresolved_sha = ${tomlStr(p.resolvedSha)}\n`;
        entries.push(e);
        if (item.deployed) prjDeployed++;
        if (item.modified) prjModified++;
      } else {
        const name = localName(s.type);
        if (s.type === 'skill') {
          item.name = name;
          item.path = `.claude/skills/${name}`;
          for (const f of skillFiles(name, version(rng))) write(path.join(claude, 'skills', name, f.rel), f.data);
        } else {
          const group = s.type === 'command' && rng.chance(0.2) ? rng.pick(COMMAND_GROUPS) : null;
          item.name = group ? `${group}/${name}` : name;
          item.path = `.claude/${s.type}s/${group ? `${group}/` : ''}${name}.md`;
          write(path.join(proj, item.path), markdown(rng, s.type, name, version(rng)));
        }
      }
      expected.items.push(item);
    }
    if (Object.keys(mcpJson).length > 0) write(path.join(proj, '.mcp.json'), `${JSON.stringify({ mcpServers: mcpJson }, null, 2)}\n`);

    let projectErrors = 0;
    let manifestErrorLine;
    if (entries.length > 0 || broken) {
      let text = `# Managed by SkillMeat. Do not edit by hand.\n\n${entries.join('\n')}`;
      if (broken) {
        // An unclosed array-of-tables header: invalid TOML, the whole manifest is unreadable.
        const lines = text.split('\n');
        const idx = lines.findIndex((l, i) => i > 2 && l === '[[deployed]]');
        if (idx >= 0) lines[idx] = '[[deployed]';
        else lines.push('[[deployed]', 'artifact_name = "half-written');
        manifestErrorLine = (idx >= 0 ? idx : lines.length - 2) + 1;
        text = lines.join('\n');
        projectErrors = 1;
      }
      write(path.join(claude, '.skillmeat-deployed.toml'), text);
    }

    expected.artifacts += slots.length;
    expected.artifactErrors += prjArtErrors;
    expected.projectErrors += projectErrors;
    expected.deployed += prjDeployed;
    expected.modified += prjModified;
    expected.projects.push({
      path: proj,
      name: projectName,
      description: projectDesc,
      artifacts: slots.length,
      artifactErrors: prjArtErrors,
      projectErrors,
      deployed: prjDeployed,
      modified: prjModified,
      brokenManifest: broken,
      manifestErrorLine,
    });
  }
  expected.malformed = expected.artifactErrors + expected.projectErrors + expected.yamlBroken;

  // --- The home: collection.toml + collection.lock for every artifact deployed somewhere.
  const used = ['skill', 'command', 'agent'].flatMap((t) => pool[t].filter((p) => p.used));
  used.sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
  let manifest = '# SkillMeat collection manifest\n\n[collection]\nname = "default"\nversion = "1.0.0"\ncreated = "2025-01-15T09:30:00Z"\n';
  let lock = '# SkillMeat collection lock file. Generated; do not edit.\n';
  for (const p of used) {
    manifest += `\n[[artifacts]]\nname = ${tomlStr(p.name)}\ntype = ${tomlStr(p.type)}\nupstream = ${tomlStr(p.upstream)}\nversion_spec = ${tomlStr(p.versionSpec)}\nresolved_sha = ${tomlStr(p.resolvedSha)}\nresolved_version = ${tomlStr(p.resolvedVersion)}\ntags = [${p.tags.map(tomlStr).join(', ')}]\n`;
    lock += `\n[${tomlStr(`${p.name}::${p.type}`)}]\nresolved_sha = ${tomlStr(p.resolvedSha)}\nresolved_version = ${tomlStr(p.resolvedVersion)}\ncontent_hash = ${tomlStr(p.hash)}\n`;
  }
  write(path.join(home, 'collections', 'default', 'collection.toml'), manifest);
  write(path.join(home, 'collections', 'default', 'collection.lock'), lock);

  return { home, projectsDir, projectPaths, expected };
}

module.exports = { generate, makeRng };

// ---------------------------------------------------------------------------------------------
// CLI.

function parseArgs(argv) {
  const o = { malformedRate: 0.02, seed: 1 };
  const num = (flag, v, int) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || (int && !Number.isInteger(n))) throw new Error(`${flag} needs a ${int ? 'whole ' : ''}number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const val = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--out': o.out = val(); break;
      case '--projects': o.projects = num(flag, val(), true); break;
      case '--artifacts': o.artifacts = num(flag, val(), true); break;
      case '--malformed-rate': o.malformedRate = num(flag, val(), false); break;
      case '--seed': o.seed = val(); break;
      case '-h': case '--help': o.help = true; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

if (require.main === module) {
  const usage = 'usage: node scripts/gen-fixtures.js --out DIR --projects N --artifacts M [--malformed-rate 0.02] [--seed 1]';
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
    if (o.help) {
      console.log(usage);
      process.exit(0);
    }
    if (!o.out || o.projects === undefined || o.artifacts === undefined) throw new Error('--out, --projects and --artifacts are required');
  } catch (e) {
    console.error(`gen-fixtures: ${e.message}\n${usage}`);
    process.exit(2);
  }
  const t0 = process.hrtime.bigint();
  const r = generate(o);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const e = r.expected;
  console.log(
    `gen-fixtures: ${r.projectPaths.length} projects, ${e.artifacts} artifacts (${e.deployed} deployed, ${e.modified} modified, ${e.artifactErrors} malformed artifacts, ${e.projectErrors} bad manifests) in ${ms.toFixed(0)} ms -> ${path.dirname(r.home)} (seed ${o.seed})`,
  );
}
