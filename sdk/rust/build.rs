//! Links libmsb as pkg-config finds it, so the crate builds against an
//! installed libmsb (or a staged one through PKG_CONFIG_PATH and
//! PKG_CONFIG_SYSROOT_DIR) rather than a path into msb's build tree.
use std::process::{exit, Command};

fn main() {
    for var in ["PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_SYSROOT_DIR", "PKG_CONFIG_LIBDIR"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    let pkg_config = std::env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = match Command::new(&pkg_config).args(["--libs", "msb"]).output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("msb: cannot run {}: {}", pkg_config, e);
            exit(1);
        }
    };
    if !out.status.success() {
        eprintln!(
            "msb: `{} --libs msb` failed (is libmsb installed, or PKG_CONFIG_PATH set?):\n{}",
            pkg_config,
            String::from_utf8_lossy(&out.stderr)
        );
        exit(1);
    }
    let mut linked = false;
    for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib=dylib={}", lib);
            linked |= lib == "msb";
        }
    }
    if !linked {
        eprintln!("msb: `{} --libs msb` does not name -lmsb", pkg_config);
        exit(1);
    }
}
