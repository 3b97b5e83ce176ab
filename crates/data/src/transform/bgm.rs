//! One-dimensional variational Bayesian Gaussian mixture with a Dirichlet-process weight prior.
//!
//! This is the model CTGAN's *mode-specific normalisation* fits to every continuous column
//! (Xu et al., "Modeling Tabular Data using Conditional GAN", NeurIPS 2019, arXiv:1907.00503, §4.2;
//! `ctgan/data_transformer.py` and RDT's `ClusterBasedNormalizer`). Both call scikit-learn's
//! `BayesianGaussianMixture(n_components=10, weight_concentration_prior_type="dirichlet_process",
//! weight_concentration_prior=0.001)` with every other argument at its default, and keep the
//! components whose weight exceeds 0.005.
//!
//! The model and the coordinate-ascent updates are those of scikit-learn's
//! `sklearn/mixture/_bayesian_mixture.py` (Bishop, *Pattern Recognition and Machine Learning*, §10.2,
//! for the Gaussian–Wishart part; Blei & Jordan, "Variational inference for Dirichlet process
//! mixtures", Bayesian Analysis 1(1), 2006, for the truncated stick-breaking weights), specialised to one
//! feature, where every matrix is a scalar:
//!
//! * weights: stick `k` has a `Beta(a_k, b_k)` posterior with `a_k = 1 + N_k` and
//!   `b_k = γ + Σ_{j>k} N_j` (`γ` = `weight_concentration_prior`);
//! * means: `β_k = β_0 + N_k`, `m_k = (β_0 m_0 + N_k x̄_k) / β_k`;
//! * precisions (a Wishart in 1-D is a Gamma): `ν_k = ν_0 + N_k`,
//!   `σ²_k = (W_0⁻¹ + N_k S_k + N_k β_0/β_k (x̄_k − m_0)²) / ν_k`;
//! * E-step: `ln ρ_nk = E[ln π_k] + ½ E[ln λ_k] − ½ ln 2π − ½ (x_n − m_k)² / σ²_k − 1 / (2 β_k)`,
//!   with `E[ln π_k] = E[ln v_k] + Σ_{j<k} E[ln(1 − v_j)]`, `E[ln v_k] = ψ(a_k) − ψ(a_k + b_k)`,
//!   `E[ln(1 − v_k)] = ψ(b_k) − ψ(a_k + b_k)`, and
//!   `E[ln λ_k] = ψ(ν_k / 2) + ln 2 − ln(ν_k σ²_k)`; responsibilities are `ρ_nk` normalised over `k`.
//!
//! The priors are scikit-learn's defaults for one feature: `β_0 = 1`, `m_0 = mean(x)`, `ν_0 = 1`,
//! `W_0⁻¹ = var(x)` (sample variance, ddof = 1). Initialisation is k-means (k-means++ seeding, then
//! Lloyd iterations) turned into hard one-hot responsibilities, and the fit stops when the evidence
//! lower bound changes by less than `tol` (absolute, summed over the rows, as scikit-learn does) or
//! after `max_iter` EM rounds.
//!
//! Implementation note: a column is reduced to its sorted distinct values with multiplicities before
//! the EM loop, so a column such as adult's `age` (34k rows, 74 distinct values) costs 74 rows per
//! iteration. The sums are mathematically those over the rows.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// `10 * f64::EPSILON`, added to every component's soft count exactly as scikit-learn's
/// `_estimate_gaussian_parameters` does, so that an empty component never divides by zero.
const COUNT_FLOOR: f64 = 10.0 * f64::EPSILON;

/// Log-responsibilities this far below the row maximum are taken as 0: `e^-45 ≈ 3e-20`, far below
/// the rounding of the row sum (≥ 1), so skipping the `exp` changes nothing visible but time.
const EXP_CUTOFF: f64 = 45.0;

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Lloyd iteration cap of scikit-learn's `KMeans` (`max_iter=300`).
const KMEANS_MAX_ITER: usize = 300;

/// Relative tolerance of scikit-learn's `KMeans` (`tol=1e-4`, scaled by the data variance).
const KMEANS_TOL: f64 = 1e-4;

