//! The table: percentages, ratios and unknowns, colour only when asked, `--explain` and the
//! explanation on its own, no candidates and incomplete scans, `--top`, hiding columns to fit the
//! width, and warnings marked on candidates.

use super::{plain, render, sample};
use volscreen::report::model::Stage;
use volscreen::report::{self, Format, Options};

#[test]
fn table_shows_percentages_ratios_and_unknowns_without_colour() {
    let text = render(Format::Table, &plain(), &sample());
    assert!(!text.contains('\x1b'), "no ANSI escapes when colour is off");
    for title in report::table::column_titles() {
        assert!(text.contains(title), "column {title}");
    }
    for expected in [
        "62.4%",  // TSLA iv
        "71.0%",  // TSLA iv rank
        "83.0%",  // TSLA iv percentile
        "45.2%",  // TSLA hv30
        "43.7%",  // TSLA hv90
        "1.43",   // TSLA vrp_structural
        "1.38",   // TSLA vrp_tactical
        "1.03",   // TSLA vtr
        "8.7%",   // TSLA expected move
        "1.2%",   // TSLA slippage
        "251.30", // TSLA price
        "78.4",   // TSLA score
        "2026-12-18 28d",
        "~4.4%", // /ES expected move from IV
        "RICH",
        "EVENT",
        "/ES",
        "future",
    ] {
        assert!(text.contains(expected), "{expected} missing in\n{text}");
    }
    // NVDA: NaN iv rank and infinite slippage are unknown.
    let nvda = text.lines().find(|l| l.contains("NVDA")).unwrap();
    assert_eq!(nvda.matches(report::table::UNKNOWN).count(), 2, "{nvda}");
    assert!(!nvda.contains("NaN") && !nvda.contains("inf"));
    // Header: source, profile, as-of and counts.
    let head: String = text.lines().take(2).collect::<Vec<_>>().join("\n");
    for expected in [
        "source demo",
        "profile balanced",
        "as of 2026-11-20",
        "3 candidates",
        "2 rejected",
        "3 errors",
    ] {
        assert!(head.contains(expected), "{expected} in header\n{head}");
    }
    assert!(text.contains("(2 rejected, 3 errors; --explain shows why)"));
    assert!(text.contains("~ expected move estimated from IV"));
    assert!(
        !text.contains("iv_percentile 0.12"),
        "reasons only with --explain"
    );
    // Numbers are right-aligned: the price column ends at the same character on every row.
    let price_ends: Vec<usize> = ["251.30", "6012.25", "131.07"]
        .iter()
        .map(|p| {
            let line = text.lines().find(|l| l.contains(p)).unwrap();
            line[..line.find(p).unwrap()].chars().count() + p.len()
        })
        .collect();
    assert!(
        price_ends.windows(2).all(|w| w[0] == w[1]),
        "{price_ends:?}"
    );
}

#[test]
fn table_colours_only_when_asked() {
    let on = Options {
        color: true,
        ..plain()
    };
    let text = render(Format::Table, &on, &sample());
    assert!(text.contains("\x1b["), "ANSI escapes when colour is on");
    assert!(text.contains("RICH"));
    let off = render(Format::Table, &plain(), &sample());
    assert!(!off.contains('\x1b'));
}

#[test]
fn table_explain_lists_every_failed_reason_and_error() {
    let r = sample();
    let opts = Options {
        explain: true,
        ..plain()
    };
    let text = render(Format::Table, &opts, &r);
    for rej in &r.rejected {
        assert!(text.contains(&rej.symbol));
        for reason in &rej.reasons {
            assert!(text.contains(reason.as_str()), "{reason} missing\n{text}");
        }
    }
    for e in &r.errors {
        let line = text
            .lines()
            .find(|l| l.contains(&e.error))
            .unwrap_or_else(|| panic!("{} missing\n{text}", e.error));
        assert!(
            line.contains(&e.symbol) && line.contains(e.stage.as_str()),
            "{line}"
        );
    }
    assert!(!text.contains("--explain shows why"));
}

#[test]
fn table_says_no_candidates_and_reports_incomplete_scans() {
    let mut r = sample();
    r.candidates.clear();
    r.meta.counts.candidates = 0;
    r.meta.complete = false;
    r.meta.incomplete_reason = Some("--timeout 5 s ran out during enrich".into());
    let text = render(Format::Table, &plain(), &r);
    assert!(text.lines().any(|l| l == "no candidates"), "{text}");
    assert!(text.contains("INCOMPLETE SCAN: --timeout 5 s ran out during enrich"));
}

#[test]
fn table_with_top_says_how_many_are_shown() {
    let opts = Options {
        top: Some(2),
        ..plain()
    };
    let text = render(Format::Table, &opts, &sample());
    assert!(text.contains("showing the top 2 of 3 candidates"), "{text}");
    assert!(!text.contains("NVDA"));
}

