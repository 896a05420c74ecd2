//! Lexer and recursive-descent parser for the scenario language (see the parent module).
//!
//! Lines are split on spaces and tabs, as `sh` splits words; there is no quoting, so the
//! shell metacharacters that would change a line's meaning are rejected instead of being
//! half-understood. Errors carry byte spans into the whole source; line and column are
//! derived from the span when the error is built, so they can never disagree.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use rtnl_model::script::{Command, LinkKind, Loc, Op, Release, Script, Step, UnloadTool};
use thiserror::Error;

mod module;

/// A scenario that does not parse: where (span, line, column) and what was expected.
///
/// The source text travels with the error (shared, so the error stays small) so that a
/// miette report can show the offending line.
#[derive(Debug, Error, Diagnostic)]
#[error("{}:{line}:{col}: {message}", src.name())]
#[diagnostic(code(rtnl::scenario::parse))]
pub struct ParseError {
    #[source_code]
    src: Arc<NamedSource<String>>,
    #[label("{label}")]
    span: SourceSpan,
    line: usize,
    col: usize,
    message: String,
    label: String,
}

impl ParseError {
    /// The name the source was parsed under (a script name or a path).
    pub fn source_name(&self) -> &str {
        self.src.name()
    }

    /// The whole source text the span points into.
    pub fn source_text(&self) -> &str {
        self.src.inner()
    }

    /// Byte range of the offending text in [`Self::source_text`]; empty at the end of a line
    /// when something is missing.
    pub fn span(&self) -> Range<usize> {
        self.span.offset()..self.span.offset() + self.span.len()
    }

    /// 1-based line of the span's start.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column of the span's start, counted in characters (not bytes).
    pub fn col(&self) -> usize {
        self.col
    }

    /// What was expected and what was found, without the location prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Words of the grammar (and a few common iproute2 ones) that are never names: iproute2
/// would read them as keywords, so a script using one as a name means something else.
const KEYWORDS: &[&str] = &[
    "add",
    "address",
    "bareudp",
    "del",
    "delete",
    "dev",
    "down",
    "dstport",
    "ethertype",
    "geneve",
    "group",
    "help",
    "id",
    "ipip",
    "ipvlan",
    "ipvtap",
    "link",
    "link-netns",
    "link-netnsid",
    "list",
    "local",
    "macvlan",
    "master",
    "mode",
    "mtu",
    "name",
    "netkit",
    "netns",
    "nomaster",
    "peer",
    "remote",
    "set",
    "show",
    "type",
    "until",
    "up",
    "veth",
    "vxcan",
    "vxlan",
];

const LINK_TYPES: &str = "veth, vxcan, netkit, ipvlan, ipvtap, macvlan, bareudp, vxlan, geneve, ipip";
const IPVLAN_MODES: &[&str] = &["l2", "l3", "l3s"];
const MACVLAN_MODES: &[&str] = &["private", "vepa", "bridge", "passthru", "source"];
const ETHERTYPES: &[&str] = &["ipv4", "ipv6", "mpls_uc", "mpls_mc", "ip"];
/// Characters that make `sh` read a line as something other than one simple command.
const SHELL_META: &[char] = &[';', '|', '<', '>', '(', ')', '$', '`', '"', '\'', '\\'];
/// Longest token shown in a message; the rest is elided.
const QUOTE_MAX_CHARS: usize = 40;
/// IFNAMSIZ - 1: the kernel keeps device names NUL-terminated in 16 bytes.
const DEV_NAME_MAX: usize = 15;
/// NAME_MAX: a netns name is a file name under /run/netns.
const NETNS_NAME_MAX: usize = 255;
/// Longest tracker name of `netdev_hold`.
const TRACKER_NAME_MAX: usize = 32;
/// A VXLAN or GENEVE network identifier has 24 bits (IFLA_VXLAN_ID, IFLA_GENEVE_ID).
const VNI_MAX: u64 = (1 << 24) - 1;

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Why the kernel's dev_valid_name() (net/core/dev.c) rejects `name`, if it does. `%` is
/// refused too: the kernel would treat the name as a dev_alloc_name() pattern and pick a
/// name the rest of the script cannot know.
fn dev_name_problem(name: &str) -> Option<String> {
    // The kernel's isspace(): the ASCII whitespace plus Latin-1 NBSP (0xa0), byte-wise.
    let kernel_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0xa0);
    if name.is_empty() {
        Some("a device name cannot be empty".into())
    } else if name.len() > DEV_NAME_MAX {
        Some(format!("a device name is at most {DEV_NAME_MAX} bytes, this one has {}", name.len()))
    } else if name == "." || name == ".." {
        Some("a device name cannot be \".\" or \"..\"".into())
    } else if let Some(c) = name.chars().find(|c| matches!(c, '/' | ':' | '%' | '\0')) {
        Some(format!("a device name may not contain {c:?}"))
    } else if name.bytes().any(kernel_space) {
        Some("a device name may not contain whitespace".into())
    } else {
        None
    }
}

