//! `Hart::run_cold`: the interpreter runs cold code for a translator and
//! hands over before blocks that turned hot or have a translation.

mod common;

use common::{run_to_wfi, BASE};
use rvisor_cpu::{Exit, Hart};

/// a0 = 40 + 39 + ... + 1: the first block holds `li` and the loop body
/// (4 instructions), then the three-instruction loop block at `BASE + 4`
/// runs 39 times, then `wfi`.
fn summing_loop() -> Hart {
    common::summing_loop(40)
}

const TOP: u64 = BASE + 4;

#[test]
fn run_cold_stops_before_a_block_run_more_than_hot_times() {
    let mut h = summing_loop();
    // The first block, then the loop block: decoded on its first run,
    // then counted five times; the next run is handed over, with exact
    // state.
    assert_eq!(h.run_cold(1000, 5), (Exit::Budget, 7));
    assert_eq!(h.pc, TOP);
    assert_eq!(h.stats.instret, 4 + 6 * 3);
    assert_eq!(h.x[10], (34..=40).sum::<u64>());
    // Handed a hot block first, it runs it (progress) and stops at the
    // next one, the same hot block.
    assert_eq!(h.run_cold(1000, 5), (Exit::Budget, 1));
    assert_eq!(h.stats.instret, 4 + 7 * 3);
    run_to_wfi(&mut h, 1000);
    assert_eq!(h.x[10], 820);
}

#[test]
fn run_cold_stops_before_a_block_with_a_translation_until_all_are_dropped() {
    let mut h = summing_loop();
    h.engine_translated(TOP);
    assert_eq!(h.run_cold(1000, 100), (Exit::Budget, 1));
    assert_eq!((h.pc, h.stats.instret), (TOP, 4));
    h.engine_dropped_all();
    // The loop runs to its end in one call: the `wfi` block ends it.
    assert_eq!(h.run_cold(1000, 100), (Exit::Wfi, 40));
    assert_eq!(h.x[10], 820);
    assert_eq!(h.stats.instret, 4 + 39 * 3 + 1);
}

#[test]
fn run_cold_keeps_to_its_budget() {
    let mut h = summing_loop();
    let (exit, _) = h.run_cold(10, 100);
    assert_eq!(exit, Exit::Budget);
    // Whole blocks: the first (4) and two loop blocks (6) reach 10.
    assert_eq!(h.stats.instret, 10);
}
