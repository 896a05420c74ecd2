//! `prove --shard K/N --save FILE` and `prove merge FILE...`: a CI matrix runs the shards on
//! separate machines, and `merge` joins their files into the report one `prove` run would have
//! made. A merged report never claims more than the shards explored: `merge` refuses files of
//! different versions, scenarios, options or shard counts, and a missing or duplicate shard.

use super::fnv::{fnv1a, FNV_START};
use super::*;

/// The fingerprint of the sources this binary was built from (build.rs).
const SOURCES: &str = env!("RTNL_SOURCES_FINGERPRINT");

/// One run of a shard, at its index in the whole plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardRun {
    pub index: usize,
    pub entry: Entry,
    pub edges: Vec<LockEdge>,
    pub wall: f64,
}

/// A shard file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardFile {
    pub generated_by: String,
    /// The model and checker sources (build.rs) and the scenario files the plan reads.
    pub sources: String,
    pub scenarios: String,
    /// `--quick`, and every run of the whole plan, in order: the options and the suites.
    pub quick: bool,
    pub plan: Vec<String>,
    pub k: usize,
    pub n: usize,
    pub modes: Vec<String>,
    pub cores: usize,
    pub seconds: f64,
    pub runs: Vec<ShardRun>,
}

/// How a planned run is named in a shard file: every field that decides what it explores.
fn describe(p: &Planned) -> String {
    format!("{p:?}")
}

/// The fingerprint of the scenario files `planned` reads.
fn scenarios_fingerprint(planned: &[Planned]) -> String {
    let mut files: Vec<&str> = planned.iter().map(|p| p.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    let h = files.iter().fold(FNV_START, |h, f| {
        let h = fnv1a(h, f.as_bytes());
        fnv1a(h, &std::fs::read(repo_root().join(f)).unwrap_or_default())
    });
    format!("{h:016x}")
}

/// Fails early when `path` cannot be written.
pub(super) fn check_writable(path: &Path) -> Result<(), CliError> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map(drop)
        .map_err(|e| CliError::Msg(format!("--save {}: {e}", path.display())))
}

/// Writes the shard file of a `prove --shard K/N --save FILE` run.
#[allow(clippy::too_many_arguments)]
pub(super) fn save(
    path: &Path,
    shard: Shard,
    quick: bool,
    all_planned: &[Planned],
    indices: &[usize],
    file: &ProofsFile,
    edges: &[(Suite, String, Vec<LockEdge>)],
    walls: &[f64],
) -> Result<(), CliError> {
    let runs = indices
        .iter()
        .zip(&file.entries)
        .zip(edges)
        .zip(walls)
        .map(|(((&index, entry), (_, _, es)), &wall)| ShardRun { index, entry: entry.clone(), edges: es.clone(), wall })
        .collect();
    let f = ShardFile {
        generated_by: format!("rtnl-check prove{} --shard {shard}", if quick { " --quick" } else { "" }),
        sources: SOURCES.into(),
        scenarios: scenarios_fingerprint(all_planned),
        quick,
        plan: all_planned.iter().map(describe).collect(),
        k: shard.k,
        n: shard.n,
        modes: file.modes.clone(),
        cores: file.cores,
        seconds: file.seconds.get("total").copied().unwrap_or(0.0),
        runs,
    };
    let json = serde_json::to_string(&f)?;
    std::fs::write(path, json + "\n").map_err(|e| CliError::Msg(format!("--save {}: {e}", path.display())))
}

/// Reads and checks the shard files; the runs of the whole plan, in its order.
pub(crate) fn join(files: &[(String, ShardFile)], planned: &[Planned]) -> Result<Vec<ShardRun>, String> {
    let Some((first_name, first)) = files.first() else { return Err("no shard files".into()) };
    let differs = |what: &str, name: &str| {
        format!("{name} and {first_name} differ in {what}: shards of one report must come from one `prove --shard K/N --save` setup")
    };
    for (name, f) in files {
        if f.sources != first.sources {
            return Err(differs("the model and checker version", name));
        }
        if f.scenarios != first.scenarios {
            return Err(differs("their scenario files", name));
        }
        if f.quick != first.quick || f.plan != first.plan {
            return Err(differs("options (the suites and runs planned)", name));
        }
        if f.n != first.n {
            return Err(format!(
                "{name} is shard {}/{} but {first_name} is shard {}/{}: different shard counts",
                f.k, f.n, first.k, first.n
            ));
        }
    }
    if first.sources != SOURCES {
        return Err(format!("{first_name} was made by another version of the model or checker than this rtnl-check"));
    }
    if first.plan != planned.iter().map(describe).collect::<Vec<_>>()
        || first.scenarios != scenarios_fingerprint(planned)
    {
        return Err(format!("{first_name} was made from other scenarios or suites than this repository's"));
    }
    let n = first.n;
    let mut by_k: BTreeMap<usize, &str> = BTreeMap::new();
    for (name, f) in files {
        if f.k == 0 || f.k > n {
            return Err(format!("{name}: shard {}/{n} is not a shard", f.k));
        }
        if let Some(other) = by_k.insert(f.k, name) {
            return Err(format!("shard {}/{n} given twice: {other} and {name}", f.k));
        }
    }
    let missing: Vec<String> = (1..=n).filter(|k| !by_k.contains_key(k)).map(|k| format!("{k}/{n}")).collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard(s) {}: a merged report never claims more than the shards explored",
            missing.join(", ")
        ));
    }
    let mut runs: Vec<Option<ShardRun>> = vec![None; planned.len()];
    for (name, f) in files {
        let shard = Shard { k: f.k, n };
        let want: Vec<usize> = (0..planned.len()).filter(|&i| shard.has(i)).collect();
        let have: Vec<usize> = f.runs.iter().map(|r| r.index).collect();
        if have != want {
            return Err(format!("{name}: shard {shard} holds runs {have:?}, its share of the plan is {want:?}"));
        }
        for r in &f.runs {
            if r.entry.key() != planned[r.index].key() {
                return Err(format!(
                    "{name}: run {} is {}, the plan says {}",
                    r.index,
                    r.entry.label(),
                    planned[r.index].label()
                ));
            }
            runs[r.index] = Some(r.clone());
        }
    }
    Ok(runs.into_iter().map(|r| r.expect("every index is some shard's")).collect())
}