/// Hyper-parameters of the mixture. [`Default`] gives the CTGAN / RDT settings: scikit-learn's
/// `BayesianGaussianMixture` defaults plus `weight_concentration_prior = 0.001`.
///
/// The remaining scikit-learn arguments are fixed at their defaults and not configurable:
/// `covariance_type="full"` (a scalar variance in 1-D), `n_init=1`, `init_params="kmeans"`,
/// `mean_precision_prior=1`, `mean_prior=mean(x)`, `degrees_of_freedom_prior=1` (the number of
/// features), `covariance_prior=var(x)` (ddof = 1, `np.cov`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BgmParams {
    /// Upper bound on the number of components (truncation level of the stick-breaking process).
    /// CTGAN: `max_clusters = 10` (`ctgan/data_transformer.py`). Capped at the number of rows, as
    /// CTGAN does with `min(max_clusters, len(data))`.
    pub n_components: usize,
    /// Concentration `γ` of the Dirichlet process (the `Beta(1, γ)` stick prior). CTGAN/RDT: `0.001`
    /// (`rdt/transformers/numerical.py`, `ClusterBasedNormalizer`); scikit-learn's own default is
    /// `1 / n_components`. Small values favour few active components.
    pub weight_concentration_prior: f64,
    /// Maximum number of variational EM rounds. scikit-learn default: `100`.
    pub max_iter: usize,
    /// Convergence threshold on the absolute change of the evidence lower bound (summed over the
    /// rows, not averaged). scikit-learn default: `1e-3`.
    pub tol: f64,
    /// Added to every component's empirical variance before the Wishart update. scikit-learn
    /// default: `1e-6`.
    pub reg_covar: f64,
    /// Seed of the k-means++ initialisation (`rand::rngs::StdRng`). CTGAN passes its
    /// `random_state`; the numbers differ from NumPy's, so a fit matches scikit-learn's model but not
    /// its exact local optimum.
    pub seed: u64,
}

impl Default for BgmParams {
    fn default() -> Self {
        Self {
            n_components: 10,
            weight_concentration_prior: 1e-3,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            seed: 0,
        }
    }
}

/// Why a mixture could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum BgmError {
    /// The column has no values.
    #[error("cannot fit a Gaussian mixture to an empty column")]
    Empty,
    /// A value is NaN or infinite (CTGAN rejects missing values in continuous columns too).
    #[error("value at row {index} is not finite ({value}); drop or impute missing values first")]
    NonFinite {
        /// Row of the first offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// The column is constant (or has one row): there is no variance to build the prior from.
    #[error(
        "need at least 2 distinct values to fit a Gaussian mixture, got {distinct} (in {rows} rows)"
    )]
    TooFewDistinct {
        /// Number of distinct values found.
        distinct: usize,
        /// Number of rows.
        rows: usize,
    },
    /// The values are so large that their variance overflows `f64`.
    #[error("the variance of the column is not finite ({variance}); rescale the values")]
    VarianceOverflow {
        /// The computed sample variance.
        variance: f64,
    },
    /// A hyper-parameter is out of range.
    #[error("invalid BGM parameter: {0}")]
    InvalidParams(String),
    /// Initial responsibilities given to [`BgmParams::fit_from_responsibilities`] are malformed.
    #[error("invalid initial responsibilities: {0}")]
    InvalidResponsibilities(String),
}

/// A fitted mixture: the variational posterior over all `n_components` components (none dropped;
/// CTGAN's caller keeps those with `weights[k] > 0.005`).
///
/// Field names follow scikit-learn's fitted attributes (`weights_`, `means_`, `covariances_`,
/// `weight_concentration_`, `mean_precision_`, `degrees_of_freedom_`, `precisions_cholesky_`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bgm {
    /// Expected mixture weights under the stick-breaking posterior, normalised to sum to 1
    /// (`weights_`).
    pub weights: Vec<f64>,
    /// Posterior means of the component means (`means_`).
    pub means: Vec<f64>,
    /// Component standard deviations, `sqrt(covariances_)`: what CTGAN uses to scale `α`.
    pub stds: Vec<f64>,
    /// First parameter of each stick's `Beta` posterior (`weight_concentration_[0]`).
    pub concentration_alpha: Vec<f64>,
    /// Second parameter of each stick's `Beta` posterior (`weight_concentration_[1]`).
    pub concentration_beta: Vec<f64>,
    /// Posterior precision scale `β_k` of each component mean (`mean_precision_`).
    pub mean_precision: Vec<f64>,
    /// Posterior Wishart (here Gamma) degrees of freedom `ν_k` (`degrees_of_freedom_`).
    pub degrees_of_freedom: Vec<f64>,
    /// `1 / stds[k]`, the 1×1 Cholesky factor of the precision (`precisions_cholesky_`).
    pub precisions_cholesky: Vec<f64>,
    /// Per-component constant of the expected log joint, cached for [`Bgm::predict_proba`]:
    /// `E[ln π_k] + ln precisions_cholesky[k] − ½ ln ν_k − ½ ln 2π + ½ (ln 2 + ψ(ν_k/2) − 1/β_k)`.
    pub log_prob_offset: Vec<f64>,
    /// Evidence lower bound after the last EM round (scikit-learn's `lower_bound_`, up to the
    /// constants scikit-learn also leaves out).
    pub lower_bound: f64,
    /// Whether the lower bound changed by less than `tol` before `max_iter` rounds.
    pub converged: bool,
    /// Number of EM rounds run (`n_iter_`).
    pub n_iter: usize,
}

