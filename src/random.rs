//! Small, seedable randomness for generated values (the 5 characters of an `image_name`).
//!
//! SplitMix64 on an atomic counter: lock-free, good enough for identifiers, and fully
//! reproducible from `control.seed`, which is what deterministic runs need. Nothing here is
//! for secrets.

use std::sync::atomic::{AtomicU64, Ordering};

/// A thread-safe SplitMix64 generator.
#[derive(Debug)]
pub struct Rng {
    state: AtomicU64,
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    /// A generator that yields the same sequence for the same seed.
    pub fn seeded(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    /// A generator seeded from the system clock and process id.
    pub fn from_entropy() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Self::seeded(nanos ^ (u64::from(std::process::id()) << 32))
    }

    /// Resets the sequence to `seed`.
    pub fn reseed(&self, seed: u64) {
        self.state.store(seed, Ordering::SeqCst);
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` characters from `[a-z0-9]`, as in the tail of an `image_name` (`@nihpn`).
    pub fn lowercase_alnum(&self, n: usize) -> String {
        let mut bytes = vec![0; n];
        self.fill_lowercase_alnum(&mut bytes);
        bytes.into_iter().map(char::from).collect()
    }

    /// [`Rng::lowercase_alnum`], written over `out` (at most 12 characters: one draw).
    pub fn fill_lowercase_alnum(&self, out: &mut [u8]) {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut bits = self.next_u64();
        for b in out {
            *b = ALPHABET[(bits % ALPHABET.len() as u64) as usize];
            bits /= ALPHABET.len() as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let (a, b) = (Rng::seeded(7), Rng::seeded(7));
        for _ in 0..10 {
            assert_eq!(a.lowercase_alnum(5), b.lowercase_alnum(5));
        }
        let s = a.lowercase_alnum(5);
        assert_eq!(s.len(), 5);
        assert!(
            s.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }

    #[test]
    fn different_seeds_differ() {
        assert_ne!(Rng::seeded(1).next_u64(), Rng::seeded(2).next_u64());
    }
}
