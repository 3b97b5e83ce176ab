//! Loss histories: one [`BlockLosses`] per training block, written to and read back from
//! `losses.csv` by the one pair of functions here.

use serde::{Deserialize, Serialize};

/// What the driver needs of a block's record: its wall time and its named mean losses.
pub trait BlockRecord: Clone + Serialize + serde::de::DeserializeOwned {
    /// Wall-clock seconds of the block.
    fn seconds(&self) -> f64;
    /// `(name, mean value)` pairs, in the model's order.
    fn values(&self) -> &[(String, f64)];
}

/// The losses of one training block of a tabular model (means over its steps), in the order
/// the model names them. A block is one epoch for CTGAN and TVAE and `steps_per_block`
/// optimiser steps for the step-counted models (TabDDPM).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockLosses {
    /// 0-based block.
    #[serde(alias = "epoch")]
    pub block: usize,
    /// Wall-clock seconds the block took.
    pub seconds: f64,
    /// `(name, value)` pairs: CTGAN `generator`, `critic`, `penalty`; TVAE `loss`,
    /// `reconstruction`, `kl`; TabDDPM `loss`, `gaussian`, `multinomial`.
    pub values: Vec<(String, f64)>,
}

impl BlockLosses {
    /// The record of block `block` from the model's loss names and the block's mean values.
    pub fn named(block: usize, seconds: f64, names: &[&str], values: Vec<f64>) -> Self {
        Self {
            block,
            seconds,
            values: names.iter().map(|n| n.to_string()).zip(values).collect(),
        }
    }

    /// The loss called `name`, if any.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

impl BlockRecord for BlockLosses {
    fn seconds(&self) -> f64 {
        self.seconds
    }

    fn values(&self) -> &[(String, f64)] {
        &self.values
    }
}

/// `block,seconds,<loss names...>` then one line per block.
pub fn losses_csv(losses: &[BlockLosses]) -> String {
    let mut s = String::from("block,seconds");
    if let Some(first) = losses.first() {
        for (n, _) in &first.values {
            s.push(',');
            s.push_str(n);
        }
    }
    s.push('\n');
    for l in losses {
        s.push_str(&format!("{},{}", l.block, l.seconds));
        for (_, v) in &l.values {
            s.push_str(&format!(",{v}"));
        }
        s.push('\n');
    }
    s
}

/// Reads what [`losses_csv`] wrote (also the older `epoch,seconds,…` header); lines that do not
/// parse, or do not have one value per name, are skipped.
pub fn parse_losses_csv(s: &str) -> Vec<BlockLosses> {
    let mut lines = s.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let names: Vec<&str> = header.split(',').skip(2).collect();
    lines
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != names.len() + 2 {
                return None;
            }
            let block = f[0].parse().ok()?;
            let seconds = f[1].parse().ok()?;
            let values = names
                .iter()
                .zip(&f[2..])
                .map(|(n, v)| Some((n.to_string(), v.parse().ok()?)))
                .collect::<Option<Vec<_>>>()?;
            Some(BlockLosses {
                block,
                seconds,
                values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_and_reads_the_older_header() {
        let l = vec![
            BlockLosses {
                block: 0,
                seconds: 0.5,
                values: vec![("generator".into(), 1.5), ("critic".into(), -2.0)],
            },
            BlockLosses {
                block: 1,
                seconds: 0.25,
                values: vec![("generator".into(), 1.25), ("critic".into(), -1.0)],
            },
        ];
        assert_eq!(parse_losses_csv(&losses_csv(&l)), l);
        let old =
            parse_losses_csv("epoch,seconds,generator,critic\n0,0.5,1.5,-2\n1,0.25,1.25,-1\n");
        assert_eq!(old, l);
        // A short or broken line is skipped.
        assert_eq!(
            parse_losses_csv("block,seconds,a\n0,1,2\n1,1\nx,1,2\n").len(),
            1
        );
        assert!(parse_losses_csv("").is_empty());
    }
}
