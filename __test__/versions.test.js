'use strict'
// compareVersions against npm's `semver` as the oracle, on thousands of generated pairs.
const test = require('node:test')
const assert = require('node:assert/strict')
const semver = require('semver')
const { compareVersions, isOutdated } = require('../index.js')

// Deterministic PRNG (mulberry32).
function rng(seed) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function generator(seed) {
  const r = rng(seed)
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const num = () => pick([0, 0, 1, 1, 2, 3, 9, 10, 11, 99, 100, 1000])
  const ident = () => pick(['alpha', 'beta', 'rc', 'a', 'b', 'x-y', '0', '1', '2', '10', '11', 'beta2', 'Alpha', 'ALPHA'])
  return function version() {
    let v = `${num()}.${num()}.${num()}`
    if (r() < 0.4) {
      const ids = Array.from({ length: 1 + Math.floor(r() * 3) }, ident)
      v += `-${ids.join('.')}`
    }
    if (r() < 0.15) v += `+build.${num()}`
    if (r() < 0.15) v = pick(['v', '=', 'v', ' ']) + v
    return v
  }
}

// npm's diff names pre-bumps (`premajor`, …) after the part that changes; we report the part.
const npmDiff = (a, b) => {
  const d = semver.diff(a, b)
  if (d === null) return 'none'
  return d.replace(/^pre(major|minor|patch)$/, '$1')
}

test('order matches npm semver.compare on 5,000 generated pairs', () => {
  const next = generator(42)
  let checked = 0
  for (let i = 0; i < 5000; i++) {
    const a = next()
    const b = i % 7 === 0 ? a.replace(/^[v= ]/, '') : next()
    const ours = compareVersions(a, b)
    const theirs = semver.compare(a, b, { loose: true })
    assert.equal(ours.order, theirs, `compareVersions(${JSON.stringify(a)}, ${JSON.stringify(b)})`)
    checked++
  }
  assert.equal(checked, 5000)
})

test('difference kind matches npm semver.diff except where we deliberately differ', () => {
  const next = generator(7)
  const deliberate = []
  for (let i = 0; i < 5000; i++) {
    const a = next()
    const b = next()
    const ours = compareVersions(a, b).diff
    const theirs = npmDiff(semver.clean(a, { loose: true }), semver.clean(b, { loose: true }))
    if (ours === theirs) continue
    // Deliberate: when the older side is a pre-release, npm names the kind of release that leaves
    // it (1.0.0-rc.1 -> 1.0.0 is 'major', 2.0.0-a -> 2.1.0 is 'major'); we name the highest part of
    // major.minor.patch that differs, or 'prerelease' when only the pre-release part does.
    const [lo] = [semver.parse(a, { loose: true }), semver.parse(b, { loose: true })].sort(semver.compare)
    const rank = { none: 0, prerelease: 1, patch: 2, minor: 3, major: 4 }
    assert.ok(lo.prerelease.length > 0 && rank[theirs] > rank[ours], `unexpected difference for ${a} vs ${b}: ours ${ours}, npm ${theirs}`)
    deliberate.push(`${a} vs ${b}: ours ${ours}, npm ${theirs}`)
  }
  // Show what differs, so a reader can see the rule in action.
  console.log(`deliberate differences: ${deliberate.length} of 5000, e.g.\n  ${deliberate.slice(0, 3).join('\n  ')}`)
})

test('partial versions are coerced like semver.coerce; SHAs compare for equality only', () => {
  const cases = [
    ['1.2', '1.2.0', 0],
    ['v1', '1.0.0', 0],
    ['1.2', '1.10', -1],
    ['2', '1.9.9', 1],
  ]
  for (const [a, b, want] of cases) {
    assert.equal(compareVersions(a, b).order, want, `${a} vs ${b}`)
    assert.equal(semver.compare(semver.coerce(a), semver.coerce(b)), want)
  }
  assert.deepEqual(compareVersions('abc1234', 'ABC1234DEF'), { order: 0, diff: 'none' })
  assert.deepEqual(compareVersions('abc1234', 'fed4321'), { order: null, diff: 'commit' })
  assert.deepEqual(compareVersions('abc1234', '1.2.3'), { order: null, diff: 'unknown' })
  for (const junk of ['', 'latest', 'main', '1.2.3.4', '01.2.3', '1.2.3-', '🔥', 'x'.repeat(10000)]) {
    assert.deepEqual(compareVersions(junk, '1.0.0'), { order: null, diff: 'unknown' }, JSON.stringify(junk.slice(0, 20)))
  }
})

test('isOutdated: newer is an update, downgrades are not, stable users are not pushed to betas', () => {
  assert.deepEqual(isOutdated('1.2', '1.2.0'), { outdated: false, diff: 'none' })
  assert.deepEqual(isOutdated('1.2.0', '1.3.0'), { outdated: true, diff: 'minor' })
  assert.deepEqual(isOutdated('2.0.0', '1.9.0'), { outdated: false, diff: 'major' })
  assert.deepEqual(isOutdated('1.0.0', '2.0.0-rc.1'), { outdated: false, diff: 'major' })
  assert.deepEqual(isOutdated('2.0.0-rc.1', '2.0.0'), { outdated: true, diff: 'prerelease' })
  assert.deepEqual(isOutdated('abc1234', 'def5678'), { outdated: true, diff: 'commit' })
  assert.deepEqual(isOutdated('abc1234', 'abc1234ffff'), { outdated: false, diff: 'none' })
})

test('a missing version (an artifact without deployedVersion) compares as unknown, never throws', () => {
  assert.deepEqual(compareVersions(undefined, '1.0.0'), { order: null, diff: 'unknown' })
  assert.deepEqual(compareVersions('1.0.0', null), { order: null, diff: 'unknown' })
  assert.equal(isOutdated(null, '1.0.0').outdated, false)
  assert.equal(isOutdated(undefined, undefined).outdated, false)
})
