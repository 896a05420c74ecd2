//! Progress lines on stderr for long runs (indicatif), drawn only when stderr is a terminal so
//! that piped and captured output (CI logs, tests, the launcher's frames) never holds them.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Whether a progress line may be drawn: stderr is a terminal. A backend build started by the
/// launcher inherits the caller's stderr, so its own check decides the same way.
pub fn wanted() -> bool {
    std::io::stderr().is_terminal()
}

/// Redraws while a single step runs long, so the elapsed time keeps moving.
const TICK: Duration = Duration::from_millis(250);

/// A bar over the executions of one exploration: with an ETA when `total` is known (a cap on
/// executions or iterations), else a spinner with the count, the rate and the elapsed time.
pub fn executions(total: Option<u64>) -> ProgressBar {
    let (bar, template) = match total.filter(|&n| n > 0) {
        Some(n) => (
            ProgressBar::new(n),
            "{spinner} {pos}/{len} executions  {per_sec:0}  {elapsed} elapsed  ETA {eta}  {wide_bar}",
        ),
        None => (ProgressBar::new_spinner(), "{spinner} {pos} executions  {per_sec:0}  {elapsed} elapsed"),
    };
    style(bar, template)
}

/// A bar over the runs of `prove` or `mutants`, the current run's label as its message; `None`
/// when stderr is not a terminal.
pub fn runs(total: u64) -> Option<ProgressBar> {
    wanted()
        .then(|| style(ProgressBar::new(total), "{spinner} run {pos}/{len}  {elapsed} elapsed  ETA {eta}  {wide_msg}"))
}

fn style(bar: ProgressBar, template: &str) -> ProgressBar {
    // The templates are constants; a bad one would fall back to the default style.
    if let Ok(s) = ProgressStyle::with_template(template) {
        bar.set_style(s);
    }
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.enable_steady_tick(TICK);
    bar
}

/// Prints a line on stderr above the bar (or plainly when there is none).
pub fn eprintln_above(bar: Option<&ProgressBar>, line: &str) {
    match bar {
        Some(b) => b.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}
