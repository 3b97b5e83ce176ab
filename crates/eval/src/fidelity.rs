//! Fidelity of synthetic rows to real rows, after SDMetrics' QualityReport (REFERENCES.md §5.1):
//! column shapes (`kscomplement.py`, `tv_complement.py`), column pair trends
//! (`correlation_similarity.py`, `contingency_similarity.py` with `num_discrete_bins=10`), their
//! means, overall and class-conditional (synthetic rare rows against real rare rows, §5.5),
//! and the detection score (`single_table/detection/base.py`).

use std::collections::HashMap;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use synthkit_data::schema::Schema;

use crate::classifier::ClassifierSpec;
use crate::encode::{FeatureEncoder, Features, binary_target, read_numeric, read_strings};
use crate::error::{EvalError, EvalResult, ensure};
use crate::metrics::roc_auc;

/// Bins of a numeric column in the contingency table (SDMetrics `num_discrete_bins`).
pub const CONTINGENCY_BINS: usize = 10;

/// The score of one column's marginal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnShape {
    /// The column.
    pub column: String,
    /// `ks_complement` (numeric, datetime) or `tv_complement` (categorical, boolean).
    pub metric: String,
    /// The score in [0, 1] (1 = identical marginals); `None` when a side has no value.
    pub score: Option<f64>,
}

/// The score of one pair of columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairTrend {
    /// First column.
    pub left: String,
    /// Second column.
    pub right: String,
    /// `correlation_similarity` (numeric–numeric) or `contingency_similarity` (otherwise).
    pub metric: String,
    /// The score in [0, 1]; `None` when a correlation is undefined (a constant column).
    pub score: Option<f64>,
    /// Pearson correlation in the real rows (correlation pairs only).
    pub real_correlation: Option<f64>,
    /// Pearson correlation in the synthetic rows (correlation pairs only).
    pub synthetic_correlation: Option<f64>,
}

/// Column shapes and pair trends of one comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FidelityScores {
    /// Real rows compared.
    pub n_real: usize,
    /// Synthetic rows compared.
    pub n_synthetic: usize,
    /// Per column.
    pub column_shapes: Vec<ColumnShape>,
    /// Per pair of columns.
    pub pair_trends: Vec<PairTrend>,
    /// Mean of the defined column-shape scores ("Column Shapes"); `None` if none is defined.
    pub shapes_mean: Option<f64>,
    /// Mean of the defined pair-trend scores ("Column Pair Trends"); `None` if none is defined
    /// (e.g. a single column).
    pub trends_mean: Option<f64>,
    /// Mean of the two (SDMetrics' overall quality score), or the one that is defined.
    pub overall: Option<f64>,
}

/// Overall and rare-class fidelity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FidelityReport {
    /// All rows, target included as a column.
    pub overall: FidelityScores,
    /// Synthetic rare-class rows against real rare-class rows, target excluded. When a table
    /// has no row of the class (see `rare_class_unavailable`), the row counts say which, the
    /// lists are empty and every mean is `None`.
    pub rare_class: FidelityScores,
    /// Why the class-conditional scores are not available, e.g. "the synthetic rows have no
    /// row of class `1`"; `None` when they are. A generator whose unconditional sample holds no
    /// rare row is a finding to report, not an error: the overall scores stay.
    #[serde(default)]
    pub rare_class_unavailable: Option<String>,
}

impl FidelityReport {
    /// Whether the class-conditional scores were computed (both tables hold the class).
    pub fn rare_class_available(&self) -> bool {
        self.rare_class_unavailable.is_none()
    }
}

impl FidelityScores {
    /// Scores that could not be computed: the row counts, nothing else.
    pub fn not_available(n_real: usize, n_synthetic: usize) -> Self {
        FidelityScores {
            n_real,
            n_synthetic,
            column_shapes: Vec::new(),
            pair_trends: Vec::new(),
            shapes_mean: None,
            trends_mean: None,
            overall: None,
        }
    }
}

