//! Module statements: `modprobe -r MODULE` and `rmmod MODULE` (each may end in `&`).
//!
//! They unload the module of a link type in the model (`rtnl_model::module`); `conform` refuses
//! them, since on a real machine they delete that kind's devices in every namespace.

use super::{quote, Cursor, Fail, PResult};
use rtnl_model::script::{Op, UnloadTool};

impl Cursor<'_, '_> {
    /// What follows `modprobe` (`tool` is `ModprobeR`) or `rmmod`: the options, one module
    /// name, the end of the line.
    pub(super) fn module_statement(&mut self, tool: UnloadTool) -> PResult<Op> {
        let mut remove = tool == UnloadTool::Rmmod;
        while let Some(opt) = self.peek().filter(|t| t.text.starts_with('-')) {
            match (tool, opt.text) {
                (UnloadTool::ModprobeR, "-r" | "--remove") if !remove => {
                    remove = true;
                    self.pos += 1;
                }
                (UnloadTool::ModprobeR, "-r" | "--remove") => {
                    return Err(Fail::new(opt.span(), format!("{} given twice", quote(opt.text)), "duplicate argument"))
                }
                (UnloadTool::Rmmod, "-f" | "--force") => {
                    return Err(Fail::new(
                        opt.span(),
                        format!("{} (forced unload) is not part of this language", quote(opt.text)),
                        "not part of this language",
                    ))
                }
                _ => {
                    let known = match tool {
                        UnloadTool::ModprobeR => "-r",
                        UnloadTool::Rmmod => "no option",
                    };
                    return Err(Fail::new(
                        opt.span(),
                        format!(
                            "unknown option {} of {}; this language knows {known}",
                            quote(opt.text),
                            tool.program()
                        ),
                        "unknown option",
                    ));
                }
            }
        }
        if !remove {
            let span = self.peek().map_or(self.eol..self.eol, |t| t.span());
            return Err(Fail::new(
                span,
                "expected \"-r\" after \"modprobe\": this language only unloads modules (modprobe -r MODULE)",
                "expected \"-r\"",
            ));
        }
        let Some(tok) = self.peek() else {
            return Err(self.expected("a module name"));
        };
        let known = rtnl_model::module_names();
        if tok.text == "netkit" {
            return Err(Fail::new(
                tok.span(),
                "netkit is built into the kernel (CONFIG_NETKIT is bool): it cannot be unloaded",
                "not a module",
            ));
        }
        if !known.contains(&tok.text) {
            return Err(Fail::new(
                tok.span(),
                format!("unknown module {}; this language knows {}", quote(tok.text), known.join(", ")),
                "unknown module",
            ));
        }
        self.pos += 1;
        if self.peek().is_some() {
            return Err(self.expected("end of line (one module a line)"));
        }
        Ok(Op::ModuleRemove { module: tok.text.to_owned(), tool })
    }
}
