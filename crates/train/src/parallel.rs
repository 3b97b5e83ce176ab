//! Host work on generated rows, split into fixed tasks of rows that run on rayon's threads, each
//! task with its own RNG seeded from the call's seed, a key and the task's index: the draws do
//! not depend on how many threads there are.

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use synthkit_data::{Layout, Matrix};
use synthkit_models::activation::fill_gumbel;

use crate::tensor::tensor2;

/// Rows per parallel task, each task with its own RNG.
pub(crate) const ROWS_PER_TASK: usize = 256;

/// The RNG of task `task` under `key` (a step, a stage) of a call seeded `seed`.
pub(crate) fn task_rng(seed: u64, key: usize, task: usize) -> StdRng {
    task_rng_of(seed, key, task)
}

/// [`task_rng`] of any seedable generator.
fn task_rng_of<R: SeedableRng>(seed: u64, key: usize, task: usize) -> R {
    let key = ((key as u64) << 32) ^ task as u64;
    R::seed_from_u64(seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Runs `f(first_row, rows, rng)` on every task of [`ROWS_PER_TASK`] rows of the row-major
/// `buf` (rows of `width` values), in parallel; `rng` is the task's [`task_rng`] under key 0.
pub(crate) fn par_rows<F>(buf: &mut [f32], width: usize, seed: u64, f: F)
where
    F: Fn(usize, &mut [f32], &mut StdRng) + Sync + Send,
{
    par_rows_of(buf, width, seed, f);
}

/// [`par_rows`] with a xoshiro256++ stream per task instead of ChaCha12: for bulk noise (a
/// sampler's 128 normals per row), where refilling ChaCha's buffer was 5 % of the CPU time of a
/// million CTGAN rows. Not for anything a cryptographic-quality stream would change.
pub(crate) fn par_rows_fast<F>(buf: &mut [f32], width: usize, seed: u64, f: F)
where
    F: Fn(usize, &mut [f32], &mut Xoshiro256PlusPlus) + Sync + Send,
{
    par_rows_of(buf, width, seed, f);
}

fn par_rows_of<R, F>(buf: &mut [f32], width: usize, seed: u64, f: F)
where
    R: SeedableRng,
    F: Fn(usize, &mut [f32], &mut R) + Sync + Send,
{
    if width == 0 {
        return;
    }
    buf.par_chunks_mut(ROWS_PER_TASK * width)
        .enumerate()
        .for_each(|(task, rows)| f(task * ROWS_PER_TASK, rows, &mut task_rng_of(seed, 0, task)));
}

/// Runs `f(row, rng)` on every row of `m` in place, in the parallel tasks of [`par_rows`].
pub(crate) fn par_each_row<F>(m: &mut Matrix, seed: u64, f: F)
where
    F: Fn(&mut [f32], &mut StdRng) + Sync + Send,
{
    let w = m.cols();
    par_rows(m.as_mut_slice(), w, seed, |_, rows, rng| {
        rows.chunks_mut(w).for_each(|row| f(row, rng));
    });
}

/// `N(0, 1)` noise `[rows, cols]` drawn on the host in parallel tasks under `seed`, on `device`.
pub(crate) fn normal_tensor(seed: u64, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    tensor2(normal_values(seed, rows, cols), rows, cols, device)
}

/// The values of [`normal_tensor`] on the host, row-major `[rows, cols]`.
pub(crate) fn normal_values(seed: u64, rows: usize, cols: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; rows * cols];
    par_rows(&mut v, cols, seed, |_, rows, rng| {
        rows.iter_mut()
            .for_each(|x| *x = rng.sample(StandardNormal));
    });
    v
}

/// The Gumbel noise of [`synthkit_models::activation::ctgan_activate`] for `rows` rows of
/// `layout` ([`fill_gumbel`]), drawn on the host in parallel tasks under `seed`, on `device`.
/// `[rows, layout.dim()]`
pub(crate) fn gumbel_tensor(seed: u64, rows: usize, layout: &Layout, device: &Device) -> Tensor<2> {
    let mut g = Matrix::zeros(rows, layout.dim());
    par_each_row(&mut g, seed, |row, rng| {
        fill_gumbel(row, layout, || rng.random())
    });
    tensor2(g.into_vec(), rows, layout.dim(), device)
}