/// Why `name` cannot name a netns (a file under /run/netns), if it cannot.
fn netns_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a netns name cannot be empty".into())
    } else if name.len() > NETNS_NAME_MAX {
        Some(format!("a netns name is at most {NETNS_NAME_MAX} bytes, this one has {}", name.len()))
    } else if name == "." || name == ".." {
        Some("a netns name cannot be \".\" or \"..\"".into())
    } else {
        // Control characters too: a carriage return would make a CRLF line ambiguous.
        let bad = name.chars().find(|&c| c == '/' || c.is_control());
        bad.map(|c| format!("a netns name may not contain {c:?}"))
    }
}

/// A token for messages: quoted, escaped, and shortened if long.
fn quote(text: &str) -> String {
    if text.chars().count() > QUOTE_MAX_CHARS {
        let head: String = text.chars().take(QUOTE_MAX_CHARS).collect();
        format!("{:?}…", head)
    } else {
        format!("{text:?}")
    }
}

/// A number as iproute2's get_u32(.., 0) reads the common cases: decimal or `0x` hex.
fn parse_number(text: &str) -> Option<u64> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// A word of a line, with its absolute byte offset in the source.
#[derive(Clone, Copy, Debug)]
struct Tok<'a> {
    text: &'a str,
    start: usize,
}

impl Tok<'_> {
    fn span(&self) -> Range<usize> {
        self.start..self.start + self.text.len()
    }
}

/// A parse failure before it is located in the source.
#[derive(Debug)]
struct Fail {
    span: Range<usize>,
    message: String,
    label: String,
}

impl Fail {
    fn new(span: Range<usize>, message: impl Into<String>, label: impl Into<String>) -> Self {
        Fail { span, message: message.into(), label: label.into() }
    }
}

type PResult<T> = Result<T, Fail>;

/// Parses `source`; `name` becomes [`Script::name`], `display` prefixes error locations.
pub(super) fn parse(name: &str, display: &str, source: &str) -> Result<Script, ParseError> {
    parse_lines(source)
        .map(|steps| Script { name: name.to_owned(), steps })
        .map_err(|fail| locate(display, source, fail))
}

/// Turns a [`Fail`] into a [`ParseError`], computing line and column from the span.
fn locate(display: &str, source: &str, fail: Fail) -> ParseError {
    let offset = fail.span.start.min(source.len());
    let len = fail.span.len().min(source.len() - offset);
    let before = source.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    ParseError {
        src: Arc::new(NamedSource::new(display, source.to_owned())),
        span: (offset, len).into(),
        line: before.matches('\n').count() + 1,
        col: before[line_start..].chars().count() + 1,
        message: fail.message,
        label: fail.label,
    }
}

fn parse_lines(source: &str) -> PResult<Vec<Step>> {
    let mut steps = Vec::new();
    let mut base = 0;
    for (index, raw) in source.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(step) = parse_line(index + 1, line, base)? {
            steps.push(step);
        }
        base += raw.len() + 1;
    }
    check_trackers(source, &steps)?;
    Ok(steps)
}

/// The span of a `netdev_hold`/`netdev_put` line's tracker word in the source.
fn tracker_span(source: &str, cmd: &Command) -> Range<usize> {
    let line_start = source.split('\n').take(cmd.loc.line - 1).map(|l| l.len() + 1).sum::<usize>();
    let line = source[line_start..].split('\n').next().unwrap_or_default();
    let toks = lex(line, line_start);
    let mut words = Vec::new();
    let mut i = 1;
    while let Some(t) = toks.get(i) {
        // `-n NS` is an option pair, not a word of the grammar's positions.
        if t.text.starts_with('-') {
            i += 2;
            continue;
        }
        words.push(*t);
        i += 1;
    }
    let at = if matches!(cmd.op, Op::NetdevHold { .. }) { 1 } else { 0 };
    words.get(at).map_or(line_start..line_start, Tok::span)
}