impl Bgm {
    /// Number of components (including inactive ones).
    pub fn n_components(&self) -> usize {
        self.weights.len()
    }

    /// Posterior responsibilities of all components for the value `x`, written into `out`
    /// (`out.len() == n_components`). This is scikit-learn's `predict_proba`: the weighted log
    /// probability under the variational estimates,
    /// `log_prob_offset[k] − ½ ((x − means[k]) · precisions_cholesky[k])²`, normalised with
    /// log-sum-exp. A non-finite `x` gives NaN.
    ///
    /// # Panics
    /// If `out.len() != self.n_components()`.
    pub fn predict_proba(&self, x: f64, out: &mut [f64]) {
        assert_eq!(
            out.len(),
            self.n_components(),
            "predict_proba: output length must equal n_components"
        );
        let mut max = f64::NEG_INFINITY;
        for (k, o) in out.iter_mut().enumerate() {
            let y = (x - self.means[k]) * self.precisions_cholesky[k];
            *o = self.log_prob_offset[k] - 0.5 * y * y;
            max = max.max(*o);
        }
        if !max.is_finite() {
            out.fill(f64::NAN);
            return;
        }
        let mut sum = 0.0;
        for o in out.iter_mut() {
            *o = (*o - max).exp();
            sum += *o;
        }
        let inv = 1.0 / sum;
        for o in out.iter_mut() {
            *o *= inv;
        }
    }
}

impl BgmParams {
    /// Fits the mixture to `x` with a seeded k-means initialisation (`n_init = 1`).
    ///
    /// `x` must be non-empty, finite and hold at least two distinct values. The number of
    /// components is `min(n_components, x.len())`.
    pub fn fit(&self, x: &[f64]) -> Result<Bgm, BgmError> {
        self.validate()?;
        let col = Column::new(x)?;
        let k = self.n_components.min(x.len());
        let labels = kmeans_labels(&col.values, &col.counts, k, self.seed);
        let stats = SufficientStats::from_labels(&col, &labels, k, self.reg_covar);
        Ok(self.run_em(&col, stats))
    }

    /// Fits the mixture starting from the given responsibilities instead of k-means: `resp` is
    /// row-major, `x.len() × min(n_components, x.len())`, one row of non-negative weights per value
    /// (scikit-learn's `_initialize(X, resp)` followed by its EM loop). Used to compare against
    /// scikit-learn bit for bit; not part of the supported API.
    #[doc(hidden)]
    pub fn fit_from_responsibilities(&self, x: &[f64], resp: &[f64]) -> Result<Bgm, BgmError> {
        self.validate()?;
        let col = Column::new(x)?;
        let k = self.n_components.min(x.len());
        if resp.len() != x.len() * k {
            return Err(BgmError::InvalidResponsibilities(format!(
                "expected {} × {} = {} entries, got {}",
                x.len(),
                k,
                x.len() * k,
                resp.len()
            )));
        }
        if let Some(i) = resp.iter().position(|r| !(r.is_finite() && *r >= 0.0)) {
            return Err(BgmError::InvalidResponsibilities(format!(
                "entry {i} is {}, expected a finite non-negative number",
                resp[i]
            )));
        }
        let stats = SufficientStats::from_rows(x, resp, k, self.reg_covar);
        Ok(self.run_em(&col, stats))
    }

