//! Dependencies flow one way: no module of `src/` names (`crate::X`) a module of a layer above
//! its own. The layers, lowest first, are the table in `docs/architecture.md` ("Layers"); this test
//! reads every source file and checks each `crate::X` it mentions (in code or doc links) against
//! them, so a backward import fails CI instead of waiting for a reviewer.
//!
//! Between the crates, Cargo keeps the arrows one way by itself: `volscreen` depends on
//! `volscreen-core` and (feature `demo`) `volscreen-sim`, `volscreen-sim` on `volscreen-core` only,
//! and a dependency back would be a cycle Cargo refuses. What Cargo cannot see is which modules of
//! the screener reach the demo market: [`MAY_USE_SIM`].

use std::collections::BTreeSet;
use std::path::Path;

/// The layers of `src/`, lowest first. A module may use modules of its own layer and below.
const LAYERS: &[&[&str]] = &[
    // Basic types: `date`, `symbol` and `candle` are `volscreen-core`'s (re-exported), `backoff` is
    // the clients' retry delay.
    &["date", "symbol", "candle", "backoff"],
    // The configuration and the result model.
    &["config", "model"],
    // Network clients, the cache, the watchlist, the estimators.
    &["tastytrade", "dxlink", "cache", "watchlist", "vol"],
    // Plausibility at the edge; filters, score, signal; `detail`'s document (built from them).
    &["plausible", "screen", "detail"],
    // Output formats.
    &["report"],
    // The staged scan.
    &["pipeline"],
    // The command line.
    &["cli", "commands"],
];

/// The demo market (`crate::sim`, the `volscreen-sim` crate) stands beside the product: the product
/// reaches it only from the composition layers (`pipeline::source` starts the embedded demo market;
/// `commands` checks `--latency`/`--faults` and runs `sim serve`).
const MAY_USE_SIM: &[&str] = &["pipeline", "commands", "cli"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::NAME` in `text`.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(k) = rest.find("crate::") {
        let after = &rest[k + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
        rest = after;
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let p = entry.expect("a dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let module = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs").to_string())
            .expect("a module name");
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for used in crate_refs(&text) {
            if used == module {
                continue;
            }
            checked += 1;
            let ok = match (module.as_str(), used.as_str()) {
                (m, "sim") => MAY_USE_SIM.contains(&m),
                (m, u) => match (layer_of(m), layer_of(u)) {
                    (Some(a), Some(b)) => b <= a,
                    _ => false,
                },
            };
            if !ok {
                problems.push(format!("src/{}: uses crate::{used}", rel.display()));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} references checked: the scan found no sources?"
    );
    assert!(
        problems.is_empty(),
        "imports that point up a layer (docs/architecture.md, Layers):\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let lib = std::fs::read_to_string(src).expect("read lib.rs");
    for line in lib.lines() {
        if let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|r| r.strip_suffix(';'))
        {
            assert!(
                layer_of(name).is_some(),
                "module {name} has no layer in tests/it/layers.rs"
            );
        }
    }
}
