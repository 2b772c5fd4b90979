//! cargo run --example exec -- SANDBOX COMMAND
//!
//! Runs COMMAND in SANDBOX through exec, writes its stdout and stderr to
//! ours, and exits with its status.
use std::io::Write;
use std::process::exit;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: exec SANDBOX COMMAND");
        exit(2);
    }
    match run(&args[1], &args[2]).await {
        Ok(status) => exit(status),
        Err(e) => {
            eprintln!("exec: {}", e);
            exit(255);
        }
    }
}

async fn run(sandbox: &str, command: &str) -> msb::Result<i32> {
    let client = msb::Sandbox::get(sandbox).await?.ssh().connect().await?;
    let out = client.exec(command).await;
    client.close().await?;
    let out = out?;
    // A closed pipe downstream is not this program's failure to report.
    let _ = std::io::stdout().write_all(&out.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&out.stderr);
    Ok(out.status)
}
