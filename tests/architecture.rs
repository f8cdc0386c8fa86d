//! The architecture as tests: the engine crate depends on no web, database,
//! async or CLI crate, and no two modules of a crate import each other
//! (directly or round a loop), so dependencies flow one way:
//! import -> units -> plan -> tallies -> rules -> report -> (CLI | API | map).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const CRATES: [&str; 4] = [
    "hecmap-core",
    "hecmap-tiles",
    "hecmap-negotiation",
    "hecmap-server",
];

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates")
        .join(name)
}

/// Top-level module name -> the top-level modules it names through `crate::`.
type ModuleGraph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules named right after `crate::` at `text[start..]`: one name, or
/// each first name of a `crate::{a::x, b, c::{..}}` group.
fn named_modules(text: &str, start: usize, into: &mut BTreeSet<String>) {
    let rest = &text[start..];
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        into.insert(ident(rest));
        return;
    };
    let (mut depth, mut expect_name) = (1, true);
    let mut chars = group.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => return,
            '}' => depth -= 1,
            ',' if depth == 1 => expect_name = true,
            c if depth == 1 && expect_name && (c.is_ascii_alphabetic() || c == '_') => {
                let name = ident(&group[i..]);
                for _ in 1..name.len() {
                    chars.next();
                }
                into.insert(name);
                expect_name = false;
            }
            _ => {}
        }
    }
}

fn module_graph(krate: &str) -> ModuleGraph {
    let src = crate_dir(krate).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = ModuleGraph::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap();
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" {
            continue;
        }
        // Comments may link anywhere; only code makes a dependency.
        let code: String = fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let used = graph.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            named_modules(&code, at + "crate::".len(), used);
        }
        used.remove(&module);
        used.remove("");
    }
    graph
}

/// Every loop of modules (strongly connected components larger than one).
fn cycles(graph: &ModuleGraph) -> Vec<BTreeSet<String>> {
    let reaches = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reaches(m))).collect();
    let mut loops: Vec<BTreeSet<String>> = Vec::new();
    for (m, from_m) in &reach {
        if !from_m.contains(*m) {
            continue;
        }
        let component: BTreeSet<String> = from_m
            .iter()
            .filter(|other| reach.get(other).is_some_and(|r| r.contains(*m)))
            .cloned()
            .collect();
        if !loops.contains(&component) {
            loops.push(component);
        }
    }
    loops
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    for krate in CRATES {
        let graph = module_graph(krate);
        assert!(!graph.is_empty(), "{krate}: modules not found");
        let loops = cycles(&graph);
        assert!(
            loops.is_empty(),
            "{krate}: modules that depend on each other: {loops:?}"
        );
    }
}

#[test]
fn the_cycle_check_finds_a_planted_loop() {
    let mut graph = ModuleGraph::new();
    let mut uses = BTreeSet::new();
    named_modules("{plan::Plan, rules::{A, b::C}, tally}", 0, &mut uses);
    assert_eq!(uses, ["plan", "rules", "tally"].map(String::from).into());
    graph.insert("report".into(), uses);
    graph.insert("rules".into(), ["tally".to_string()].into());
    assert!(cycles(&graph).is_empty());
    graph.insert("tally".into(), ["report".to_string()].into());
    let loops = cycles(&graph);
    assert_eq!(loops.len(), 1);
    assert_eq!(
        loops[0],
        ["report", "rules", "tally"].map(String::from).into()
    );
}

/// The `[dependencies]` names of a crate's manifest that are not optional.
fn required_dependencies(krate: &str) -> BTreeSet<String> {
    let manifest: toml::Table = fs::read_to_string(crate_dir(krate).join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    manifest["dependencies"]
        .as_table()
        .unwrap()
        .iter()
        .filter(|(_, spec)| {
            !spec
                .get("optional")
                .and_then(|o| o.as_bool())
                .unwrap_or(false)
        })
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn the_engine_compiles_without_web_database_async_or_cli_crates() {
    let core = required_dependencies("hecmap-core");
    assert!(core.contains("geo") && core.contains("rstar"), "{core:?}");
    for forbidden in [
        "axum",
        "tower",
        "tower-http",
        "sqlx",
        "tokio",
        "utoipa",
        "clap",
        "argon2",
        "hecmap-tiles",
        "hecmap-negotiation",
        "hecmap-server",
    ] {
        assert!(
            !core.contains(forbidden),
            "hecmap-core depends on {forbidden}"
        );
    }
    // The negotiation's domain and store know nothing of HTTP.
    let negotiation = required_dependencies("hecmap-negotiation");
    for forbidden in ["axum", "tower-http", "hecmap-server", "utoipa"] {
        assert!(
            !negotiation.contains(forbidden),
            "hecmap-negotiation depends on {forbidden}"
        );
    }
}

#[test]
fn sql_lives_only_in_the_negotiation_store() {
    let src = crate_dir("hecmap-negotiation").join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let outside_store: Vec<_> = files
        .iter()
        .filter(|f| !f.strip_prefix(&src).unwrap().starts_with("store"))
        .filter(|f| fs::read_to_string(f).unwrap().contains("sqlx::"))
        .collect();
    assert!(
        outside_store.is_empty(),
        "sqlx used outside store/: {outside_store:?}"
    );
}

/// The engine's modules in the order data flows through them; a module may
/// use its own stage and earlier ones, never a later one. A new module must
/// take its place here.
const CORE_STAGES: [(&str, &[&str]); 9] = [
    (
        "foundations",
        &[
            "limits",
            "features",
            "geoid",
            "measures",
            "attributes",
            "crs",
            "geometry",
            "compactness",
            "units",
            "table",
            "lookup",
        ],
    ),
    (
        "import",
        &["source", "error", "join", "medicare", "manifest"],
    ),
    ("units", &["dataset", "index", "graph", "summary"]),
    ("plan", &["plan", "unitset"]),
    ("tallies", &["tally", "shape"]),
    ("rules", &["rules", "need"]),
    ("report", &["profile", "validate", "report", "export"]),
    // Searches over validated plans: repair options.
    ("decisions", &["repair"]),
    // Builds datasets, plans and rules for tests and benches.
    ("fixtures", &["synthetic"]),
];

#[test]
fn engine_modules_use_only_earlier_stages() {
    let stage_of = |module: &str| {
        CORE_STAGES
            .iter()
            .position(|(_, modules)| modules.contains(&module))
    };
    let graph = module_graph("hecmap-core");
    let mut backwards = Vec::new();
    for (module, uses) in &graph {
        let here = stage_of(module)
            .unwrap_or_else(|| panic!("hecmap-core module {module} has no stage in CORE_STAGES"));
        for used in uses {
            let there = stage_of(used)
                .unwrap_or_else(|| panic!("{module} uses {used}, which has no stage"));
            if there > here {
                backwards.push(format!(
                    "{module} ({}) uses {used} ({})",
                    CORE_STAGES[here].0, CORE_STAGES[there].0
                ));
            }
        }
    }
    assert!(backwards.is_empty(), "against the flow: {backwards:#?}");
}
