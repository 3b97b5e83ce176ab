// Peak f32 FMA throughput of this CPU (AVX2 + FMA): 12 independent 8-wide accumulators per
// thread, so the loop is bound by the FMA units, not by latency. Not part of the build:
//   rustc -O -C target-cpu=native scripts/fma_peak.rs -o /tmp/fma_peak && /tmp/fma_peak 1 && /tmp/fma_peak 2
// (argument: threads). Used for the gemm-efficiency remark in benches/results/README.md.
use std::arch::x86_64::*;
use std::time::Instant;
#[target_feature(enable = "avx2,fma")]
unsafe fn run(iters: u64) -> f32 {
    let mut a = [_mm256_set1_ps(1.0); 12];
    let b = _mm256_set1_ps(0.999999);
    let c = _mm256_set1_ps(1e-7);
    for _ in 0..iters {
        for k in 0..12 { a[k] = _mm256_fmadd_ps(a[k], b, c); }
    }
    let mut s = _mm256_setzero_ps();
    for k in 0..12 { s = _mm256_add_ps(s, a[k]); }
    let mut out = [0f32; 8];
    _mm256_storeu_ps(out.as_mut_ptr(), s);
    out.iter().sum()
}
fn main() {
    let iters = 400_000_000u64;
    let threads: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1);
    let t = Instant::now();
    let hs: Vec<_> = (0..threads).map(|_| std::thread::spawn(move || unsafe { run(iters) })).collect();
    let mut s = 0.0; for h in hs { s += h.join().unwrap(); }
    let secs = t.elapsed().as_secs_f64();
    let flops = iters as f64 * 12.0 * 8.0 * 2.0 * threads as f64;
    println!("threads {threads} {:.1} GFLOPS ({s})", flops / secs / 1e9);
}