    fn validate(&self) -> Result<(), BgmError> {
        let bad = |msg: String| Err(BgmError::InvalidParams(msg));
        if self.n_components == 0 {
            return bad("n_components must be at least 1".into());
        }
        if !(self.weight_concentration_prior.is_finite() && self.weight_concentration_prior > 0.0) {
            return bad(format!(
                "weight_concentration_prior must be finite and > 0, got {}",
                self.weight_concentration_prior
            ));
        }
        if self.tol.is_nan() || self.tol < 0.0 {
            return bad(format!("tol must be >= 0, got {}", self.tol));
        }
        if !(self.reg_covar.is_finite() && self.reg_covar >= 0.0) {
            return bad(format!(
                "reg_covar must be finite and >= 0, got {}",
                self.reg_covar
            ));
        }
        Ok(())
    }

    /// scikit-learn's `BaseMixture.fit_predict` loop for one initialisation: an M-step from the
    /// initial statistics, then E-step / M-step / lower bound until the bound settles.
    fn run_em(&self, col: &Column, mut stats: SufficientStats) -> Bgm {
        let k = stats.nk.len();
        let prior = Prior {
            weight_concentration: self.weight_concentration_prior,
            mean_precision: 1.0,
            mean: col.mean,
            degrees_of_freedom: 1.0,
            covariance: col.variance,
        };
        let mut post = Posterior::new(k);
        post.update(&prior, &stats);

        let mut resp = vec![0.0; col.values.len() * k];
        let mut scratch = vec![0.0; k];
        let mut offsets = vec![0.0; k];
        let mut lower_bound = f64::NEG_INFINITY;
        let mut converged = false;
        let mut n_iter = 0;
        for iter in 1..=self.max_iter {
            n_iter = iter;
            post.log_prob_offsets(&mut offsets);
            let sum_r_ln_r = e_step(col, &post, &offsets, &mut resp, &mut scratch);
            stats.update_from_resp(col, &resp, self.reg_covar);
            post.update(&prior, &stats);
            let new_bound = post.lower_bound(sum_r_ln_r);
            let change = new_bound - lower_bound;
            lower_bound = new_bound;
            if change.abs() < self.tol {
                converged = true;
                break;
            }
        }
        post.log_prob_offsets(&mut offsets);
        post.into_bgm(offsets, lower_bound, converged, n_iter)
    }
}

/// A validated column reduced to sorted distinct values with multiplicities.
struct Column {
    values: Vec<f64>,
    counts: Vec<f64>,
    /// `mean(x)`: the prior mean `m_0`.
    mean: f64,
    /// `var(x)` with ddof = 1: the prior covariance `W_0⁻¹`.
    variance: f64,
}

impl Column {
    fn new(x: &[f64]) -> Result<Self, BgmError> {
        if x.is_empty() {
            return Err(BgmError::Empty);
        }
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(BgmError::NonFinite {
                index,
                value: x[index],
            });
        }
        let mut sorted = x.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let mut values = Vec::new();
        let mut counts: Vec<f64> = Vec::new();
        for &v in &sorted {
            // `total_cmp` would separate -0.0 and 0.0; they are the same value here.
            if values.last() == Some(&v) {
                *counts.last_mut().expect("non-empty") += 1.0;
            } else {
                values.push(v);
                counts.push(1.0);
            }
        }
        if values.len() < 2 {
            return Err(BgmError::TooFewDistinct {
                distinct: values.len(),
                rows: x.len(),
            });
        }
        // Summed in sorted order so that the fit does not depend on the order of the rows.
        let n = x.len() as f64;
        let mean = sorted.iter().sum::<f64>() / n;
        let variance = sorted.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        if !(variance.is_finite() && variance > 0.0) {
            return Err(BgmError::VarianceOverflow { variance });
        }
        Ok(Self {
            values,
            counts,
            mean,
            variance,
        })
    }
}

/// Soft counts `N_k`, means `x̄_k` and regularised variances `S_k` of the components.
struct SufficientStats {
    nk: Vec<f64>,
    xk: Vec<f64>,
    sk: Vec<f64>,
}