#[test]
fn table_hides_columns_to_fit_the_terminal() {
    let wide = render(Format::Table, &plain(), &sample());
    let table_width = |t: &str| {
        t.lines()
            .filter(|l| l.contains("VRP-S") || l.contains("TSLA") || l.contains("/ES"))
            .map(|l| l.chars().count())
            .max()
            .unwrap()
    };
    let full = table_width(&wide);
    assert!(full > 100, "the full table is wide ({full})");
    let opts = Options {
        width: Some(100),
        ..plain()
    };
    let narrow = render(Format::Table, &opts, &sample());
    assert!(table_width(&narrow) <= 100, "{narrow}");
    assert!(
        narrow.contains("hidden to fit 100 columns: class"),
        "{narrow}"
    );
    for kept in ["symbol", "IV", "VRP-S", "score", "signal", "62.4%", "RICH"] {
        assert!(narrow.contains(kept), "{kept}");
    }
    let roomy = Options {
        width: Some(400),
        ..plain()
    };
    assert_eq!(render(Format::Table, &roomy, &sample()), wide);
}

#[test]
fn table_marks_candidates_with_warnings_and_lists_them_under_the_table() {
    let text = render(Format::Table, &plain(), &sample());
    let mark = report::table::WARNING_MARK;
    let nvda = text.lines().find(|l| l.contains("NVDA")).unwrap();
    assert!(nvda.contains(&format!("NVDA{mark}")), "{nvda}");
    let tsla = text.lines().find(|l| l.contains("TSLA")).unwrap();
    assert!(!tsla.contains(&format!("TSLA{mark}")), "{tsla}");
    assert!(
        text.lines().any(|l| l.contains("NVDA")
            && l.contains("iv_rank=71.0 (iv_rank must be a fraction in [0, 1])")),
        "the warning is listed under the table:\n{text}"
    );
    // Warnings of rejected symbols and errors belong to --explain.
    assert!(!text.contains("a candle is dated after the as-of date"));
    let explained = render(
        Format::Table,
        &Options {
            explain: true,
            ..plain()
        },
        &sample(),
    );
    for needle in [
        "candles={\"close\":1e+308,\"date\":\"2027-01-04\"} (a candle is dated after the as-of date)",
        "iv_percentile=1.5 (iv_percentile must be a fraction in [0, 1])",
        "? vrp_tactical unknown (no candles)",
        "? vtr unknown (no candles)",
    ] {
        assert!(explained.contains(needle), "{needle} missing:\n{explained}");
    }
}

#[test]
fn the_explanation_is_rendered_from_the_report_alone() {
    let r = sample();
    let mut buf = Vec::new();
    report::table::write_explanation(&r, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    // Only rejected symbols and errors: no header, no table, no summary line, no candidate.
    assert!(text.starts_with("rejected (2):\n"), "{text}");
    assert!(text.contains("\nerrors (3):\n"), "{text}");
    for absent in [
        "symbols scanned",
        "VRP-S",
        "TSLA",
        "NVDA",
        "--explain shows why",
    ] {
        assert!(!text.contains(absent), "{absent:?} in:\n{text}");
    }
    for rej in &r.rejected {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(&rej.symbol)),
            "{text}"
        );
        for reason in &rej.reasons {
            assert!(text.contains(&format!("✗ {reason}")), "{reason}\n{text}");
        }
    }
    for e in &r.errors {
        let line = text.lines().find(|l| l.contains(&e.error)).unwrap();
        assert!(
            line.contains(&e.symbol) && line.contains(e.stage.as_str()),
            "{line}"
        );
    }
    // The table with --explain ends with exactly this text.
    let table = render(
        Format::Table,
        &Options {
            explain: true,
            ..plain()
        },
        &r,
    );
    assert!(table.ends_with(&text), "{table}");
    // Nothing to explain: nothing written.
    let mut clean = sample();
    clean.rejected.clear();
    clean.errors.clear();
    let mut buf = Vec::new();
    report::table::write_explanation(&clean, &mut buf).unwrap();
    assert!(buf.is_empty());
}

#[test]
fn a_partial_table_says_why_and_how_many_symbols_are_undecided() {
    let mut r = sample();
    r.meta.complete = false;
    r.meta.incomplete_reason = Some("the --timeout budget of 1.8 s ran out".into());
    r.errors[0].stage = Stage::Timeout;
    r.errors[1].stage = Stage::Timeout;
    let text = render(Format::Table, &plain(), &r);
    assert!(
        text.lines()
            .any(|l| l == "incomplete: the --timeout budget of 1.8 s ran out; 2 symbols undecided"),
        "{text}"
    );
    // The note comes after the table (the candidates are still shown).
    let note = text.find("incomplete: the --timeout").unwrap();
    assert!(text.find("TSLA").unwrap() < note);
    r.errors.truncate(1);
    r.errors[0].stage = Stage::Interrupted;
    r.meta.incomplete_reason = Some("interrupted (Ctrl-C)".into());
    assert_eq!(
        report::table::incomplete_note(&r).as_deref(),
        Some("incomplete: interrupted (Ctrl-C); 1 symbol undecided")
    );
    assert_eq!(report::table::incomplete_note(&sample()), None);
}
