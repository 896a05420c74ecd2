//! The one protocol between the launcher and the backend builds. The launcher sends a
//! [`Request`] (JSON on the child's stdin) to the hidden `frames` command of the build the
//! scenarios need; the build answers one [`Frame`] per scenario, each a line
//! `MARKER json` on stdout (other output of the model's backends may come between), read back
//! with serde into the same types.

use crate::check::{check_scenario, CheckArgs, Loaded, ScenarioResult};
use crate::explore::Exploration;
use crate::launch::{backend_bin, missing};
use rtnl_model::lockdep::LockEdge;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::process::{Command, Stdio};

/// Starts every frame line.
pub const MARKER: &str = "rtnl-check-frame ";

/// A run for one build: `check`'s arguments, the files all needing that build.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    pub args: CheckArgs,
}

/// One scenario checked in every mode: what `check`, `outcomes`, `graph` and `prove` report.
#[derive(Debug, Serialize, Deserialize)]
pub struct Frame {
    pub result: ScenarioResult,
    /// Per mode's lock-order graph, each class dependency's example instance edges.
    pub class_edges: Vec<Vec<Vec<LockEdge>>>,
    /// Per mode, the trace of the first execution (`--full-trace` decides its detail).
    pub first_traces: Vec<Option<String>>,
    /// With `--html`: each mode's failing (else first) execution, re-run with its timeline.
    #[serde(default)]
    pub html_runs: Vec<crate::html::Run>,
}

impl Frame {
    pub fn new(result: ScenarioResult, explorations: &[Exploration], full_trace: bool) -> Frame {
        Frame {
            result,
            class_edges: explorations
                .iter()
                .map(|ex| ex.graph.class_edges().map(|c| c.examples.clone()).collect())
                .collect(),
            first_traces: explorations.iter().map(|ex| ex.first.as_ref().map(|r| r.format_trace(full_trace))).collect(),
            html_runs: Vec::new(),
        }
    }

    /// Checks a loaded scenario in this build.
    pub fn check(l: &Loaded, a: &CheckArgs) -> Result<Frame, String> {
        let (r, exs) = check_scenario(l, a)?;
        let html_runs = match a.html {
            Some(_) => crate::html::runs_of_check(l, a, &r, &exs)?,
            None => Vec::new(),
        };
        Ok(Frame { html_runs, ..Frame::new(r, &exs, a.full_trace) })
    }

    /// The frame's line, marker included.
    pub fn line(&self) -> Result<String, serde_json::Error> {
        Ok(format!("{MARKER}{}", serde_json::to_string(self)?))
    }
}

/// The frames in a build's stdout.
pub fn read_frames(stdout: &str) -> Result<Vec<Frame>, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(MARKER))
        .map(|j| serde_json::from_str(j).map_err(|e| format!("unreadable result from a backend build: {e}")))
        .collect()
}

/// Runs `request` in the build for `backend` and reads its frames back; the build's stderr
/// passes through (progress, errors).
pub fn run_in(backend: &str, request: &Request) -> Result<Vec<Frame>, String> {
    let bin = backend_bin(backend).ok_or_else(|| missing(backend))?;
    let json = serde_json::to_vec(request).map_err(|e| format!("cannot encode the request: {e}"))?;
    let mut child = Command::new(&bin)
        .arg("frames")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(crate::launch::child_stderr())
        .spawn()
        .map_err(|e| format!("the {backend} build of rtnl-check ({}) cannot run: {e}", bin.display()))?;
    let forward = crate::launch::forward_stderr(&mut child);
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&json).map_err(|e| format!("cannot send the request to the {backend} build: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("the {backend} build of rtnl-check: {e}"))?;
    if let Some(f) = forward {
        let _ = f.join();
    }
    let frames = read_frames(&String::from_utf8_lossy(&out.stdout))?;
    match out.status.code() {
        Some(0 | 1) => Ok(frames),
        code => Err(format!("the {backend} build of rtnl-check exited with {code:?}")),
    }
}