impl SufficientStats {
    /// Statistics of hard labels over the distinct values (the k-means initialisation).
    fn from_labels(col: &Column, labels: &[usize], k: usize, reg_covar: f64) -> Self {
        let mut nk = vec![0.0; k];
        let mut sx = vec![0.0; k];
        for ((&v, &c), &l) in col.values.iter().zip(&col.counts).zip(labels) {
            nk[l] += c;
            sx[l] += c * v;
        }
        nk.iter_mut().for_each(|n| *n += COUNT_FLOOR);
        let xk: Vec<f64> = sx.iter().zip(&nk).map(|(s, n)| s / n).collect();
        let mut ss = vec![0.0; k];
        for ((&v, &c), &l) in col.values.iter().zip(&col.counts).zip(labels) {
            let d = v - xk[l];
            ss[l] += c * d * d;
        }
        let sk = ss.iter().zip(&nk).map(|(s, n)| s / n + reg_covar).collect();
        Self { nk, xk, sk }
    }

    /// Statistics of row-level responsibilities (`x.len() × k`, row-major).
    fn from_rows(x: &[f64], resp: &[f64], k: usize, reg_covar: f64) -> Self {
        let mut stats = Self {
            nk: vec![0.0; k],
            xk: vec![0.0; k],
            sk: vec![0.0; k],
        };
        stats.accumulate(x.iter().map(|&v| (v, 1.0)), resp, reg_covar);
        stats
    }

    /// Statistics of the E-step responsibilities over the distinct values.
    fn update_from_resp(&mut self, col: &Column, resp: &[f64], reg_covar: f64) {
        let points = col.values.iter().copied().zip(col.counts.iter().copied());
        self.accumulate(points, resp, reg_covar);
    }

    /// Two-pass weighted mean and variance per component; `points` yields `(value, multiplicity)`
    /// and `resp` holds one row of `k` responsibilities per point.
    fn accumulate<I>(&mut self, points: I, resp: &[f64], reg_covar: f64)
    where
        I: Iterator<Item = (f64, f64)> + Clone,
    {
        let k = self.nk.len();
        self.nk.fill(0.0);
        self.xk.fill(0.0);
        self.sk.fill(0.0);
        for ((v, c), row) in points.clone().zip(resp.chunks_exact(k)) {
            for ((n, s), &r) in self.nk.iter_mut().zip(self.xk.iter_mut()).zip(row) {
                let w = c * r;
                *n += w;
                *s += w * v;
            }
        }
        for (n, s) in self.nk.iter_mut().zip(self.xk.iter_mut()) {
            *n += COUNT_FLOOR;
            *s /= *n;
        }
        for ((v, c), row) in points.zip(resp.chunks_exact(k)) {
            for ((ss, &m), &r) in self.sk.iter_mut().zip(&self.xk).zip(row) {
                let d = v - m;
                *ss += c * r * d * d;
            }
        }
        for (ss, n) in self.sk.iter_mut().zip(&self.nk) {
            *ss = *ss / n + reg_covar;
        }
    }
}

/// The (1-D) priors: stick concentration `γ`, mean precision `β_0`, mean `m_0`, degrees of freedom
/// `ν_0`, covariance `W_0⁻¹`.
struct Prior {
    weight_concentration: f64,
    mean_precision: f64,
    mean: f64,
    degrees_of_freedom: f64,
    covariance: f64,
}

/// Variational posterior parameters, one entry per component.
struct Posterior {
    alpha: Vec<f64>,
    beta: Vec<f64>,
    mean_precision: Vec<f64>,
    means: Vec<f64>,
    dof: Vec<f64>,
    covariance: Vec<f64>,
    prec_chol: Vec<f64>,
}

impl Posterior {
    fn new(k: usize) -> Self {
        Self {
            alpha: vec![0.0; k],
            beta: vec![0.0; k],
            mean_precision: vec![0.0; k],
            means: vec![0.0; k],
            dof: vec![0.0; k],
            covariance: vec![0.0; k],
            prec_chol: vec![0.0; k],
        }
    }

    /// The M-step (scikit-learn's `_estimate_weights`, `_estimate_means`, `_estimate_wishart_full`).
    fn update(&mut self, prior: &Prior, s: &SufficientStats) {
        // Stick-breaking Beta posteriors: b_k collects the counts of all later components.
        let mut tail = 0.0;
        for k in (0..s.nk.len()).rev() {
            self.alpha[k] = 1.0 + s.nk[k];
            self.beta[k] = prior.weight_concentration + tail;
            tail += s.nk[k];
        }
        for k in 0..s.nk.len() {
            let (nk, xk) = (s.nk[k], s.xk[k]);
            let bk = prior.mean_precision + nk;
            self.mean_precision[k] = bk;
            self.means[k] = (prior.mean_precision * prior.mean + nk * xk) / bk;
            let nu = prior.degrees_of_freedom + nk;
            self.dof[k] = nu;
            let d = xk - prior.mean;
            let cov =
                (prior.covariance + nk * s.sk[k] + nk * prior.mean_precision / bk * d * d) / nu;
            self.covariance[k] = cov;
            self.prec_chol[k] = 1.0 / cov.sqrt();
        }
    }

