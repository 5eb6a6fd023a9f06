'use strict'
// Everything a command prints goes through the output object of its run (createOutput): colour
// only on a terminal, aligned tables, one JSON document, warnings and errors on stderr.

const { PROG } = require('./program.js')
const { plural } = require('./format.js')

function colourEnabled(stream, env) {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.FORCE_COLOR !== '0'
}

function makeStyle(enabled) {
  const wrap = (open, close) => (s) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : String(s))
  const style = {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    magenta: wrap(35, 39),
    /** The styler that `colours` (key -> style name) gives `key`; plain for any other key. */
    keyed: (colours, key) => (t) => (Object.hasOwn(colours, key ?? '') ? style[colours[key]](t) : String(t)),
    /** A project or artifact status, coloured by its first word ('ok, modified' is ok). */
    status: (t) => style.keyed(STATUS_COLOURS, t.split(/[ ,]/)[0])(t),
  }
  return style
}

const STATUS_COLOURS = { active: 'green', ok: 'green', stale: 'yellow', degraded: 'yellow', error: 'red', missing: 'red', broken: 'red' }

/** Colour of each kind of version difference, most severe first (as 'npm outdated' colours). */
const DIFF_COLOURS = { major: 'red', minor: 'yellow', patch: 'green', prerelease: 'cyan', commit: 'magenta' }

const chars = (s) => Array.from(s)

/** One line of plain text: control characters and runs of whitespace become one space. */
function oneLine(v) {
  if (v === undefined || v === null) return ''
  // eslint-disable-next-line no-control-regex
  return String(v).replace(/[\s\x00-\x1f\x7f]+/g, ' ').trim()
}

function truncate(s, width, from = 'end') {
  const c = chars(s)
  if (c.length <= width) return s
  if (width <= 0) return ''
  if (width === 1) return '…'
  return from === 'start' ? '…' + c.slice(c.length - width + 1).join('') : c.slice(0, width - 1).join('') + '…'
}

/** Indents every non-empty line of `text` by two spaces. */
const indent = (text) => text.replace(/^(?=.)/gm, '  ')

/**
 * Renders an aligned table. `columns`: [{ header, align: 'left'|'right', flex: 'end'|'start'
 * (the column shrinks first, last flex column first, cut at that side), min, fixed (never cut),
 * style(text, rowIndex) }]. Rows are arrays of plain values. Lines are fitted to `width`
 * (Infinity = never truncate); right-aligned and fixed columns are never cut.
 */
function table(columns, rows, { width, style, gap = 2 }) {
  const cells = rows.map((r) => columns.map((_, i) => oneLine(r[i])))
  const widths = columns.map((col, i) =>
    Math.max(chars(col.header).length, ...cells.map((r) => chars(r[i]).length)),
  )
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1)
  if (Number.isFinite(width) && total() > width) {
    // Shrink the flexible columns first, then the widest text columns, down to a floor.
    for (const [i, col] of [...columns.entries()].reverse()) {
      if (!col.flex) continue
      const floor = Math.max(col.min ?? 10, chars(col.header).length)
      widths[i] = Math.max(floor, widths[i] - (total() - width))
    }
    while (total() > width) {
      let best = -1
      for (const [i, col] of columns.entries()) {
        const floor = Math.max(col.min ?? 6, chars(col.header).length)
        if (col.align !== 'right' && !col.fixed && widths[i] > floor && (best < 0 || widths[i] > widths[best])) best = i
      }
      if (best < 0) break
      widths[best]--
    }
  }
  const render = (values, styler) =>
    values
      .map((v, i) => {
        const col = columns[i]
        const text = truncate(v, widths[i], col.flex === 'start' ? 'start' : 'end')
        const pad = ' '.repeat(widths[i] - chars(text).length)
        const shown = styler(text, i)
        if (col.align === 'right') return pad + shown
        return i === values.length - 1 ? shown : shown + pad
      })
      .join(' '.repeat(gap))
      .replace(/\s+$/, '')
  const lines = [render(columns.map((c) => c.header), (t) => style.bold(t))]
  cells.forEach((r, ri) =>
    lines.push(render(r, (t, i) => (columns[i].style && t ? columns[i].style(t, ri) : t))),
  )
  return lines.join('\n') + '\n'
}

/** Terminal width of `stream`, or Infinity (never truncate) when it is not a terminal. */
const widthOf = (stream) => (stream.isTTY ? stream.columns || 80 : Infinity)

