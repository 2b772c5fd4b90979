//! serve_stdio SANDBOX PUBKEY_FILE [--no-sftp]
//!
//! An OpenSSH ProxyCommand: serves one SSH connection to SANDBOX over
//! stdin and stdout, letting in the keys of PUBKEY_FILE (through
//! authorized_keys_path). Exits 0 when the connection ended cleanly, 1
//! with the error on stderr otherwise.
use std::process::exit;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: serve_stdio SANDBOX PUBKEY_FILE [--no-sftp]");
        exit(2);
    }
    let sftp = !args[3..].iter().any(|a| a == "--no-sftp");
    let keys = args[2].clone();
    let result = async {
        let server = msb::Sandbox::get(&args[1])
            .await?
            .ssh()
            .server_with(|o| o.authorized_keys_path(keys).sftp(sftp))
            .await?;
        let served = server.serve(msb::SshStdioStream::new()).await;
        server.close();
        served
    }
    .await;
    if let Err(e) = result {
        eprintln!("serve_stdio: {}", e);
        exit(1);
    }
}
