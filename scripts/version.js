#!/usr/bin/env node
'use strict'
// The `version` script of package.json: `npm version <x.y.z>` runs it after setting the root's
// version. It brings every platform package (`napi version`) and the committed loader index.js
// (which names the version it expects of its platform package) to the same version, and stages
// them for npm's version commit. __test__/package.test.js checks they agree.
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const napi = require('./toolchain.js').napiCli()
execFileSync(process.execPath, [napi, 'version'], { cwd: ROOT, stdio: 'inherit' })

const loader = path.join(ROOT, 'index.js')
const text = fs.readFileSync(loader, 'utf8')
const old = (text.match(/bindingPackageVersion !== '([^']+)'/) || [])[1]
if (!old) throw new Error('index.js names no platform package version; regenerate it with npm run build')
const escaped = old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const updated = text
  .replace(new RegExp(`bindingPackageVersion !== '${escaped}'`, 'g'), `bindingPackageVersion !== '${version}'`)
  .replace(new RegExp(`expected ${escaped} but`, 'g'), `expected ${version} but`)
fs.writeFileSync(loader, updated)
const platforms = fs.readdirSync(path.join(ROOT, 'npm')).map((d) => path.join('npm', d, 'package.json'))
execFileSync('git', ['add', 'index.js', ...platforms], { cwd: ROOT, stdio: 'inherit' })
console.log(`version: index.js and ${platforms.length} platform packages at ${version}`)
