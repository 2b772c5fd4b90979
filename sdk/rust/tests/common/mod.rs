//! What the integration tests share. They run against a real sandbox named
//! by the environment (regress/integration/sdk_rust.sh sets it):
//! MSB_TEST_SANDBOX (running), MSB_TEST_STOPPED (created, never started),
//! MSB_TEST_KEY and MSB_TEST_KEY2 (Ed25519 private keys beside their .pub
//! files; only the first is authorized), plus MSB_HOME and MSB_LIBEXECDIR
//! for libmsb. Without them the tests fail: they are not meant to pass
//! without a sandbox.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn env(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!("{} is not set: run these tests with regress/integration/sdk_rust.sh", name),
    }
}

pub fn sandbox() -> String {
    env("MSB_TEST_SANDBOX")
}

pub fn stopped() -> String {
    env("MSB_TEST_STOPPED")
}

pub fn key() -> String {
    env("MSB_TEST_KEY")
}

pub fn key2() -> String {
    env("MSB_TEST_KEY2")
}

pub fn pubkey(key: &str) -> String {
    std::fs::read_to_string(format!("{}.pub", key)).expect("read the public key").trim().to_string()
}

pub async fn client() -> msb::SshClient {
    msb::Sandbox::get(sandbox()).await.expect("get the sandbox").ssh().connect().await.expect("connect")
}

/// An example program cargo built beside the test binaries
/// (target/debug/examples/NAME; the test script builds them first).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let path = exe.parent().and_then(|deps| deps.parent()).expect("target dir").join("examples").join(name);
    assert!(path.exists(), "{} is not built (cargo build --examples)", path.display());
    path
}

pub const SSH_OPTS: &[&str] = &[
    "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30",
];

/// Runs a program (under `timeout 120`) in a worker thread and collects it.
pub async fn run(argv: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new("timeout")
            .arg("120")
            .args(&argv)
            .stdin(Stdio::null())
            .output()
            .expect("run a command")
    })
    .await
    .expect("join")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
