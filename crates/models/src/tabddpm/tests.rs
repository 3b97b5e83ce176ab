//! Unit tests of the TabDDPM maths and network.

use super::*;
use serial_test::serial;

fn dev() -> Device {
    Device::flex()
}

fn vec2(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

#[test]
fn schedules_match_their_definitions() {
    let d = Diffusion::new(1000, Schedule::Cosine);
    // ᾱ_t follows the cosine law cos²((t/T + s)/(1 + s)·π/2)/cos²(s/(1+s)·π/2) until β is capped.
    let f = |s: f64| {
        ((s + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2)
            .cos()
            .powi(2)
    };
    for &i in &[0usize, 10, 500, 900] {
        let want = f((i + 1) as f64 / 1000.0) / f(0.0);
        assert!((d.alphas_cumprod[i] / want - 1.0).abs() < 1e-9, "t = {i}");
    }
    assert!(d.betas.iter().all(|&b| b > 0.0 && b <= MAX_BETA));
    assert_eq!(d.betas[999], MAX_BETA);
    let l = Diffusion::new(1000, Schedule::Linear);
    assert!((l.betas[0] - 1e-4).abs() < 1e-15 && (l.betas[999] - 0.02).abs() < 1e-15);
    // log ᾱ and log(1 − ᾱ) agree with ᾱ.
    for i in [0usize, 1, 499, 998] {
        assert!((l.log_cumprod_alpha[i].exp() - l.alphas_cumprod[i]).abs() < 1e-12);
        assert!((l.log_1_min_cumprod_alpha[i].exp() - (1.0 - l.alphas_cumprod[i])).abs() < 1e-12);
    }
}

/// q(x_t | x₀) in closed form equals t single steps x_k = √α_k x_{k−1} + √β_k ε_k: the
/// empirical mean and variance of both match √ᾱ_t x₀ and 1 − ᾱ_t.
#[test]
#[serial]
fn gaussian_forward_noising_matches_the_closed_form() {
    let device = dev();
    device.seed(7);
    let d = Diffusion::new(50, Schedule::Cosine);
    let n = 20_000;
    let x0v = 1.5f32;
    for &t in &[0usize, 9, 30, 49] {
        let x0 = Tensor::<2>::full([n, 1], x0v, &device);
        let noise = Tensor::<2>::random([n, 1], Distribution::Normal(0.0, 1.0), &device);
        let closed = vec2(d.q_sample(x0.clone(), &vec![t; n], noise));
        let mut x = x0;
        for k in 0..=t {
            let e = Tensor::<2>::random([n, 1], Distribution::Normal(0.0, 1.0), &device);
            x = x.mul_scalar((1.0 - d.betas[k]).sqrt()) + e.mul_scalar(d.betas[k].sqrt());
        }
        let stepped = vec2(x);
        let want_mean = d.sqrt_alphas_cumprod[t] * x0v as f64;
        let want_var = 1.0 - d.alphas_cumprod[t];
        for (name, v) in [("closed", &closed), ("stepped", &stepped)] {
            let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n as f64;
            let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n as f64;
            // 5 standard errors of the mean and of the variance.
            let se_mean = (want_var / n as f64).sqrt();
            let se_var = want_var * (2.0 / n as f64).sqrt();
            assert!(
                (mean - want_mean).abs() < 5.0 * se_mean + 1e-6,
                "{name} t = {t}: mean {mean} vs {want_mean}"
            );
            assert!(
                (var - want_var).abs() < 5.0 * se_var + 1e-6,
                "{name} t = {t}: variance {var} vs {want_var}"
            );
        }
    }
}

/// The multinomial closed form log q(x_t | x₀) equals t one-step transitions composed, and
/// draws from it have those frequencies.
#[test]
#[serial]
fn multinomial_forward_matches_composed_steps_and_sampling_frequencies() {
    let device = dev();
    device.seed(3);
    let d = Diffusion::new(40, Schedule::Cosine);
    let blocks = CatBlocks::new(vec![3, 2]);
    // x₀ = (category 0 of 3, category 1 of 2).
    let x0 = Tensor::<2>::from_data(
        TensorData::new(vec![1.0f32, 0., 0., 0., 1.], [1, 5]),
        &device,
    );
    for &t in &[0usize, 5, 20, 39] {
        let closed: Vec<f32> = vec2(d.q_pred(&blocks, log_onehot(x0.clone()), &[t]).exp());
        // Compose: p_k = α_k p_{k−1} + (1 − α_k)/K, starting from x₀.
        let mut p: Vec<f64> = vec![1.0, 0., 0., 0., 1.];
        for k in 0..=t {
            let a = d.log_alpha[k].exp();
            for (i, v) in p.iter_mut().enumerate() {
                let kk = if i < 3 { 3.0 } else { 2.0 };
                *v = a * *v + (1.0 - a) / kk;
            }
        }
        for (i, (c, w)) in closed.iter().zip(&p).enumerate() {
            assert!((*c as f64 - w).abs() < 1e-5, "t = {t}, i = {i}: {c} vs {w}");
        }
        // Sampling frequencies.
        let n = 20_000;
        let lp = d.q_pred(
            &blocks,
            log_onehot(x0.clone().repeat_dim(0, n)),
            &vec![t; n],
        );
        let s = vec2(blocks.sample(lp));
        for (i, w) in p.iter().enumerate() {
            let f = s.iter().skip(i).step_by(5).map(|&x| x as f64).sum::<f64>() / n as f64;
            let se = (w * (1.0 - w) / n as f64).sqrt();
            assert!(
                (f - w).abs() < 5.0 * se + 1e-3,
                "t = {t}, i = {i}: freq {f} vs {w}"
            );
        }
        // Each block of a draw is one-hot.
        let sums =
            vec2(blocks.block_sums(blocks.sample(d.q_pred(&blocks, log_onehot(x0.clone()), &[t]))));
        assert_eq!(sums, vec![1.0, 1.0]);
    }
}

#[test]
#[serial]
fn multinomial_posteriors_sum_to_one_per_block() {
    let device = dev();
    device.seed(11);
    let d = Diffusion::new(100, Schedule::Cosine);
    let blocks = CatBlocks::new(vec![4, 2, 7]);
    let b = 64;
    let t: Vec<usize> = (0..b).map(|i| (i * 37) % 100).collect::<Vec<_>>();
    let t = [vec![0usize, 1, 99], t].concat();
    let b = t.len();
    let x0 = blocks.sample(Tensor::zeros([b, 13], &device));
    let xt = d.q_sample_cat(&blocks, log_onehot(x0.clone()), &t);
    let logits = Tensor::<2>::random([b, 13], Distribution::Normal(0.0, 3.0), &device);
    for post in [
        d.q_posterior(&blocks, log_onehot(x0.clone()), log_onehot(xt.clone()), &t),
        d.p_pred(&blocks, logits, log_onehot(xt.clone()), &t),
    ] {
        let sums = vec2(blocks.block_sums(post.clone().exp()));
        assert_eq!(sums.len(), b * 3);
        for s in sums {
            assert!((s - 1.0).abs() < 1e-5, "block sums to {s}");
        }
        assert!(vec2(post).iter().all(|v| v.is_finite() && *v <= 1e-6));
    }
    // The true posterior puts no mass where neither x₀ nor x_t could lead: at t = 0 it is x₀.
    let p0 = vec2(
        d.q_posterior(&blocks, log_onehot(x0.clone()), log_onehot(xt), &t)
            .exp(),
    );
    let x0v = vec2(x0);
    for (a, b) in p0.iter().zip(&x0v).take(13) {
        assert!((a - b).abs() < 1e-5, "t = 0 posterior is x₀");
    }
}

/// The reference's per-row form of the Gaussian step (`gaussian_p_sample`, a timestep per
/// row), the oracle of [`Diffusion::gaussian_p_sample_at`].
fn per_row_gaussian_p_sample(
    d: &Diffusion,
    eps: Tensor<2>,
    x: Tensor<2>,
    t: &[usize],
) -> Tensor<2> {
    let dev = x.device();
    let col = |v: &[f64]| Diffusion::extract(v, t, &dev);
    let x0 =
        x.clone() * col(&d.sqrt_recip_alphas_cumprod) - eps * col(&d.sqrt_recipm1_alphas_cumprod);
    let mean = x0 * col(&d.posterior_mean_coef1) + x.clone() * col(&d.posterior_mean_coef2);
    let std: Vec<f64> = t
        .iter()
        .map(|&i| {
            if i == 0 {
                0.0
            } else {
                (0.5 * d.model_log_variance[i]).exp()
            }
        })
        .collect();
    let idx: Vec<usize> = (0..t.len()).collect();
    let noise = Tensor::<2>::random(x.dims(), Distribution::Normal(0.0, 1.0), &dev);
    mean + noise * Diffusion::extract(&std, &idx, &dev)
}

#[test]
#[serial]
fn shared_step_sampling_matches_the_per_row_step() {
    let device = dev();
    device.seed(5);
    let d = Diffusion::new(100, Schedule::Cosine);
    let blocks = CatBlocks::new(vec![4, 2, 7]);
    let b = 48;
    let x = Tensor::<2>::random([b, 3], Distribution::Normal(0.0, 1.0), &device);
    let eps = Tensor::<2>::random([b, 3], Distribution::Normal(0.0, 1.0), &device);
    let logits = Tensor::<2>::random([b, 13], Distribution::Normal(0.0, 3.0), &device);
    let xt = blocks.sample(Tensor::zeros([b, 13], &device));
    // f32 arithmetic in a different order: agreement to a few ulps of the larger values.
    let close = |a: Vec<f32>, b: Vec<f32>, what: &str| {
        assert_eq!(a.len(), b.len());
        for (u, v) in a.iter().zip(&b) {
            assert!(
                (u - v).abs() <= 2e-5 * (1.0 + u.abs()),
                "{what}: {u} vs {v}"
            );
        }
    };
    for i in [0, 1, 2, 50, 98, 99] {
        let t = vec![i; b];
        device.seed(9);
        let general = per_row_gaussian_p_sample(&d, eps.clone(), x.clone(), &t);
        device.seed(9);
        let fast = d.gaussian_p_sample_at(eps.clone(), x.clone(), i);
        close(vec2(general), vec2(fast), &format!("Gaussian step {i}"));

        let general = d.p_pred(&blocks, logits.clone(), log_onehot(xt.clone()), &t);
        let fast = d.p_pred_unnormalised_at(&blocks, logits.clone(), xt.clone(), i);
        let normalised = fast.clone() - blocks.logsumexp(fast.clone());
        close(
            vec2(general.clone()),
            vec2(normalised),
            &format!("posterior {i}"),
        );
        // The Gumbel-max draw ignores the normalisation: same noise, same categories.
        device.seed(3);
        let a = vec2(blocks.sample(general));
        device.seed(3);
        assert_eq!(a, vec2(blocks.sample(fast)), "draw at step {i}");
    }
}

/// The host step ([`ReverseStep`]) against the tensor maths it fuses: its Gaussian update is
/// the reference's per-row step with the same noise, and its block posterior, normalised, is
/// the normalised model posterior `p_pred`, at the first, middle and last steps.
#[test]
#[serial]
fn the_host_step_is_the_tensor_step() {
    let device = dev();
    device.seed(11);
    let d = Diffusion::new(100, Schedule::Cosine);
    let sizes = vec![4, 2, 7];
    let blocks = CatBlocks::new(sizes.clone());
    let b = 32;
    let x = Tensor::<2>::random([b, 3], Distribution::Normal(0.0, 1.0), &device);
    let eps = Tensor::<2>::random([b, 3], Distribution::Normal(0.0, 1.0), &device);
    // Logits wide enough that some entries' exponentials underflow.
    let logits = Tensor::<2>::random([b, 13], Distribution::Normal(0.0, 40.0), &device);
    let xt = blocks.sample(Tensor::zeros([b, 13], &device));
    let (xv, ev, lv, tv) = (
        vec2(x.clone()),
        vec2(eps.clone()),
        vec2(logits.clone()),
        vec2(xt.clone()),
    );
    for i in [0, 1, 2, 50, 98, 99] {
        let t = vec![i; b];
        let step = d.reverse_step(i);
        device.seed(9);
        let noise = vec2(Tensor::<2>::random(
            [b, 3],
            Distribution::Normal(0.0, 1.0),
            &device,
        ));
        device.seed(9);
        let oracle = vec2(per_row_gaussian_p_sample(&d, eps.clone(), x.clone(), &t));
        for (j, want) in oracle.iter().enumerate() {
            let got = step.gaussian(xv[j], ev[j], noise[j]);
            assert!(
                (got - want).abs() <= 2e-5 * (1.0 + want.abs()),
                "Gaussian step {i}: {got} vs {want}"
            );
        }
        let post = vec2(
            d.p_pred(&blocks, logits.clone(), log_onehot(xt.clone()), &t)
                .exp(),
        );
        for r in 0..b {
            let mut o = 0;
            for &k in &sizes {
                let row = r * 13 + o;
                let current = tv[row..row + k].iter().position(|&v| v == 1.0).unwrap();
                let mut q = vec![0.0; k];
                step.block_posterior(&lv[row..row + k], current, &mut q);
                let total: f64 = q.iter().sum();
                for j in 0..k {
                    let (got, want) = (q[j] / total, f64::from(post[row + j]));
                    assert!(
                        (got - want).abs() < 1e-5,
                        "posterior {i}, row {r}: {got} vs {want}"
                    );
                }
                o += k;
            }
        }
    }
}

/// `draw_category` draws from the block posterior: over 100,000 draws (fixed seed) each
/// category's frequency is within 5 binomial sampling errors √(p(1 − p)/n) of its probability,
/// at the first step (the x₀ softmax alone) and a later one.
#[test]
fn host_category_draws_follow_the_block_posterior() {
    use rand::{Rng, SeedableRng};
    let d = Diffusion::new(100, Schedule::Cosine);
    let logits = [1.5f32, -0.5, 0.0, 2.5, -3.0];
    let n = 100_000;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for i in [0, 60] {
        let step = d.reverse_step(i);
        let mut q = vec![0.0; 5];
        step.block_posterior(&logits, 2, &mut q);
        let total: f64 = q.iter().sum();
        let mut counts = [0usize; 5];
        let mut scratch = vec![0.0; 5];
        for _ in 0..n {
            counts[step.draw_category(&logits, 2, rng.random(), &mut scratch)] += 1;
        }
        for j in 0..5 {
            let p = q[j] / total;
            let f = counts[j] as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (f - p).abs() <= 5.0 * se + 1e-12,
                "step {i}, category {j}: {f} vs {p}"
            );
        }
    }
    // u just below 1 lands on the last category with mass, never past the block.
    let step = d.reverse_step(0);
    let mut scratch = vec![0.0; 5];
    assert!(step.draw_category(&logits, 2, 1.0 - 1e-17, &mut scratch) < 5);
}

/// [`Diffusion::multinomial_loss_of`] with the host constants is the log-space
/// [`Diffusion::multinomial_loss`]: the same loss per row and the same gradient with respect to
/// the logits, at t = 0, 1, in the middle and at T − 1 (f32 arithmetic in another order: within
/// 2e-4 relative).
#[test]
#[serial]
fn the_host_loss_is_the_log_space_loss() {
    use rand::{Rng, SeedableRng};
    let device = dev().autodiff();
    device.seed(21);
    let d = Diffusion::new(100, Schedule::Cosine);
    let sizes = vec![4, 2, 7];
    let blocks = CatBlocks::new(sizes.clone());
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let t: Vec<usize> = [0usize, 1, 2, 50, 99]
        .iter()
        .copied()
        .cycle()
        .take(40)
        .collect();
    let b = t.len();
    let (mut x0, mut xt) = (Vec::new(), Vec::new());
    let (mut x0_hot, mut xt_hot) = (vec![0.0f32; b * 13], vec![0.0f32; b * 13]);
    for (r, &ti) in t.iter().enumerate() {
        let mut o = 0;
        for &k in &sizes {
            let c0 = rng.random_range(0..k);
            let ct = d.forward_category(c0, k, ti, rng.random());
            x0.push(c0);
            xt.push(ct);
            x0_hot[r * 13 + o + c0] = 1.0;
            xt_hot[r * 13 + o + ct] = 1.0;
            o += k;
        }
    }
    let batch = d.multinomial_batch(&blocks, &x0, &xt, &t);
    assert_eq!(batch.xt, xt_hot);
    let hot = |v: &Vec<f32>| Tensor::<2>::from_data(TensorData::new(v.clone(), [b, 13]), &device);
    let logits = Tensor::<2>::random([b, 13], Distribution::Normal(0.0, 3.0), &device);
    let run = |fast: bool| {
        let x = logits.clone().detach().require_grad();
        let loss = if fast {
            d.multinomial_loss_of(&blocks, x.clone(), &batch)
        } else {
            d.multinomial_loss(
                &blocks,
                x.clone(),
                log_onehot(hot(&x0_hot)),
                log_onehot(hot(&xt_hot)),
                &t,
            )
        };
        let grads = loss.clone().sum().backward();
        (vec2(loss.inner()), vec2(x.grad(&grads).unwrap()))
    };
    let (slow, slow_grad) = run(false);
    let (fast, fast_grad) = run(true);
    for (r, (a, b)) in fast.iter().zip(&slow).enumerate() {
        assert!(
            (a - b).abs() <= 2e-4 * (1.0 + b.abs()),
            "row {r} (t = {}): {a} vs {b}",
            t[r]
        );
    }
    for (i, (a, b)) in fast_grad.iter().zip(&slow_grad).enumerate() {
        assert!(
            (a - b).abs() <= 2e-4 * (1.0 + b.abs()),
            "gradient {i}: {a} vs {b}"
        );
    }
}

/// `forward_category` draws from q(x_t | x₀) = ᾱ_t·[x₀] + (1 − ᾱ_t)/K: over 100,000 draws
/// (fixed seed) every category's frequency is within 5 binomial sampling errors.
#[test]
fn forward_category_draws_follow_the_closed_form() {
    use rand::{Rng, SeedableRng};
    let d = Diffusion::new(40, Schedule::Cosine);
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    let (k, x0, n) = (3usize, 1usize, 100_000usize);
    for t in [0usize, 10, 39] {
        let mut counts = [0usize; 3];
        for _ in 0..n {
            counts[d.forward_category(x0, k, t, rng.random())] += 1;
        }
        let abar = d.alphas_cumprod[t];
        for (j, &c) in counts.iter().enumerate() {
            let p = abar * f64::from(u8::from(j == x0)) + (1.0 - abar) / k as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            let f = c as f64 / n as f64;
            assert!(
                (f - p).abs() <= 5.0 * se + 1e-12,
                "t = {t}, category {j}: {f} vs {p}"
            );
        }
    }
}

#[test]
fn logsumexp_is_stable_for_large_and_tiny_values() {
    let device = dev();
    let blocks = CatBlocks::new(vec![2, 3]);
    let x = Tensor::<2>::from_data(
        TensorData::new(
            vec![1000.0f32, 1000.0, -1000.0, LOG_EPS as f32, -1000.0],
            [1, 5],
        ),
        &device,
    );
    let v = vec2(blocks.logsumexp(x));
    let want = [
        1000.0 + 2f64.ln(),
        1000.0 + 2f64.ln(),
        LOG_EPS,
        LOG_EPS,
        LOG_EPS,
    ];
    for (a, b) in v.iter().zip(want) {
        assert!((*a as f64 - b).abs() < 1e-3, "{a} vs {b}");
    }
    let a = Tensor::<2>::from_data(TensorData::new(vec![800.0f32, -800.0], [1, 2]), &device);
    let b = Tensor::<2>::from_data(TensorData::new(vec![800.0f32, -801.0], [1, 2]), &device);
    let v = vec2(log_add_exp(a, b));
    assert!((v[0] as f64 - (800.0 + 2f64.ln())).abs() < 1e-3);
    assert!((v[1] as f64 - (-800.0 + (1.0 + (-1f64).exp()).ln())).abs() < 1e-3);
}

#[test]
#[serial]
fn denoiser_shapes_with_and_without_label() {
    let device = dev().autodiff();
    device.seed(0);
    let cfg = TabDdpmConfig {
        d_layers: vec![16, 8],
        dim_t: 9,
        ..Default::default()
    };
    for classes in [0usize, 3] {
        let den = cfg.init(5, classes, &device);
        assert_eq!(den.is_conditional(), classes > 0);
        let x = Tensor::<2>::random([4, 5], Distribution::Default, &device);
        let t = Tensor::<1>::from_data(
            TensorData::new(vec![0.0f32, 1.0, 50.0, 999.0], [4]),
            &device,
        );
        let y = (classes > 0).then(|| Tensor::<2>::zeros([4, classes], &device));
        assert_eq!(den.forward(x, t, y).dims(), [4, 5]);
    }
    let e = vec2(timestep_embedding(
        Tensor::<1>::from_data(TensorData::new(vec![0.0f32, 2.0], [2]), &dev()),
        4,
    ));
    // t = 0: cos = 1, sin = 0; t = 2: cos(2), cos(2·0.01), sin(2), sin(0.02).
    assert_eq!(&e[..4], &[1.0, 1.0, 0.0, 0.0]);
    assert!((e[4] - 2f32.cos()).abs() < 1e-6 && (e[5] - 0.02f32.cos()).abs() < 1e-6);
}

#[test]
fn a_shared_timestep_embedded_once_gives_the_per_row_forward() {
    // Sampling computes the time branch on one row and broadcasts it: the result must be
    // the per-row forward's, to float rounding.
    let device = dev();
    device.seed(3);
    let cfg = TabDdpmConfig {
        d_layers: vec![16, 8],
        dim_t: 10,
        dropout: 0.0,
        ..Default::default()
    };
    let den = cfg.init(5, 3, &device);
    let x = Tensor::<2>::random([6, 5], Distribution::Normal(0.0, 1.0), &device);
    let labels = [0usize, 2, 1, 1, 0, 2];
    let mut yv = vec![0.0f32; 18];
    for (i, &c) in labels.iter().enumerate() {
        yv[i * 3 + c] = 1.0;
    }
    let y = Tensor::<2>::from_data(TensorData::new(yv, [6, 3]), &device);
    let t = Tensor::<1>::from_data(TensorData::new(vec![417.0f32; 6], [6]), &device);
    let full = vec2(den.forward(x.clone(), t, Some(y.clone())));
    let time = den.time_embedding(Tensor::from_data(
        TensorData::new(vec![417.0f32], [1]),
        &device,
    ));
    let emb = den.label_embedding(y).expect("conditional") + time;
    let once = vec2(den.forward_embedded(x, emb));
    for (a, b) in full.iter().zip(&once) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn layout_splits_and_reassembles() {
    let layout = Layout::new(vec![
        (
            "a".into(),
            false,
            vec![(1, Activation::Linear), (2, Activation::Softmax)],
        ),
        ("y".into(), true, vec![(2, Activation::Softmax)]),
        ("c".into(), true, vec![(3, Activation::Softmax)]),
    ]);
    let dl = DdpmLayout::new(&layout, Some("y"));
    assert_eq!(dl.num_cols, vec![0]);
    assert_eq!(dl.n_cat(), 5);
    assert_eq!(dl.n_classes(), 2);
    assert_eq!(dl.d_in(), 6);
    let m = Matrix::from_vec(
        2,
        8,
        vec![
            0.5, 1., 0., 0., 1., 0., 0., 1., -1.0, 0., 1., 1., 0., 1., 0., 0.,
        ],
    );
    let (num, cat, y) = dl.split(&m, &[0, 1]);
    assert_eq!(num, vec![0.5, -1.0]);
    assert_eq!(y, vec![1, 0]);
    assert_eq!(dl.assemble(8, &num, &cat, &y), m);
    let unc = DdpmLayout::new(&layout, None);
    assert_eq!((unc.n_cat(), unc.n_classes()), (7, 0));
}

/// A one-category column (constant in the training rows) is not diffused: it leaves the
/// multinomial blocks (burn's one-hot needs two classes) and is written back as its constant.
#[test]
fn a_constant_column_is_not_diffused_and_comes_back_constant() {
    let layout = Layout::new(vec![
        ("a".into(), false, vec![(1, Activation::Linear)]),
        ("k".into(), true, vec![(1, Activation::Softmax)]),
        ("c".into(), true, vec![(2, Activation::Softmax)]),
    ]);
    let dl = DdpmLayout::new(&layout, None);
    assert_eq!(dl.constants, vec![1]);
    assert_eq!((dl.n_cat(), dl.d_in()), (2, 3));
    let m = Matrix::from_vec(2, 4, vec![0.5, 1., 0., 1., -1., 1., 1., 0.]);
    let (num, cat, y) = dl.split(&m, &[0, 1]);
    assert_eq!(cat, vec![0., 1., 1., 0.]);
    assert_eq!(dl.assemble(4, &num, &cat, &y), m);
}
