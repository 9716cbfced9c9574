//! The sorted set: members ordered by (score, member), with O(1) score lookup, range queries
//! by score and by member, and Redis 7.0's listpack/skiplist encoding state.

use super::encoding::EncodingLimits;
use bytes::Bytes;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

/// A score with the total order Redis uses (scores are never NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .partial_cmp(&other.0)
            .expect("sorted set scores are never NaN")
    }
}

/// A score interval as ZRANGEBYSCORE takes it (`(` makes an end exclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
    /// `(min`: the lower end itself is outside the range.
    pub min_exclusive: bool,
    /// `(max`: the upper end itself is outside the range.
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// True when `score` is above the lower end.
    pub fn above_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// True when `score` is below the upper end.
    pub fn below_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }

    /// True when no score can be in the range.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_exclusive || self.max_exclusive))
    }
}

/// One end of a lexicographic range (`-`, `+`, `[member`, `(member`).
#[derive(Debug, Clone, PartialEq)]
pub enum LexBound {
    /// `-`: below every member.
    NegInfinity,
    /// `+`: above every member.
    PosInfinity,
    /// `[member`
    Inclusive(Bytes),
    /// `(member`
    Exclusive(Bytes),
}

/// A member interval as ZRANGEBYLEX takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct LexRange {
    /// Lower end.
    pub min: LexBound,
    /// Upper end.
    pub max: LexBound,
}

impl LexRange {
    /// True when `member` is at or above the lower end.
    pub fn above_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::NegInfinity => true,
            LexBound::PosInfinity => false,
            LexBound::Inclusive(m) => member >= &m[..],
            LexBound::Exclusive(m) => member > &m[..],
        }
    }

    /// True when `member` is at or below the upper end.
    pub fn below_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::NegInfinity => false,
            LexBound::PosInfinity => true,
            LexBound::Inclusive(m) => member <= &m[..],
            LexBound::Exclusive(m) => member < &m[..],
        }
    }

    /// True when no member can be in the range (Redis's zslIsInLexRange pre-check).
    pub fn is_empty(&self) -> bool {
        use LexBound::*;
        match (&self.min, &self.max) {
            (PosInfinity, _) | (_, NegInfinity) => true,
            (NegInfinity, _) | (_, PosInfinity) => false,
            (Inclusive(a), Inclusive(b)) => a > b,
            (Inclusive(a) | Exclusive(a), Inclusive(b) | Exclusive(b)) => a >= b,
        }
    }
}

/// Members with scores, iterated in Redis order: by score, then by member bytes.
#[derive(Debug, Clone)]
pub struct SortedSet {
    scores: HashMap<Bytes, f64>,
    order: BTreeSet<(Score, Bytes)>,
    listpack: bool,
}

impl Default for SortedSet {
    fn default() -> Self {
        SortedSet {
            scores: HashMap::new(),
            order: BTreeSet::new(),
            listpack: true,
        }
    }
}

/// An ascending walk over (member, score) pairs; `.rev()` walks descending.
pub type Members<'a> = std::iter::Map<
    std::collections::btree_set::Range<'a, (Score, Bytes)>,
    fn(&'a (Score, Bytes)) -> (&'a Bytes, f64),
>;

fn pair(entry: &(Score, Bytes)) -> (&Bytes, f64) {
    (&entry.1, entry.0.0)
}

impl SortedSet {
    /// Number of members (ZCARD).
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when no member is left (Redis deletes such keys).
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// A member's score (ZSCORE).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Adds or updates a member; returns its previous score. A new member may turn a
    /// listpack into a skiplist (too many members, or a member too long), for good.
    pub fn insert(&mut self, member: Bytes, score: f64, limits: &EncodingLimits) -> Option<f64> {
        let existing = self.scores.get(&member).copied();
        if existing.is_none()
            && (member.len() > limits.zset_max_listpack_value
                || self.scores.len() + 1 > limits.zset_max_listpack_entries)
        {
            self.listpack = false;
        }
        // A listpack keeps scores as text, where -0 reads back as 0.
        let score = if self.listpack && score == 0.0 {
            0.0
        } else {
            score
        };
        if let Some(old) = existing {
            if old == score {
                return Some(old);
            }
            self.order.remove(&(Score(old), member.clone()));
        }
        self.scores.insert(member.clone(), score);
        self.order.insert((Score(score), member));
        existing
    }

