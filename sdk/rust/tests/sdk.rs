//! The crate against a running sandbox: exec, attach, SFTP, errors and the
//! server endpoint with real OpenSSH clients.
mod common;

use std::time::Duration;

use common::*;
use msb::{Error, Status};

// ---- exec -------------------------------------------------------------

#[tokio::test]
async fn exec_streams_and_status() {
    let c = client().await;
    let out = c.exec("echo out; echo err >&2; exit 3").await.unwrap();
    assert_eq!(out.status, 3);
    assert_eq!(out.signal, 0);
    assert!(!out.success());
    assert_eq!(&out.stdout[..], b"out\n");
    assert_eq!(&out.stderr[..], b"err\n");
    let ok = c.exec(String::from("id -un")).await.unwrap();
    assert!(ok.success());
    assert_eq!((ok.status, &ok.stdout[..], &ok.stderr[..]), (0, &b"root\n"[..], &b""[..]));
    c.close().await.unwrap();
}

#[tokio::test]
async fn exec_binary_and_large_output() {
    let c = client().await;
    let out = c.exec("printf 'a\\000b\\377'").await.unwrap();
    assert_eq!(&out.stdout[..], b"a\0b\xff");
    let big = c.exec("head -c 3000000 /dev/zero | tr '\\000' x").await.unwrap();
    assert_eq!(big.stdout.len(), 3_000_000);
    assert!(big.stdout.iter().all(|&b| b == b'x'));
    c.close().await.unwrap();
}

#[tokio::test]
async fn exec_tty() {
    let c = client().await;
    let plain = c.exec("tty").await.unwrap();
    assert_eq!(text(&plain.stdout).trim(), "not a tty");
    let pty = c.exec_with("tty; echo err >&2", |o| o.tty(true)).await.unwrap();
    let shown = text(&pty.stdout);
    assert!(shown.starts_with("/dev/pts/"), "{:?}", shown);
    assert!(shown.contains("err"), "a PTY folds stderr into stdout: {:?}", shown);
    assert!(pty.stderr.is_empty());
    let size = c.exec_with("stty size", |o| o.tty(true)).await.unwrap();
    assert_eq!(text(&size.stdout).trim(), "24 80");
    let untty = c.exec_with("tty", |o| o.tty(false)).await.unwrap();
    assert_eq!(text(&untty.stdout).trim(), "not a tty");
    c.close().await.unwrap();
}

#[tokio::test]
async fn exec_signal_death() {
    let c = client().await;
    let out = c.exec("kill -TERM $$").await.unwrap();
    assert_eq!((out.status, out.signal, out.success()), (143, 15, false));
    c.close().await.unwrap();
}

#[tokio::test]
async fn connect_with_options() {
    let sb = msb::Sandbox::get(sandbox()).await.unwrap();
    assert_eq!(sb.name(), sandbox());
    let c = sb
        .ssh()
        // A guest user with a login shell: nobody's is nologin, which sshd
        // (and msb) run commands through.
        .connect_with(|o| o.user("user").term("xterm-256color").sftp(true))
        .await
        .unwrap();
    assert_eq!(c.user(), "user");
    assert_eq!(text(&c.exec("id -un").await.unwrap().stdout), "user\n");
    let t = c.exec_with("echo $TERM", |o| o.tty(true)).await.unwrap();
    assert_eq!(text(&t.stdout).trim(), "xterm-256color");
    c.close().await.unwrap();
    let c = sb.ssh().open_client_with(|o| o.user("root")).await.unwrap();
    c.close().await.unwrap();
    let c = sb.ssh().open_client().await.unwrap();
    c.close().await.unwrap();
}

#[tokio::test]
async fn bad_arguments() {
    let c = client().await;
    let e = c.exec("echo a\0b").await.unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    assert!(matches!(e, Error::InvalidArgument { .. }), "{:?}", e);
    let e = c.attach_with(|o| o.detach_keys("ctrl-")).await.unwrap_err();
    assert_eq!(e.status(), Status::Invalid, "{}", e);
    c.close().await.unwrap();
}

