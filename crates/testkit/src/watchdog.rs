//! A hang guard for loops over hostile inputs. Tests never assert on times (a slow machine
//! is not a failure); only a hang fails them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Per input: far beyond any real answer (milliseconds), short enough to end a hung CI step.
pub const HANG: Duration = Duration::from_secs(60);

/// [`Watchdog::kick`] names the input about to run and restarts the clock; an input still
/// running after [`HANG`] prints its name and aborts the test process. On wasm (no threads)
/// the guard does nothing.
pub struct Watchdog {
    state: Arc<Mutex<(String, Instant, bool)>>,
}

impl Default for Watchdog {
    fn default() -> Self {
        Self::new()
    }
}

impl Watchdog {
    /// Start guarding.
    pub fn new() -> Self {
        let state = Arc::new(Mutex::new((String::from("(start)"), Instant::now(), false)));
        #[cfg(not(target_family = "wasm"))]
        {
            let watched = state.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    let s = watched.lock().unwrap_or_else(|e| e.into_inner());
                    if s.2 {
                        return;
                    }
                    if s.1.elapsed() > HANG {
                        eprintln!("hang: {} gave no answer within {HANG:?}", s.0);
                        std::process::abort();
                    }
                }
            });
        }
        Watchdog { state }
    }

    /// `what` runs next: restart the clock under its name.
    pub fn kick(&self, what: impl Into<String>) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = what.into();
        s.1 = Instant::now();
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).2 = true;
    }
}
