//! Catching panics of code that is expected to panic on bad input (tantivy reading a damaged
//! index file) without the default hook printing a backtrace to the user's terminal.
//! Unexpected panics elsewhere are still printed.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Runs `f`, returning `Err(())` if it panicked; the panic is not printed.
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| ());
    QUIET.with(|q| q.set(was));
    out
}
