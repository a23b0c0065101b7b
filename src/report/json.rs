//! `--json`: the scan as one pretty-printed JSON document ending in a newline, in the shape of
//! [`ScanReport`] and `docs/screen-output.schema.json`.
//!
//! Unknown values are `null`, never NaN: non-finite numbers are made unknown by
//! [`super::sanitized`] first (and serde_json would write a non-finite `f64` as `null` anyway).

use super::model::ScanReport;
use super::{sanitized, Reporter};
use std::io::{self, Write};

/// Renders the JSON document.
#[derive(Debug, Clone, Default)]
pub struct JsonReporter {
    top: Option<usize>,
}

impl JsonReporter {
    /// `top`: cap on the candidates written (the pipeline normally applies `--top` already).
    pub fn new(top: Option<usize>) -> JsonReporter {
        JsonReporter { top }
    }
}

impl Reporter for JsonReporter {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        // serde_json already writes a non-finite f64 as `null`, so the sanitised copy (a clone of
        // the whole report) is needed only when `top` cuts candidates.
        let cut = self.top.is_some_and(|k| report.candidates.len() > k);
        let owned;
        let report = if cut {
            owned = sanitized(report, self.top);
            &owned
        } else {
            report
        };
        // Serialise into memory (static dispatch, one write) rather than through `dyn Write`.
        let mut buf = Vec::with_capacity(64 * 1024);
        serde_json::to_writer_pretty(&mut buf, report)?;
        buf.push(b'\n');
        out.write_all(&buf)?;
        out.flush()
    }
}

/// The JSON document as a string (ends with a newline).
pub fn to_string(report: &ScanReport) -> String {
    let mut buf = Vec::new();
    JsonReporter::default()
        .render(report, &mut buf)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}
