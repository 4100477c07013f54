//! Progress on stderr for long work: a bar when the amount is known, a spinner otherwise.
//! Only when stderr is a terminal and `--quiet` is not given (scripts and pipes see nothing).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A progress indicator that clears itself when dropped.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar over `total` units, or a spinner when `total` is `None`.
    pub fn new(what: &str, total: Option<u64>, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let pb = match total {
            Some(t) => {
                let pb = ProgressBar::new(t);
                if let Ok(s) =
                    ProgressStyle::with_template("{msg:>24} [{bar:40}] {percent:>3}% {eta}")
                {
                    pb.set_style(s.progress_chars("=> "));
                }
                pb
            }
            None => {
                let pb = ProgressBar::new_spinner();
                pb.enable_steady_tick(Duration::from_millis(120));
                pb
            }
        };
        pb.set_message(what.to_string());
        Progress(Some(pb))
    }

    /// A spinner for work of unknown length.
    pub fn spinner(what: &str, quiet: bool) -> Progress {
        Progress::new(what, None, quiet)
    }

    /// Advance a bar by `n` units.
    pub fn inc(&self, n: u64) {
        if let Some(pb) = &self.0 {
            pb.inc(n);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(pb) = self.0.take() {
            pb.finish_and_clear();
        }
    }
}
