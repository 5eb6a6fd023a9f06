//! On Linux the addon allocates through mimalloc, its Rust code and its SQLite alike: a scan
//! allocates small strings, vectors and SQLite records on several threads at once, where glibc's
//! arenas contend (a cold refresh of 100,000 artifacts spent about a fifth of its CPU in
//! `malloc`/`free`; docs/performance.md). Node keeps its own allocator; macOS and Windows keep
//! the system's (not measured there).

#[cfg(target_os = "linux")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options, and SQLite's memory routines (`SQLITE_CONFIG_MALLOC`) on mimalloc. SQLite
/// guarantees sizes above zero and never hands a null pointer to `xFree`, `xRealloc` or `xSize`.
#[cfg(target_os = "linux")]
mod setup {
    use std::ffi::{c_int, c_void};

    use libmimalloc_sys as mi;
    use rusqlite::ffi;

    fn size(n: c_int) -> usize {
        usize::try_from(n).unwrap_or(0)
    }

    unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
        unsafe { mi::mi_malloc(size(n)) }
    }

    unsafe extern "C" fn free(p: *mut c_void) {
        unsafe { mi::mi_free(p) }
    }

    unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
        unsafe { mi::mi_realloc(p, size(n)) }
    }

    unsafe extern "C" fn usable(p: *mut c_void) -> c_int {
        c_int::try_from(unsafe { mi::mi_usable_size(p) }).unwrap_or(c_int::MAX)
    }

    unsafe extern "C" fn roundup(n: c_int) -> c_int {
        c_int::try_from(unsafe { mi::mi_good_size(size(n)) }).unwrap_or(n)
    }

    unsafe extern "C" fn init(_: *mut c_void) -> c_int {
        ffi::SQLITE_OK
    }

    unsafe extern "C" fn shutdown(_: *mut c_void) {}

    /// mimalloc 2's `mi_option_arena_eager_commit` (its position in `mi_option_e`, mimalloc.h).
    const ARENA_EAGER_COMMIT: mi::mi_option_t = 4;

    /// Arena memory is committed as it is used and given back when purged. Committed up front
    /// (mimalloc's default where the kernel overcommits, as Linux does), freed pages stay
    /// resident: about 35 MiB more for a cache of one small project, for no measurable speed. Set
    /// before anything allocates: a constructor of the first priority runs before the others of
    /// the addon (the napi registrations allocate).
    extern "C" fn commit_as_used() {
        unsafe { mi::mi_option_set(ARENA_EAGER_COMMIT, 0) };
    }

    #[used]
    #[unsafe(link_section = ".init_array.00100")]
    static COMMIT_AS_USED: extern "C" fn() = commit_as_used;

    /// Runs when Node loads the addon, before any connection initializes SQLite (after that
    /// SQLite refuses the change and keeps the system allocator, which is still correct).
    #[napi_derive::module_init]
    fn use_mimalloc() {
        let methods = ffi::sqlite3_mem_methods {
            xMalloc: Some(malloc),
            xFree: Some(free),
            xRealloc: Some(realloc),
            xSize: Some(usable),
            xRoundup: Some(roundup),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SQLite copies the routines. Without its memory statistics (nothing reads them) an
        // allocation takes no global lock.
        unsafe {
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods);
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
        }
    }
}
