//! Ctrl-C and `kill`: SIGINT and SIGTERM only set a flag, which the watch loop reads
//! between steps, so a rebuild in progress finishes its (atomic) writes before paperfig
//! exits. A second signal while stopping exits at once. The loop sets the same flag itself
//! when its standard output is closed (`paperfig watch | head -3`).

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Whether a stop was asked for.
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Asks the loop to stop, as a signal would.
pub fn stop() {
    STOP.store(true, Ordering::SeqCst);
}

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        // Second signal: the user insists. `_exit` is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

/// Installs the handlers (once per process).
pub fn install() {
    #[cfg(unix)]
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}