/// Two-sample Kolmogorov–Smirnov statistic `sup_x |F_a(x) − F_b(x)|` (scipy `ks_2samp`).
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d
}

/// `1 − ½ Σ_c |f_a(c) − f_b(c)|` over the category frequencies of two samples.
pub fn tv_complement<T: std::hash::Hash + Eq>(a: &[T], b: &[T]) -> f64 {
    let mut freq: HashMap<&T, (f64, f64)> = HashMap::new();
    for v in a {
        freq.entry(v).or_default().0 += 1.0 / a.len() as f64;
    }
    for v in b {
        freq.entry(v).or_default().1 += 1.0 / b.len() as f64;
    }
    1.0 - 0.5 * freq.values().map(|(p, q)| (p - q).abs()).sum::<f64>()
}

/// Pearson correlation of the rows where both values are present; `None` if a side is constant.
fn pearson(x: &[Option<f64>], y: &[Option<f64>]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return None;
    }
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in &pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

enum Values {
    Num(Vec<Option<f64>>),
    Cat(Vec<Option<String>>),
}

const MISSING: &str = "<missing>";

impl Values {
    /// Discrete codes for the contingency table: numeric values binned on the real column's
    /// 10 equal-width bins with open outer bins, missing values apart (SDMetrics
    /// `utils.discretize_column`: `np.histogram_bin_edges` + `np.digitize`).
    fn codes(&self, edges: Option<(f64, f64)>) -> Vec<String> {
        match self {
            Values::Cat(v) => v
                .iter()
                .map(|s| s.clone().unwrap_or_else(|| MISSING.into()))
                .collect(),
            Values::Num(v) => {
                let (lo, step) = edges.expect("numeric columns have bin edges");
                // Interior edges as numpy's linspace computes them: k * step + lo.
                let inner: Vec<f64> = (1..CONTINGENCY_BINS)
                    .map(|k| k as f64 * step + lo)
                    .collect();
                v.iter()
                    .map(|x| match x {
                        None => MISSING.into(),
                        Some(x) => inner.iter().filter(|&&e| *x >= e).count().to_string(),
                    })
                    .collect()
            }
        }
    }
}

/// `(first edge, bin width)` of `np.histogram_bin_edges(real, bins=10)`.
fn bin_edges(real: &[Option<f64>]) -> (f64, f64) {
    let present: Vec<f64> = real.iter().flatten().copied().collect();
    let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if present.is_empty() {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, (hi - lo) / CONTINGENCY_BINS as f64)
    } else {
        // numpy: a constant sample gets the range [v − 0.5, v + 0.5].
        (lo - 0.5, 1.0 / CONTINGENCY_BINS as f64)
    }
}

fn load(df: &DataFrame, schema: &Schema, name: &str, table: &str) -> EvalResult<Values> {
    let spec = schema.column(name).expect("column from the schema");
    Ok(if spec.kind.is_discrete() {
        Values::Cat(read_strings(df, name, table)?)
    } else {
        Values::Num(read_numeric(df, name, table)?)
    })
}

