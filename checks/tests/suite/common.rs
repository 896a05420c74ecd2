//! Helpers the CLI-level test modules share.

use std::process::{Command, Output};

/// Runs the std build of `rtnl-check` from the crate directory, as a user would from checks/.
pub fn rtnl_check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtnl-check"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("runs")
}

/// A process's output as text, for assertions and their messages.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
