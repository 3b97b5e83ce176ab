//! Exponentials of `f32` slices in a form the compiler vectorises, for the per-entry work of
//! sampling (a softmax draw reads one exponential per logit: about 150 per adult row, a million
//! rows at a time).
//!
//! [`exp`] is Cephes' `expf` (range reduction by a two-part ln 2, a degree-5 polynomial) written
//! without branches, calls or fused multiply-adds, so a loop over it compiles to SIMD
//! instructions and every instruction set gives the same bits. [`exp_slice`] runs that loop
//! compiled for AVX-512 or AVX2 where the CPU has them (detected at run time; the binary still
//! runs on any x86-64), else for the baseline.

/// `1.5 · 2²³`: adding it rounds an `f32` of magnitude below 2²² to an integer, which then sits
/// in the low bits of the sum's representation.
const ROUNDER: f32 = 12_582_912.0;
/// The largest and smallest arguments: beyond them `2ⁿ` would leave the normal exponents.
const MAX_ARG: f32 = 88.0;
const MIN_ARG: f32 = -87.0;
/// ln 2 in two parts: `n · LN2_HI` is exact for the `n` that occur, `LN2_LO` holds the rest.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;

/// `eˣ` to about one unit in the last place for `x` in `[-87, 88]`; arguments outside are clamped
/// to that range (so `exp(-1000.0)` is `e⁻⁸⁷ ≈ 1.6e-38`, not 0); NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(MIN_ARG, MAX_ARG);
    // n = round(x / ln 2), both as a float and in the low bits of `t`.
    let t = x * std::f32::consts::LOG2_E + ROUNDER;
    let n = t - ROUNDER;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5; // Cephes writes 5.0000001e-1, which is 0.5 in f32
    let e = p * (r * r) + r + 1.0;
    // 2ⁿ from its exponent bits: n + 127 in 1..=254 for the clamped range.
    let k = t
        .to_bits()
        .wrapping_sub(ROUNDER.to_bits())
        .wrapping_add(127);
    e * f32::from_bits(k << 23)
}

/// Replaces every value of `v` by its [`exp`]: the same bits whichever instruction set runs it.
pub fn exp_slice(v: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked just above).
            unsafe { exp_slice_avx512(v) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { exp_slice_avx2(v) };
            return;
        }
    }
    exp_slice_baseline(v);
}

#[inline(always)]
fn exp_loop(v: &mut [f32]) {
    v.iter_mut().for_each(|x| *x = exp(*x));
}

fn exp_slice_baseline(v: &mut [f32]) {
    exp_loop(v);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn exp_slice_avx512(v: &mut [f32]) {
    exp_loop(v);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn exp_slice_avx2(v: &mut [f32]) {
    exp_loop(v);
}

/// `tanh(x)` from `e = exp(-2|x|)` (as [`exp`] gives it): `sign(x)·(1 − e)/(1 + e)`, and a
/// Taylor polynomial for `|x| < 1/16`, where `1 − e` would cancel. Within about 8 units in the
/// last place of 1 (absolute error below 1e-6) everywhere.
#[inline(always)]
pub fn tanh_from_exp(x: f32, e: f32) -> f32 {
    let a = x.abs();
    if a < 0.0625 {
        // x − x³/3 + 2x⁵/15 − 17x⁷/315: the next term, 62x⁹/2835, is below 2e-13 here.
        let x2 = x * x;
        return x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0))));
    }
    ((1.0 - e) / (1.0 + e)).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between an `f32` and the exact value (as f64).
    fn ulps(got: f32, exact: f64) -> f64 {
        let e = exact as f32;
        let ulp = f64::from(f32::from_bits(e.to_bits() + 1) - e);
        (f64::from(got) - exact).abs() / ulp
    }

    /// Every 1/4096 of `[-87, 88]` (717,000 arguments, and the ends): within 2 units in the last
    /// place of the exact exponential. Cephes states about 1 ulp for this polynomial; the bound
    /// leaves one more for the unfused multiply-adds. Checked to fail: the x⁵ coefficient cut
    /// to 5 digits gives 5.5 ulps, ln 2 without its low part 450,000.
    #[test]
    fn exp_is_within_two_ulps_over_its_range() {
        let mut worst = (0.0f64, 0.0f32);
        let mut x = -87.0f64;
        while x <= 88.0 {
            let xf = x as f32;
            let u = ulps(exp(xf), f64::from(xf).exp());
            if u > worst.0 {
                worst = (u, xf);
            }
            x += 1.0 / 4096.0;
        }
        assert!(worst.0 <= 2.0, "{} ulps at {}", worst.0, worst.1);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1000.0), exp(-87.0));
        assert!(exp(-87.0) > 0.0 && exp(88.0).is_finite());
    }

    /// The vectorised slice gives the very bits of the scalar function (odd lengths, so the
    /// vector loops' remainders run too), on whichever instruction set this CPU picks and on
    /// the baseline loop.
    #[test]
    fn exp_slice_matches_the_scalar_function_bit_for_bit() {
        let xs: Vec<f32> = (0..1037).map(|i| -90.0 + i as f32 * 0.17).collect();
        let scalar: Vec<u32> = xs.iter().map(|&x| exp(x).to_bits()).collect();
        let mut fast = xs.clone();
        exp_slice(&mut fast);
        let mut base = xs.clone();
        exp_slice_baseline(&mut base);
        for (i, x) in xs.iter().enumerate() {
            assert_eq!(fast[i].to_bits(), scalar[i], "dispatched at {x}");
            assert_eq!(base[i].to_bits(), scalar[i], "baseline at {x}");
        }
    }

    /// Every 1/1024 of `[-12, 12]` and the range's ends: `tanh` within 1e-6 of the exact value
    /// (and exactly ±1 far out), through [`exp`] of `-2|x|` as the sampler computes it.
    #[test]
    fn tanh_from_exp_is_within_1e6() {
        let mut worst = (0.0f64, 0.0f32);
        for i in -12 * 1024..=12 * 1024 {
            let x = i as f32 / 1024.0;
            let got = tanh_from_exp(x, exp(-2.0 * x.abs()));
            let err = (f64::from(got) - f64::from(x).tanh()).abs();
            if err > worst.0 {
                worst = (err, x);
            }
        }
        assert!(worst.0 < 1e-6, "error {} at {}", worst.0, worst.1);
        assert_eq!(tanh_from_exp(60.0, exp(-120.0)), 1.0);
        assert_eq!(tanh_from_exp(-60.0, exp(-120.0)), -1.0);
        assert_eq!(tanh_from_exp(0.0, 1.0), 0.0);
    }
}
