//! The plan of a data set's bench: scarcity levels, replicates, their seeds and their splits.
//!
//! A *replicate* `(level, r)` is one run of the whole protocol:
//! - the training split reduced to every majority row and `N` rare rows chosen by a seed of
//!   `(N, r)` ([`Level::Count`]; [`Level::All`] keeps every rare row), as `[data] rare_train`
//!   does for a single run;
//! - that reduced split cut into a *fit* part and a *validation* part, stratified, by a seed of
//!   `(N, r)`: generators train on the fit part, every choice is made on the validation part;
//! - every generator trained on the fit part with its own training seed, a seed of `(N, r)` too,
//!   so replicates vary the rare rows, the validation rows and the generators' training alike.
//!
//! The real test split is never part of a replicate's choices; it only scores them.

use serde::{Deserialize, Serialize};
use synthkit_data::seed::{block_seed, seeded_choice};
use synthkit_data::split::stratified_indices;

use crate::error::{BenchError, BenchResult};

/// How many rare training rows a replicate keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// This many (all majority rows are kept).
    Count(usize),
    /// Every rare row of the training split.
    All,
}

impl Level {
    /// `N25`, or `all`: the level's directory key.
    pub fn key(&self) -> String {
        match self {
            Level::Count(n) => format!("N{n}"),
            Level::All => "all".into(),
        }
    }

    /// A number for seeds: `N`, or 0 for every row.
    fn code(&self) -> u64 {
        match self {
            Level::Count(n) => *n as u64,
            Level::All => 0,
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Level::Count(n) => write!(f, "{n}"),
            Level::All => f.write_str("all"),
        }
    }
}

impl Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Level::Count(n) => s.serialize_u64(*n as u64),
            Level::All => s.serialize_str("all"),
        }
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(0) => Err(serde::de::Error::custom(
                "a scarcity level must keep at least 1 rare row (or be \"all\")",
            )),
            Raw::N(n) => Ok(Level::Count(n as usize)),
            Raw::S(s) if s == "all" => Ok(Level::All),
            Raw::S(s) => Err(serde::de::Error::custom(format!(
                "scarcity level `{s}` is neither a number of rare rows nor \"all\""
            ))),
        }
    }
}

/// One replicate of one level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Replicate {
    /// The level.
    pub level: Level,
    /// 0-based replicate number.
    pub r: usize,
}

impl Replicate {
    /// `N25-r0`, `all-r3`: its directory and file key.
    pub fn key(&self) -> String {
        format!("{}-r{}", self.level.key(), self.r)
    }

    fn seed(&self, salt: u64) -> u64 {
        block_seed(salt ^ self.level.code().wrapping_mul(0x9E37_79B9), self.r)
    }

    /// Seed of the choice of rare rows.
    pub fn subset_seed(&self) -> u64 {
        self.seed(0x5CA2_CE00)
    }

    /// Seed of the fit / validation split.
    pub fn split_seed(&self) -> u64 {
        self.seed(0x5917_0000)
    }

    /// Training seed of a generator whose config says `base`.
    pub fn train_seed(&self, base: u64) -> u64 {
        self.seed(base ^ 0x7A41_0000)
    }

    /// Seed of the stages' oversamplers, pool shuffles, curation folds and classifiers.
    pub fn stage_seed(&self) -> u64 {
        self.seed(0x57A6_E000)
    }

    /// Seed of the generators' sampling.
    pub fn sample_seed(&self) -> u64 {
        self.seed(0x5A3B_1E00)
    }
}

/// A replicate's rows, as row numbers of the full training table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// The reduced training split (every majority row and the kept rare rows), ascending.
    pub train: Vec<usize>,
    /// Its fit part (what generators train on), ascending.
    pub fit: Vec<usize>,
    /// Its validation part (what choices are scored on), ascending.
    pub validation: Vec<usize>,
    /// Rare rows in each: train, fit, validation.
    pub rare: [usize; 3],
}