extern "C" {
    fn isatty(fd: i32) -> i32;
}

#[tokio::test]
async fn attach_needs_a_terminal() {
    if unsafe { isatty(0) } != 0 {
        // Only a run with stdin off a terminal (as the test script's) can
        // see the refusal.
        eprintln!("stdin is a terminal: not checked");
        return;
    }
    let c = client().await;
    let e = c.attach_with(|o| o.detach_keys("ctrl-x,y")).await.unwrap_err();
    assert_eq!(e.status(), Status::NotATty);
    assert_eq!(e.status().name(), "MSB_ERR_NOT_A_TTY");
    assert!(e.to_string().starts_with("MSB_ERR_NOT_A_TTY: "), "{}", e);
    c.close().await.unwrap();
}

// ---- attach on a pseudo-terminal (tmux) -------------------------------

struct Tmux {
    sock: String,
    dir: std::path::PathBuf,
}

impl Tmux {
    fn start(tag: &str, detach_keys: &str) -> Tmux {
        let dir = std::env::temp_dir().join(format!("msb-rs-attach-{}-{}", std::process::id(), tag));
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("tmux.sock").display().to_string();
        let cmd = format!(
            "'{}' '{}' '{}'; echo EXITED-$?; sleep 600",
            example("attach").display(),
            sandbox(),
            detach_keys
        );
        let st = std::process::Command::new("tmux")
            .args(["-S", &sock, "new-session", "-d", "-x", "100", "-y", "30", &cmd])
            .status()
            .expect("run tmux");
        assert!(st.success(), "tmux new-session");
        Tmux { sock, dir }
    }

    fn pane(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-S", &self.sock, "capture-pane", "-p", "-S", "-100"])
            .output()
            .expect("tmux capture-pane");
        text(&out.stdout)
    }

