//! Wakeup trees (Abdulla et al., POPL 2014, section 6): ordered trees of step sequences still
//! to explore from one state, leftmost first.

use super::Step;

/// An ordered tree; each child is a step and the tree of what follows it.
#[derive(Clone, Debug, Default)]
pub(super) struct WakeupTree {
    children: Vec<(Step, WakeupTree)>,
}

impl WakeupTree {
    pub(super) fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// The first step of each branch.
    pub(super) fn firsts(&self) -> impl Iterator<Item = &Step> {
        self.children.iter().map(|(s, _)| s)
    }

    /// Adds a one-step branch (Source-DPOR's source sets).
    pub(super) fn push(&mut self, s: Step) {
        self.children.push((s, WakeupTree::default()));
    }

    /// Removes and returns the leftmost child with its subtree.
    pub(super) fn pop_first(&mut self) -> Option<(Step, WakeupTree)> {
        if self.children.is_empty() {
            None
        } else {
            Some(self.children.remove(0))
        }
    }

    /// Inserts `v` unless the tree already has an equivalent start for it: walking down from
    /// the root, follow the leftmost child that is a weak initial of what is left of `v`; a leaf
    /// reached (or `v` used up) means some execution already explored from here covers `v`.
    /// Otherwise the rest of `v` becomes a new rightmost branch. Returns whether it grew.
    pub(super) fn insert(&mut self, v: Vec<Step>) -> bool {
        let mut rest = v;
        let mut node = self;
        let mut root = true;
        loop {
            if rest.is_empty() || (!root && node.children.is_empty()) {
                return false;
            }
            match node.children.iter().position(|(s, _)| weak_initial(*s, &rest)) {
                Some(i) => {
                    let s = node.children[i].0;
                    if let Some(at) = rest.iter().position(|r| r.tid == s.tid) {
                        rest.remove(at);
                    }
                    node = &mut node.children[i].1;
                    root = false;
                }
                None => {
                    let mut branch = WakeupTree::default();
                    for s in rest.into_iter().rev() {
                        branch = WakeupTree { children: vec![(s, branch)] };
                    }
                    node.children.extend(branch.children);
                    return true;
                }
            }
        }
    }
}

/// Whether thread `t` is an initial of `v`: it has a step in `v`, and its first one has no
/// happens-before predecessor there.
pub(super) fn initial(t: super::Tid, v: &[Step]) -> bool {
    v.iter().any(|s| s.tid == t) && weak_initial(Step::new(t, super::Op::UNKNOWN), v)
}

/// Whether thread `q` (about to perform `q.op`) is a weak initial of `v`: its first step in
/// `v` has no happens-before predecessor in `v`, or it has no step in `v` and its next step is
/// independent of all of `v`, unless that step is an `Await`: a branch of a wakeup tree that
/// ends in one may turn out not executable (its condition does not hold there), and a sequence
/// taken as covered by it would be lost.
pub(super) fn weak_initial(q: Step, v: &[Step]) -> bool {
    match v.iter().position(|s| s.tid == q.tid) {
        None => q.op.kind != super::OpKind::Await && v.iter().all(|s| !q.dependent(*s)),
        Some(f) => {
            // Mark the steps of v[..=f] that happen before v[f], walking backwards.
            let mut before = vec![false; f + 1];
            before[f] = true;
            for x in (0..f).rev() {
                before[x] = (x + 1..=f).any(|y| before[y] && (v[x].tid == v[y].tid || v[x].dependent(v[y])));
                if before[x] {
                    return false;
                }
            }
            true
        }
    }
}