/// `rtnl-check prove merge FILE...`.
pub(super) fn merge(m: &MergeArgs) -> CmdResult {
    let mut files = Vec::new();
    for path in &m.files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| CliError::Msg(format!("{name}: {e}")))?;
        let f: ShardFile = serde_json::from_str(&text)
            .map_err(|e| CliError::Msg(format!("{name}: not a shard file of `prove --shard K/N --save` ({e})")))?;
        files.push((name, f));
    }
    let quick = files.first().is_some_and(|(_, f)| f.quick);
    let suites = suites_of(quick);
    let planned = plan(suites).map_err(CliError::Msg)?;
    let runs = join(&files, &planned).map_err(CliError::Msg)?;
    if quick && !m.check && m.format == ProveFormat::Text {
        eprintln!("(quick-suite shards: the report is printed, not written)");
    }
    let mut seconds: BTreeMap<String, f64> = BTreeMap::new();
    for (r, p) in runs.iter().zip(&planned) {
        *seconds.entry(p.suite.name().into()).or_default() += r.wall;
    }
    let slowest = files.iter().map(|(_, f)| f.seconds).fold(0.0, f64::max);
    seconds.insert("total".into(), slowest);
    let (_, first) = &files[0];
    let file = ProofsFile {
        generated_by: format!("rtnl-check prove merge ({} shards)", first.n),
        modes: first.modes.clone(),
        seconds,
        cores: first.cores,
        entries: runs.iter().map(|r| r.entry.clone()).collect(),
    };
    let edges: Vec<(Suite, String, Vec<LockEdge>)> =
        runs.iter().map(|r| (r.entry.suite, r.entry.mode.clone(), r.edges.clone())).collect();
    let walls: Vec<f64> = runs.iter().map(|r| r.wall).collect();
    let how = Conclude { quick, check: m.check, format: m.format, shard: None, out: m.out.clone() };
    conclude(&how, suites, &planned, &file, &edges, &walls)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shard files an N-way split of the quick suite would write (entries stand-ins).
    fn split(n: usize) -> (Vec<Planned>, Vec<(String, ShardFile)>) {
        let planned = plan(&[Suite::Quick]).expect("plan");
        let files = (1..=n)
            .map(|k| {
                let shard = Shard { k, n };
                let runs = (0..planned.len())
                    .filter(|&i| shard.has(i))
                    .map(|index| ShardRun {
                        index,
                        entry: entry_of(&planned[index], Err("x".into())),
                        edges: Vec::new(),
                        wall: 0.0,
                    })
                    .collect();
                let f = ShardFile {
                    generated_by: "test".into(),
                    sources: SOURCES.into(),
                    scenarios: scenarios_fingerprint(&planned),
                    quick: true,
                    plan: planned.iter().map(describe).collect(),
                    k,
                    n,
                    modes: vec!["series".into()],
                    cores: 2,
                    seconds: 1.0,
                    runs,
                };
                (format!("s{k}.json"), f)
            })
            .collect();
        (planned, files)
    }

    #[test]
    fn shards_join_into_the_whole_plan_in_order() {
        let (planned, mut files) = split(3);
        files.reverse();
        let runs = join(&files, &planned).expect("join");
        assert_eq!(runs.len(), planned.len());
        assert!(runs.iter().enumerate().all(|(i, r)| r.index == i));
    }

    #[test]
    fn merge_refuses_what_would_claim_more_than_the_shards_explored() {
        let (planned, files) = split(3);
        let refused = |files: &[(String, ShardFile)], want: &str| {
            let e = join(files, &planned).expect_err(want);
            assert!(e.contains(want), "{e}");
        };
        refused(&files[..2], "missing shard(s) 3/3");
        refused(&[files[0].clone(), files[1].clone(), files[1].clone()], "shard 2/3 given twice");
        let (_, two) = split(2);
        refused(&[files[0].clone(), two[1].clone(), files[2].clone()], "different shard counts");
        let mut other = files.clone();
        other[1].1.sources = "0".into();
        refused(&other, "model and checker version");
        let mut other = files.clone();
        other[2].1.scenarios = "0".into();
        refused(&other, "scenario files");
        let mut other = files.clone();
        other[1].1.plan.pop();
        refused(&other, "options");
        let mut other = files.clone();
        other[0].1.runs.pop();
        refused(&other, "its share of the plan");
        let mut other = files.clone();
        other[0].1.runs[0].entry.mode = "rtnl-free".into();
        other[0].1.runs[0].entry.scenario = "elsewhere".into();
        refused(&other, "the plan says");
        let mut all = files.clone();
        for f in &mut all {
            f.1.sources = "0".into();
        }
        refused(&all, "another version");
    }
}
