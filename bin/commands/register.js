'use strict'

const path = require('node:path')
const { reportWarnings, withCache } = require('../lib/cache.js')
const { usage } = require('../lib/errors.js')
const { plural } = require('../lib/format.js')
const { oneLine } = require('../lib/output.js')

module.exports = {
  name: 'register',
  order: 90,
  summary: 'Register project folders and scan them',
  description:
    'A relative PATH is resolved against the working directory. Several PATHs are registered together\n' +
    '(scanned in parallel); if one is not a folder, none is registered.\n' +
    '--json prints the project (an array of projects when several PATHs are given).',
  options: {},
  args: ['PATH+'],
  async run(ctx) {
    const { out } = ctx
    const dirs = ctx.args
    if (dirs.some((d) => d === '')) throw usage('PATH must not be empty')
    const { projects, saved } = await withCache(ctx.values, (cache) => {
      const p = cache.registerProjects(dirs.map((d) => path.resolve(ctx.cwd, d)))
      reportWarnings(cache, ctx)
      // A cache in memory (switched off, or its folder read-only) keeps nothing after this run.
      return { projects: p, saved: cache.status().mode === 'file' }
    })
    if (ctx.json) return out.json(dirs.length === 1 ? projects[0] : projects)
    for (const project of projects) print(out, project, saved)
  },
}

/** Two lines about a registered project; `saved`: whether the registration outlives this run. */
function print(out, project, saved) {
  const st = out.style
  const what = saved ? 'Registered' : 'Registered for this run only (the cache is in memory, nothing was saved):'
  out.line(`${what} ${st.bold(project.name)} (${project.id}) at ${project.path}`)
  out.line(
    `${plural(project.artifactCount, 'artifact')}` +
      (project.errorCount ? `, ${st.red(`${project.errorCount} in error`)}` : '') +
      (project.profiles.length ? ` in ${project.profiles.join(', ')}` : ''),
  )
  if (project.error) out.line(`${st.red('!')} ${oneLine(project.error)}`)
}
