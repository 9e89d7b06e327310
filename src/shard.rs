//! `--shard K/N`: which part of a deterministic split a runner does. Owns only the arithmetic
//! (items numbered 0, 1, 2, ... in an order every runner computes alike; item `i` belongs to
//! shard `i mod N + 1`), so that N runners of one CI job matrix never repeat and never miss an
//! item, and neighbouring items (one implementation's scenarios, consecutive fuzz sessions)
//! are spread evenly over the shards.

use std::fmt;
use std::str::FromStr;

/// The K-th (1-based) of N parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: u64,
    /// N, at least 1.
    pub count: u64,
}

impl Shard {
    /// The whole work as one shard (`1/1`).
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Whether item `item` (0-based, in the common order) is this shard's.
    pub fn owns(&self, item: u64) -> bool {
        item % self.count == self.index - 1
    }

    /// The `nth` (0-based) item of this shard in the common order.
    pub fn item(&self, nth: u64) -> u64 {
        nth.saturating_mul(self.count)
            .saturating_add(self.index - 1)
    }

    /// How many of `total` items are this shard's.
    pub fn size_of(&self, total: u64) -> u64 {
        (0..total).filter(|&i| self.owns(i)).count() as u64
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a `K/N` does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a shard: give K/N with 1 <= K <= N (e.g. 2/4)")]
pub struct ShardError(String);

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ShardError(text.to_owned());
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn shards_partition_the_items_evenly_and_k_n_parses_strictly() {
        let shards: Vec<Shard> = (1..=4).map(|k| format!("{k}/4").parse().unwrap()).collect();
        for item in 0..103 {
            assert_eq!(shards.iter().filter(|s| s.owns(item)).count(), 1);
        }
        let sizes: Vec<u64> = shards.iter().map(|s| s.size_of(103)).collect();
        assert_eq!(sizes, [26, 26, 26, 25]);
        assert!((0..10).all(|n| shards[2].owns(shards[2].item(n))));
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard::WHOLE.to_string(), "1/1");
    }
}
