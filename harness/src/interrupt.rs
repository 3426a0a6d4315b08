//! Ctrl-C as a flag: long-running commands poll [`requested`] and finish cleanly (print totals, flush files)
//! instead of dying mid-write.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

/// Routes SIGINT and SIGTERM to the flag. Idempotent.
pub fn install() {
    let handler = on_signal as extern "C" fn(libc::c_int);
    // SAFETY: the handler only performs an atomic store, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
}

/// True once Ctrl-C (or SIGTERM) arrived.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}
