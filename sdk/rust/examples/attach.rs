//! attach SANDBOX [DETACH_KEYS]
//!
//! Attaches this terminal to a shell in SANDBOX and prints
//! "ATTACH-RESULT=N" when it ends: the shell's exit status, or -1
//! (msb::DETACHED) when the detach keys were typed.
use std::process::exit;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 || args.len() > 3 {
        eprintln!("usage: attach SANDBOX [DETACH_KEYS]");
        exit(2);
    }
    let keys = args.get(2).cloned();
    let result = async {
        let client = msb::Sandbox::get(&args[1]).await?.ssh().connect().await?;
        let code = client
            .attach_with(|o| match keys {
                Some(k) => o.detach_keys(k),
                None => o,
            })
            .await;
        client.close().await?;
        code
    }
    .await;
    match result {
        Ok(code) => println!("ATTACH-RESULT={}", code),
        Err(e) => {
            eprintln!("attach: {}", e);
            exit(1);
        }
    }
}