    async fn wait_for(&self, what: &str) -> bool {
        for _ in 0..600 {
            // tmux trims trailing blanks: the prompt "# " shows as "#".
            let pane = self.pane();
            if pane.lines().any(|l| l.contains(what)) {
                return true;
            }
            if pane.contains("EXITED-") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!("pane without {:?}:\n{}", what, self.pane());
        false
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-S", &self.sock, "send-keys"];
        args.extend_from_slice(keys);
        std::process::Command::new("tmux").args(&args).status().expect("tmux send-keys");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux").args(["-S", &self.sock, "kill-server"]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn attach_exit_code_and_size() {
    let t = Tmux::start("exit", "ctrl-x,y");
    assert!(t.wait_for("#").await, "the shell's prompt appears");
    t.keys(&["stty size", "Enter"]);
    assert!(t.wait_for("30 100").await, "the PTY has the pane's size");
    t.keys(&["exit 7", "Enter"]);
    assert!(t.wait_for("ATTACH-RESULT=7").await, "attach returns the shell's exit status");
    assert!(t.wait_for("EXITED-0").await);
}

#[tokio::test]
async fn attach_detach_keys() {
    let t = Tmux::start("detach", "ctrl-x,y");
    assert!(t.wait_for("#").await, "the shell's prompt appears");
    t.keys(&["C-x", "y"]);
    assert!(t.wait_for(&format!("ATTACH-RESULT={}", msb::DETACHED)).await, "detached");
    assert_eq!(msb::DETACHED, -1);
}

// ---- SFTP -------------------------------------------------------------

struct Dir {
    client: msb::SshClient,
    sftp: msb::SftpClient,
    path: String,
}

async fn sftp_dir(tag: &str) -> Dir {
    let client = client().await;
    let sftp = client.sftp().await.unwrap();
    let path = format!("/tmp/sdk-rs-{}-{}", std::process::id(), tag);
    sftp.mkdir(&path).await.unwrap();
    Dir { client, sftp, path }
}

impl Dir {
    async fn done(self) {
        self.client.exec(format!("rm -rf {}", self.path)).await.unwrap();
        self.sftp.close().await.unwrap();
        self.client.close().await.unwrap();
    }
}

#[tokio::test]
async fn sftp_files() {
    let d = sftp_dir("files").await;
    let (s, p) = (&d.sftp, &d.path);
    let data: Vec<u8> = (0..(1u32 << 20)).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    s.write(format!("{}/f", p), data.clone()).await.unwrap();
    assert!(s.read(format!("{}/f", p)).await.unwrap() == data, "read back what was written");
    let guest = d.client.exec(format!("od -An -tu1 -v {}/f | tr -s ' ' '\\n' | grep -c .", p)).await.unwrap();
    assert_eq!(text(&guest.stdout).trim(), "1048576", "the guest sees every byte");
    let made = d.client.exec(format!("printf 'x\\000y' > {}/g", p)).await.unwrap();
    assert!(made.success());
    assert_eq!(s.read(format!("{}/g", p)).await.unwrap(), b"x\0y");
    s.write(format!("{}/f", p), "short").await.unwrap();
    assert_eq!(s.read(format!("{}/f", p)).await.unwrap(), b"short", "write truncates");
    s.write(format!("{}/empty", p), Vec::new()).await.unwrap();
    assert_eq!(s.read(format!("{}/empty", p)).await.unwrap(), b"");
    let st = s.stat(format!("{}/f", p)).await.unwrap();
    assert_eq!(st.size, 5);
    assert!(st.is_file() && !st.is_dir() && !st.is_symlink());
    assert_eq!(st.permissions(), 0o644);
    assert!(st.mtime > 1_000_000_000);
    d.done().await;
}

#[tokio::test]
async fn sftp_directories() {
    let d = sftp_dir("dirs").await;
    let (s, p) = (&d.sftp, d.path.clone());
    s.mkdir(format!("{}/sub", p)).await.unwrap();
    let st = s.stat(format!("{}/sub", p)).await.unwrap();
    assert!(st.is_dir());
    assert_eq!(st.permissions(), 0o755);
    s.write(format!("{}/sub/a", p), "1").await.unwrap();
    s.write(format!("{}/b", p), "22").await.unwrap();
    let mut entries = s.list_dir(&p).await.unwrap();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["b", "sub"]);
    assert_eq!(entries[0].attrs.size, 2);
    assert!(entries[1].attrs.is_dir());
    let e = s.remove_dir(format!("{}/sub", p)).await.unwrap_err();
    assert_eq!(e.status(), Status::Sftp, "not empty: {}", e);
    s.remove_file(format!("{}/sub/a", p)).await.unwrap();
    s.remove_dir(format!("{}/sub", p)).await.unwrap();
    let names: Vec<String> = s.list_dir(&p).await.unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["b"]);
    s.rename(format!("{}/b", p), format!("{}/c", p)).await.unwrap();
    assert_eq!(s.read(format!("{}/c", p)).await.unwrap(), b"22");
    assert_eq!(s.stat(format!("{}/b", p)).await.unwrap_err().status(), Status::NotFound);
    d.done().await;
}

#[tokio::test]
async fn sftp_links_and_paths() {
    let d = sftp_dir("links").await;
    let (s, p) = (&d.sftp, d.path.clone());
    s.write(format!("{}/target", p), "t").await.unwrap();
    s.symlink("target", format!("{}/link", p)).await.unwrap();
    assert_eq!(s.read_link(format!("{}/link", p)).await.unwrap(), "target");
    assert_eq!(s.read(format!("{}/link", p)).await.unwrap(), b"t");
    assert!(s.stat(format!("{}/link", p)).await.unwrap().is_file(), "stat follows symlinks");
    let base = p.rsplit('/').next().unwrap().to_string();
    assert_eq!(s.real_path(format!("{}/../{}/./target", p, base)).await.unwrap(), format!("{}/target", p));
    assert_eq!(s.real_path(".").await.unwrap(), "/root");
    let names: Vec<String> = s.list_dir(&p).await.unwrap().into_iter().map(|e| e.name).collect();
    assert!(names.iter().any(|n| n == "link"));
    let e = s.read_link(format!("{}/target", p)).await.unwrap_err();
    assert!(matches!(e.status(), Status::Sftp | Status::Invalid), "not a link: {}", e);
    d.done().await;
}

