'use strict'
// The answer every route and error becomes, before it is a web Response or a Node write.

/** An answer: `{ status, headers, text }` (JSON, or `null` for no body) or `{ status, headers, stream }`. */
function answer(status, body, headers = {}) {
  const text = status === 304 || status === 204 || body === undefined ? null : JSON.stringify(body)
  return { status, headers: text === null ? headers : { 'content-type': 'application/json', ...headers }, text }
}

module.exports = { answer }
