// Shared with build.rs (which `include!`s this file), so both hash alike.

/// FNV-1a, 64 bits: a stable fingerprint of some bytes (not a cryptographic hash; it tells
/// versions apart, it does not defend against forgery).
pub fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The FNV-1a offset basis: the state to start from.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;
