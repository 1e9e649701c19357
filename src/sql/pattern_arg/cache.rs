//! The patterns a backend has read, keyed by their exact jsonb bytes. At most
//! [`CACHE_ENTRIES`] patterns and [`CACHE_KEY_BYTES`] bytes of keys (about 3 MiB per backend
//! with the read patterns); beyond that the oldest entries go first. Values over
//! [`MAX_CACHED_BYTES`] are read every time instead of being kept.

use super::Parsed;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// How many distinct patterns each backend keeps read.
const CACHE_ENTRIES: usize = 4096;
/// How many bytes of jsonb keys each backend keeps (a pattern is typically 60-200 bytes).
const CACHE_KEY_BYTES: usize = 1 << 20;
/// Larger values are read every time instead of being kept.
const MAX_CACHED_BYTES: usize = 4096;

/// A cheap hash of a pattern's bytes (SipHash would cost more than the lookup saves).
#[derive(Default)]
struct Fingerprint(u64);

impl Hasher for Fingerprint {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.chunks(8).fold(self.0 ^ bytes.len() as u64, |hash, chunk| {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95)
        });
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The patterns read, and their keys oldest first (the order they leave in).
#[derive(Default)]
struct Cache {
    read: HashMap<Rc<[u8]>, Rc<Parsed>, BuildHasherDefault<Fingerprint>>,
    oldest_first: VecDeque<Rc<[u8]>>,
    key_bytes: usize,
}

impl Cache {
    #[inline]
    fn get(&self, bytes: &[u8]) -> Option<Rc<Parsed>> {
        self.read.get(bytes).cloned()
    }

    fn keep(&mut self, bytes: &[u8], parsed: &Rc<Parsed>) {
        while self.read.len() >= CACHE_ENTRIES || self.key_bytes + bytes.len() > CACHE_KEY_BYTES {
            let Some(oldest) = self.oldest_first.pop_front() else { break };
            self.key_bytes -= oldest.len();
            self.read.remove(&oldest);
        }
        let key: Rc<[u8]> = bytes.into();
        self.key_bytes += key.len();
        self.oldest_first.push_back(Rc::clone(&key));
        self.read.insert(key, Rc::clone(parsed));
    }
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// The pattern read from jsonb bytes `bytes`, when this backend has kept it.
#[inline]
pub(super) fn get(bytes: &[u8]) -> Option<Rc<Parsed>> {
    CACHE.with_borrow(|cache| cache.get(bytes))
}

/// Keeps `parsed`, read from `bytes`, unless the value is too large to keep.
pub(super) fn keep(bytes: &[u8], parsed: &Rc<Parsed>) {
    if bytes.len() <= MAX_CACHED_BYTES {
        CACHE.with_borrow_mut(|cache| cache.keep(bytes, parsed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recurrence::RecurrenceError;

    fn parsed(n: usize) -> Rc<Parsed> {
        Rc::new(Err(RecurrenceError::InvalidText(n.to_string())))
    }

    #[test]
    fn the_oldest_go_first_past_the_entries_or_the_bytes() {
        let mut cache = Cache::default();
        let key = |i: usize| (i as u64).to_le_bytes();
        for i in 0..=CACHE_ENTRIES {
            cache.keep(&key(i), &parsed(i));
        }
        assert_eq!(cache.read.len(), CACHE_ENTRIES);
        assert!(cache.get(&key(0)).is_none(), "the oldest went");
        assert_eq!(cache.get(&key(1)).unwrap().as_ref().clone().unwrap_err().to_string(), "1");
        // Two keys of over half the byte budget each: the second pushes out everything older.
        let (big, bigger) = (vec![1u8; CACHE_KEY_BYTES / 2 + 1], vec![2u8; CACHE_KEY_BYTES / 2 + 2]);
        cache.keep(&big, &parsed(0));
        assert!(cache.get(&big).is_some());
        cache.keep(&bigger, &parsed(0));
        assert!(cache.get(&big).is_none() && cache.get(&key(CACHE_ENTRIES)).is_none());
        assert_eq!((cache.read.len(), cache.key_bytes), (1, bigger.len()));
    }
}