#[tokio::test]
async fn sftp_errors() {
    let d = sftp_dir("errors").await;
    let (s, p) = (&d.sftp, d.path.clone());
    let m = format!("{}/missing", p);
    let e = s.read(&m).await.unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    assert_eq!(e.status().code(), 11);
    assert!(matches!(e, Error::Msb { .. }));
    assert!(e.to_string().starts_with("MSB_ERR_NOT_FOUND: "), "{}", e);
    assert!(e.message().contains("missing"), "the message names the path: {}", e);
    let errs = vec![
        s.remove_file(&m).await.unwrap_err(),
        s.remove_dir(&m).await.unwrap_err(),
        s.list_dir(&m).await.map(|_| ()).unwrap_err(),
        s.stat(&m).await.map(|_| ()).unwrap_err(),
        s.rename(&m, format!("{}/x", p)).await.unwrap_err(),
        s.real_path(format!("{}/x", m)).await.map(|_| ()).unwrap_err(),
        s.write(format!("{}/x", m), "x").await.unwrap_err(),
        s.read_link(&m).await.map(|_| ()).unwrap_err(),
    ];
    for e in errs {
        assert_eq!(e.status(), Status::NotFound, "{}", e);
    }
    let e = s.mkdir(&p).await.unwrap_err();
    assert!(matches!(e.status(), Status::Exists | Status::Sftp), "mkdir of an existing dir: {}", e);
    let e = s.write("/proc/version", "x").await.unwrap_err();
    assert!(matches!(e.status(), Status::Permission | Status::Sftp), "{}", e);
    let e = s.read("a\0b").await.unwrap_err();
    assert_eq!(e.status(), Status::Invalid);
    d.done().await;
}

#[tokio::test]
async fn sftp_concurrent_with_exec() {
    let d = sftp_dir("concurrent").await;
    let (s, p) = (&d.sftp, d.path.clone());
    let names: Vec<String> = (0..4).map(|i| format!("{}/n{}", p, i)).collect();
    let (a, b, c, e, x) = tokio::join!(
        s.write(&names[0], names[0].clone()),
        s.write(&names[1], names[1].clone()),
        s.write(&names[2], names[2].clone()),
        s.write(&names[3], names[3].clone()),
        d.client.exec("sleep 0.5")
    );
    for r in [a, b, c, e] {
        r.unwrap();
    }
    assert!(x.unwrap().success());
    let (r0, r1, r2, r3) =
        tokio::join!(s.read(&names[0]), s.read(&names[1]), s.read(&names[2]), s.read(&names[3]));
    for (r, n) in [r0, r1, r2, r3].into_iter().zip(&names) {
        assert_eq!(r.unwrap(), n.as_bytes());
    }
    d.done().await;
}

#[tokio::test]
async fn sftp_close() {
    let c = client().await;
    let s = c.sftp().await.unwrap();
    s.stat("/").await.unwrap();
    s.close().await.unwrap();
    s.close().await.unwrap();
    assert!(s.is_closed());
    let e = s.stat("/").await.unwrap_err();
    assert!(matches!(e, Error::Closed { .. }), "{:?}", e);
    assert_eq!(e.status(), Status::Invalid);
    assert!(c.exec("echo still").await.unwrap().success(), "the client outlives its session");
    // Closing the client closes the sessions still open on it.
    let s2 = c.sftp().await.unwrap();
    c.close().await.unwrap();
    assert!(s2.is_closed());
    assert!(matches!(s2.read("/etc/hostname").await.unwrap_err(), Error::Closed { .. }));
}

#[tokio::test]
async fn sftp_disabled() {
    let sb = msb::Sandbox::get(sandbox()).await.unwrap();
    let c = sb.ssh().connect_with(|o| o.sftp(false)).await.unwrap();
    let e = c.sftp().await.unwrap_err();
    assert_eq!(e.status(), Status::SftpUnavailable);
    assert_eq!(e.status().name(), "MSB_ERR_SFTP_UNAVAILABLE");
    assert!(c.exec("true").await.unwrap().success(), "the client outlives the refusal");
    c.close().await.unwrap();
}