impl Split {
    /// The split of replicate `rep` of a training table whose rows are rare where `is_rare`.
    ///
    /// # Errors
    /// A level asking for more rare rows than there are, a fraction outside (0, 1), or a
    /// validation part without a rare row (too few rare rows for the fraction).
    pub fn make(is_rare: &[bool], rep: &Replicate, validation_fraction: f64) -> BenchResult<Split> {
        let rare: Vec<usize> = (0..is_rare.len()).filter(|&i| is_rare[i]).collect();
        let kept = match rep.level {
            Level::Count(n) if n > rare.len() => {
                return Err(BenchError::Plan {
                    reason: format!(
                        "scarcity level {n} asks for more rare training rows than the {} there are; \
                         list only levels up to {} (or \"all\")",
                        rare.len(),
                        rare.len()
                    ),
                });
            }
            Level::Count(n) => seeded_choice(&rare, n, rep.subset_seed()),
            Level::All => rare,
        };
        let mut train: Vec<usize> = (0..is_rare.len())
            .filter(|&i| !is_rare[i])
            .chain(kept.iter().copied())
            .collect();
        train.sort_unstable();
        let labels: Vec<bool> = train.iter().map(|&i| is_rare[i]).collect();
        let (fit_local, val_local) = stratified_indices(
            labels.iter().copied(),
            validation_fraction,
            rep.split_seed(),
        )?;
        let fit: Vec<usize> = fit_local.iter().map(|&i| train[i]).collect();
        let validation: Vec<usize> = val_local.iter().map(|&i| train[i]).collect();
        let count = |ids: &[usize]| ids.iter().filter(|&&i| is_rare[i]).count();
        let split = Split {
            rare: [kept.len(), count(&fit), count(&validation)],
            train,
            fit,
            validation,
        };
        if split.rare[2] == 0 || split.rare[1] == 0 {
            return Err(BenchError::Plan {
                reason: format!(
                    "replicate {} keeps {} rare rows, too few to put some in both the fit and \
                     the validation part; use a level of at least 2",
                    rep.key(),
                    kept.len()
                ),
            });
        }
        Ok(split)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_numbers_and_all() {
        #[derive(Deserialize)]
        struct T {
            l: Vec<Level>,
        }
        let t: T = toml::from_str("l = [25, 50, \"all\"]").unwrap();
        assert_eq!(t.l, vec![Level::Count(25), Level::Count(50), Level::All]);
        assert!(toml::from_str::<T>("l = [0]").is_err());
        assert!(toml::from_str::<T>("l = [\"most\"]").is_err());
        assert_eq!(Level::Count(25).key(), "N25");
    }

    /// Every majority row is kept, exactly N rare rows, the parts partition the reduced split,
    /// are stratified, and the choice of rare rows is nested across levels of one replicate
    /// number only by chance (seeds differ by level), fixed by its seed.
    #[test]
    fn a_split_keeps_the_majority_and_n_rare_rows_and_partitions_them() {
        let is_rare: Vec<bool> = (0..2000).map(|i| i % 20 == 0).collect(); // 100 rare
        let rep = Replicate {
            level: Level::Count(24),
            r: 1,
        };
        let s = Split::make(&is_rare, &rep, 0.25).unwrap();
        assert_eq!(s.rare, [24, 18, 6]);
        assert_eq!(s.train.len(), 1900 + 24);
        let mut both: Vec<usize> = s.fit.iter().chain(&s.validation).copied().collect();
        both.sort_unstable();
        assert_eq!(both, s.train);
        assert_eq!(s, Split::make(&is_rare, &rep, 0.25).unwrap());
        let other = Replicate { r: 2, ..rep };
        assert_ne!(s.train, Split::make(&is_rare, &other, 0.25).unwrap().train);
        let all = Split::make(
            &is_rare,
            &Replicate {
                level: Level::All,
                r: 0,
            },
            0.25,
        )
        .unwrap();
        assert_eq!((all.train.len(), all.rare[0]), (2000, 100));
        let e = Split::make(
            &is_rare,
            &Replicate {
                level: Level::Count(101),
                r: 0,
            },
            0.25,
        );
        assert!(e.unwrap_err().to_string().contains("up to 100"));
    }
}