/// Column shapes and pair trends of `synthetic` against `real`, over the schema's columns
/// (skipping `exclude`).
pub fn fidelity_scores(
    real: &DataFrame,
    synthetic: &DataFrame,
    schema: &Schema,
    exclude: Option<&str>,
) -> EvalResult<FidelityScores> {
    ensure!(
        real.height() > 0,
        EvalError::EmptyTable {
            table: "real".into()
        }
    );
    ensure!(
        synthetic.height() > 0,
        EvalError::EmptyTable {
            table: "synthetic".into()
        }
    );
    let names: Vec<&str> = schema
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| Some(*n) != exclude)
        .collect();
    let mut cols = Vec::with_capacity(names.len());
    for &n in &names {
        cols.push((
            load(real, schema, n, "real")?,
            load(synthetic, schema, n, "synthetic")?,
        ));
    }
    let mut column_shapes = Vec::new();
    let mut codes = Vec::new();
    for (&name, (r, s)) in names.iter().zip(&cols) {
        let (metric, score, edges) = match (r, s) {
            (Values::Num(r), Values::Num(s)) => {
                let rv: Vec<f64> = r.iter().flatten().copied().collect();
                let sv: Vec<f64> = s.iter().flatten().copied().collect();
                let score =
                    (!rv.is_empty() && !sv.is_empty()).then(|| 1.0 - ks_statistic(&rv, &sv));
                ("ks_complement", score, Some(bin_edges(r)))
            }
            (Values::Cat(r), Values::Cat(s)) => {
                let rv: Vec<&String> = r.iter().flatten().collect();
                let sv: Vec<&String> = s.iter().flatten().collect();
                let score = (!rv.is_empty() && !sv.is_empty()).then(|| tv_complement(&rv, &sv));
                ("tv_complement", score, None)
            }
            _ => unreachable!("both sides are read with the schema's kind"),
        };
        column_shapes.push(ColumnShape {
            column: name.into(),
            metric: metric.into(),
            score,
        });
        codes.push((r.codes(edges), s.codes(edges)));
    }
    let mut pair_trends = Vec::new();
    for a in 0..names.len() {
        for b in a + 1..names.len() {
            let trend = match (&cols[a], &cols[b]) {
                ((Values::Num(ra), Values::Num(sa)), (Values::Num(rb), Values::Num(sb))) => {
                    let (pr, ps) = (pearson(ra, rb), pearson(sa, sb));
                    PairTrend {
                        left: names[a].into(),
                        right: names[b].into(),
                        metric: "correlation_similarity".into(),
                        score: pr.zip(ps).map(|(r, s)| 1.0 - (r - s).abs() / 2.0),
                        real_correlation: pr,
                        synthetic_correlation: ps,
                    }
                }
                _ => {
                    let joint = |x: &[String], y: &[String]| -> Vec<(String, String)> {
                        x.iter().cloned().zip(y.iter().cloned()).collect()
                    };
                    let r = joint(&codes[a].0, &codes[b].0);
                    let s = joint(&codes[a].1, &codes[b].1);
                    PairTrend {
                        left: names[a].into(),
                        right: names[b].into(),
                        metric: "contingency_similarity".into(),
                        score: Some(tv_complement(&r, &s)),
                        real_correlation: None,
                        synthetic_correlation: None,
                    }
                }
            };
            pair_trends.push(trend);
        }
    }
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let shapes_mean = mean(column_shapes.iter().filter_map(|c| c.score).collect());
    let trends_mean = mean(pair_trends.iter().filter_map(|c| c.score).collect());
    let overall = match (shapes_mean, trends_mean) {
        (Some(a), Some(b)) => Some(0.5 * (a + b)),
        (a, b) => a.or(b),
    };
    Ok(FidelityScores {
        n_real: real.height(),
        n_synthetic: synthetic.height(),
        column_shapes,
        pair_trends,
        shapes_mean,
        trends_mean,
        overall,
    })
}

/// The rows of `df` whose `target` is `positive` (possibly none).
fn rows_of_class(
    df: &DataFrame,
    target: &str,
    positive: &str,
    table: &str,
) -> EvalResult<DataFrame> {
    let y = binary_target(df, target, positive, table)?;
    let idx: Vec<polars::prelude::IdxSize> = (0..y.len())
        .filter(|&i| y[i])
        .map(|i| i as polars::prelude::IdxSize)
        .collect();
    Ok(df.take(&polars::prelude::IdxCa::from_vec("idx".into(), idx))?)
}

