#!/usr/bin/env node
'use strict';
// Claude Code's own validator as an oracle for the health checker (issue 27).
//
//   node scripts/claude-oracle.js [--version 2.1.332] [--claude /path/to/claude] [--keep]
//                                 [--fixtures DIR] [--out FILE] [--no-schema]
//
// 1. Installs @anthropic-ai/claude-code@<version> (CLAUDE_CODE_VERSION below unless --version)
//    into a fresh folder under os.tmpdir() with the ordinary npm client, never into the repo, and
//    removes it at the end (--keep leaves it; --claude PATH uses an installed `claude` instead).
//    npm's postinstall links the platform package's native binary over bin/claude.exe; when it did
//    not run, the platform package's binary is used directly (older releases: node cli.js).
// 2. Copies every case folder of tests/fixtures/claude-code/ to a temporary folder and runs
//    `claude plugin validate --json` on it with HOME set to a fresh temporary folder, telemetry and
//    non-essential traffic off, and (where `unshare -n` works, as root on Linux) no network at all.
//    What is validated, per case (see tests/fixtures/claude-code/README.md):
//      - a plugin-shaped case (.claude-plugin/plugin.json): the folder itself;
//      - a project-shaped case: `<case>/.claude` when it holds skills, commands or agents (the
//        validator checks a `.claude/` folder's skills, commands and agents, in project mode);
//        each of `.claude/settings.json` and `.claude/settings.local.json` copied byte for byte
//        to `hooks/hooks.json` of a staged plugin (the validator checks hooks only in a plugin;
//        the `hooks` object has the same shape, and other settings keys are ignored there);
//        `.mcp.json` copied byte for byte into a staged plugin.
// 3. Normalises the reports into one entry per artifact or entry of the fixture:
//      { case, target, kind, verdict: 'ok' | 'warning' | 'error', seen?, messages: [...] }
//    target is the path inside the case folder: a skill's SKILL.md (or the file/folder the cache
//    would take for it), a command or agent .md, a settings file or `.mcp.json` (file-level
//    messages), `<file>#hooks.<Event>[.<i>[.hooks.<j>]]` for a hook event / matcher / hook entry,
//    `.mcp.json#mcpServers.<name>` for a server. Each validator message goes to the most specific
//    target its path names (the hook path is the prefix of the message text, e.g.
//    `hooks.PostToolUse.0.hooks.1: ...`; an MCP message's `path` is `mcpServers.<name>.<field>`).
//    verdict: any error => 'error', else any warning => 'warning', else 'ok' (the validator lists
//    only files with findings, so a file it does not list is 'ok'). When the validator finds no
//    skill, command or agent at all in a `.claude/` folder that has some for the cache ("No
//    manifest found"), those targets get seen: false and verdict 'error' (Claude Code does not
//    see them; e.g. a lower-case skill.md).
// 4. Writes tests/fixtures/claude-code/verdicts.json ({ claudeCode, generatedAt, ..., runs,
//    cases }, sorted by case then target, stable across reruns) and prints what changed against
//    the previous file (verdicts and messages per target, and the Claude Code version).
// 5. Re-extracts from the installed Claude Code's bundled JavaScript the lists in
//    tests/fixtures/claude-code/schema.json's "extracted" section (hook events, hook types, MCP
//    transport types, tool names and aliases, the frontmatter repair's character class and tab
//    rule), prints what changed, and rewrites that section only (--no-schema skips this).
//
// Node built-ins only. Needs the npm registry (install) and nothing else.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const CLAUDE_CODE_VERSION = '2.1.332';
const PACKAGE = '@anthropic-ai/claude-code';

const REPO = path.resolve(__dirname, '..');
const DEFAULT_FIXTURES = path.join(REPO, 'tests', 'fixtures', 'claude-code');

