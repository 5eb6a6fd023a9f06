'use strict'

const path = require('node:path')
const { reportWarnings, withCache } = require('../lib/cache.js')
const { usage } = require('../lib/errors.js')
const { plural } = require('../lib/format.js')
const { oneLine } = require('../lib/output.js')

module.exports = {
  name: 'register',
  order: 90,
  summary: 'Register a project folder and scan it',
  description: 'A relative PATH is resolved against the working directory.\n--json prints the project.',
  options: {},
  args: ['PATH'],
  async run(ctx) {
    const { out } = ctx
    const [dir] = ctx.args
    if (dir === '') throw usage('PATH must not be empty')
    const project = await withCache(ctx.values, (cache) => {
      const p = cache.registerProject(path.resolve(ctx.cwd, dir))
      reportWarnings(cache, ctx)
      return p
    })
    if (ctx.json) return out.json(project)
    const st = out.style
    out.line(`Registered ${st.bold(project.name)} (${project.id}) at ${project.path}`)
    out.line(
      `${plural(project.artifactCount, 'artifact')}` +
        (project.errorCount ? `, ${st.red(`${project.errorCount} in error`)}` : '') +
        (project.profiles.length ? ` in ${project.profiles.join(', ')}` : ''),
    )
    if (project.error) out.line(`${st.red('!')} ${oneLine(project.error)}`)
  },
}
