//! The host terminal: raw mode while a guest owns the console, restored on
//! every way out (normal return, error, panic, SIGTERM/SIGHUP/SIGQUIT).

use std::sync::Mutex;

/// The terminal settings to restore, if we changed them.
static SAVED: Mutex<Option<libc::termios>> = Mutex::new(None);

/// True if stdin is a terminal.
pub fn stdin_is_tty() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(libc::STDIN_FILENO) == 1 }
}

/// Put the terminal on stdin in raw input mode (no echo, no line editing, no
/// signals from ^C, so that every key reaches the guest), keeping output
/// post-processing like QEMU does. Restored by [`restore`] or when the
/// process leaves through a panic or a terminating signal.
pub fn enter_raw_mode() -> std::io::Result<()> {
    // SAFETY: zeroed termios is a valid out-parameter for tcgetattr.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and pointer to a termios we own.
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut t) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    *SAVED.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
    let mut raw = t;
    // SAFETY: cfmakeraw only writes the struct we pass.
    unsafe { libc::cfmakeraw(&mut raw) };
    raw.c_oflag |= libc::OPOST | libc::ONLCR;
    // SAFETY: valid fd and termios.
    if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    install_restorers();
    Ok(())
}

/// Restore the terminal settings saved by [`enter_raw_mode`] (idempotent).
pub fn restore() {
    let saved = SAVED.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(t) = saved {
        // SAFETY: valid fd and the termios tcgetattr gave us.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) };
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    // Async-signal context: try_lock avoids deadlock if the lock is held.
    if let Ok(mut g) = SAVED.try_lock() {
        if let Some(t) = g.take() {
            // SAFETY: tcsetattr is async-signal-safe; valid fd and termios.
            unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) };
        }
    }
    // SAFETY: restore the default action and re-raise so the exit status
    // tells the parent which signal ended us.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

fn install_restorers() {
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGINT] {
        // SAFETY: on_signal only calls async-signal-safe functions.
        unsafe {
            libc::signal(
                sig,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            )
        };
    }
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        prev(info);
    }));
}