/// Overall fidelity and the rare class's (REFERENCES.md §5.5: synthetic rows of the rare class
/// against real rows of the rare class, not against the blend).
///
/// When the real or the synthetic rows hold no row of class `positive` (a generator that never
/// samples the rare class unconditionally), the class-conditional part is not available
/// ([`FidelityReport::rare_class_unavailable`] says why) and the overall scores are returned as
/// usual.
pub fn fidelity_report(
    real: &DataFrame,
    synthetic: &DataFrame,
    schema: &Schema,
    target: &str,
    positive: &str,
) -> EvalResult<FidelityReport> {
    let overall = fidelity_scores(real, synthetic, schema, None)?;
    let real_rare = rows_of_class(real, target, positive, "real")?;
    let syn_rare = rows_of_class(synthetic, target, positive, "synthetic")?;
    let missing: Vec<&str> = [(&real_rare, "real"), (&syn_rare, "synthetic")]
        .into_iter()
        .filter(|(df, _)| df.height() == 0)
        .map(|(_, table)| table)
        .collect();
    if !missing.is_empty() {
        let reason = format!(
            "the {} rows have no row of class `{positive}` of `{target}`",
            missing.join(" and the ")
        );
        return Ok(FidelityReport {
            overall,
            rare_class: FidelityScores::not_available(real_rare.height(), syn_rare.height()),
            rare_class_unavailable: Some(reason),
        });
    }
    let rare_class = fidelity_scores(&real_rare, &syn_rare, schema, Some(target))?;
    Ok(FidelityReport {
        overall,
        rare_class,
        rare_class_unavailable: None,
    })
}

/// How well a classifier tells real rows from synthetic ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectionScore {
    /// The classifier.
    pub classifier: String,
    /// ROC-AUC per fold (real = negative, synthetic = positive).
    pub fold_auc: Vec<f64>,
    /// Mean fold ROC-AUC (0.5 = indistinguishable, the ideal).
    pub auc: f64,
    /// SDMetrics' detection score `1 − (max(0.5, AUC)·2 − 1)` (1 = indistinguishable).
    pub score: f64,
}