function parseArgs(argv) {
  const o = { version: CLAUDE_CODE_VERSION, claude: null, keep: false, fixtures: DEFAULT_FIXTURES, out: null, schema: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--version') o.version = val();
    else if (a.startsWith('--version=')) o.version = a.slice(10);
    else if (a === '--claude') o.claude = path.resolve(val());
    else if (a === '--keep') o.keep = true;
    else if (a === '--fixtures') o.fixtures = path.resolve(val());
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--no-schema') o.schema = false;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 8).join('\n').replace(/^\/\/ ?/gm, '') + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  o.out = o.out || path.join(o.fixtures, 'verdicts.json');
  return o;
}

// ---------------------------------------------------------------------------------------------
// Installing and running Claude Code

function platformKey() {
  const cpu = os.arch();
  if (process.platform === 'linux') {
    const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
    const musl = report != null && report.header?.glibcVersionRuntime === undefined;
    return `linux-${cpu}${musl ? '-musl' : ''}`;
  }
  return `${process.platform}-${cpu}`;
}

function install(version, dir) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', dir, `${PACKAGE}@${version}`, '--no-audit', '--no-fund', '--no-save', '--loglevel=error'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) throw new Error(`npm install ${PACKAGE}@${version} failed (exit ${r.status})`);
  const pkgDir = path.join(dir, 'node_modules', ...PACKAGE.split('/'));
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  // Older releases: a JavaScript CLI.
  if (fs.existsSync(path.join(pkgDir, 'cli.js'))) {
    return { cmd: process.execPath, pre: [path.join(pkgDir, 'cli.js')], version: pkg.version, bundle: path.join(pkgDir, 'cli.js') };
  }
  // Newer releases: a native binary in a platform package (postinstall copies it over bin/claude.exe).
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  const native = path.join(dir, 'node_modules', '@anthropic-ai', `claude-code-${platformKey()}`, exe);
  const bin = path.join(pkgDir, 'bin', 'claude.exe');
  let cmd = null;
  if (fs.existsSync(native)) cmd = native;
  else if (fs.existsSync(bin) && fs.statSync(bin).size > 1 << 20) cmd = bin;
  if (!cmd) throw new Error(`no Claude Code binary for ${platformKey()} in ${dir}`);
  return { cmd, pre: [], version: pkg.version, bundle: cmd };
}

function canUnshare() {
  if (process.platform !== 'linux') return false;
  const r = spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
  return r.status === 0;
}

function makeRunner(claude, tmpRoot) {
  const offline = canUnshare();
  let n = 0;
  const run = (args) => {
    const home = fs.mkdtempSync(path.join(tmpRoot, `home-${n++}-`));
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      USERPROFILE: home,
      TMPDIR: tmpRoot,
      LANG: 'C.UTF-8',
      CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      NO_COLOR: '1',
    };
    const [cmd, full] = offline ? ['unshare', ['-n', claude.cmd, ...claude.pre, ...args]] : [claude.cmd, [...claude.pre, ...args]];
    const r = spawnSync(cmd, full, { env, cwd: home, encoding: 'utf8', timeout: 120000, maxBuffer: 64 << 20 });
    fs.rmSync(home, { recursive: true, force: true });
    return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '', error: r.error };
  };
  return { run, offline };
}

// ---------------------------------------------------------------------------------------------
// Targets: what the cache sees in a case folder

const posix = (p) => p.split(path.sep).join('/');
const isDir = (p) => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };
const isFile = (p) => { try { return fs.statSync(p).isFile(); } catch { return false; } };
const listDir = (p) => (isDir(p) ? fs.readdirSync(p).sort() : []);
const SKILL_MD = ['SKILL.md', 'skill.md', 'Skill.md'];

