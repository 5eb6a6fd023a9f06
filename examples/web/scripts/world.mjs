// A temp copy of the sample SkillMeat home and projects, for the E2E run and the benchmark:
// tests edit files on disk, so never the repository's own. One update is made major (2.0.0)
// so that the major-update warning is exercised.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const repo = path.resolve(app, '..', '..')

export function sampleWorld() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-web-e2e-'))
  const home = path.join(dir, 'home')
  const projects = path.join(dir, 'projects')
  fs.cpSync(path.join(repo, 'examples', 'sample', 'home'), home, { recursive: true })
  fs.cpSync(path.join(repo, 'examples', 'sample', 'projects'), projects, { recursive: true })
  const lock = path.join(home, 'collections', 'default', 'collection.lock')
  const text = fs.readFileSync(lock, 'utf8')
  const major = text.replace(/(\["react-component-patterns::skill"\]\nresolved_sha = ")[0-9a-f]+("\nresolved_version = ")[^"]+"/, '$1aaaabbbbccccddddeeeeffff0000111122223333$22.0.0"')
  if (major === text) throw new Error('sample lock changed: react-component-patterns entry not found')
  fs.writeFileSync(lock, major)
  return { dir, home, projects }
}
