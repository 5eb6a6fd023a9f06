'use strict'
// Project ids: SkillMeat's (the base64 path) and the cache's, translated both ways.

/** SkillMeat's id of a project (its `encode_project_id`): the path, base64-encoded. */
function pathId(path) {
  return Buffer.from(path, 'utf8').toString('base64')
}

/** The path a SkillMeat project id names, or `null` when `id` is not one. */
function pathOfId(id) {
  if (!id || id.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(id)) return null
  const path = Buffer.from(id, 'base64').toString('utf8')
  return pathId(path) === id ? path : null
}

/** Every project of `cache`, all pages. */
function allProjects(cache) {
  const items = []
  for (;;) {
    const page = cache.listProjects({ offset: items.length, limit: 10_000 })
    items.push(...page.items)
    if (page.items.length === 0 || items.length >= page.total) return items
  }
}

const INDEXES = new WeakMap()

/**
 * The other id of a project (`map`: 'bySkillmeatId' or 'byCacheId'), from each project's cache
 * id and SkillMeat id, both ways. A project's two ids never change (both come from its path), so
 * the index is rebuilt only for an id it lacks, and at most once per data generation.
 */
function otherId(cache, map, id) {
  let ix = INDEXES.get(cache)
  let found = ix && ix[map].get(id)
  if (found === undefined) {
    const generation = cache.generation()
    if (!ix || ix.generation !== generation) {
      ix = { generation, bySkillmeatId: new Map(), byCacheId: new Map() }
      for (const p of allProjects(cache)) {
        const key = pathId(p.path)
        ix.bySkillmeatId.set(key, p.id)
        ix.byCacheId.set(p.id, key)
      }
      INDEXES.set(cache, ix)
      found = ix[map].get(id)
    }
  }
  return found
}

/**
 * The cache id of a project id a client sent: the cache's own (`/cache/*` answers carry it), or
 * SkillMeat's (the base64 path `/projects` answers carry). Other ids stay as sent: no project
 * has them. Never read as a path: an id is only looked up among the cached projects.
 */
function projectIdOf(cache, id) {
  if (id === undefined || pathOfId(id) === null) return id
  return otherId(cache, 'bySkillmeatId', id) ?? id
}

module.exports = { pathId, pathOfId, allProjects, otherId, projectIdOf }
