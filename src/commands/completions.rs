//! `volscreen completions SHELL` and `volscreen man [COMMAND]`: a shell completion script and the
//! roff man page, both generated from the clap definition (`cli::args`) by clap_complete and
//! clap_mangen, so they cannot drift from the flags. Both are rendered into memory first (the
//! generators panic on a failed write) and then written to stdout like any output.

use super::print;
use crate::cli::Cli;
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// `volscreen completions SHELL`: the script on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "volscreen", &mut script);
    print(&script)
}

/// `volscreen man [COMMAND...]`: the man page of volscreen (with its commands listed), or of the
/// command `path` names (`screen`, `cache stats`), on stdout. An unknown command is a usage error
/// (exit 2).
pub fn man(path: &[String]) -> ExitCode {
    match man_page(path) {
        Ok(page) => print(&page),
        Err(e) => {
            say!("volscreen: man: {e}");
            ExitCode::from(2)
        }
    }
}

/// The roff text of the man page of the command `path` names (volscreen itself when empty).
pub fn man_page(path: &[String]) -> Result<Vec<u8>, String> {
    // No `help` command in a man page (clap_mangen's own `generate_to` does the same).
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building sets each command's display name (`volscreen-screen`), the man page's title.
    cmd.build();
    let mut target = &cmd;
    for name in path {
        target = target.find_subcommand(name).ok_or_else(|| {
            let known: Vec<&str> = target.get_subcommands().map(|c| c.get_name()).collect();
            if known.is_empty() {
                format!("{} has no command {name:?}", target.get_name())
            } else {
                format!("unknown command {name:?} (known: {})", known.join(", "))
            }
        })?;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(target.clone())
        .source(format!("volscreen {}", env!("CARGO_PKG_VERSION")))
        .render(&mut page)
        .map_err(|e| format!("cannot render the page: {e}"))?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &[&str]) -> Result<String, String> {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        man_page(&path).map(|p| String::from_utf8(p).unwrap())
    }

    #[test]
    fn man_pages_of_volscreen_and_its_commands() {
        let main = page(&[]).unwrap();
        assert!(main.contains(".TH volscreen 1"), "{main}");
        for sub in ["screen", "cache", "columns", "completions", "man"] {
            assert!(main.contains(sub), "{sub} is not listed");
        }
        let screen = page(&["screen"]).unwrap();
        assert!(screen.contains(".TH volscreen-screen 1"), "{screen}");
        assert!(screen.contains("\\-\\-watchlist"), "{screen}");
        let stats = page(&["cache", "stats"]).unwrap();
        assert!(stats.contains(".TH volscreen-cache-stats 1"), "{stats}");
        let e = page(&["nope"]).unwrap_err();
        assert!(e.contains("\"nope\"") && e.contains("screen"), "{e}");
        let e = page(&["columns", "x"]).unwrap_err();
        assert!(e.contains("columns has no command"), "{e}");
    }

    #[test]
    fn bash_completion_names_the_commands() {
        let mut cmd = Cli::command();
        let mut script = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut cmd,
            "volscreen",
            &mut script,
        );
        let script = String::from_utf8(script).unwrap();
        assert!(script.contains("screen") && script.contains("--csv-percent"));
    }
}
