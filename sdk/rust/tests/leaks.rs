//! Descriptors and child processes after clients come and go, in a test
//! binary of its own: other tests would open and close their own meanwhile.
mod common;

use common::*;

fn open_fds() -> Vec<u32> {
    let mut fds: Vec<u32> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
    fds
}

/// This process's children, zombies included.
fn children() -> Vec<u32> {
    let me = std::process::id();
    let mut kids: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid)).ok()?;
            let ppid: u32 = stat.rsplit(')').next()?.split_whitespace().nth(1)?.parse().ok()?;
            if ppid == me {
                Some(pid)
            } else {
                None
            }
        })
        .collect();
    kids.sort_unstable();
    kids
}

#[tokio::test]
async fn nothing_leaks() {
    // The runtime's own descriptors exist before the first count.
    client().await.close().await.unwrap();
    let (fds, kids) = (open_fds(), children());
    for i in 0..3 {
        let c = client().await;
        assert!(c.exec("true").await.unwrap().success());
        let s = c.sftp().await.unwrap();
        s.stat("/").await.unwrap();
        if i == 2 {
            // A cancelled exec leaves its call running in its thread: the
            // close waits for it, and its output is freed there.
            let r = tokio::time::timeout(std::time::Duration::from_millis(200), c.exec("sleep 1; echo late")).await;
            assert!(r.is_err(), "the exec was not cancelled");
        }
        if i == 1 {
            // Dropped, not closed: released all the same.
            drop(s);
            drop(c);
        } else {
            c.close().await.unwrap(); // also closes s
            assert!(s.is_closed());
        }
    }
    assert_eq!(open_fds(), fds, "descriptors leaked");
    assert_eq!(children(), kids, "an internal server was not reaped");
}
