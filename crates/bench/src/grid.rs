//! The arms every replicate compares, simplest first (a tie in a validation choice goes to the
//! earlier arm: the real rows before any addition, small ratios before large ones, plain arms
//! before their variants).

use synthkit_eval::arms::{ArmSpec, Conditioned, Source};
use synthkit_models::ModelConfig;

use crate::config::ArmsSection;
use crate::generators::Generator;

/// Whether a generator generates the class column itself (so a condition can be rejected):
/// CTGAN, and TVAE with its condition vector.
pub fn can_reject(config: &ModelConfig) -> bool {
    match config {
        ModelConfig::Ctgan(_) => true,
        ModelConfig::Tvae(c) => c.conditional,
        _ => false,
    }
}

/// The arms of one stage. `rejecting` names the generators that have a rejected pool on this
/// replicate; `test` adds the train-on-synthetic arms (they choose nothing, so validation skips
/// them).
pub fn arms(a: &ArmsSection, gens: &[Generator], rejecting: &[String], test: bool) -> Vec<ArmSpec> {
    let mut out = vec![ArmSpec::Real];
    let mut ratios = a.ratios.clone();
    ratios.sort_by(f64::total_cmp);
    for &k in &ratios {
        for m in &a.oversamplers {
            out.push(ArmSpec::Oversample {
                method: *m,
                ratio: Some(k),
            });
        }
    }
    if a.oversample_auto {
        for m in &a.oversamplers {
            out.push(ArmSpec::Oversample {
                method: *m,
                ratio: None,
            });
        }
    }
    let aug = |source: Source, ratio: f64, filter: bool, weight: f64, condition| ArmSpec::Augment {
        source,
        ratio,
        filter,
        weight,
        condition,
    };
    let g_src = |g: &Generator| Source::Generator(g.name.clone());
    for &k in &ratios {
        for g in gens {
            out.push(aug(g_src(g), k, false, 1.0, Conditioned::Force));
        }
    }
    // The (filter, weight) settings of the variant arms next to a plain one, in menu order.
    let mut settings = Vec::new();
    if a.filter {
        settings.push((true, 1.0));
    }
    for &w in &a.weights {
        settings.push((false, w));
        if a.filter {
            settings.push((true, w));
        }
    }
    let mut variants = a.variant_ratios().to_vec();
    variants.sort_by(f64::total_cmp);
    for &k in &variants {
        for g in gens {
            for &(filter, w) in &settings {
                out.push(aug(g_src(g), k, filter, w, Conditioned::Force));
            }
            if a.reject && rejecting.contains(&g.name) {
                out.push(aug(g_src(g), k, false, 1.0, Conditioned::Reject));
            }
        }
        if a.ensemble && gens.len() > 1 {
            out.push(aug(Source::Ensemble, k, false, 1.0, Conditioned::Force));
            if a.filter {
                out.push(aug(Source::Ensemble, k, true, 1.0, Conditioned::Force));
            }
        }
        if a.committee && gens.len() > 1 {
            for &(filter, weight) in std::iter::once(&(false, 1.0)).chain(&settings) {
                out.push(ArmSpec::Committee {
                    ratio: k,
                    filter,
                    weight,
                    condition: Conditioned::Force,
                });
            }
            if !a.oversamplers.is_empty() {
                out.push(ArmSpec::OversampleCommittee {
                    methods: a.oversamplers.clone(),
                    ratio: Some(k),
                });
            }
        }
    }
    if a.committee && gens.len() > 1 {
        out.push(ArmSpec::BaggedReal {
            members: gens.len(),
        });
    }
    if test && a.tstr {
        for g in gens {
            out.push(ArmSpec::Tstr {
                generator: g.name.clone(),
            });
        }
    }
    out
}