function mdFiles(dir, rel) {
  const out = [];
  for (const name of listDir(dir)) {
    if (name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (isDir(p)) out.push(...mdFiles(p, `${rel}/${name}`));
    else if (name.endsWith('.md')) out.push(`${rel}/${name}`);
  }
  return out;
}

function skillTargets(root, rel) {
  const out = [];
  for (const name of listDir(root)) {
    if (name.startsWith('.')) continue;
    const dir = path.join(root, name);
    if (!isDir(dir)) continue;
    const own = SKILL_MD.find((f) => isFile(path.join(dir, f)));
    if (own) { out.push(`${rel}/${name}/${own}`); continue; }
    const inner = listDir(dir).filter((s) => !s.startsWith('.') && isDir(path.join(dir, s)) && SKILL_MD.some((f) => isFile(path.join(dir, s, f))));
    if (inner.length > 0) {
      for (const s of inner) out.push(`${rel}/${name}/${s}/${SKILL_MD.find((f) => isFile(path.join(dir, s, f)))}`);
    } else out.push(`${rel}/${name}/`);
  }
  return out;
}

function readJson(p) {
  try { return { ok: true, value: JSON.parse(fs.readFileSync(p, 'utf8')) }; } catch (e) { return { ok: false, error: e.message }; }
}

function hookTargets(file, abs) {
  const out = [{ target: file, kind: 'settings' }];
  const j = readJson(abs);
  if (!j.ok || !j.value || typeof j.value !== 'object') return out;
  const hooks = j.value.hooks;
  if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks)) return out;
  for (const ev of Object.keys(hooks)) {
    out.push({ target: `${file}#hooks.${ev}`, kind: 'hookEvent' });
    const matchers = hooks[ev];
    if (!Array.isArray(matchers)) continue;
    matchers.forEach((m, i) => {
      out.push({ target: `${file}#hooks.${ev}.${i}`, kind: 'hookMatcher' });
      if (m && typeof m === 'object' && Array.isArray(m.hooks)) {
        m.hooks.forEach((_, k) => out.push({ target: `${file}#hooks.${ev}.${i}.hooks.${k}`, kind: 'hook' }));
      }
    });
  }
  return out;
}