/// Detection: stratified k-fold (SDMetrics uses 3) cross-validated ROC-AUC of `classifier`
/// separating `real` from `synthetic` rows, both encoded with an encoder fitted on `real`.
/// Folds are a seeded shuffle of each class dealt round-robin.
pub fn detection(
    real: &DataFrame,
    synthetic: &DataFrame,
    schema: &Schema,
    classifier: &ClassifierSpec,
    folds: usize,
    seed: u64,
) -> EvalResult<DetectionScore> {
    use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
    ensure!(
        folds >= 2,
        EvalError::InvalidValue {
            field: "folds".into(),
            reason: format!("{folds} < 2; use 3 (SDMetrics)")
        }
    );
    ensure!(
        real.height() >= folds && synthetic.height() >= folds,
        EvalError::NotEnoughRows {
            what: "detection folds".into(),
            needed: folds,
            available: real.height().min(synthetic.height()),
        }
    );
    let mut schema = schema.clone();
    schema.target = None;
    let enc = FeatureEncoder::fit(real, &schema)?;
    let x = enc
        .transform(real, "real")?
        .vstack(&enc.transform(synthetic, "synthetic")?)?;
    let y: Vec<bool> = (0..x.n_rows).map(|i| i >= real.height()).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fold_of = vec![0usize; x.n_rows];
    for class in [false, true] {
        let mut idx: Vec<usize> = (0..x.n_rows).filter(|&i| y[i] == class).collect();
        idx.shuffle(&mut rng);
        for (k, i) in idx.into_iter().enumerate() {
            fold_of[i] = k % folds;
        }
    }
    let mut fold_auc = Vec::with_capacity(folds);
    for f in 0..folds {
        let tr: Vec<usize> = (0..x.n_rows).filter(|&i| fold_of[i] != f).collect();
        let te: Vec<usize> = (0..x.n_rows).filter(|&i| fold_of[i] == f).collect();
        let pick = |idx: &[usize]| -> (Features, Vec<bool>) {
            (x.select_rows(idx), idx.iter().map(|&i| y[i]).collect())
        };
        let (xtr, ytr) = pick(&tr);
        let (xte, yte) = pick(&te);
        let p = classifier.fit(&xtr, &ytr, seed)?.predict_proba(&xte)?;
        fold_auc.push(roc_auc(&yte, &p)?);
    }
    let auc = fold_auc.iter().sum::<f64>() / folds as f64;
    Ok(DetectionScore {
        classifier: classifier.name().into(),
        fold_auc,
        auc,
        score: 1.0 - (auc.max(0.5) * 2.0 - 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::df;
    use synthkit_data::schema::{ColumnKind, ColumnSpec};

    #[test]
    fn ks_and_tv_by_hand() {
        // F_a jumps at 1, 2, 3; F_b at 2, 3, 4: sup |F_a − F_b| = 1/3.
        assert!((ks_statistic(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0]) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(ks_statistic(&[1.0, 1.0, 2.0], &[1.0, 2.0, 1.0]), 0.0);
        assert_eq!(ks_statistic(&[0.0, 0.0], &[5.0, 6.0]), 1.0);
        // Ties across samples: a = {1, 1}, b = {1, 2}: at 1, F_a = 1, F_b = 1/2.
        assert!((ks_statistic(&[1.0, 1.0], &[1.0, 2.0]) - 0.5).abs() < 1e-12);
        // a: x 50 %, y 50 %; b: x 25 %, y 25 %, z 50 % → TV = ½ (.25 + .25 + .5) = .5.
        assert!((tv_complement(&["x", "y"], &["x", "y", "z", "z"]) - 0.5).abs() < 1e-12);
    }

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSpec {
                    name: "a".into(),
                    kind: ColumnKind::Continuous,
                },
                ColumnSpec {
                    name: "b".into(),
                    kind: ColumnKind::Continuous,
                },
                ColumnSpec {
                    name: "c".into(),
                    kind: ColumnKind::Categorical,
                },
            ],
            target: Some("c".into()),
        }
    }

    #[test]
    fn identical_tables_score_one_and_pairs_by_hand() {
        let real = df!("a" => [1.0, 2.0, 3.0, 4.0], "b" => [2.0, 4.0, 6.0, 8.0], "c" => ["x", "x", "y", "y"]).unwrap();
        let s = fidelity_scores(&real, &real, &schema(), None).unwrap();
        assert_eq!(s.column_shapes.len(), 3);
        assert_eq!(s.pair_trends.len(), 3);
        assert!((s.overall.unwrap() - 1.0).abs() < 1e-12, "{s:?}");
        // Synthetic with b reversed: ρ_real = 1, ρ_syn = −1 → similarity 0; KS(b) = 0.
        let syn = df!("a" => [1.0, 2.0, 3.0, 4.0], "b" => [8.0, 6.0, 4.0, 2.0], "c" => ["x", "x", "y", "y"]).unwrap();
        let s = fidelity_scores(&real, &syn, &schema(), None).unwrap();
        let ab = &s.pair_trends[0];
        assert_eq!(
            (ab.metric.as_str(), ab.score),
            ("correlation_similarity", Some(0.0))
        );
        assert!(s.column_shapes.iter().all(|c| c.score == Some(1.0)));
        // (b, c) contingency: real bins of b are (0, 3, 6, 9) → pairs (0,x) (3,x) (6,y) (9,y);
        // synthetic (9,x) (6,x) (3,y) (0,y): no pair in common → 0.
        let bc = &s.pair_trends[2];
        assert_eq!(
            (bc.metric.as_str(), bc.score),
            ("contingency_similarity", Some(0.0))
        );
        // Class-conditional: only rows with c = y.
        let rep = fidelity_report(&real, &syn, &schema(), "c", "y").unwrap();
        assert_eq!((rep.rare_class.n_real, rep.rare_class.n_synthetic), (2, 2));
        assert_eq!(rep.rare_class.column_shapes.len(), 2);
        // a: {3, 4} vs {3, 4} → 1; b: {6, 8} vs {4, 2} → KS 1 → 0.
        assert_eq!(rep.rare_class.column_shapes[1].score, Some(0.0));
    }

    #[test]
    fn a_table_without_the_rare_class_keeps_the_overall_scores() {
        let real = df!("a" => [1.0, 2.0, 3.0, 4.0], "b" => [2.0, 4.0, 6.0, 8.0], "c" => ["x", "x", "y", "y"]).unwrap();
        // A generator that never samples class y.
        let syn = df!("a" => [1.0, 2.5, 3.0, 4.0], "b" => [2.0, 4.0, 6.5, 8.0], "c" => ["x", "x", "x", "x"]).unwrap();
        let rep = fidelity_report(&real, &syn, &schema(), "c", "y").unwrap();
        assert!(!rep.rare_class_available());
        let why = rep.rare_class_unavailable.as_deref().unwrap();
        assert!(
            why.contains("synthetic") && !why.contains("real") && why.contains("`y`"),
            "{why}"
        );
        assert_eq!(
            rep.overall,
            fidelity_scores(&real, &syn, &schema(), None).unwrap()
        );
        assert!(rep.overall.overall.is_some());
        let rare = &rep.rare_class;
        assert_eq!((rare.n_real, rare.n_synthetic), (2, 0));
        assert_eq!(
            (rare.shapes_mean, rare.trends_mean, rare.overall),
            (None, None, None)
        );
        assert!(rare.column_shapes.is_empty() && rare.pair_trends.is_empty());
        // The real side lacking the class is reported the same way; both, both named.
        let rep = fidelity_report(&syn, &real, &schema(), "c", "y").unwrap();
        assert!(
            rep.rare_class_unavailable
                .unwrap()
                .starts_with("the real rows")
        );
        let rep = fidelity_report(&syn, &syn, &schema(), "c", "y").unwrap();
        assert!(
            rep.rare_class_unavailable
                .unwrap()
                .contains("real and the synthetic")
        );
        // With the class on both sides the flag is clear, and the report survives JSON, also
        // from a report written before the flag existed.
        let rep = fidelity_report(&real, &real, &schema(), "c", "y").unwrap();
        assert!(rep.rare_class_available());
        let mut json = serde_json::to_value(&rep).unwrap();
        json.as_object_mut()
            .unwrap()
            .remove("rare_class_unavailable");
        let back: FidelityReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, rep);
    }

    #[test]
    fn detection_separates_shifted_rows_and_not_identical_ones() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(5);
        let mut frame = |shift: f64| {
            let a: Vec<f64> = (0..300).map(|_| rng.random::<f64>() + shift).collect();
            let b: Vec<f64> = (0..300).map(|_| rng.random::<f64>()).collect();
            let c: Vec<&str> = (0..300)
                .map(|i| if i % 3 == 0 { "x" } else { "y" })
                .collect();
            df!("a" => a, "b" => b, "c" => c).unwrap()
        };
        let real = frame(0.0);
        let same = frame(0.0);
        let shifted = frame(0.5);
        let lr = ClassifierSpec::Logistic(Default::default());
        let d = detection(&real, &shifted, &schema(), &lr, 3, 0).unwrap();
        // U[0,1] vs U[0.5,1.5]: the optimal AUC is 0.875.
        assert!(d.auc > 0.8, "{d:?}");
        let d = detection(&real, &same, &schema(), &lr, 3, 0).unwrap();
        // Same distribution: AUC ≈ 0.5. Null SE of one fold's AUC (100 vs 100 rows) is
        // sqrt((n1 + n2 + 1) / (12 n1 n2)) ≈ 0.041, of the 3-fold mean ≈ 0.024: 0.1 ≈ 4 SE.
        assert!((d.auc - 0.5).abs() < 0.1 && d.score > 0.8, "{d:?}");
    }
}
