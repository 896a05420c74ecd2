//! The lock-order graph: lockdep's class dependency graph, merged across every explored execution.
//!
//! One execution rarely deadlocks: an ABBA needs two threads to interleave just so. Lockdep finds
//! such bugs anyway because it remembers every "acquired B while holding A" it has ever seen, per
//! lock *class*, and complains when a new dependency closes a cycle. [`LockGraph`] does the same
//! with the [`LockEdge`]s the model records, so two executions that each took the locks in one
//! order are enough to report the inversion.
//!
//! Three kinds of [`LockReport`], worded as lockdep words them:
//! - a new class dependency closes a cycle: "possible circular locking dependency detected";
//! - a class nested inside itself with the same key, or at all when the class has no instance
//!   order ([`LockClass::nests_by_key`] is false): "possible recursive locking detected";
//! - two instances of a key-ordered class (`&net->rtnl_mutex`, `&net->dev_unreg_lock`) nested in
//!   descending key order. The kernel's lockdep prints this one under "possible recursive locking
//!   detected" too (its `check_deadlock()` consults the class's `cmp_fn`), but the hazard is an
//!   ABBA between two instances against the order every other path follows, so it is rendered as
//!   a circular dependency between the two instances, with lockdep's "and the lock comparison
//!   function returns 1:" line and the ascending nesting as the existing chain when it was seen.
//!
//! Same-class nestings never become graph edges (lockdep has no self-loops either); they are
//! checked per edge by key.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::VecDeque;
use std::ffi::OsStr;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::process::{Command, ExitStatus, Stdio};

use petgraph::algo::{is_cyclic_directed, tarjan_scc};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use rtnl_model::lockdep::{LockClass, LockEdge, LockId};
use serde::{Deserialize, Serialize};

/// How many distinct example edges (by call-site pair) a class dependency keeps: enough to show
/// that several code paths share an order, bounded so that merging stays O(1) per edge.
pub const MAX_EXAMPLES: usize = 4;

/// Lockdep's usage string for a lock only ever taken in process context with interrupts enabled,
/// which is every lock and pseudo-lock the model has.
const USAGE: &str = "{+.+.}";

/// A node: one lock class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassNode {
    pub class: LockClass,
    /// The name lockdep prints for the class (see [`class_name`]).
    pub name: String,
}

/// A class dependency: some thread, in some execution, acquired a `to` while holding a `from`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassEdge {
    pub from: LockClass,
    pub to: LockClass,
    /// The first edge seen for this pair, then up to [`MAX_EXAMPLES`] in all with distinct
    /// call-site pairs, for reports.
    pub examples: Vec<LockEdge>,
    /// How many instance edges were merged into this one.
    pub count: u64,
}

impl ClassEdge {
    /// The first edge seen for the pair; every class edge has one.
    pub fn first(&self) -> Option<&LockEdge> {
        self.examples.first()
    }
}

/// What a [`LockReport`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReportKind {
    /// A new class dependency closes a cycle in the class graph (ABBA, or a longer chain).
    CircularDependency,
    /// A class nested inside itself: same key, or a class whose instances have no order.
    RecursiveLocking,
    /// Two instances of a key-ordered class nested in descending key order.
    OrderWithinClass,
}

impl LockReportKind {
    /// Lockdep's headline for the report.
    pub fn title(self) -> &'static str {
        match self {
            LockReportKind::CircularDependency | LockReportKind::OrderWithinClass => {
                "possible circular locking dependency detected"
            }
            LockReportKind::RecursiveLocking => "possible recursive locking detected",
        }
    }
}

/// One violation, found when `new_edge` was added. [`fmt::Display`] renders it as lockdep would.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockReport {
    pub kind: LockReportKind,
    /// The dependency whose insertion found the problem: its thread held `from` (at `from_site`)
    /// and was acquiring `to` (at `to_site`).
    pub new_edge: LockEdge,
    /// Lock names from the new lock around to the held one, lockdep's "Chain exists of:" order.
    /// Class names for a circular dependency; instance names for same-class reports.
    pub chain: Vec<String>,
    /// The class of each entry of `chain`.
    pub classes: Vec<LockClass>,
    /// The recorded dependencies `chain[i] -> chain[i + 1]` (first example of each) that, with
    /// `new_edge`, close the loop. Empty for recursive locking, and for a descending nesting whose
    /// ascending counterpart was never seen.
    pub existing: Vec<LockEdge>,
    /// For key-ordered classes, what the class's comparison function returns for (held, new):
    /// 0 for equal keys, 1 for descending order.
    pub cmp: Option<i8>,
}

