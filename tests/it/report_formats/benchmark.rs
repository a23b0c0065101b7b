//! The benchmark breakdown (`BENCHMARK=1`): every stage and request counter of the report.

use super::sample;
use volscreen::report::benchmark;

#[test]
fn benchmark_breakdown_names_every_stage_and_counter() {
    let r = sample();
    let text = benchmark::breakdown(&r);
    assert!(text.starts_with("PIPELINE TIMING BREAKDOWN\n"));
    assert!(text.contains("412.5 ms"), "total wall time");
    assert!(text.contains("51.56 ms/symbol"), "{text}");
    for st in &r.meta.timings.stages {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", st.name)))
            .unwrap_or_else(|| panic!("stage {} missing\n{text}", st.name));
        assert!(line.contains(&format!("{} → {}", st.items_in, st.items_out)));
    }
    let enrich = text
        .lines()
        .find(|l| l.trim_start().starts_with("enrich "))
        .unwrap();
    assert!(
        enrich.contains("302.1") && enrich.contains("73.2%"),
        "{enrich}"
    );
    for endpoint in r.meta.timings.requests.per_endpoint.keys() {
        assert!(text.contains(endpoint.as_str()), "{endpoint}");
    }
    assert!(text.contains("retries 1") && text.contains("429s 1"));
    assert!(!text.contains('\x1b'));
    let mut buf = Vec::new();
    benchmark::write_breakdown(&r, &mut buf).unwrap();
    assert_eq!(String::from_utf8(buf).unwrap(), text);
}
