//! TimeGAN's three training phases (reference `jsyoon0823/TimeGAN` `timegan.py` L186–290) and the
//! fitted model that samples whole sequences, optionally of one label.
//!
//! - **Embedding** (L226–236): minimise `E_loss0 = 10·√MSE(X, X̃)` over embedder + recovery.
//! - **Supervised** (L239–249): minimise `G_loss_S = MSE(H[:,1:], S(H)[:,:-1])` over generator +
//!   supervisor (only the supervisor gets a gradient; H is the embedder's, held fixed).
//! - **Joint** (L252–284), per iteration: `generator_steps` (2) times { one generator+supervisor
//!   step on `G_loss = G_U + γ·G_U_e + 100·√G_S + 100·G_V`, then one embedder+recovery step on
//!   `E_loss = 10·√MSE(X, X̃) + 0.1·G_S` on the same batch }, then a fresh batch and a
//!   discriminator step on `D_loss = BCE(Y_real,1) + BCE(Y_fake,0) + γ·BCE(Y_fake_e,0)` **only if**
//!   `D_loss > 0.15`.
//!
//! Five Adam optimisers as the reference (`E0_solver`, `E_solver`, `D_solver`, `G_solver`,
//! `GS_solver`), each with its own moments and step count. Z ~ U(0, 1) per step with `z_dim = dim`.
//! Batches are drawn without replacement each iteration (`utils.py` `batch_generator`).
//!
//! Reproducibility: the device RNG (Z) and a host `StdRng` (batches) are reseeded from
//! `(seed, phase, block)` every [`BLOCK_MAX`]-bounded block of iterations, so on the CPU
//! backend two runs with one seed give identical weights and samples.
//!
//! Layout: `losses` (the phases and their losses), `trainer` (the networks, optimisers and one
//! iteration of each phase), `engine` (the blocks under the shared driver, [`fit_timegan`]) and
//! `fitted` ([`FittedTimeGan`]).

mod engine;
mod fitted;
mod losses;
mod trainer;

pub use engine::{BLOCK_MAX, TIMEGAN_CHECKPOINTS_KEPT, fit_timegan};
pub use fitted::{FittedTimeGan, SEQUENCE_CHUNK, TIMEGAN_FORMAT_VERSION};
pub(crate) use losses::bce_logits;
pub use losses::{Phase, PhaseLosses};

/// Fixtures shared by the tests of the submodules (and `series_metrics`).
#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use burn::module::{ModuleVisitor, Param};
    use burn::prelude::*;
    use synthkit_data::sequence::{LongFormat, SequenceSet, read_long};
    use synthkit_models::TimeGanConfig;
    use synthkit_models::timegan::TimeGanNets;

    pub(crate) fn cmapss(n: usize) -> SequenceSet {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let set = read_long(
            &root.join("datasets/cmapss_fd001_failure/train.csv"),
            &LongFormat {
                id: "seq_id".into(),
                time: "t".into(),
                features: vec![],
                target: Some("failure_within_window".into()),
            },
        )
        .unwrap();
        // Keep both classes: the first n/2 of each.
        let mut idx = set.indices_of("1").unwrap();
        idx.truncate(n / 2);
        let mut neg = set.indices_of("0").unwrap();
        neg.truncate(n - idx.len());
        idx.extend(neg);
        let sub = set.select(&idx);
        // Short windows and 4 features keep tests fast.
        let keep = [2usize, 3, 4, 7];
        let t = 8;
        let mut values = Vec::new();
        for i in 0..sub.len() {
            let s = sub.sequence(i);
            for step in 0..t {
                for &f in &keep {
                    values.push(s[step * 16 + f]);
                }
            }
        }
        SequenceSet {
            features: keep.iter().map(|&f| sub.features[f].clone()).collect(),
            seq_len: t,
            ids: sub.ids,
            labels: sub.labels,
            values,
        }
    }

    pub(crate) fn tiny() -> TimeGanConfig {
        TimeGanConfig {
            hidden_dim: 6,
            num_layers: 2,
            iterations: 2,
            batch_size: 8,
            ..Default::default()
        }
    }

    struct Flat(Vec<f32>);
    impl ModuleVisitor for Flat {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0
                .extend(param.val().into_data().try_to_vec_as::<f32>().unwrap());
        }
    }
    fn flat<M: Module>(m: &M) -> Vec<f32> {
        let mut v = Flat(Vec::new());
        m.visit(&mut v);
        v.0
    }
    pub(super) fn snapshot(n: &TimeGanNets) -> [Vec<f32>; 5] {
        [
            flat(&n.embedder),
            flat(&n.recovery),
            flat(&n.generator),
            flat(&n.supervisor),
            flat(&n.discriminator),
        ]
    }
}
