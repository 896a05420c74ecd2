use clap::Parser;
use rtnl_checks::cli::{run, Cli};
use std::process::ExitCode;

/// Every explorer allocates per step (events, lock stacks, reports): with glibc's malloc a
/// quarter of a PCT run went to it (docs/performance.md has the runs before and after).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    die_quietly_on_closed_pipe();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = Cli::parse();
    rtnl_checks::error::exit(run(cli, &args))
}

/// Rust ignores SIGPIPE, so a write to a closed pipe (`rtnl-check check ... | head`) panics in
/// `print!`. Unix tools die of the signal instead, silently; so does this one.
fn die_quietly_on_closed_pipe() {
    // SAFETY: called first in main, before any thread exists; SIG_DFL is always a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
