'use strict'
// Errors as SkillMeat answers them: `{detail}` with a status, FastAPI's 422 validation lists,
// and the status of each cache error code.

const { answer } = require('./answer.js')

/** An error answered as `{ detail }` with this status (and `code` when it came from the cache). */
class HttpError extends Error {
  constructor(status, detail, { code, headers } = {}) {
    super(typeof detail === 'string' ? detail : 'validation error')
    this.status = status
    this.detail = detail
    this.code = code
    this.headers = headers
  }
}

/** FastAPI's 422: `[{ loc, msg, type }]`. */
function invalid(loc, msg, type, input) {
  const item = { loc, msg, type }
  if (input !== undefined) item.input = input
  return new HttpError(422, [item])
}

// Cache error codes → HTTP status. Anything unknown is a 500 (never for client input: every
// client-controlled value is validated before it reaches the cache).
const STATUS_BY_CODE = {
  INVALID_ARGUMENT: 422,
  NOT_FOUND: 404,
  CACHE_CLOSED: 503,
  CACHE_BUSY: 503,
  CACHE_DISK_FULL: 507,
  CACHE_READONLY: 503,
  CACHE_FOREIGN: 500,
  CONFIG_INVALID: 500,
}

/** An id as quoted in an error's detail: long ones are cut. */
function shortId(id) {
  return id.length > 120 ? `${id.slice(0, 120)}…` : id
}

function errorAnswer(e) {
  if (e instanceof HttpError) return answer(e.status, { detail: e.detail, ...(e.code ? { code: e.code } : {}) }, e.headers)
  const code = e && typeof e.code === 'string' ? e.code : 'INTERNAL'
  const status = STATUS_BY_CODE[code] || 500
  const message = e && e.message ? String(e.message) : 'Internal error'
  // A 422 is FastAPI's validation list, whatever found the problem.
  if (status === 422) return answer(422, { detail: [{ loc: ['query'], msg: message, type: 'value_error' }], code })
  return answer(status, { detail: message, code })
}

module.exports = { HttpError, invalid, STATUS_BY_CODE, errorAnswer, shortId }
