//! How this process was started, so that the hints it prints (and the ones
//! GraphiQL shows) name a command that works where the reader is:
//! `cargo run -- token …` for someone who started it with `cargo run`, where
//! no `csc` is on the PATH; the binary's own path or `csc` otherwise.

/// The command that runs `csc` again the way this process was run.
pub fn csc_command() -> String {
    command_for(
        std::env::var_os("CARGO_PKG_NAME").as_deref(),
        std::env::var_os("CARGO_MANIFEST_DIR").is_some(),
        std::env::args_os().next().as_deref(),
        cfg!(debug_assertions),
    )
}

/// `cargo run` sets `CARGO_PKG_NAME` and `CARGO_MANIFEST_DIR` in the
/// environment of the program it runs; an installed binary has neither.
fn command_for(
    cargo_pkg_name: Option<&std::ffi::OsStr>,
    cargo_manifest_dir: bool,
    argv0: Option<&std::ffi::OsStr>,
    debug_build: bool,
) -> String {
    if cargo_pkg_name.is_some_and(|name| name == env!("CARGO_PKG_NAME")) && cargo_manifest_dir {
        return if debug_build {
            "cargo run --".into()
        } else {
            "cargo run --release --".into()
        };
    }
    match argv0.map(|a| a.to_string_lossy()) {
        // Started by a path (`./csc`, `target/release/csc`): the same path works again.
        Some(path) if path.contains('/') && !path.contains(char::is_whitespace) => {
            path.into_owned()
        }
        _ => "csc".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::command_for;
    use std::ffi::OsStr;

    #[test]
    fn names_cargo_run_under_cargo() {
        let csc = Some(OsStr::new("csc"));
        let argv0 = Some(OsStr::new("target/debug/csc"));
        assert_eq!(command_for(csc, true, argv0, true), "cargo run --");
        assert_eq!(
            command_for(csc, true, argv0, false),
            "cargo run --release --"
        );
    }

    #[test]
    fn names_the_binary_otherwise() {
        let on_path = Some(OsStr::new("csc"));
        assert_eq!(command_for(None, false, on_path, true), "csc");
        let by_path = Some(OsStr::new("./target/release/csc"));
        assert_eq!(
            command_for(None, false, by_path, false),
            "./target/release/csc"
        );
        // Another crate's `cargo run` (a wrapper) is not ours.
        let other = Some(OsStr::new("some-wrapper"));
        assert_eq!(command_for(other, true, on_path, true), "csc");
    }
}