    /// Per-component constants of the E-step (see [`Bgm::log_prob_offset`]).
    fn log_prob_offsets(&self, out: &mut [f64]) {
        let mut stick_tail = 0.0; // Σ_{j<k} E[ln(1 − v_j)]
        for (k, o) in out.iter_mut().enumerate() {
            let (a, b, nu) = (self.alpha[k], self.beta[k], self.dof[k]);
            let psi_ab = digamma(a + b);
            let e_ln_pi = digamma(a) - psi_ab + stick_tail;
            stick_tail += digamma(b) - psi_ab;
            let log_gauss_const = self.prec_chol[k].ln() - 0.5 * nu.ln() - 0.5 * LN_2PI;
            let log_lambda = std::f64::consts::LN_2 + digamma(0.5 * nu);
            *o = e_ln_pi + log_gauss_const + 0.5 * (log_lambda - 1.0 / self.mean_precision[k]);
        }
    }

    /// scikit-learn's `_compute_lower_bound` for the current parameters; `sum_r_ln_r` is
    /// `Σ_n Σ_k r_nk ln r_nk` from the E-step that produced them.
    fn lower_bound(&self, sum_r_ln_r: f64) -> f64 {
        let mut log_wishart = 0.0;
        let mut log_norm_weight = 0.0;
        let mut log_mean_precision = 0.0;
        for k in 0..self.alpha.len() {
            let nu = self.dof[k];
            let log_det_chol = self.prec_chol[k].ln() - 0.5 * nu.ln();
            log_wishart -=
                nu * log_det_chol + 0.5 * nu * std::f64::consts::LN_2 + ln_gamma(0.5 * nu);
            log_norm_weight -= ln_beta(self.alpha[k], self.beta[k]);
            log_mean_precision += self.mean_precision[k].ln();
        }
        -sum_r_ln_r - log_wishart - log_norm_weight - 0.5 * log_mean_precision
    }

    fn into_bgm(self, offsets: Vec<f64>, lower_bound: f64, converged: bool, n_iter: usize) -> Bgm {
        // E[π_k] = a_k/(a_k+b_k) · Π_{j<k} b_j/(a_j+b_j), renormalised over the truncation.
        let mut weights = Vec::with_capacity(self.alpha.len());
        let mut remaining = 1.0;
        for (a, b) in self.alpha.iter().zip(&self.beta) {
            weights.push(remaining * a / (a + b));
            remaining *= b / (a + b);
        }
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        Bgm {
            weights,
            means: self.means,
            stds: self.covariance.iter().map(|c| c.sqrt()).collect(),
            concentration_alpha: self.alpha,
            concentration_beta: self.beta,
            mean_precision: self.mean_precision,
            degrees_of_freedom: self.dof,
            precisions_cholesky: self.prec_chol,
            log_prob_offset: offsets,
            lower_bound,
            converged,
            n_iter,
        }
    }
}

/// E-step over the distinct values: writes the responsibilities into `resp` (row-major,
/// `values.len() × k`) and returns `Σ_rows Σ_k r ln r` (each distinct value counted with its
/// multiplicity).
fn e_step(
    col: &Column,
    post: &Posterior,
    offsets: &[f64],
    resp: &mut [f64],
    scratch: &mut [f64],
) -> f64 {
    let k = offsets.len();
    let mut sum_r_ln_r = 0.0;
    for ((&v, &c), row) in col
        .values
        .iter()
        .zip(&col.counts)
        .zip(resp.chunks_exact_mut(k))
    {
        let mut max = f64::NEG_INFINITY;
        for (j, s) in scratch.iter_mut().enumerate() {
            let y = (v - post.means[j]) * post.prec_chol[j];
            *s = offsets[j] - 0.5 * y * y;
            max = max.max(*s);
        }
        let mut sum = 0.0;
        for (r, s) in row.iter_mut().zip(scratch.iter_mut()) {
            *s -= max;
            *r = if *s > -EXP_CUTOFF { s.exp() } else { 0.0 };
            sum += *r;
        }
        // ln r_j = s_j − ln(sum), so Σ r ln r = Σ e_j s_j / sum − ln(sum).
        let ln_sum = sum.ln();
        let inv = 1.0 / sum;
        let mut row_r_ln_r = 0.0;
        for (r, s) in row.iter_mut().zip(scratch.iter()) {
            let p = *r * inv;
            row_r_ln_r += p * (s - ln_sum);
            *r = p;
        }
        sum_r_ln_r += c * row_r_ln_r;
    }
    sum_r_ln_r
}