/// Why an SVG could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error(
        "graphviz is not installed: `{0}` was not found on PATH. Install graphviz \
         (`apt-get install graphviz`, `brew install graphviz`, or run .ci/install-deps.sh as root), \
         or use the DOT output (`to_dot()`) instead"
    )]
    DotNotFound(String),
    #[error("could not run `dot -Tsvg`: {0}")]
    Io(#[from] std::io::Error),
    #[error("`dot -Tsvg` failed ({status}): {stderr}")]
    DotFailed { status: ExitStatus, stderr: String },
    #[error("`dot -Tsvg` produced output that is not UTF-8")]
    NotUtf8,
}

/// Lockdep's dependency graph over lock classes, merged across executions.
#[derive(Debug, Default, Clone)]
pub struct LockGraph {
    graph: DiGraph<ClassNode, ClassEdge>,
    nodes: HashMap<LockClass, NodeIndex>,
    /// Class pair -> its edge, so that a repeated dependency costs one lookup.
    pairs: HashMap<(LockClass, LockClass), EdgeIndex>,
    /// Ascending same-class nestings seen, by (class, lower key, higher key): the "existing
    /// dependency" shown when the descending nesting of the same two instances turns up.
    nested: HashMap<(LockClass, u64, u64), LockEdge>,
    /// Same-class nestings already reported, so that executions repeating one do not repeat the
    /// report.
    nest_reported: HashSet<(LockClass, u64, u64)>,
    reports: Vec<LockReport>,
}

