//! Judging one cell of the fault matrix against the fault-free run of the same options:
//! conservation, symbols lost, verdict changes, values changed or withheld, faults served, and
//! wall time for the http429 cells ([`judge`], [`Verdict`]).

use super::run::Run;
use super::{
    Cell, Class, MAX_EXTRA_SECS_429_NO_LATENCY, MAX_LOST_TRANSIENT, MAX_TIME_RATIO_429, WATCHDOG,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Relative tolerance for numbers (they should be identical; this absorbs formatting only).
const TOL: f64 = 1e-9;

// ---------------------------------------------------------------------------------------------
// Judging one cell against the fault-free run
// ---------------------------------------------------------------------------------------------

const LISTS: [&str; 3] = ["candidates", "rejected", "errors"];
/// Fields compared as categories (besides every numeric field).
const CATEGORICAL: [&str; 7] = [
    "asset_class",
    "stage",
    "signal",
    "expiration",
    "earnings_date",
    "expected_move_method",
    "earnings_before_expiration",
];
/// Fields compared whole for transient faults only (data faults may add an unknown).
const EXACT_FOR_TRANSIENT: [&str; 2] = ["reasons", "filters"];
/// Fields that are positions or free text, not facts about the symbol.
const IGNORED: [&str; 5] = ["rank", "notes", "warnings", "error", "unknown"];

/// symbol → (list, entry).
fn index(doc: &Value) -> BTreeMap<String, (&'static str, Value)> {
    let mut m = BTreeMap::new();
    for list in LISTS {
        for e in doc[list].as_array().into_iter().flatten() {
            let sym = e["symbol"].as_str().unwrap_or("?").to_string();
            m.insert(sym, (list, e.clone()));
        }
    }
    m
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() != 0.0 => format!("{x:.4}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// The outcome of one cell.
#[derive(Debug, Default, Clone)]
pub(super) struct Verdict {
    pub(super) counts: [usize; 3],
    /// Symbols in `errors` that the fault-free run did not have there: (symbol, "stage: error").
    pub(super) lost: Vec<(String, String)>,
    /// (symbol, from, to) for symbols outside `errors` whose list changed.
    pub(super) changes: Vec<(String, String, String)>,
    /// (symbol, field, fault-free, this run) for a changed value.
    pub(super) mismatches: Vec<(String, String, String, String)>,
    /// (symbol, field, fault-free, null) for a value withheld under a data fault.
    pub(super) withheld: Vec<(String, String, String, String)>,
    /// Notes of this run that the fault-free entry does not have, on symbols with a mismatch or a
    /// withheld value: note (symbol name replaced by `SYM`) → symbols.
    pub(super) notes: BTreeMap<String, Vec<String>>,
    /// Conservation problems: missing, duplicated or unknown symbols.
    conservation: Vec<String>,
    /// Every failed check, one line each.
    pub(super) failures: Vec<String>,
}

/// `base_secs`: the baseline wall time the time ratio is measured against.
pub(super) fn judge(
    cell: &Cell,
    run: &Run,
    base: &Run,
    base_secs: f64,
    symbols: &[String],
) -> Verdict {
    let mut v = Verdict::default();
    if run.code != Some(0) {
        v.failures.push(match run.code {
            Some(c) => format!("exit code {c}: {}", first_line(&run.stderr)),
            None if run.secs == 0.0 => first_line(&run.stderr),
            None => format!("killed after {} s", WATCHDOG.as_secs()),
        });
    }
    let Some(doc) = &run.doc else {
        v.failures.push(format!(
            "stdout is not one JSON document; stderr: {}",
            first_line(&run.stderr)
        ));
        return v;
    };
    let Some(base_doc) = &base.doc else {
        v.failures.push("the fault-free run has no document".into());
        return v;
    };
    // Conservation.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, list) in LISTS.iter().enumerate() {
        let entries = doc[*list].as_array().cloned().unwrap_or_default();
        v.counts[i] = entries.len();
        for e in entries {
            *seen
                .entry(e["symbol"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
    }
    let wanted: BTreeSet<&String> = symbols.iter().collect();
    for s in symbols {
        match seen.get(s) {
            None => v.conservation.push(format!("{s} missing")),
            Some(1) => {}
            Some(k) => v.conservation.push(format!("{s} {k} times")),
        }
    }
    for s in seen.keys() {
        if !wanted.contains(s) {
            v.conservation.push(format!("{s} not scanned"));
        }
    }
    if !v.conservation.is_empty() {
        v.failures
            .push(format!("conservation: {}", v.conservation.join(", ")));
    }
    // Lists, numbers.
    let base_ix = index(base_doc);
    let ix = index(doc);
    for (sym, (list, e)) in &ix {
        let Some((blist, be)) = base_ix.get(sym) else {
            continue;
        };
        if *list == "errors" {
            if *blist != "errors" {
                let stage = e["stage"].as_str().unwrap_or("?");
                let why = e["error"].as_str().unwrap_or("");
                v.lost.push((sym.clone(), format!("{stage}: {why}")));
                if cell.class == Class::Data && (why.trim().is_empty() || stage == "?") {
                    v.failures.push(format!(
                        "{sym} is an error without a stage and a cause: {e}"
                    ));
                }
            }
            continue;
        }
        if list != blist {
            v.changes
                .push((sym.clone(), blist.to_string(), list.to_string()));
        }
        let before = v.mismatches.len() + v.withheld.len();
        compare(cell.class, sym, be, e, &mut v);
        if v.mismatches.len() + v.withheld.len() > before {
            let old: Vec<&Value> = be["notes"].as_array().into_iter().flatten().collect();
            for n in e["notes"].as_array().into_iter().flatten() {
                if !old.contains(&n) {
                    let text = anonymise(n.as_str().unwrap_or("?"), sym);
                    v.notes.entry(text).or_default().push(sym.clone());
                }
            }
        }
    }
    let lost = v.lost.len() as f64 / symbols.len() as f64;
    if cell.class == Class::Transient && lost > MAX_LOST_TRANSIENT {
        v.failures.push(format!(
            "lost {} of {} symbols ({:.1} % > {:.0} %)",
            v.lost.len(),
            symbols.len(),
            lost * 100.0,
            MAX_LOST_TRANSIENT * 100.0
        ));
    }
    let promoted: Vec<&str> = v
        .changes
        .iter()
        .filter(|(_, from, to)| from != "candidates" && to == "candidates")
        .map(|(s, _, _)| s.as_str())
        .collect();
    if !promoted.is_empty() {
        v.failures.push(format!(
            "{} symbol(s) the fault-free run did not list as candidates became candidates: {}",
            promoted.len(),
            promoted.join(", ")
        ));
    }
    let other = v.changes.len() - promoted.len();
    if other > 0 {
        let list: Vec<String> = v
            .changes
            .iter()
            .filter(|(_, _, to)| to != "candidates")
            .map(|(s, from, to)| format!("{s} {from}→{to}"))
            .collect();
        v.failures
            .push(format!("{other} verdict change(s): {}", list.join(", ")));
    }
    if !v.mismatches.is_empty() {
        let syms: BTreeSet<&str> = v.mismatches.iter().map(|m| m.0.as_str()).collect();
        v.failures.push(format!(
            "{} value(s) differ from the fault-free run on {} symbol(s)",
            v.mismatches.len(),
            syms.len()
        ));
    }
    if cell.class != Class::Baseline && run.served.is_empty() && !cell.may_be_vacuous {
        v.failures
            .push("the market served no fault: the cell proves nothing".into());
    }
    if cell.timed {
        let ratio = run.secs / base_secs.max(0.001);
        let extra_ok = !cell.seed_latency && run.secs - base_secs <= MAX_EXTRA_SECS_429_NO_LATENCY;
        if ratio > MAX_TIME_RATIO_429 && !extra_ok {
            let how = match run.retimed {
                Some((t, b)) => format!(
                    " (best of two runs each: {:.1} and {:.1} s against {:.1} and {:.1} s)",
                    t[0], t[1], b[0], b[1]
                ),
                None => String::new(),
            };
            v.failures.push(format!(
                "took {:.1} s, {ratio:.1}x the fault-free {base_secs:.1} s (> {MAX_TIME_RATIO_429}x, and more than {MAX_EXTRA_SECS_429_NO_LATENCY} s extra at latency none){how}",
                run.secs
            ));
        }
    }
    v
}

/// Compare one symbol's entry with its fault-free entry.
fn compare(class: Class, sym: &str, base: &Value, e: &Value, v: &mut Verdict) {
    let (Some(b), Some(f)) = (base.as_object(), e.as_object()) else {
        return;
    };
    let keys: BTreeSet<&String> = b.keys().chain(f.keys()).collect();
    for k in keys {
        if IGNORED.contains(&k.as_str()) {
            continue;
        }
        let (x, y) = (
            b.get(k).unwrap_or(&Value::Null),
            f.get(k).unwrap_or(&Value::Null),
        );
        let numeric = x.is_number() || y.is_number();
        let categorical = CATEGORICAL.contains(&k.as_str());
        let exact = EXACT_FOR_TRANSIENT.contains(&k.as_str());
        if !(numeric || categorical || exact) {
            continue;
        }
        if exact && class != Class::Transient {
            continue;
        }
        let same = match (x.as_f64(), y.as_f64()) {
            (Some(a), Some(c)) => (a - c).abs() <= TOL * a.abs().max(1.0),
            _ => x == y,
        };
        if same {
            continue;
        }
        if class == Class::Data && y.is_null() && !exact {
            v.withheld
                .push((sym.to_string(), k.clone(), short(x), short(y)));
            continue;
        }
        v.mismatches
            .push((sym.to_string(), k.clone(), short(x), short(y)));
    }
}

/// `text` with `sym` as a whole word replaced by `SYM` (so that causes group across symbols).
pub(super) fn anonymise(text: &str, sym: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '_');
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(sym) {
        out.push_str(&rest[..i]);
        let after = rest[i + sym.len()..].chars().next();
        let whole = !word(out.chars().last()) && !word(after);
        out.push_str(if whole { "SYM" } else { sym });
        rest = &rest[i + sym.len()..];
    }
    out.push_str(rest);
    out
}

fn first_line(s: &str) -> String {
    let line = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.chars().take(200).collect()
}
