'use strict'
// Stopping a long-running command (watch, serve) on SIGINT, SIGTERM, ...: the handlers are
// installed before anything slow, so that an early Ctrl-C still ends the command cleanly.

/**
 * Listens for `names` on the process until `dispose()`. `onStop(fn)` calls `fn` at the first
 * signal, or at once when one came already; `request` is the handler (for other stop causes).
 */
function stopSignals(names) {
  let stop = null
  let requested = false
  const request = () => {
    requested = true
    if (stop) stop()
  }
  for (const sig of names) process.on(sig, request)
  return {
    request,
    onStop(fn) {
      stop = fn
      if (requested) fn()
    },
    /** Resolves at the first signal. */
    stopped() {
      return new Promise((resolve) => this.onStop(resolve))
    },
    dispose() {
      for (const sig of names) process.removeListener(sig, request)
    },
  }
}

module.exports = { stopSignals }
