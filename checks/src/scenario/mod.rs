//! The scenario language: ip(8) shell scripts, parsed into [`rtnl_model::script`] data.
//!
//! Kernel developers already write reproducers as shell scripts of `ip` commands, so a
//! scenario is one: the same file runs under `sh` on a real kernel, in private namespaces
//! through [`crate::conform`], and in the model. The language is a small subset of iproute2, one command a line:
//!
//! ```text
//! ip netns add NAME                  ip netns del|delete NAME
//! ip [-n NS] link add [name|dev] NAME [netns NS] type veth|vxcan|netkit peer [name] PEER [netns NS]
//! ip [-n NS] link add NAME [netns NS] link DEV [link-netns NS] type ipvlan|ipvtap|macvlan [mode M]
//! ip [-n NS] link add NAME [netns NS] type bareudp dstport P ethertype T
//! ip [-n NS] link add NAME [netns NS] type vxlan id N dstport P
//! ip [-n NS] link add NAME [netns NS] [link-netns NS] type geneve id N remote A.B.C.D [dstport P]
//! ip [-n NS] link add NAME [netns NS] [link-netns NS] type ipip [remote A.B.C.D] [local A.B.C.D]
//! ip [-n NS] link set [dev] NAME netns NS
//! ip [-n NS] link del|delete [dev] NAME
//! netdev_hold [-n NS] DEV TRACKER [until unregister|rebroadcast]
//! netdev_put TRACKER                 (an outside reference on DEV, as a socket or dst takes)
//! modprobe -r MODULE                 rmmod MODULE
//! COMMAND &                          (runs in the background until the next `wait`)
//! wait
//! ```
//!
//! `netns NS` before `type` creates the device in NS (the lower, the tunnel's socket and a peer
//! without its own `netns` stay in the command's namespace); it does not combine with
//! `link-netns`. `-n NS` may be spelled `-netns NS`; `#` starts a comment, whole-line or trailing. A MODULE
//! is a link type's module (`rtnl_model::module_names()`: veth, ipvlan, ipvtap, macvlan, bareudp,
//! vxlan, vxcan, geneve, ipip); a module statement unloads it machine-wide, so `conform` refuses it.
//! Parsing is purely syntactic: a command that names a missing device or namespace parses
//! fine and fails when it runs, in the model as in the kernel. Tracker names are checked
//! across the script: each `netdev_hold` names a new one, each `netdev_put` one held earlier.
//! [`command_text`] is the inverse, for scripts made from ops (generated topologies).

mod parse;
mod print;

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use rtnl_model::script::Script;
use thiserror::Error;

pub use parse::ParseError;
pub use print::command_text;

/// Parses `source`, a scenario named `name` (the file stem, used for [`Script::name`] and
/// in error messages). Stops at the first error.
pub fn parse_script(name: &str, source: &str) -> Result<Script, ParseError> {
    parse::parse(name, name, source)
}

/// Reads and parses the scenario at `path`. The script is named after the file stem;
/// errors point at the path as given.
pub fn load_script(path: &Path) -> Result<Script, ScenarioError> {
    let source =
        std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(parse::parse(&stem, &path.display().to_string(), &source)?)
}

/// Why [`load_script`] failed: the file could not be read, or it does not parse.
#[derive(Debug, Error, Diagnostic)]
pub enum ScenarioError {
    #[error("cannot read scenario {}: {source}", path.display())]
    #[diagnostic(code(rtnl::scenario::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),
}
