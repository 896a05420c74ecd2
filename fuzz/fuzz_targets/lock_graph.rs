//! Arbitrary lock-edge sequences into the lock-order graph, against a brute-force cycle oracle.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rtnl_checks::fuzzing::check_lock_graph(data));
