//! Criterion benchmark of loading a watchlist (`src/watchlist.rs`): `Watchlist::load` of a
//! 100,000-line CSV file, read from disk, split, normalised and de-duplicated, in two shapes:
//! `plain` (one symbol a line: `YAAAA`, `YAAAB`, ..., the demo market's synthetic tickers) and
//! `quoted` (a `symbol,name` header, then `AAAAX,"Company 0, Inc."` lines, every tenth a duplicate
//! in lower case with a share-class dot). Run: `cargo bench --bench watchlist`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::PathBuf;
use volscreen::watchlist::Watchlist;

const LINES: usize = 100_000;

/// `Y` + four letters, `i` in base 26.
fn ticker(prefix: &str, mut i: usize) -> String {
    let mut s = String::from(prefix);
    let mut letters = [b'A'; 4];
    for l in letters.iter_mut().rev() {
        *l = b'A' + (i % 26) as u8;
        i /= 26;
    }
    s.push_str(std::str::from_utf8(&letters).expect("ASCII"));
    s
}

fn write(name: &str, text: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("volscreen-bench-watchlist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the watchlist");
    path
}

fn bench_load(c: &mut Criterion) {
    let plain: String = (0..LINES).map(|i| ticker("Y", i) + "\n").collect();
    let mut quoted = String::from("# a long list\nsymbol,name\n");
    for i in 0..LINES {
        if i % 10 == 9 {
            let t = ticker("", i - 1).to_lowercase();
            quoted.push_str(&format!("{}.b,\"Company {i}, Inc.\"\n", &t[..3]));
        } else {
            quoted.push_str(&format!("{}X,\"Company {i}, Inc.\"\n", ticker("", i)));
        }
    }
    let files = [
        ("plain", write("plain.csv", &plain)),
        ("quoted", write("quoted.csv", &quoted)),
    ];
    for (_, path) in &files {
        let w = Watchlist::load(path).expect("loads");
        assert!(w.symbols.len() > LINES / 2);
    }
    let mut g = c.benchmark_group("watchlist");
    g.throughput(Throughput::Elements(LINES as u64));
    g.sample_size(20);
    for (name, path) in &files {
        g.bench_function(format!("load/{name}/100000"), |b| {
            b.iter(|| Watchlist::load(black_box(path)).expect("loads"))
        });
    }
    g.finish();
    if let Some(dir) = files[0].1.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