/// Tracker names across the script: each `netdev_hold` names a new one, each `netdev_put` one
/// held on an earlier line and not put yet.
fn check_trackers(source: &str, steps: &[Step]) -> PResult<()> {
    let cmds = steps.iter().filter_map(|s| match s {
        Step::Run(c) | Step::Background(c) => Some(c),
        Step::Wait(_) => None,
    });
    let mut holds: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cmds.clone() {
        if let Op::NetdevHold { tracker, .. } = &c.op {
            holds.entry(tracker).or_insert(c.loc.line);
        }
    }
    let mut held: BTreeMap<&str, usize> = BTreeMap::new();
    let mut put: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cmds {
        let line = c.loc.line;
        match &c.op {
            Op::NetdevHold { tracker, .. } => {
                if let Some(first) = held.insert(tracker, line) {
                    return Err(Fail::new(
                        tracker_span(source, c),
                        format!("tracker {} is already used by the netdev_hold at line {first}", quote(tracker)),
                        "a tracker names one reference: choose another name",
                    ));
                }
            }
            Op::NetdevPut { tracker } => {
                let span = tracker_span(source, c);
                if let Some(first) = put.insert(tracker, line) {
                    return Err(Fail::new(
                        span,
                        format!("tracker {} was already put at line {first}", quote(tracker)),
                        "put twice",
                    ));
                }
                if !held.contains_key(tracker.as_str()) {
                    return Err(match holds.get(tracker.as_str()) {
                        Some(later) => Fail::new(
                            span,
                            format!("netdev_put {} before its netdev_hold at line {later}", quote(tracker)),
                            "put before hold",
                        ),
                        None => Fail::new(
                            span,
                            format!("unknown tracker {}: no netdev_hold names it", quote(tracker)),
                            "unknown tracker",
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Why `name` cannot name a tracker, if it cannot: a word of letters, digits, `_`, `-`, `.`.
fn tracker_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > TRACKER_NAME_MAX {
        Some(format!("a tracker name has 1 to {TRACKER_NAME_MAX} characters"))
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("a tracker name starts with a letter or digit".into())
    } else {
        let bad = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
        bad.map(|c| format!("a tracker name may not contain {c:?}"))
    }
}

/// Splits a line into words, dropping a comment (a word that starts with `#`, as in sh).
fn lex(line: &str, base: usize) -> Vec<Tok<'_>> {
    line.split([' ', '\t'])
        .scan(base, |offset, word| {
            let tok = Tok { text: word, start: *offset };
            *offset += word.len() + 1;
            Some(tok)
        })
        .filter(|tok| !tok.text.is_empty())
        .take_while(|tok| !tok.text.starts_with('#'))
        .collect()
}

/// Parses one line into a step, or nothing for a blank or comment line.
fn parse_line(number: usize, line: &str, base: usize) -> PResult<Option<Step>> {
    let mut toks = lex(line, base);
    let background = strip_background(&mut toks)?;
    let (Some(first), Some(last)) = (toks.first().copied(), toks.last().copied()) else {
        return match background {
            Some(amp) => Err(Fail::new(amp, "expected a command before \"&\"", "nothing to run in the background")),
            None => Ok(None),
        };
    };
    for tok in &toks {
        if let Some(i) = tok.text.find('&') {
            let at = tok.start + i;
            return Err(Fail::new(at..at + 1, "\"&\" may only end a command", "unexpected \"&\""));
        }
        if let Some(i) = tok.text.find(SHELL_META) {
            let at = tok.start + i;
            let len = tok.text[i..].chars().next().map_or(1, char::len_utf8);
            return Err(Fail::new(
                at..at + len,
                format!(
                    "unsupported shell syntax {}: a scenario line is one ip(8) command",
                    quote(&tok.text[i..i + len])
                ),
                "not part of this language",
            ));
        }
    }
    let loc = Loc { line: number, col: line[..first.start - base].chars().count() + 1 };
    let eol = last.start + last.text.len();
    let mut cur = Cursor { toks: &toks, pos: 1, eol };
    match first.text {
        "wait" => {
            cur.end()?;
            if let Some(amp) = background {
                return Err(Fail::new(amp, "\"wait\" cannot run in the background", "remove this \"&\""));
            }
            Ok(Some(Step::Wait(loc)))
        }
        "ip" => {
            let (netns, op) = cur.ip()?;
            let command = Command { loc, text: line[first.start - base..eol - base].to_owned(), netns, op };
            Ok(Some(match background {
                Some(_) => Step::Background(command),
                None => Step::Run(command),
            }))
        }
        "netdev_hold" | "netdev_put" => {
            let (netns, op) = if first.text == "netdev_hold" { cur.netdev_hold()? } else { (None, cur.netdev_put()?) };
            let command = Command { loc, text: line[first.start - base..eol - base].to_owned(), netns, op };
            Ok(Some(match background {
                Some(_) => Step::Background(command),
                None => Step::Run(command),
            }))
        }
        "modprobe" | "rmmod" => {
            let tool = if first.text == "rmmod" { UnloadTool::Rmmod } else { UnloadTool::ModprobeR };
            let op = cur.module_statement(tool)?;
            let command = Command { loc, text: line[first.start - base..eol - base].to_owned(), netns: None, op };
            Ok(Some(match background {
                Some(_) => Step::Background(command),
                None => Step::Run(command),
            }))
        }
        _ => Err(Fail::new(
            first.span(),
            format!(
                "expected \"ip\", \"netdev_hold\", \"netdev_put\", \"modprobe\", \"rmmod\" or \"wait\", found {}",
                quote(first.text)
            ),
            "not a command of this language",
        )),
    }
}

/// Removes a trailing `&` (a word of its own or glued to the last word) and returns its span.
fn strip_background(toks: &mut Vec<Tok<'_>>) -> PResult<Option<Range<usize>>> {
    let Some(last) = toks.last_mut() else {
        return Ok(None);
    };
    let Some(kept) = last.text.strip_suffix('&') else {
        return Ok(None);
    };
    let amp = last.start + kept.len();
    if kept.ends_with('&') {
        return Err(Fail::new(
            amp - 1..amp + 1,
            "\"&&\" is not part of this language: write one command a line",
            "unsupported shell syntax",
        ));
    }
    last.text = kept;
    if kept.is_empty() {
        toks.pop();
    }
    Ok(Some(amp..amp + 1))
}

/// The words of one command after its first, with the position just past the last word
/// (where "found end of line" errors point).
struct Cursor<'t, 'a> {
    toks: &'t [Tok<'a>],
    pos: usize,
    eol: usize,
}

impl<'a> Cursor<'_, 'a> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.toks.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<Tok<'a>> {
        let tok = self.peek();
        if tok.is_some() {
            self.pos += 1;
        }
        tok
    }

    /// Takes the next word if it is `word`.
    fn eat(&mut self, word: &str) -> bool {
        let found = self.peek().is_some_and(|t| t.text == word);
        if found {
            self.pos += 1;
        }
        found
    }

    /// The word before the next one, for "after X" in messages.
    fn prev(&self) -> &'a str {
        self.pos.checked_sub(1).and_then(|i| self.toks.get(i)).map_or("", |t| t.text)
    }

    /// "expected `what` after PREV, found NEXT", pointing at the next word or the line end.
    fn expected(&self, what: &str) -> Fail {
        let (span, found) = match self.peek() {
            Some(t) if is_keyword(t.text) => (t.span(), format!("keyword {}", quote(t.text))),
            Some(t) => (t.span(), quote(t.text)),
            None => (self.eol..self.eol, "end of line".to_owned()),
        };
        Fail::new(
            span,
            format!("expected {what} after {}, found {found}", quote(self.prev())),
            format!("expected {what}"),
        )
    }

    fn end(&self) -> PResult<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.expected("end of line")),
        }
    }

    /// Takes the next word as a name, checked by `problem`.
    fn name(&mut self, what: &str, problem: fn(&str) -> Option<String>) -> PResult<String> {
        let Some(tok) = self.peek().filter(|t| !is_keyword(t.text)) else {
            return Err(self.expected(what));
        };
        if let Some(why) = problem(tok.text) {
            return Err(Fail::new(
                tok.span(),
                format!("expected {what} after {}, found {} ({why})", quote(self.prev()), quote(tok.text)),
                why,
            ));
        }
        self.pos += 1;
        Ok(tok.text.to_owned())
    }

    fn dev_name(&mut self, what: &str) -> PResult<String> {
        self.name(what, dev_name_problem)
    }

    fn netns_name(&mut self) -> PResult<String> {
        self.name("a netns name", netns_name_problem)
    }

    /// Takes the next word if it is one of `choices`.
    fn choice(&mut self, what: &str, choices: &[&str]) -> PResult<String> {
        match self.peek() {
            Some(t) if choices.contains(&t.text) => {
                self.pos += 1;
                Ok(t.text.to_owned())
            }
            _ => Err(self.expected(&format!("{what} ({})", choices.join(", ")))),
        }
    }

    /// Takes the next word as a number in `range`.
    fn number(&mut self, what: &str, range: Range<u64>) -> PResult<u64> {
        let value = self.peek().and_then(|t| parse_number(t.text)).filter(|n| range.contains(n));
        match value {
            Some(n) => {
                self.pos += 1;
                Ok(n)
            }
            None => Err(self.expected(&format!("{what} ({}-{})", range.start, range.end.saturating_sub(1)))),
        }
    }

    /// Fails if `slot` is already filled: iproute2 rejects a repeated argument (duparg).
    fn once<T>(&self, slot: &Option<T>, tok: Tok<'_>) -> PResult<()> {
        match slot {
            None => Ok(()),
            Some(_) => Err(Fail::new(tok.span(), format!("{} given twice", quote(tok.text)), "duplicate argument")),
        }
    }

    /// `ip [-n NS] (netns|link) ...`
    fn ip(&mut self) -> PResult<(Option<String>, Op)> {
        let mut netns = None;
        let mut netns_opt = None;
        while let Some(opt) = self.peek().filter(|t| t.text.starts_with('-')) {
            if !matches!(opt.text, "-n" | "-netns" | "--netns") {
                return Err(Fail::new(
                    opt.span(),
                    format!("unknown option {}; this language knows only -n NS (or -netns NS)", quote(opt.text)),
                    "unknown option",
                ));
            }
            self.once(&netns, opt)?;
            self.pos += 1;
            netns = Some(self.netns_name()?);
            netns_opt = Some(opt);
        }
        let op = match self.peek() {
            Some(t) if t.text == "netns" => {
                if let Some(opt) = netns_opt {
                    return Err(Fail::new(
                        opt.span(),
                        format!("{} does not apply to \"ip netns\"", quote(opt.text)),
                        "remove this option",
                    ));
                }
                self.pos += 1;
                self.netns()?
            }
            Some(t) if t.text == "link" => {
                self.pos += 1;
                self.link()?
            }
            _ => return Err(self.expected("\"link\" or \"netns\"")),
        };
        self.end()?;
        Ok((netns, op))
    }

    /// `netdev_hold [-n NS] DEV TRACKER [until unregister|rebroadcast]`
    fn netdev_hold(&mut self) -> PResult<(Option<String>, Op)> {
        let mut netns = None;
        while let Some(opt) = self.peek().filter(|t| t.text.starts_with('-')) {
            if !matches!(opt.text, "-n" | "-netns" | "--netns") {
                return Err(Fail::new(
                    opt.span(),
                    format!("unknown option {}; netdev_hold knows only -n NS", quote(opt.text)),
                    "unknown option",
                ));
            }
            self.once(&netns, opt)?;
            self.pos += 1;
            netns = Some(self.netns_name()?);
        }
        let dev = self.dev_name("a device name")?;
        let tracker = self.name("a tracker name", tracker_name_problem)?;
        let until = if self.eat("until") {
            match self.choice("a release", &["unregister", "rebroadcast"])?.as_str() {
                "unregister" => Release::Unregister,
                _ => Release::Rebroadcast,
            }
        } else {
            Release::Put
        };
        self.end()?;
        Ok((netns, Op::NetdevHold { dev, tracker, until }))
    }

    /// `netdev_put TRACKER`
    fn netdev_put(&mut self) -> PResult<Op> {
        let tracker = self.name("a tracker name", tracker_name_problem)?;
        self.end()?;
        Ok(Op::NetdevPut { tracker })
    }

    /// `netns add|del|delete NAME`
    fn netns(&mut self) -> PResult<Op> {
        if self.eat("add") {
            Ok(Op::NetnsAdd { name: self.netns_name()? })
        } else if self.eat("del") || self.eat("delete") {
            Ok(Op::NetnsDel { name: self.netns_name()? })
        } else {
            Err(self.expected("\"add\" or \"del\""))
        }
    }

    /// `link add ...`, `link set ...`, `link del ...`
    fn link(&mut self) -> PResult<Op> {
        if self.eat("add") {
            self.link_add()
        } else if self.eat("set") {
            self.link_set()
        } else if self.eat("del") || self.eat("delete") {
            self.eat("dev");
            Ok(Op::LinkDel { name: self.dev_name("a device name")? })
        } else {
            Err(self.expected("\"add\", \"set\" or \"del\""))
        }
    }

    /// `link set [dev] NAME netns NS`, the two parts in either order.
    fn link_set(&mut self) -> PResult<Op> {
        let mut name = None;
        let mut target = None;
        while let Some(tok) = self.peek() {
            match tok.text {
                "dev" => {
                    self.once(&name, tok)?;
                    self.pos += 1;
                    name = Some(self.dev_name("a device name")?);
                }
                "netns" => {
                    self.once(&target, tok)?;
                    self.pos += 1;
                    target = Some(self.netns_name()?);
                }
                _ if name.is_none() => name = Some(self.dev_name("a device name")?),
                _ => return Err(self.expected("\"netns NS\"")),
            }
        }
        match (name, target) {
            (Some(name), Some(target)) => Ok(Op::LinkSetNetns { name, target }),
            (None, _) => Err(self.expected("a device name")),
            (Some(_), None) => Err(self.expected("\"netns NS\"")),
        }
    }

    /// `link add [name|dev] NAME [link DEV] [link-netns NS] type KIND ARGS`
    fn link_add(&mut self) -> PResult<Op> {
        let mut name = None;
        let mut link: Option<(String, Tok<'a>)> = None;
        let mut link_netns: Option<(String, Tok<'a>)> = None;
        let mut target: Option<(String, Tok<'a>)> = None;
        let type_tok = loop {
            let Some(tok) = self.peek() else {
                return Err(self.expected(if name.is_none() { "a device name" } else { "\"type\"" }));
            };
            match tok.text {
                "type" => {
                    self.pos += 1;
                    break tok;
                }
                "name" | "dev" => {
                    self.once(&name, tok)?;
                    self.pos += 1;
                    name = Some(self.dev_name("a device name")?);
                }
                "link" => {
                    self.once(&link, tok)?;
                    self.pos += 1;
                    link = Some((self.dev_name("a lower device name")?, tok));
                }
                "link-netns" => {
                    self.once(&link_netns, tok)?;
                    self.pos += 1;
                    link_netns = Some((self.netns_name()?, tok));
                }
                "netns" => {
                    self.once(&target, tok)?;
                    self.pos += 1;
                    target = Some((self.netns_name()?, tok));
                }
                _ if name.is_none() => name = Some(self.dev_name("a device name")?),
                _ => return Err(self.expected("\"type\"")),
            }
        };
        let Some(name) = name else {
            return Err(Fail::new(
                type_tok.span(),
                "expected a device name before \"type\"",
                "the new device has no name",
            ));
        };
        if let (Some((_, t)), Some((_, l))) = (&target, &link_netns) {
            // ip(8) asks the command's netns for the link netns's id; rtnl_newlink() looks the
            // id up in the target netns (get_net_ns_by_id(tgt_net, id)). Netns ids are not modelled.
            let (first, second) = if t.start < l.start { (t, l) } else { (l, t) };
            return Err(Fail::new(
                second.span(),
                format!("{} cannot be combined with {} here", quote(second.text), quote(first.text)),
                "ip(8) sends link-netns as an id of the command's netns, and the kernel reads it in the target \
                 netns; create the device in its netns with -n instead",
            ));
        }
        let Some(kind_tok) = self.bump() else {
            return Err(self.expected("a link type"));
        };
        let kind = kind_tok.text;
        // geneve takes link-netns (its socket's net, IFLA_LINK_NETNSID), not a lower device.
        let no_link_netns = matches!(kind, "veth" | "vxcan" | "netkit" | "bareudp" | "vxlan");
        if no_link_netns || kind == "geneve" || kind == "ipip" {
            let extra = if no_link_netns { link.as_ref().or(link_netns.as_ref()) } else { link.as_ref() };
            if let Some((_, tok)) = extra {
                return Err(Fail::new(
                    tok.span(),
                    format!("{} does not apply to {kind}", quote(tok.text)),
                    format!("{kind} has no lower device"),
                ));
            }
        }
        let kind = match kind {
            "veth" => {
                let (peer, peer_netns) = self.peer()?;
                LinkKind::Veth { peer, peer_netns }
            }
            "vxcan" => {
                let (peer, peer_netns) = self.peer()?;
                LinkKind::Vxcan { peer, peer_netns }
            }
            "netkit" => {
                let (peer, peer_netns) = self.peer()?;
                LinkKind::Netkit { peer, peer_netns }
            }
            "ipvlan" | "ipvtap" | "macvlan" => {
                let Some((link, _)) = link else {
                    return Err(Fail::new(
                        kind_tok.span(),
                        format!("{kind} needs \"link DEV\" before \"type\""),
                        "no lower device",
                    ));
                };
                let link_netns = link_netns.map(|(ns, _)| ns);
                if kind == "ipvlan" {
                    let mode = self.mode("an ipvlan mode", IPVLAN_MODES)?;
                    LinkKind::Ipvlan { link, link_netns, mode }
                } else if kind == "ipvtap" {
                    let mode = self.mode("an ipvtap mode", IPVLAN_MODES)?;
                    LinkKind::Ipvtap { link, link_netns, mode }
                } else {
                    let mode = self.mode("a macvlan mode", MACVLAN_MODES)?;
                    LinkKind::Macvlan { link, link_netns, mode }
                }
            }
            "bareudp" => self.bareudp(kind_tok)?,
            "vxlan" => self.vxlan(kind_tok)?,
            "geneve" => self.geneve(kind_tok, link_netns.map(|(ns, _)| ns))?,
            "ipip" => self.ipip(link_netns.map(|(ns, _)| ns))?,
            other => {
                return Err(Fail::new(
                    kind_tok.span(),
                    format!("unknown link type {}; this language knows {LINK_TYPES}", quote(other)),
                    "unknown link type",
                ))
            }
        };
        Ok(Op::LinkAdd { name, target: target.map(|(ns, _)| ns), kind })
    }

    /// `peer [name] PEER [netns NS]`, the parts after `peer` in any order (veth and vxcan):
    /// the peer's name and net.
    fn peer(&mut self) -> PResult<(String, Option<String>)> {
        if !self.eat("peer") {
            return Err(self.expected("\"peer\""));
        }
        let mut peer = None;
        let mut peer_netns = None;
        while let Some(tok) = self.peek() {
            match tok.text {
                "name" => {
                    self.once(&peer, tok)?;
                    self.pos += 1;
                    peer = Some(self.dev_name("a peer name")?);
                }
                "netns" => {
                    self.once(&peer_netns, tok)?;
                    self.pos += 1;
                    peer_netns = Some(self.netns_name()?);
                }
                _ if peer.is_none() => peer = Some(self.dev_name("a peer name")?),
                _ => return Err(self.expected("end of line")),
            }
        }
        match peer {
            Some(peer) => Ok((peer, peer_netns)),
            None => Err(self.expected("a peer name")),
        }
    }

    /// `[mode M]`
    fn mode(&mut self, what: &str, modes: &[&str]) -> PResult<Option<String>> {
        let mut mode = None;
        while let Some(tok) = self.peek() {
            if tok.text != "mode" {
                return Err(self.expected("\"mode\" or end of line"));
            }
            self.once(&mode, tok)?;
            self.pos += 1;
            mode = Some(self.choice(what, modes)?);
        }
        Ok(mode)
    }

    /// `dstport P ethertype T`, in either order.
    fn bareudp(&mut self, kind_tok: Tok<'_>) -> PResult<LinkKind> {
        let mut dstport = None;
        let mut ethertype = None;
        while let Some(tok) = self.peek() {
            match tok.text {
                "dstport" => {
                    self.once(&dstport, tok)?;
                    self.pos += 1;
                    dstport = Some(self.port()?);
                }
                "ethertype" => {
                    self.once(&ethertype, tok)?;
                    self.pos += 1;
                    ethertype = Some(self.ethertype()?);
                }
                _ => return Err(self.expected("\"dstport\" or \"ethertype\"")),
            }
        }
        match (dstport, ethertype) {
            (Some(dstport), Some(ethertype)) => Ok(LinkKind::Bareudp { dstport, ethertype }),
            (None, _) => Err(missing(kind_tok, "bareudp", "dstport P")),
            (_, None) => Err(missing(kind_tok, "bareudp", "ethertype T")),
        }
    }

    /// `id N dstport P`, in either order.
    fn vxlan(&mut self, kind_tok: Tok<'_>) -> PResult<LinkKind> {
        let mut id = None;
        let mut dstport = None;
        while let Some(tok) = self.peek() {
            match tok.text {
                "id" => {
                    self.once(&id, tok)?;
                    self.pos += 1;
                    id = Some(self.vni("a VXLAN id")?);
                }
                "dstport" => {
                    self.once(&dstport, tok)?;
                    self.pos += 1;
                    dstport = Some(self.port()?);
                }
                _ => return Err(self.expected("\"id\" or \"dstport\"")),
            }
        }
        match (id, dstport) {
            (Some(id), Some(dstport)) => Ok(LinkKind::Vxlan { id, dstport }),
            (None, _) => Err(missing(kind_tok, "vxlan", "id N")),
            (_, None) => Err(missing(kind_tok, "vxlan", "dstport P")),
        }
    }

    /// A 24-bit network identifier (`id N` of vxlan and geneve).
    fn vni(&mut self, what: &str) -> PResult<u32> {
        let n = self.number(what, 0..VNI_MAX + 1)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// `id N remote A.B.C.D [dstport P]`, in any order; P defaults to `GENEVE_UDP_PORT`.
    fn geneve(&mut self, kind_tok: Tok<'_>, link_netns: Option<String>) -> PResult<LinkKind> {
        let mut id = None;
        let mut remote = None;
        let mut dstport = None;
        while let Some(tok) = self.peek() {
            match tok.text {
                "id" => {
                    self.once(&id, tok)?;
                    self.pos += 1;
                    id = Some(self.vni("a GENEVE id")?);
                }
                "remote" => {
                    self.once(&remote, tok)?;
                    self.pos += 1;
                    remote = Some(self.ipv4_unicast()?);
                }
                "dstport" => {
                    self.once(&dstport, tok)?;
                    self.pos += 1;
                    dstport = Some(self.port()?);
                }
                _ => return Err(self.expected("\"id\", \"remote\" or \"dstport\"")),
            }
        }
        match (id, remote) {
            (Some(id), Some(remote)) => Ok(LinkKind::Geneve {
                id,
                remote,
                dstport: dstport.unwrap_or(rtnl_model::script::GENEVE_UDP_PORT),
                link_netns,
            }),
            (None, _) => Err(missing(kind_tok, "geneve", "id N")),
            (_, None) => Err(missing(kind_tok, "geneve", "remote A.B.C.D")),
        }
    }

    /// `type ipip [remote A.B.C.D] [local A.B.C.D]`, in any order (both default to 0.0.0.0,
    /// "any", as ip(8) sends them).
    fn ipip(&mut self, link_netns: Option<String>) -> PResult<LinkKind> {
        let mut remote = None;
        let mut local = None;
        while let Some(tok) = self.peek() {
            match tok.text {
                "remote" => {
                    self.once(&remote, tok)?;
                    self.pos += 1;
                    remote = Some(self.ipv4(false)?);
                }
                "local" => {
                    self.once(&local, tok)?;
                    self.pos += 1;
                    local = Some(self.ipv4(false)?);
                }
                _ => return Err(self.expected("\"remote\" or \"local\"")),
            }
        }
        Ok(LinkKind::Ipip { remote: remote.unwrap_or_default(), local: local.unwrap_or_default(), link_netns })
    }

    /// An IPv4 address in dotted quad. A multicast one is refused as geneve_nl2info() refuses it
    /// ("Remote IPv4 address cannot be Multicast", EINVAL).
    fn ipv4_unicast(&mut self) -> PResult<[u8; 4]> {
        self.ipv4(true)
    }

    /// An IPv4 address in dotted quad; `unicast`: refuse a multicast one (geneve).
    fn ipv4(&mut self, unicast: bool) -> PResult<[u8; 4]> {
        let parsed = self.peek().and_then(|t| {
            let parts: Vec<&str> = t.text.split('.').collect();
            let octets: Vec<u8> = parts
                .iter()
                .filter(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
                .filter_map(|p| p.parse().ok())
                .collect();
            <[u8; 4]>::try_from(octets).ok().filter(|_| parts.len() == 4)
        });
        match parsed {
            Some(a) if unicast && (224..240).contains(&a[0]) => {
                let t = self.peek().map(|t| t.span()).unwrap_or(self.eol..self.eol);
                Err(Fail::new(
                    t,
                    "a multicast remote is refused by the kernel (geneve_nl2info(): EINVAL)",
                    "multicast address",
                ))
            }
            Some(a) => {
                self.pos += 1;
                Ok(a)
            }
            None => Err(self.expected("an IPv4 address (A.B.C.D)")),
        }
    }

    fn port(&mut self) -> PResult<u16> {
        let n = self.number("a UDP port", 1..u64::from(u16::MAX) + 1)?;
        Ok(u16::try_from(n).unwrap_or(u16::MAX))
    }

    /// An ethertype name (stored in lower case, as iproute2 matches it case-insensitively)
    /// or a 16-bit number (stored as written).
    fn ethertype(&mut self) -> PResult<String> {
        let tok = self.peek();
        let value = tok.and_then(|t| {
            let lower = t.text.to_ascii_lowercase();
            if ETHERTYPES.contains(&lower.as_str()) {
                Some(lower)
            } else {
                parse_number(t.text).filter(|n| *n <= u64::from(u16::MAX)).map(|_| t.text.to_owned())
            }
        });
        match value {
            Some(v) => {
                self.pos += 1;
                Ok(v)
            }
            None => Err(self.expected(&format!("an ethertype ({} or a number)", ETHERTYPES.join(", ")))),
        }
    }
}

/// A required `type` argument that never came.
fn missing(kind_tok: Tok<'_>, kind: &str, arg: &str) -> Fail {
    Fail::new(kind_tok.span(), format!("{kind} needs \"{arg}\""), format!("missing \"{arg}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_names_follow_dev_valid_name() {
        assert_eq!(dev_name_problem("veth0"), None);
        assert_eq!(dev_name_problem("a23456789012345"), None);
        assert!(dev_name_problem("a234567890123456").is_some());
        assert!(dev_name_problem(".").is_some());
        assert!(dev_name_problem("a:b").is_some());
        assert!(dev_name_problem("a\u{a0}").is_some());
        assert!(dev_name_problem("eth%d").is_some());
    }

    #[test]
    fn netns_names_are_file_names_without_control_characters() {
        assert_eq!(netns_name_problem("ns1"), None);
        assert!(netns_name_problem("a/b").is_some());
        assert!(netns_name_problem("ns1\r").is_some());
        assert!(netns_name_problem("n\u{1b}s").is_some());
    }

    #[test]
    fn numbers_are_decimal_or_hex() {
        assert_eq!(parse_number("4789"), Some(4789));
        assert_eq!(parse_number("0x12b5"), Some(4789));
        assert_eq!(parse_number("+1"), None);
        assert_eq!(parse_number("0x"), None);
        assert_eq!(parse_number("99999999999999999999999"), None);
    }
}
