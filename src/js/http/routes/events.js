'use strict'
// Route: `GET /cache/events`, the live event stream (see ../events.js). See ./index.js for what an
// entry holds.

const { eventStream } = require('../events.js')

module.exports = [
  {
    path: ['cache', 'events'],
    GET: {
      stream: true,
      run({ cache, ex, streams }) {
        return eventStream(cache, ex, streams)
      },
    },
  },
]