function mcpTargets(file, abs) {
  const out = [{ target: file, kind: 'mcpConfig' }];
  const j = readJson(abs);
  if (!j.ok || !j.value || typeof j.value !== 'object') return out;
  const servers = j.value.mcpServers;
  if (servers && typeof servers === 'object' && !Array.isArray(servers)) {
    for (const name of Object.keys(servers)) out.push({ target: `${file}#mcpServers.${name}`, kind: 'mcpServer' });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running the validator on one case

const PLUGIN_JSON = (name) => JSON.stringify({ name, version: '0.0.0', description: 'claude-oracle staging', author: { name: 'claude-oracle' }, license: 'MIT' }, null, 2) + '\n';

function stagePlugin(dir, name, files) {
  fs.mkdirSync(path.join(dir, '.claude-plugin'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.claude-plugin', 'plugin.json'), PLUGIN_JSON(name));
  for (const [rel, src] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(src, path.join(dir, rel));
  }
}

function parseReport(r) {
  if (r.error) return { error: `could not run: ${r.error.message}` };
  const start = r.stdout.indexOf('{');
  if (start < 0) return { error: `no JSON on stdout (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 500)}` };
  try { return { report: JSON.parse(r.stdout.slice(start)) }; } catch (e) { return { error: `unparsable JSON (exit ${r.status}): ${e.message}` }; }
}

// Flattens a report into { file, type, severity, path, message } records (directory-profile
// findings and notes are left out: they are about publishing a plugin, not loading it).
function findings(report) {
  const out = [];
  const take = (entry) => {
    if (!entry) return;
    for (const e of entry.errors || []) out.push({ file: entry.file, type: entry.type, severity: 'error', path: e.path || '', message: e.message });
    for (const w of entry.warnings || []) out.push({ file: entry.file, type: entry.type, severity: 'warning', path: w.path || '', message: w.message });
  };
  take(report.manifest);
  for (const c of report.contents || []) take(c);
  return out;
}

function validateCase(caseName, src, work, runner) {
  const dir = path.join(work, caseName);
  fs.cpSync(src, dir, { recursive: true });
  const clean = (s) => s.split(work + path.sep).join('').split(work).join('');
  const targets = new Map(); // target -> { kind, messages: [], seen }
  const add = (t, kind) => { if (!targets.has(t)) targets.set(t, { kind, messages: [], seen: true }); };
  const runs = [];
  const messagesFor = (t, f) => targets.get(t).messages.push({ severity: f.severity, path: clean(f.path), message: clean(f.message) });
  const record = (run, args, onFinding, onReport) => {
    const r = runner.run(['plugin', 'validate', '--json', ...args]);
    const p = parseReport(r);
    const info = { case: caseName, run, exitCode: r.status };
    if (p.error) {
      info.error = clean(p.error);
      runs.push(info);
      return null;
    }
    info.success = p.report.success;
    const pr = p.report.provides;
    if (pr) {
      info.provides = {};
      for (const k of ['skills', 'commands', 'agents', 'hooks', 'mcpServers']) {
        const v = pr[k] || [];
        info.provides[k] = k === 'hooks' ? v.map((h) => `${h.event}${h.matcher ? `[${h.matcher}]` : ''}: ${h.type}`) : v.map((x) => (typeof x === 'string' ? x : x.name || JSON.stringify(x)));
      }
    }
    runs.push(info);
    if (onReport) onReport(p.report);
    for (const f of findings(p.report)) onFinding(f);
    return p.report;
  };

  const pluginShaped = isFile(path.join(dir, '.claude-plugin', 'plugin.json'));
  if (pluginShaped) {
    const md = [...skillTargets(path.join(dir, 'skills'), 'skills'), ...mdFiles(path.join(dir, 'commands'), 'commands'), ...mdFiles(path.join(dir, 'agents'), 'agents')];
    for (const t of md) add(t, t.split('/')[0].replace(/s$/, ''));
    const hookSets = isFile(path.join(dir, 'hooks', 'hooks.json')) ? hookTargets('hooks/hooks.json', path.join(dir, 'hooks', 'hooks.json')) : [];
    const mcpSets = isFile(path.join(dir, '.mcp.json')) ? mcpTargets('.mcp.json', path.join(dir, '.mcp.json')) : [];
    for (const t of [...hookSets, ...mcpSets]) add(t.target, t.kind);
    add('.claude-plugin/plugin.json', 'manifest');
    record('plugin', [dir], (f) => {
      const rel = f.file ? posix(path.relative(dir, f.file)) : '.claude-plugin/plugin.json';
      if (rel === 'hooks/hooks.json') return messagesFor(hookTarget(targets, rel, f), f);
      if (rel === '.mcp.json') return messagesFor(mcpTarget(targets, rel, f), f);
      if (!targets.has(rel)) add(rel, f.type || 'file');
      messagesFor(rel, f);
    });
  } else {
    const claude = path.join(dir, '.claude');
    const md = [
      ...skillTargets(path.join(claude, 'skills'), '.claude/skills').map((t) => [t, 'skill']),
      ...mdFiles(path.join(claude, 'commands'), '.claude/commands').map((t) => [t, 'command']),
      ...mdFiles(path.join(claude, 'agents'), '.claude/agents').map((t) => [t, 'agent']),
    ];
    for (const [t, k] of md) add(t, k);
    if (md.length > 0) {
      record('.claude', [claude], (f) => {
        if (!f.file || f.type === 'plugin' || f.type === 'marketplace') {
          // "No manifest found in directory": no skill, command or agent was recognised.
          for (const [t] of md) {
            targets.get(t).seen = false;
            messagesFor(t, f);
          }
          return;
        }
        const rel = posix(path.relative(dir, f.file));
        if (!targets.has(rel)) add(rel, f.type || 'file');
        messagesFor(rel, f);
      });
    }
    for (const name of ['settings.json', 'settings.local.json']) {
      const abs = path.join(claude, name);
      if (!isFile(abs)) continue;
      const file = `.claude/${name}`;
      for (const t of hookTargets(file, abs)) add(t.target, t.kind);
      const stage = path.join(work, `${caseName}.stage-${name}`);
      stagePlugin(stage, 'oracle-stage', { 'hooks/hooks.json': abs });
      record(file, [stage], (f) => {
        const rel = f.file ? posix(path.relative(stage, f.file)) : '';
        if (rel === 'hooks/hooks.json') return messagesFor(hookTarget(targets, file, f), f);
        messagesFor(file, { ...f, message: `[staged ${rel || 'plugin'}] ${f.message}` });
      });
    }
    const mcp = path.join(dir, '.mcp.json');
    if (isFile(mcp)) {
      for (const t of mcpTargets('.mcp.json', mcp)) add(t.target, t.kind);
      const stage = path.join(work, `${caseName}.stage-mcp`);
      stagePlugin(stage, 'oracle-stage', { '.mcp.json': mcp });
      record('.mcp.json', [stage], (f) => {
        const rel = f.file ? posix(path.relative(stage, f.file)) : '';
        if (rel === '.mcp.json') return messagesFor(mcpTarget(targets, '.mcp.json', f), f);
        messagesFor('.mcp.json', { ...f, message: `[staged ${rel || 'plugin'}] ${f.message}` });
      });
    }
  }

  const entries = [];
  for (const [target, t] of targets) {
    const sev = t.messages.map((m) => m.severity);
    const verdict = sev.includes('error') || !t.seen ? 'error' : sev.includes('warning') ? 'warning' : 'ok';
    const e = { case: caseName, target, kind: t.kind, verdict };
    if (!t.seen) e.seen = false;
    e.messages = t.messages;
    entries.push(e);
  }
  return { entries, runs };
}

// `hooks.<Event>.<i>.hooks.<j>: ...` at the start of a message (or in its path) names the entry.
function hookTarget(targets, file, f) {
  const text = `${f.path && f.path !== 'hooks' ? f.path : ''} ${f.message}`;
  const m = /(?:^|\s)hooks\.([^.:\s]+)((?:\.\d+)(?:\.hooks\.\d+)?)?/.exec(text);
  if (m) {
    const ev = m[1];
    const tail = m[2] || '';
    const parts = tail.split('.').filter(Boolean); // [i] or [i, 'hooks', j]
    const cands = [];
    if (parts.length === 3) cands.push(`${file}#hooks.${ev}.${parts[0]}.hooks.${parts[2]}`);
    if (parts.length >= 1) cands.push(`${file}#hooks.${ev}.${parts[0]}`);
    cands.push(`${file}#hooks.${ev}`);
    for (const c of cands) if (targets.has(c)) return c;
  }
  return file;
}

function mcpTarget(targets, file, f) {
  const m = /^mcpServers\.([^.]+)/.exec(f.path || '') || /mcpServers\.([A-Za-z0-9_-]+)/.exec(f.message);
  if (m && targets.has(`${file}#mcpServers.${m[1]}`)) return `${file}#mcpServers.${m[1]}`;
  return file;
}

// ---------------------------------------------------------------------------------------------
// Lists extracted from the bundled JavaScript (the binary embeds it as text)

function extractSchema(bundlePath) {
  const buf = fs.readFileSync(bundlePath);
  const at = (needle, from = 0) => buf.indexOf(Buffer.from(needle, 'latin1'), from);
  const win = (i, before, after) => buf.subarray(Math.max(0, i - before), i + after).toString('utf8');
  const strings = (arr) => [...arr.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
  const out = {};
  const evidence = {};

  let i = at('["PreToolUse","PostToolUse",');
  if (i >= 0) {
    const w = win(i, 60, 4000);
    const m = /(var |,)(\w+)=(\["PreToolUse","PostToolUse",[^\]]*\])/.exec(w);
    if (m) { out.hookEvents = strings(m[3]); evidence.hookEvents = `${m[2]}=${m[3].slice(0, 120)}…`; }
  }
  const types = [];
  let j = -1;
  const typeRe = /type:\w+\("([a-z_]+)"\)\.describe\("([^"]* hook type)"\)/g;
  while ((j = at('hook type")', j + 1)) >= 0) {
    const w = win(j, 120, 12);
    let m;
    typeRe.lastIndex = 0;
    while ((m = typeRe.exec(w))) if (!types.includes(m[1])) types.push(m[1]);
  }
  if (types.length) { out.hookTypes = types; evidence.hookTypes = 'type:P("<t>").describe("… hook type") in the hook entry schemas'; }

  for (i = at('={stdio:'); i >= 0; i = at('={stdio:', i + 1)) {
    const m = /(\w+)=\{(stdio:\w+,sse:\w+,[^}]*)\}/.exec(win(i, 10, 300));
    if (m) { out.mcpServerTypes = m[2].split(',').map((kv) => kv.split(':')[0].replace(/"/g, '')); evidence.mcpServerTypes = `${m[1]}={${m[2]}}`; break; }
  }
  for (i = at('Valid types are: stdio'); i >= 0; i = at('Valid types are: stdio', i + 1)) {
    const m = /^Valid types are: (stdio[\x20-\x7e]*?)[`$]/.exec(win(i, 0, 200));
    if (m) { out.mcpConfigFileTypesMessage = m[1].trim(); break; }
  }

  i = at('["Agent","Artifact",');
  if (i < 0) i = at('["Agent",');
  if (i >= 0) {
    const w = win(i, 40, 4000);
    const m = /(\w+)=(\["Agent",[^\]]*\]),(\w+)=(\{Task:"Agent"[^}]*\})/.exec(w);
    if (m) {
      out.toolNames = strings(m[2]);
      const aliases = {};
      for (const kv of m[4].slice(1, -1).split(',')) { const [k, v] = kv.split(':'); aliases[k] = v.replace(/"/g, ''); }
      out.toolAliases = aliases;
      evidence.toolNames = `${m[1]}=[${out.toolNames.length} names],${m[3]}=${m[4].slice(0, 80)}…`;
    }
  }

  i = at('.match(/^([a-zA-Z_-]+):\\s+(\\S.*)$/)');
  if (i >= 0) {
    const w = win(i, 400, 700);
    const m = /var (\w+)=\/(.+?)\/;function (\w+)\(e\)\{let n=e\.split\(/.exec(w);
    if (m) { out.frontmatterRepairValueRegex = m[2]; evidence.frontmatterRepair = w.slice(w.indexOf(`var ${m[1]}=`), w.indexOf(`var ${m[1]}=`) + 620); }
    out.frontmatterRepairKeyRegex = '^([a-zA-Z_-]+):\\s+(\\S.*)$';
  }
  // The frontmatter parser's second try: the repaired text with leading tabs made spaces, parsed
  // again (other functions replace tabs the same way: take the one that returns the parse).
  for (i = at('.replace(/^\\t+/gm,'); i >= 0; i = at('.replace(/^\\t+/gm,', i + 1)) {
    const w = win(i, 110, 110);
    const m = /\.replace\(\/\^\\t\+\/gm,\((\w)\)=>"( +)"\.repeat\(\1\.length\)\);return\{ok:!0,value:/.exec(w);
    if (m) { out.frontmatterRepairSpacesPerLeadingTab = m[2].length; evidence.tabs = w.slice(Math.max(0, m.index - 100), m.index + 110); break; }
  }
  return { extracted: out, evidence };
}

// ---------------------------------------------------------------------------------------------

function stable(entries) {
  return entries.sort((a, b) => (a.case < b.case ? -1 : a.case > b.case ? 1 : a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

function diffSummary(prev, next) {
  const lines = [];
  if (!prev) return ['no previous verdicts.json: everything is new'];
  if (prev.claudeCode !== next.claudeCode) lines.push(`Claude Code ${prev.claudeCode} -> ${next.claudeCode}`);
  const key = (e) => `${e.case} ${e.target}`;
  const a = new Map((prev.cases || []).map((e) => [key(e), e]));
  const b = new Map(next.cases.map((e) => [key(e), e]));
  let same = 0;
  for (const [k, e] of b) {
    const o = a.get(k);
    if (!o) { lines.push(`+ ${k}: ${e.verdict}`); continue; }
    const om = JSON.stringify(o.messages);
    const nm = JSON.stringify(e.messages);
    if (o.verdict !== e.verdict) lines.push(`~ ${k}: ${o.verdict} -> ${e.verdict}`);
    else if (om !== nm) lines.push(`~ ${k}: ${e.verdict}, messages changed`);
    else same++;
  }
  for (const [k, o] of a) if (!b.has(k)) lines.push(`- ${k}: was ${o.verdict}`);
  lines.push(`${same} unchanged, ${lines.filter((l) => /^[+~-] /.test(l)).length} changed`);
  return lines;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-oracle-'));
  const cleanup = () => { if (!opts.keep) fs.rmSync(tmpRoot, { recursive: true, force: true }); };
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  try {
    let claude;
    if (opts.claude) {
      claude = { cmd: opts.claude, pre: [], version: null, bundle: fs.realpathSync(opts.claude) };
    } else {
      process.stderr.write(`installing ${PACKAGE}@${opts.version} into ${tmpRoot}\n`);
      claude = install(opts.version, path.join(tmpRoot, 'install'));
    }
    const runner = makeRunner(claude, tmpRoot);
    const v = runner.run(['--version']);
    const reported = (v.stdout.match(/\d+\.\d+\.\d+\S*/) || [])[0];
    if (!reported) throw new Error(`claude --version failed: ${v.stderr || v.stdout}`);
    claude.version = reported;
    process.stderr.write(`Claude Code ${reported}${runner.offline ? ', network namespace: none' : ', no network namespace (unshare unavailable)'}\n`);

    const work = path.join(tmpRoot, 'cases');
    fs.mkdirSync(work);
    const caseNames = listDir(opts.fixtures).filter((n) => isDir(path.join(opts.fixtures, n)));
    const entries = [];
    const runs = [];
    for (const c of caseNames) {
      const r = validateCase(c, path.join(opts.fixtures, c), work, runner);
      entries.push(...r.entries);
      runs.push(...r.runs);
    }
    const out = {
      claudeCode: claude.version,
      generatedAt: new Date().toISOString(),
      command: 'claude plugin validate --json <dir>',
      mapping: 'one entry per artifact or settings/MCP entry of a case (see scripts/claude-oracle.js and README.md); verdict: any error => error, any warning => warning, else ok; seen:false => the validator did not recognise it at all',
      runs: runs.sort((a, b) => (a.case + ' ' + a.run < b.case + ' ' + b.run ? -1 : 1)),
      cases: stable(entries),
    };
    let prev = null;
    if (fs.existsSync(opts.out)) { try { prev = JSON.parse(fs.readFileSync(opts.out, 'utf8')); } catch { prev = null; } }
    fs.writeFileSync(opts.out, JSON.stringify(out, null, 2) + '\n');
    const counts = { ok: 0, warning: 0, error: 0 };
    for (const e of entries) counts[e.verdict]++;
    process.stdout.write(`${caseNames.length} cases, ${entries.length} targets: ${counts.ok} ok, ${counts.warning} warning, ${counts.error} error -> ${path.relative(process.cwd(), opts.out)}\n`);
    for (const l of diffSummary(prev, out)) process.stdout.write(`  ${l}\n`);

    if (opts.schema) {
      const schemaPath = path.join(opts.fixtures, 'schema.json');
      const { extracted, evidence } = extractSchema(claude.bundle);
      let schema = {};
      if (fs.existsSync(schemaPath)) schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
      const before = schema.extracted || {};
      const changes = [];
      for (const k of new Set([...Object.keys(before), ...Object.keys(extracted)])) {
        if (k === 'claudeCode') continue;
        if (JSON.stringify(before[k]) !== JSON.stringify(extracted[k])) {
          if (Array.isArray(before[k]) && Array.isArray(extracted[k])) {
            const added = extracted[k].filter((x) => !before[k].includes(x));
            const removed = before[k].filter((x) => !extracted[k].includes(x));
            changes.push(`${k}: +[${added.join(', ')}] -[${removed.join(', ')}]`);
          } else changes.push(`${k}: ${JSON.stringify(before[k])} -> ${JSON.stringify(extracted[k])}`);
        }
      }
      const missing = ['hookEvents', 'hookTypes', 'mcpServerTypes', 'toolNames', 'frontmatterRepairValueRegex', 'frontmatterRepairSpacesPerLeadingTab'].filter((k) => extracted[k] === undefined);
      if (missing.length) process.stdout.write(`  schema: could not find ${missing.join(', ')} in this build (anchors moved?); kept the previous values\n`);
      for (const k of missing) if (before[k] !== undefined) extracted[k] = before[k];
      schema.extracted = { claudeCode: claude.version, ...extracted };
      schema.extractedEvidence = Object.fromEntries(Object.entries(evidence).map(([k, v]) => [k, v.length > 700 ? v.slice(0, 700) + '…' : v]));
      fs.writeFileSync(schemaPath, JSON.stringify(schema, null, 2) + '\n');
      process.stdout.write(`  schema.json: ${changes.length ? changes.join('; ') : 'extracted lists unchanged'}\n`);
    }
  } finally {
    cleanup();
  }
}

if (require.main === module) {
  try { main(); } catch (e) { process.stderr.write(`claude-oracle: ${e.message}\n`); process.exit(1); }
}

module.exports = { extractSchema, hookTarget, mcpTarget, diffSummary };
