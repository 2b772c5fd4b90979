//! Concurrent exec on one client, in a test binary of its own so the
//! other tests' load does not time it.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;

// One runtime thread: the commands can only overlap if no libmsb call
// blocks it, and the ticker shows it kept running.
#[tokio::test(flavor = "current_thread")]
async fn five_sleeps_at_once() {
    let c = client().await;
    // The first exec on a fresh connection pays for its setup; one alone
    // also shows what a single `sleep 1` costs on this (TCG) machine.
    let one = Instant::now();
    assert!(c.exec("sleep 1").await.unwrap().success());
    let one = one.elapsed();
    let ticks = Arc::new(AtomicUsize::new(0));
    let t = Arc::clone(&ticks);
    let ticker = tokio::spawn(async move {
        loop {
            t.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let start = Instant::now();
    let (a, b, d, e, f) = tokio::join!(
        c.exec("sleep 1; echo 0"),
        c.exec("sleep 1; echo 1"),
        c.exec("sleep 1; echo 2"),
        c.exec("sleep 1; echo 3"),
        c.exec("sleep 1; echo 4")
    );
    let elapsed = start.elapsed();
    ticker.abort();
    let outs: Vec<String> = [a, b, d, e, f].into_iter().map(|o| text(&o.unwrap().stdout)).collect();
    assert_eq!(outs, ["0\n", "1\n", "2\n", "3\n", "4\n"]);
    eprintln!(
        "1 x 'sleep 1': {:.2} s; 5 x 'sleep 1' under join!: {:.2} s, {} ticks",
        one.as_secs_f64(),
        elapsed.as_secs_f64(),
        ticks.load(Ordering::Relaxed)
    );
    assert!(elapsed < Duration::from_millis(3500), "the five commands ran one after another: {:?}", elapsed);
    assert!(ticks.load(Ordering::Relaxed) as f64 > elapsed.as_secs_f64() / 0.05 / 2.0, "the runtime starved");
    c.close().await.unwrap();
}