    /// Removes a member; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (member, score) = self.scores.remove_entry(member)?;
        self.order.remove(&(Score(score), member));
        Some(score)
    }

    /// Removes and returns the lowest (or highest) member.
    pub fn pop(&mut self, highest: bool) -> Option<(Bytes, f64)> {
        let (score, member) = if highest {
            self.order.pop_last()?
        } else {
            self.order.pop_first()?
        };
        self.scores.remove(&member);
        Some((member, score.0))
    }

    /// Members in ascending order.
    pub fn iter(&self) -> Members<'_> {
        self.order
            .range::<(Score, Bytes), _>(..)
            .map(pair as fn(_) -> _)
    }

    /// Members whose score is in `range`, ascending (reverse the iterator for descending).
    pub fn range_by_score(&self, range: &ScoreRange) -> Members<'_> {
        let nothing = range.is_empty() || (range.min_exclusive && range.min == f64::INFINITY);
        let lowest = (Score(f64::NEG_INFINITY), Bytes::new());
        if nothing {
            return self
                .order
                .range((Bound::Unbounded, Bound::Excluded(lowest)))
                .map(pair as fn(_) -> _);
        }
        let min = if range.min_exclusive {
            range.min.next_up()
        } else {
            range.min
        };
        let upper = if range.max_exclusive {
            Bound::Excluded((Score(range.max), Bytes::new()))
        } else if range.max == f64::INFINITY {
            Bound::Unbounded
        } else {
            Bound::Excluded((Score(range.max.next_up()), Bytes::new()))
        };
        self.order
            .range((Bound::Included((Score(min), Bytes::new())), upper))
            .map(pair as fn(_) -> _)
    }

    /// The members `range` selects, walking in order as Redis's skiplist does (lexicographic
    /// ranges assume all members share one score).
    pub fn range_by_lex<'a>(
        &'a self,
        range: &'a LexRange,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = (&'a Bytes, f64)> + 'a> {
        if range.is_empty() {
            return Box::new(std::iter::empty());
        }
        if reverse {
            Box::new(
                self.iter()
                    .rev()
                    .skip_while(move |(m, _)| !range.below_max(m))
                    .take_while(move |(m, _)| range.above_min(m)),
            )
        } else {
            Box::new(
                self.iter()
                    .skip_while(move |(m, _)| !range.above_min(m))
                    .take_while(move |(m, _)| range.below_max(m)),
            )
        }
    }

    /// 0-based ascending rank of a member.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        Some(
            self.order
                .range(..(Score(score), Bytes::copy_from_slice(member)))
                .count(),
        )
    }

    /// True while the set is encoded as a listpack.
    pub fn is_listpack(&self) -> bool {
        self.listpack
    }

    /// Chooses the encoding a freshly stored result gets (ZUNIONSTORE and friends): a listpack
    /// when it fits the limits.
    pub fn fit_encoding(&mut self, limits: &EncodingLimits) {
        self.listpack = self.len() <= limits.zset_max_listpack_entries
            && self
                .scores
                .keys()
                .all(|m| m.len() <= limits.zset_max_listpack_value);
    }

    /// Turns a listpack into a skiplist for good (SORT does, zsetConvert).
    pub fn convert_to_skiplist(&mut self) {
        self.listpack = false;
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        if self.listpack {
            "listpack"
        } else {
            "skiplist"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SortedSet {
        let limits = EncodingLimits::default();
        let mut z = SortedSet::default();
        for (m, s) in [
            ("a", 1.0),
            ("b", 2.0),
            ("c", 2.0),
            ("d", 3.0),
            ("e", f64::INFINITY),
        ] {
            z.insert(Bytes::from(m), s, &limits);
        }
        z
    }

    fn members<'a>(walk: impl Iterator<Item = (&'a Bytes, f64)>) -> Vec<String> {
        walk.map(|(m, _)| String::from_utf8_lossy(m).into_owned())
            .collect()
    }

    #[test]
    fn score_ranges_honour_exclusive_ends_and_infinities() {
        let z = sample();
        let range = |min, max, min_exclusive, max_exclusive| ScoreRange {
            min,
            max,
            min_exclusive,
            max_exclusive,
        };
        assert_eq!(
            members(z.range_by_score(&range(2.0, 3.0, false, false))),
            ["b", "c", "d"]
        );
        assert_eq!(
            members(z.range_by_score(&range(2.0, 3.0, true, false))),
            ["d"]
        );
        assert_eq!(
            members(z.range_by_score(&range(1.0, 3.0, false, true))),
            ["a", "b", "c"]
        );
        assert_eq!(
            members(
                z.range_by_score(&range(f64::NEG_INFINITY, f64::INFINITY, false, false))
                    .rev()
            ),
            ["e", "d", "c", "b", "a"]
        );
        assert!(
            members(z.range_by_score(&range(f64::INFINITY, f64::INFINITY, true, false))).is_empty()
        );
        assert!(members(z.range_by_score(&range(3.0, 1.0, false, false))).is_empty());
        assert!(members(z.range_by_score(&range(2.0, 2.0, false, true))).is_empty());
    }

    #[test]
    fn lex_ranges_and_ranks() {
        let z = sample();
        let range = LexRange {
            min: LexBound::Exclusive(Bytes::from("a")),
            max: LexBound::Inclusive(Bytes::from("c")),
        };
        assert_eq!(members(z.range_by_lex(&range, false)), ["b", "c"]);
        assert_eq!(members(z.range_by_lex(&range, true)), ["c", "b"]);
        let everything = LexRange {
            min: LexBound::NegInfinity,
            max: LexBound::PosInfinity,
        };
        assert_eq!(z.range_by_lex(&everything, false).count(), 5);
        assert_eq!(z.rank(b"c"), Some(2));
        assert_eq!(z.rank(b"zz"), None);
    }

    #[test]
    fn listpack_sets_read_negative_zero_back_as_zero() {
        let mut z = SortedSet::default();
        z.insert(Bytes::from("m"), -0.0, &EncodingLimits::default());
        assert!(z.score(b"m").unwrap().is_sign_positive());
    }
}
