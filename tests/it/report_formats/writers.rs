//! Format names, the reporter constructor (the same bytes as rendering to a string), and every
//! format reporting a closed pipe as a broken pipe.

use super::{plain, render, sample};
use volscreen::report::{self, Format};

#[test]
fn formats_and_the_reporter_constructor() {
    assert_eq!("json".parse::<Format>(), Ok(Format::Json));
    assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
    assert_eq!("table".parse::<Format>(), Ok(Format::Table));
    assert!("yaml".parse::<Format>().is_err());
    assert_eq!(Format::default(), Format::Table);
    let r = sample();
    for format in [Format::Table, Format::Json, Format::Csv] {
        let mut buf = Vec::new();
        report::reporter(format, &plain())
            .render(&r, &mut buf)
            .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            render(format, &plain(), &r)
        );
    }
    assert!(!report::color_wanted(false));
}

/// A writer whose reader has gone away, like stdout piped into `head`.
struct ClosedPipe;

impl std::io::Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
}

#[test]
fn every_format_reports_a_closed_pipe_as_a_broken_pipe() {
    for format in [Format::Table, Format::Json, Format::Csv] {
        let e = report::render(format, &plain(), &sample(), &mut ClosedPipe).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{format:?}: {e}");
    }
}