impl LockGraph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges one execution's edges; returns the violations they reveal that were not known.
    pub fn add_edges(&mut self, edges: &[LockEdge]) -> Vec<LockReport> {
        edges.iter().filter_map(|e| self.add_edge(e)).collect()
    }

    /// Merges one edge. A cycle is reported by the edge that closes it, as lockdep does.
    pub fn add_edge(&mut self, edge: &LockEdge) -> Option<LockReport> {
        let report = if edge.from.class == edge.to.class {
            self.node(&edge.from);
            self.node(&edge.to);
            self.check_same_class(edge)
        } else {
            self.add_class_edge(edge)
        };
        if let Some(r) = &report {
            self.reports.push(r.clone());
        }
        report
    }

    /// Number of lock classes seen (including ones only ever nested in themselves).
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of distinct class dependencies (self-nesting excluded).
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Whether the class graph has no cycle. Same-class violations do not count here; see
    /// [`LockGraph::is_clean`].
    pub fn is_acyclic(&self) -> bool {
        !is_cyclic_directed(&self.graph)
    }

    /// Whether nothing at all was reported.
    pub fn is_clean(&self) -> bool {
        self.reports.is_empty()
    }

    /// Every violation found so far, in the order found.
    pub fn reports(&self) -> &[LockReport] {
        &self.reports
    }

    /// The class dependencies, in first-seen order.
    pub fn class_edges(&self) -> impl Iterator<Item = &ClassEdge> + '_ {
        self.graph.edge_weights()
    }

    /// The petgraph graph, for analyses this module does not offer.
    pub fn graph(&self) -> &DiGraph<ClassNode, ClassEdge> {
        &self.graph
    }

    /// One line per class dependency, `from -> to  [first call site]`, sorted.
    pub fn to_text(&self) -> String {
        let mut lines: Vec<String> = self
            .graph
            .edge_references()
            .map(|e| {
                let site = e.weight().first().map(|x| x.to_site.to_string()).unwrap_or_default();
                format!("{} -> {}  [{}]", self.graph[e.source()].name, self.graph[e.target()].name, site)
            })
            .collect();
        lines.sort();
        let mut out = String::new();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }

    /// Graphviz DOT: nodes labelled by lockdep name, edges by their first call site; edges on a
    /// cycle (both ends in one strongly connected component) in red.
    pub fn to_dot(&self) -> String {
        let mut scc_of = vec![usize::MAX; self.graph.node_count()];
        for (i, scc) in tarjan_scc(&self.graph).iter().enumerate() {
            if scc.len() > 1 {
                for n in scc {
                    if let Some(slot) = scc_of.get_mut(n.index()) {
                        *slot = i;
                    }
                }
            }
        }
        let on_cycle = |a: NodeIndex, b: NodeIndex| {
            let sa = scc_of.get(a.index()).copied().unwrap_or(usize::MAX);
            sa != usize::MAX && Some(&sa) == scc_of.get(b.index())
        };

        let mut out = String::from("digraph lockdep {\n  node [shape=box];\n");
        for n in self.graph.node_indices() {
            let _ = writeln!(out, "  n{} [label=\"{}\"];", n.index(), dot_escape(&self.graph[n].name));
        }
        for e in self.graph.edge_references() {
            let site = e.weight().first().map(|x| x.to_site.to_string()).unwrap_or_default();
            let red = if on_cycle(e.source(), e.target()) { ", color=red, fontcolor=red" } else { "" };
            let _ = writeln!(
                out,
                "  n{} -> n{} [label=\"{}\"{red}];",
                e.source().index(),
                e.target().index(),
                dot_escape(&site)
            );
        }
        out.push_str("}\n");
        out
    }

    /// The graph as SVG, through graphviz's `dot -Tsvg`.
    pub fn to_svg(&self) -> Result<String, GraphError> {
        self.to_svg_with("dot")
    }

    /// [`LockGraph::to_svg`] with another `dot` program (a path, or a name looked up on PATH).
    pub fn to_svg_with(&self, dot_program: impl AsRef<OsStr>) -> Result<String, GraphError> {
        render_svg(dot_program.as_ref(), &self.to_dot())
    }

    fn node(&mut self, id: &LockId) -> NodeIndex {
        let name = class_name(id);
        match self.nodes.get(&id.class) {
            Some(&n) => {
                // Two pseudo-lock instances of one class with different full names (two
                // workqueues): only the generic class name is true of both.
                if let Some(w) = self.graph.node_weight_mut(n) {
                    let generic = id.class.lockdep_name();
                    if w.name != name && w.name != generic {
                        w.name = generic.to_string();
                    }
                }
                n
            }
            None => {
                let n = self.graph.add_node(ClassNode { class: id.class, name: name.to_string() });
                self.nodes.insert(id.class, n);
                n
            }
        }
    }

    fn add_class_edge(&mut self, edge: &LockEdge) -> Option<LockReport> {
        let (from, to) = (self.node(&edge.from), self.node(&edge.to));
        if let Some(&e) = self.pairs.get(&(edge.from.class, edge.to.class)) {
            if let Some(w) = self.graph.edge_weight_mut(e) {
                w.count = w.count.saturating_add(1);
                if w.examples.len() < MAX_EXAMPLES
                    && !w.examples.iter().any(|x| x.from_site == edge.from_site && x.to_site == edge.to_site)
                {
                    w.examples.push(edge.clone());
                }
            }
            return None;
        }
        // A path from the new lock back to the held one, before the edge exists, is exactly a
        // cycle closed by this edge; breadth-first gives lockdep's shortest chain.
        let path = self.shortest_path(to, from);
        let weight = ClassEdge { from: edge.from.class, to: edge.to.class, examples: vec![edge.clone()], count: 1 };
        let e = self.graph.add_edge(from, to, weight);
        self.pairs.insert((edge.from.class, edge.to.class), e);
        let path = path?;

        let existing: Vec<LockEdge> =
            path.iter().filter_map(|&p| self.graph.edge_weight(p).and_then(|w| w.first()).cloned()).collect();
        let mut chain = vec![class_name(&edge.to).to_string()];
        let mut classes = vec![edge.to.class];
        for dep in &existing {
            chain.push(class_name(&dep.to).to_string());
            classes.push(dep.to.class);
        }
        Some(LockReport {
            kind: LockReportKind::CircularDependency,
            new_edge: edge.clone(),
            chain,
            classes,
            existing,
            cmp: None,
        })
    }

    fn shortest_path(&self, start: NodeIndex, goal: NodeIndex) -> Option<Vec<EdgeIndex>> {
        let mut via: Vec<Option<EdgeIndex>> = vec![None; self.graph.node_count()];
        let mut seen = vec![false; self.graph.node_count()];
        *seen.get_mut(start.index())? = true;
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            if n == goal {
                let mut path = Vec::new();
                let mut cur = goal;
                while cur != start {
                    let e = (*via.get(cur.index())?)?;
                    path.push(e);
                    cur = self.graph.edge_endpoints(e)?.0;
                }
                path.reverse();
                return Some(path);
            }
            for e in self.graph.edges(n) {
                let t = e.target();
                if let Some(s) = seen.get_mut(t.index()) {
                    if !*s {
                        *s = true;
                        if let Some(v) = via.get_mut(t.index()) {
                            *v = Some(e.id());
                        }
                        queue.push_back(t);
                    }
                }
            }
        }
        None
    }

    fn check_same_class(&mut self, edge: &LockEdge) -> Option<LockReport> {
        let class = edge.from.class;
        let (held, new) = (edge.from.key, edge.to.key);
        let ordered = class.nests_by_key();
        if ordered && held < new {
            self.nested.entry((class, held, new)).or_insert_with(|| edge.clone());
            return None;
        }
        if !self.nest_reported.insert((class, held, new)) {
            return None;
        }
        let (kind, existing) = if ordered && held > new {
            let seen = self.nested.get(&(class, new, held)).cloned();
            (LockReportKind::OrderWithinClass, seen.into_iter().collect())
        } else {
            (LockReportKind::RecursiveLocking, Vec::new())
        };
        Some(LockReport {
            kind,
            new_edge: edge.clone(),
            chain: vec![edge.to.name.clone(), edge.from.name.clone()],
            classes: vec![class, class],
            existing,
            cmp: ordered.then_some(if held == new { 0 } else { 1 }),
        })
    }
}

