//! The hasher of every table keyed by capture data (conversations, message,
//! session and tree ids, client addresses): [`KeyedState`], fast and randomly
//! keyed, so that a hostile capture cannot aim its keys at one bucket. An
//! unkeyed multiply-rotate hash (FxHash, used here before) is public and
//! invertible: a crafted capture could make lookups quadratic.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// Builds [`KeyedHasher`]s, keyed with random bits that std's `RandomState`
/// draws from the operating system: for tables keyed by what a capture says
/// (addresses, ports, message ids). Without the key a crafted capture cannot
/// aim its entries at one bucket, as it can with an unkeyed hash such as
/// FxHash, whose multiply-rotate steps are public and invertible.
#[derive(Clone, Copy, Debug)]
pub struct KeyedState {
    seed: u64,
    multiplier: u64,
}

impl Default for KeyedState {
    fn default() -> Self {
        static MULTIPLIER: OnceLock<u64> = OnceLock::new();
        // Odd and with bits set in both halves, whatever the random draw.
        let multiplier = *MULTIPLIER.get_or_init(|| random_u64() | (1 << 63) | (1 << 31) | 1);
        KeyedState {
            seed: random_u64(),
            multiplier,
        }
    }
}

impl BuildHasher for KeyedState {
    type Hasher = KeyedHasher;
    #[inline]
    fn build_hasher(&self) -> KeyedHasher {
        KeyedHasher {
            acc: self.seed,
            multiplier: self.multiplier,
        }
    }
}

/// 64 random bits: std's `RandomState` is keyed from the operating system's
/// random source (each call steps the per-thread key).
fn random_u64() -> u64 {
    std::hash::RandomState::new().hash_one(0x736d_6273_636f_7065u64)
}

/// The folded multiply of foldhash and aHash's fallback: the 128-bit product,
/// its halves XORed. Each word of the key goes through one, with the secret
/// multiplier and the secret running state.
#[derive(Clone, Copy, Debug)]
pub struct KeyedHasher {
    acc: u64,
    multiplier: u64,
}

impl KeyedHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        let p = u128::from(self.acc ^ w) * u128::from(self.multiplier);
        self.acc = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for KeyedHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            self.add(u64::from_le_bytes(a));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" and "ab\0" apart.
            self.add(u64::from_le_bytes(a) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.acc
    }
}

/// A map keyed by capture data; see [`KeyedState`].
pub type KeyedHashMap<K, V> = std::collections::HashMap<K, V, KeyedState>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hashes_differ_between_tables_and_agree_within_one() {
        let (a, b) = (KeyedState::default(), KeyedState::default());
        let key = (std::net::Ipv4Addr::new(10, 0, 0, 1), 445u16);
        assert_eq!(a.hash_one(key), a.hash_one(key));
        assert_ne!(a.hash_one(key), b.hash_one(key));
        assert_ne!(a.hash_one(&b"ab"[..]), a.hash_one(&b"ab\0"[..]));
        let mut h = a.build_hasher();
        h.write(b"ab");
        let mut g = a.build_hasher();
        g.write(b"ab\0");
        assert_ne!(h.finish(), g.finish());
    }
}
