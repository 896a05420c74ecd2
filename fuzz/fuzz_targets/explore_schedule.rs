//! An `Arbitrary` generated topology, run once under shuttle with the remaining bytes as the
//! scheduling choices, so coverage steers the interleaving as well as the shape. Every
//! end-state check and the lock-order graph apply; a crash prints the script and a replay token.
#![no_main]

#[cfg(not(rtnl_shuttle))]
compile_error!(
    "explore_schedule needs the model built for shuttle: \
     RUSTFLAGS=\"--cfg rtnl_shuttle\" cargo +nightly fuzz run explore_schedule (see fuzz/README.md)"
);

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rtnl_checks::fuzzing::check_schedule(data));
