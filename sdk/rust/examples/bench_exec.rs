//! bench_exec SANDBOX COUNT COMMAND
//!
//! Opens one client, runs COMMAND with exec COUNT times one after another
//! and prints "exec MS" per call, timed around the exec call alone (as
//! bench/msb-bench-capi's exec lines are).
use std::process::exit;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count = args.get(2).and_then(|c| c.parse::<u64>().ok()).filter(|&n| n > 0);
    let (sandbox, count, command) = match (args.len(), count) {
        (4, Some(n)) => (&args[1], n, &args[3]),
        _ => {
            eprintln!("usage: bench_exec SANDBOX COUNT COMMAND (COUNT at least 1)");
            exit(2);
        }
    };
    if let Err(e) = run(sandbox, count, command).await {
        eprintln!("bench_exec: {}", e);
        exit(1);
    }
}

async fn run(sandbox: &str, count: u64, command: &str) -> msb::Result<()> {
    let client = msb::Sandbox::get(sandbox).await?.ssh().connect().await?;
    let mut result = Ok(());
    for _ in 0..count {
        let start = Instant::now();
        let out = client.exec(command).await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        match out {
            Ok(out) if out.success() => println!("exec {:.3}", ms),
            Ok(out) => {
                eprintln!("bench_exec: {:?} exited with status {}", command, out.status);
                exit(1);
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    client.close().await?;
    result
}