/// Hard k-means labels for the distinct `values` (sorted ascending) with multiplicities `counts`:
/// greedy k-means++ seeding (scikit-learn's `_kmeans_plusplus`, `2 + ⌊ln k⌋` local trials) and Lloyd
/// iterations until the labels stop changing or the centres move less than `1e-4 · var(x)`.
/// Labels are centre indices in seeding order; with fewer distinct values than `k` the last
/// components stay empty.
fn kmeans_labels(values: &[f64], counts: &[f64], k: usize, seed: u64) -> Vec<usize> {
    let n = values.len();
    let mut rng = StdRng::seed_from_u64(seed);
    let total: f64 = counts.iter().sum();

    // --- k-means++ seeding (weighted by multiplicity, as scikit-learn's sample_weight). ---
    let mut centers = Vec::with_capacity(k);
    let mut cumulative = Vec::with_capacity(n);
    let mut acc = 0.0;
    for &c in counts {
        acc += c;
        cumulative.push(acc);
    }
    // `1 - random()` lies in (0, 1], so a point of zero mass is never drawn.
    let first = draw(&cumulative, (1.0 - rng.random::<f64>()) * total);
    centers.push(values[first]);
    let mut closest: Vec<f64> = values.iter().map(|v| (v - values[first]).powi(2)).collect();
    let n_trials = 2 + (k as f64).ln() as usize;
    while centers.len() < k {
        cumulative.clear();
        let mut pot = 0.0;
        for (d, c) in closest.iter().zip(counts) {
            pot += d * c;
            cumulative.push(pot);
        }
        if pot <= 0.0 {
            break; // every distinct value is already a centre
        }
        let mut best: Option<(f64, usize)> = None;
        for _ in 0..n_trials {
            let idx = draw(&cumulative, (1.0 - rng.random::<f64>()) * pot);
            let cand = values[idx];
            let cand_pot: f64 = values
                .iter()
                .zip(&closest)
                .zip(counts)
                .map(|((v, d), c)| c * d.min((v - cand) * (v - cand)))
                .sum();
            if best.is_none_or(|(p, _)| cand_pot < p) {
                best = Some((cand_pot, idx));
            }
        }
        let (_, idx) = best.expect("n_trials >= 2");
        let cand = values[idx];
        for (d, v) in closest.iter_mut().zip(values) {
            *d = d.min((v - cand) * (v - cand));
        }
        centers.push(cand);
    }

    // --- Lloyd iterations. ---
    let mean = values.iter().zip(counts).map(|(v, c)| v * c).sum::<f64>() / total;
    let var = values
        .iter()
        .zip(counts)
        .map(|(v, c)| c * (v - mean) * (v - mean))
        .sum::<f64>()
        / total;
    let tol = KMEANS_TOL * var;
    let m = centers.len();
    let mut labels = vec![0usize; n];
    let mut order: Vec<usize> = (0..m).collect();
    assign(values, &centers, &mut order, &mut labels);
    let mut new_labels = labels.clone();
    let mut sums = vec![0.0; m];
    let mut weights = vec![0.0; m];
    for _ in 0..KMEANS_MAX_ITER {
        sums.fill(0.0);
        weights.fill(0.0);
        for ((&v, &c), &l) in values.iter().zip(counts).zip(&labels) {
            sums[l] += c * v;
            weights[l] += c;
        }
        let mut shift = 0.0;
        let mut empty = Vec::new();
        for j in 0..m {
            if weights[j] > 0.0 {
                let c = sums[j] / weights[j];
                shift += (c - centers[j]) * (c - centers[j]);
                centers[j] = c;
            } else {
                empty.push(j);
            }
        }
        // Empty clusters move to the points farthest from their own centre (as scikit-learn's
        // `_relocate_empty_clusters`).
        if !empty.is_empty() {
            let mut far: Vec<(f64, usize)> = values
                .iter()
                .zip(&labels)
                .enumerate()
                .map(|(i, (v, &l))| ((v - centers[l]).powi(2), i))
                .collect();
            far.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (j, &(_, i)) in empty.iter().zip(&far) {
                shift += (values[i] - centers[*j]).powi(2);
                centers[*j] = values[i];
            }
        }
        assign(values, &centers, &mut order, &mut new_labels);
        if new_labels == labels {
            break;
        }
        std::mem::swap(&mut labels, &mut new_labels);
        if shift <= tol {
            break;
        }
    }
    labels
}