/// The name lockdep prints for `id`'s class. Pseudo-locks such as `(wq_completion)rtnl_net` carry
/// their full class name in the instance name (lockdep has one class per workqueue), so an
/// instance name that extends the generic class name is the better class name.
pub fn class_name(id: &LockId) -> &str {
    let generic = id.class.lockdep_name();
    if id.name.starts_with(generic) {
        &id.name
    } else {
        generic
    }
}

/// `print_lock()`'s description, with the instance name where lockdep prints the address.
fn lock_desc(id: &LockId) -> String {
    let class = class_name(id);
    if id.name == class {
        format!("({class}){USAGE}")
    } else {
        format!("{} ({class}){USAGE}", id.name)
    }
}

impl fmt::Display for LockReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = self.kind.title();
        let rule = |c: char| c.to_string().repeat(title.len() + "WARNING: ".len());
        writeln!(f, "{}", rule('='))?;
        writeln!(f, "WARNING: {title}")?;
        writeln!(f, "{}", rule('-'))?;
        let e = &self.new_edge;
        writeln!(f, "{} is trying to acquire lock:", e.thread)?;
        writeln!(f, "  {}, at: {}", lock_desc(&e.to), e.to_site)?;
        writeln!(f)?;
        writeln!(f, "but task is already holding lock:")?;
        writeln!(f, "  {}, at: {}", lock_desc(&e.from), e.from_site)?;
        if let Some(c) = self.cmp {
            writeln!(f, "and the lock comparison function returns {c}:")?;
        }
        match self.kind {
            LockReportKind::RecursiveLocking => self.fmt_recursive(f),
            LockReportKind::CircularDependency | LockReportKind::OrderWithinClass => self.fmt_circular(f),
        }
    }
}