/**
 * The output of one run: `stdout` gets results (a JSON document with --json), `stderr` warnings,
 * errors and progress; `env` decides colour (NO_COLOR, FORCE_COLOR=0).
 */
function createOutput({ stdout, stderr, env }) {
  const style = makeStyle(colourEnabled(stdout, env))
  const errStyle = makeStyle(colourEnabled(stderr, env))
  const out = {
    stdout,
    stderr,
    style,
    errStyle,
    /** Terminal width when stdout is a terminal; otherwise no truncation. */
    width: widthOf(stdout),
    errWidth: widthOf(stderr),
    write(s) {
      stdout.write(s)
    },
    line(s = '') {
      stdout.write(s + '\n')
    },
    json(value) {
      stdout.write(JSON.stringify(value, null, 2) + '\n')
    },
    /** One JSON object on one line (the JSON-lines output of 'watch'). */
    jsonLine(value) {
      stdout.write(JSON.stringify(value) + '\n')
    },
    /** A table fitted to the terminal, on stdout (or `toStderr`), indented by two spaces with `indented`. */
    table(columns, rows, { indented = false, toStderr = false } = {}) {
      const width = (toStderr ? out.errWidth : out.width) - (indented ? 2 : 0)
      const text = table(columns, rows, { width, style: toStderr ? errStyle : style })
      ;(toStderr ? stderr : stdout).write(indented ? indent(text) : text)
    },
    /** Label-value lines, the labels bold and aligned. */
    fields(rows) {
      const labelWidth = Math.max(...rows.map(([k]) => k.length))
      for (const [k, v] of rows) out.line(`${style.bold(k.padEnd(labelWidth))}  ${v}`)
    },
    /** The dim line under a page: '4 artifacts', or '1-2 of 4 artifacts; next page: --offset 2'. */
    pageFooter(page, noun, many = noun + 's', suffix = '') {
      const shown = page.items.length
      if (page.offset === 0 && shown === page.total) {
        out.line(style.dim(plural(page.total, noun, many) + suffix))
        return
      }
      const from = shown ? page.offset + 1 : page.offset
      const to = page.offset + shown
      const more = to < page.total ? `; next page: --offset ${to}` : ''
      out.line(style.dim(`${from}-${to} of ${plural(page.total, noun, many)}${more}${suffix}`))
    },
    warn(s) {
      stderr.write(`${PROG}: ${errStyle.yellow('warning:')} ${s}\n`)
    },
    /** '<prog>: <message> (<CODE>)' on stderr, the message in red. */
    error(message, code) {
      stderr.write(`${PROG}: ${errStyle.red(message)} (${code})\n`)
    },
  }
  return out
}

/** No bar for refreshes faster than this, so quick ones do not flicker. */
const BAR_DELAY_MS = 150
/** At most one redraw per this many ms. */
const BAR_REDRAW_MS = 50

/**
 * A one-line progress bar (`[#####-----] 42/100 projects`) redrawn in place on `stream`, or
 * `null` when `stream` is not a terminal (nothing is ever written then). `clear()` erases it;
 * updates after `clear()` are ignored (events can arrive after the work they describe).
 */
function progressBar(stream, noun, env) {
  if (!stream.isTTY || env.TERM === 'dumb') return null
  const started = Date.now()
  let shown = false
  let finished = false
  let lastText = ''
  let lastAt = 0
  return {
    update(done, total) {
      if (finished || !(total > 0)) return
      const now = Date.now()
      if (now - started < BAR_DELAY_MS) return
      if (shown && done < total && now - lastAt < BAR_REDRAW_MS) return
      const label = ` ${done}/${total} ${noun}`
      // Never wider than the terminal: a wrapped line cannot be redrawn with \r.
      const room = (stream.columns || 80) - 1 - label.length - 2
      const width = Math.min(30, room)
      let text = label.trimStart()
      if (width >= 5) {
        const filled = Math.min(width, Math.round((width * done) / total))
        text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${label}`
      }
      if (text === lastText) return
      stream.write(`\r${text}\x1b[K`)
      shown = true
      lastText = text
      lastAt = now
    },
    clear() {
      if (finished) return
      finished = true
      if (shown) stream.write('\r\x1b[K')
    },
  }
}

module.exports = { createOutput, oneLine, progressBar, DIFF_COLOURS }
