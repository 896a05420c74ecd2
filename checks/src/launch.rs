//! Finding and running the other builds of rtnl-check. The model's backend is fixed at compile
//! time, so each backend is its own build (`target-{std,loom,shuttle}`); a run is handed to the
//! build its explorer needs. One place finds a build: `RTNL_CHECK_{STD,LOOM,SHUTTLE}_BIN`, else
//! `target-{backend}/release/rtnl-check` beside a directory the running executable is in.

use crate::error::{from_status, CliError, CmdResult};
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Instant;

/// The `rtnl-check` of `backend` (`std`, `loom` or `shuttle`), if one is found.
pub fn backend_bin(backend: &str) -> Option<PathBuf> {
    let var = format!("RTNL_CHECK_{}_BIN", backend.to_uppercase());
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    // target-std/release/rtnl-check, or target-std/release/deps/TEST for a test binary.
    exe.ancestors()
        .skip(1)
        .map(|d| d.join(format!("target-{backend}")).join("release").join("rtnl-check"))
        .find(|p| p.exists())
}

/// What to say when a backend's build is missing.
pub fn missing(backend: &str) -> String {
    format!(
        "the {backend} build of rtnl-check is missing. Build every backend with `checks/rtnl-check --build`, \
         or this one with:\n  RUSTFLAGS='--cfg rtnl_{backend}' cargo build --release -p rtnl-checks --target-dir target-{backend}"
    )
}

/// Runs these arguments in the build for `backend`, output inherited; its exit status read
/// back as a result.
pub fn hand_over(backend: &str, args: &[String]) -> CmdResult {
    let bin = backend_bin(backend).ok_or_else(|| CliError::Msg(missing(backend)))?;
    let status = std::process::Command::new(&bin).args(args).stderr(child_stderr()).spawn().and_then(|mut child| {
        let forward = forward_stderr(&mut child);
        let status = child.wait();
        if let Some(f) = forward {
            let _ = f.join();
        }
        status
    });
    match status {
        Ok(s) => from_status(backend, s.code()),
        Err(e) => Err(CliError::Msg(format!("the {backend} build of rtnl-check ({}) cannot run: {e}", bin.display()))),
    }
}

/// Lines shuttle prints on stderr for every failing execution, which rtnl-check reports itself
/// (property, trace, replay token).
const SHUTTLE_CHATTER: [&str; 3] = [
    "Task failed, serializing schedule",
    "test panicked in task '",
    "Test deadlocked, and SHUTTLE_CAPTURE_BACKTRACE is not set",
];

/// A backend build's stderr: inherited when this process's stderr is a terminal (the build
/// draws its progress bars there); otherwise piped, so `forward_stderr` can drop shuttle's
/// chatter from logs, CI output and the docs' examples.
pub fn child_stderr() -> Stdio {
    if std::io::stderr().is_terminal() {
        Stdio::inherit()
    } else {
        Stdio::piped()
    }
}

/// Copies a child's piped stderr to ours, line by line, without shuttle's chatter; `None` when
/// the child's stderr was not piped.
pub fn forward_stderr(child: &mut Child) -> Option<std::thread::JoinHandle<()>> {
    let from = child.stderr.take()?;
    Some(std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if !SHUTTLE_CHATTER.iter().any(|c| line.starts_with(c)) {
                eprintln!("{line}");
            }
        }
    }))
}

/// Runs this executable with `args` and waits for it; returns its output and the wall-clock
/// seconds it took.
pub fn run_self(args: &[String]) -> Result<(std::process::Output, f64), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let start = Instant::now();
    let out = std::process::Command::new(exe).args(args).output().map_err(|e| format!("cannot run rtnl-check: {e}"))?;
    Ok((out, start.elapsed().as_secs_f64()))
}

/// The repository the scenario corpus and docs/proofs live in: `RTNL_CHECK_ROOT`, else the
/// nearest directory holding `checks/scenarios` above the executable, else above the current
/// directory, else the current directory.
pub fn repo_root() -> PathBuf {
    if let Some(p) = std::env::var_os("RTNL_CHECK_ROOT") {
        return PathBuf::from(p);
    }
    let holds = |d: &Path| d.join("checks").join("scenarios").is_dir();
    let exe = std::env::current_exe().ok();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let from_exe = exe.as_deref().and_then(|e| e.ancestors().find(|d| holds(d)));
    from_exe.or_else(|| cwd.ancestors().find(|d| holds(d))).map(Path::to_path_buf).unwrap_or(cwd)
}
