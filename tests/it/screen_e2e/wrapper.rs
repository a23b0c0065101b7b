//! `scripts/screen`, the wrapper around the release binary: it exists, is executable and is valid
//! bash.

use std::process::Command;

/// The wrapper exists, is executable and is valid bash (running it needs a release build, which the
/// test suite does not have; scripts/check-fresh-clone runs the real thing).
#[cfg(unix)]
#[test]
fn the_screen_wrapper_is_an_executable_bash_script() {
    use std::os::unix::fs::PermissionsExt;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/screen");
    let meta = std::fs::metadata(path).expect("scripts/screen exists");
    assert!(meta.permissions().mode() & 0o111 != 0, "not executable");
    let status = Command::new("bash")
        .args(["-n", path])
        .status()
        .expect("run bash -n");
    assert!(status.success(), "bash -n scripts/screen failed");
}
