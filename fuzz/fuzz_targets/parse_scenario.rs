//! Arbitrary bytes into the scenario parser: no panic, every error located in the input with
//! a consistent line and column, every parsed command reparsing alone.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rtnl_checks::fuzzing::check_parse(data));