// ---- errors -----------------------------------------------------------

#[tokio::test]
async fn unknown_and_bad_sandboxes() {
    let e = msb::Sandbox::get("no-such-box").await.unwrap_err();
    assert_eq!(e.status(), Status::NoSandbox);
    assert!(e.to_string().contains("no-such-box"), "{}", e);
    assert!(e.to_string().starts_with("MSB_ERR_NO_SANDBOX: "), "{}", e);
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(!boxed.to_string().is_empty());
    assert_eq!(msb::Sandbox::get("../etc").await.unwrap_err().status(), Status::Invalid);
    assert_eq!(msb::Sandbox::get("a\0b").await.unwrap_err().status(), Status::Invalid);
}

#[tokio::test]
async fn stopped_sandbox() {
    let sb = msb::Sandbox::get(stopped()).await.unwrap();
    let e = sb.ssh().connect().await.unwrap_err();
    assert_eq!(e.status(), Status::NotRunning);
    assert!(e.message().contains(&stopped()), "{}", e);
    let srv = sb.ssh().server_with(|o| o.authorized_key(pubkey(&key()))).await.unwrap();
    let (a, _b) = tokio::net::UnixStream::pair().unwrap();
    assert_eq!(srv.serve(a).await.unwrap_err().status(), Status::NotRunning);
    srv.close();
}

// ---- server endpoint --------------------------------------------------