impl LockReport {
    fn fmt_recursive(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (held, new) = (&self.new_edge.from.name, &self.new_edge.to.name);
        writeln!(f)?;
        writeln!(f, "other info that might help us debug this:")?;
        writeln!(f, " Possible unsafe locking scenario:")?;
        writeln!(f)?;
        writeln!(f, "       CPU0")?;
        writeln!(f, "       ----")?;
        writeln!(f, "  lock({held});")?;
        writeln!(f, "  lock({new});")?;
        writeln!(f)?;
        writeln!(f, " *** DEADLOCK ***")?;
        writeln!(f)?;
        write!(f, " May be due to missing lock nesting notation")
    }

    fn fmt_circular(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let within = self.kind == LockReportKind::OrderWithinClass;
        // Chain entries name classes, as lockdep does; within one class only instances differ.
        let entry_name = |id: &LockId| if within { lock_desc(id) } else { format!("({}){USAGE}", class_name(id)) };
        writeln!(f)?;
        if self.existing.is_empty() {
            writeln!(f, "which lock the class's lock comparison function orders after the new lock")?;
            writeln!(f, "(ascending key, init_net first): a task nesting them in that order deadlocks with this one.")?;
        } else {
            writeln!(f, "which lock already depends on the new lock.")?;
            writeln!(f)?;
            writeln!(f, "the existing dependency chain (in reverse order) is:")?;
            for (i, dep) in self.existing.iter().enumerate().rev() {
                fmt_entry(f, i + 1, &entry_name(&dep.to), dep)?;
            }
            fmt_entry(f, 0, &entry_name(&self.new_edge.to), &self.new_edge)?;
        }
        writeln!(f)?;
        writeln!(f, "other info that might help us debug this:")?;
        writeln!(f)?;
        let n = self.chain.len();
        let source = self.chain.first().map_or("?", String::as_str);
        let target = self.chain.last().map_or("?", String::as_str);
        let parent = n.checked_sub(2).and_then(|i| self.chain.get(i)).map_or("?", String::as_str);
        if n > 2 {
            writeln!(f, "Chain exists of:")?;
            writeln!(f, "  {}", self.chain.join(" --> "))?;
            writeln!(f)?;
        }
        writeln!(f, " Possible unsafe locking scenario:")?;
        writeln!(f)?;
        writeln!(f, "       CPU0                    CPU1")?;
        writeln!(f, "       ----                    ----")?;
        writeln!(f, "  lock({target});")?;
        writeln!(f, "                               lock({parent});")?;
        writeln!(f, "                               lock({target});")?;
        writeln!(f, "  lock({source});")?;
        writeln!(f)?;
        write!(f, " *** DEADLOCK ***")
    }
}

/// One "-> #n" entry: where the lock was taken, and what its thread held then (the model's
/// stand-in for the rest of lockdep's stack trace).
fn fmt_entry(f: &mut fmt::Formatter<'_>, depth: usize, name: &str, dep: &LockEdge) -> fmt::Result {
    writeln!(f)?;
    writeln!(f, "-> #{depth} {name}:")?;
    writeln!(f, "       {}", dep.to_site)?;
    writeln!(f, "       holding {} since {} [{}]", dep.from.name, dep.from_site, dep.thread)
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn render_svg(program: &OsStr, dot: &str) -> Result<String, GraphError> {
    let mut child = Command::new(program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GraphError::DotNotFound(program.to_string_lossy().into_owned()),
            _ => GraphError::Io(e),
        })?;
    let stdin = child.stdin.take();
    // Feed stdin from another thread so that neither side can block on a full pipe.
    let (written, output) = std::thread::scope(|s| {
        let writer = s.spawn(move || match stdin {
            Some(mut w) => w.write_all(dot.as_bytes()),
            None => Ok(()),
        });
        let output = child.wait_with_output();
        (writer.join(), output)
    });
    let output = output?;
    if !output.status.success() {
        return Err(GraphError::DotFailed {
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    match written {
        Ok(r) => r?,
        Err(_) => return Err(GraphError::Io(std::io::Error::other("the thread writing to dot panicked"))),
    }
    String::from_utf8(output.stdout).map_err(|_| GraphError::NotUtf8)
}