/// Index of the first cumulative mass `>= r` (NumPy `searchsorted`, side "left"), clipped.
fn draw(cumulative: &[f64], r: f64) -> usize {
    cumulative
        .partition_point(|&c| c < r)
        .min(cumulative.len() - 1)
}

/// Nearest-centre labels for sorted `values` by one sweep over the centres in ascending order
/// (ties go to the lower centre index, as `argmin`).
fn assign(values: &[f64], centers: &[f64], order: &mut [usize], labels: &mut [usize]) {
    order.sort_by(|&a, &b| centers[a].total_cmp(&centers[b]).then(a.cmp(&b)));
    let mut j = 0;
    for (v, l) in values.iter().zip(labels.iter_mut()) {
        while j + 1 < order.len() {
            let here = (v - centers[order[j]]).abs();
            let next = (v - centers[order[j + 1]]).abs();
            if next < here || (next == here && order[j + 1] < order[j]) {
                j += 1;
            } else {
                break;
            }
        }
        *l = order[j];
    }
}

/// Digamma function `ψ(x)` for `x > 0`: upward recurrence to `x ≥ 10`, then the asymptotic series
/// (Abramowitz & Stegun 6.3.18), accurate to about 1e-15.
fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    let series = f
        * (1.0 / 12.0
            - f * (1.0 / 120.0
                - f * (1.0 / 252.0
                    - f * (1.0 / 240.0 - f * (1.0 / 132.0 - f * (691.0 / 32760.0))))));
    acc + x.ln() - 0.5 / x - series
}

/// `ln Γ(x)` for `x > 0`: upward recurrence to `x ≥ 10`, then Stirling's series
/// (Abramowitz & Stegun 6.1.41).
fn ln_gamma(mut x: f64) -> f64 {
    let mut prod = 1.0;
    while x < 10.0 {
        prod *= x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    let series = (1.0 / 12.0
        - f * (1.0 / 360.0
            - f * (1.0 / 1260.0
                - f * (1.0 / 1680.0 - f * (1.0 / 1188.0 - f * (691.0 / 360_360.0))))))
        / x;
    (x - 0.5) * x.ln() - x + 0.5 * LN_2PI + series - prod.ln()
}

/// `ln B(a, b)`.
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_functions_match_reference_values() {
        // Reference values: scipy.special.digamma / gammaln.
        let cases = [
            (1.0, -0.577_215_664_901_532_9),
            (0.5, -1.963_510_026_021_423_5),
            (1e-3, -1_000.575_571_931_810_3),
            (7.3, 1.917_820_335_637_986),
            (34_000.5, 10.434_115_803_634_342),
        ];
        for (x, want) in cases {
            let got = digamma(x);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "digamma({x}) = {got}, want {want}"
            );
        }
        let cases = [
            (1.0, 0.0),
            (0.5, 0.572_364_942_924_7),
            (1e-3, 6.907_178_885_383_853),
            (7.3, 7.147_892_523_022_249),
            (34_000.5, 320_760.856_259_649_9),
        ];
        for (x, want) in cases {
            let got = ln_gamma(x);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "ln_gamma({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn kmeans_separates_obvious_clusters() {
        let values = [0.0, 0.1, 0.2, 10.0, 10.1, 20.0, 20.2];
        let counts = [1.0; 7];
        let labels = kmeans_labels(&values, &counts, 3, 1);
        assert_eq!(labels[0], labels[1]);
        assert_eq!(labels[1], labels[2]);
        assert_eq!(labels[3], labels[4]);
        assert_eq!(labels[5], labels[6]);
        assert_ne!(labels[0], labels[3]);
        assert_ne!(labels[3], labels[5]);
        assert_ne!(labels[0], labels[5]);
    }
}