#[tokio::test]
async fn server_key_sets() {
    let ssh = msb::Sandbox::get(sandbox()).await.unwrap().ssh();
    let e = ssh.server_with(|o| o.authorized_key("not a key")).await.unwrap_err();
    assert_eq!(e.status(), Status::Keys, "{}", e);
    let e = ssh.server_with(|o| o.authorized_keys_path("/nonexistent/authorized_keys")).await.unwrap_err();
    assert_eq!(e.status(), Status::Keys, "{}", e);
    let e = ssh
        .server_with(|o| o.authorized_key(pubkey(&key())).host_key("not a private key"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Status::Keys, "{}", e);
    let e = ssh
        .server_with(|o| o.authorized_key(format!("{}\n{}", pubkey(&key()), pubkey(&key2()))))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Status::Invalid, "{}", e);
    let e = ssh
        .server_with(|o| o.authorized_key(pubkey(&key())).host_key_path("/nonexistent/host_key"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Status::Keys, "{}", e);
    // Any Ed25519 private key does as a host key; the key file itself here.
    ssh.server_with(|o| o.authorized_keys_path(format!("{}.pub", key())).host_key_path(key()))
        .await
        .unwrap()
        .close();
    // The default key set, MSB_HOME/ssh/authorized_keys, does not exist here.
    assert_eq!(ssh.server().await.unwrap_err().status(), Status::Keys);
    let srv = ssh.prepare_server_with(|o| o.authorized_key(pubkey(&key()))).await.unwrap();
    let clone = srv.clone();
    srv.close();
    srv.close();
    assert!(srv.is_closed() && clone.is_closed());
    let (a, _b) = tokio::net::UnixStream::pair().unwrap();
    assert!(matches!(clone.serve(a).await.unwrap_err(), Error::Closed { .. }));
}

/// ssh ARGS... against a TCP port this test serves.
fn ssh_argv(port: u16, key: &str, command: &str) -> Vec<String> {
    let mut argv = vec!["ssh".to_string()];
    argv.extend(SSH_OPTS.iter().map(|s| s.to_string()));
    argv.extend(["-p".into(), port.to_string(), "-i".into(), key.into(), "root@127.0.0.1".into(), command.into()]);
    argv
}

#[tokio::test]
async fn serve_to_openssh_over_tcp() {
    let hostkey = std::fs::read_to_string(key()).unwrap(); // any Ed25519 key does as a host key
    let srv = msb::Sandbox::get(sandbox())
        .await
        .unwrap()
        .ssh()
        .server_with(|o| o.authorized_key(pubkey(&key())).host_key(hostkey).user("root"))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // An unauthorized key, served on the socket itself.
    let client = tokio::spawn(run(ssh_argv(port, &key2(), "true")));
    let (conn, _) = listener.accept().await.unwrap();
    let e = srv.serve(conn).await.unwrap_err();
    assert_eq!(e.status(), Status::Auth, "{}", e);
    assert_eq!(client.await.unwrap().status.code(), Some(255), "an unauthorized key got in");
    // The authorized one; one connection through the socket itself and one
    // through a stream that is not a socket (relayed by the crate).
    for relayed in [false, true] {
        let client = tokio::spawn(run(ssh_argv(port, &key(), "echo via-openssh; echo e >&2; exit 4")));
        let (conn, _) = listener.accept().await.unwrap();
        if relayed {
            srv.serve_connection(tokio::io::BufStream::new(conn)).await.unwrap();
        } else {
            srv.serve(conn).await.unwrap();
        }
        let out = client.await.unwrap();
        assert_eq!(
            (out.status.code(), text(&out.stdout), text(&out.stderr)),
            (Some(4), "via-openssh\n".to_string(), "e\n".to_string()),
            "relayed: {}",
            relayed
        );
    }
    srv.close();
}

fn proxy_argv(program: &str, key: &str, proxy: &str) -> Vec<String> {
    let mut argv = vec![program.to_string()];
    if program == "sftp" {
        argv.extend(["-q".to_string(), "-b".to_string(), "-".to_string()]);
    }
    argv.extend(SSH_OPTS.iter().map(|s| s.to_string()));
    argv.extend(["-i".into(), key.into(), "-o".into(), format!("ProxyCommand={}", proxy), "root@sandbox".into()]);
    argv
}

#[tokio::test]
async fn serve_stdio_as_proxycommand() {
    let proxy = format!("{} {} {}.pub", example("serve_stdio").display(), sandbox(), key());
    let mut argv = proxy_argv("ssh", &key(), &proxy);
    argv.push("uname -s; id -un".into());
    let out = run(argv).await;
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), "Linux\nroot\n".to_string()), "{}", text(&out.stderr));
    let out = run(proxy_argv("sftp", &key(), &proxy)).await;
    assert_eq!(out.status.code(), Some(0), "sftp: {}", text(&out.stderr));
    let out = run(proxy_argv("sftp", &key(), &format!("{} --no-sftp", proxy))).await;
    assert_ne!(out.status.code(), Some(0), "sftp got through an endpoint made with sftp(false)");
}

#[tokio::test]
async fn serve_stdio_refuses_other_keys() {
    let dir = std::env::temp_dir().join(format!("msb-rs-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let errfile = dir.join("err");
    // ssh sends its ProxyCommand SIGHUP as it gives up: ignored, so the
    // server returns and says why.
    let proxy = format!(
        "sh -c 'trap \"\" HUP; exec {} {} {}.pub 2>{}'",
        example("serve_stdio").display(),
        sandbox(),
        key(),
        errfile.display()
    );
    let mut argv = proxy_argv("ssh", &key2(), &proxy);
    argv.push("true".into());
    let out = run(argv).await;
    assert_eq!(out.status.code(), Some(255));
    assert!(text(&out.stderr).contains("Permission denied"), "{}", text(&out.stderr));
    let mut msg = String::new();
    for _ in 0..100 {
        msg = std::fs::read_to_string(&errfile).unwrap_or_default();
        if !msg.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(msg.contains("MSB_ERR_AUTH"), "serve_stdio did not fail with MSB_ERR_AUTH: {:?}", msg);
}

#[tokio::test]
async fn constants() {
    assert_eq!(msb::DEFAULT_SSH_HOST, "127.0.0.1");
    assert_eq!(msb::DEFAULT_SSH_PORT, 2222);
    assert_eq!(msb::DEFAULT_DETACH_KEYS, "ctrl-p,ctrl-q");
}
