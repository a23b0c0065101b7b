//! Deterministic random numbers for the demo market: a stable string hash (FNV-1a 64), a seed mixer
//! (splitmix64) and a small generator (xoshiro256**) with uniform, normal (Box–Muller) and
//! fat-tailed draws.
//!
//! Nothing here depends on the platform, the process or the Rust version (std's `DefaultHasher` is
//! deliberately not used: its output is not stable), so a symbol's random stream is the same on
//! every machine and in every release.

/// FNV-1a 64-bit hash of a byte string: stable across platforms and releases.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// One splitmix64 step: a strong 64-bit mixer (also used to expand seeds).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable 64-bit seed for `(text, salt)`: FNV-1a of the text, mixed with the salt.
pub fn seed_of(text: &str, salt: &str) -> u64 {
    splitmix64(fnv1a64(text.as_bytes()) ^ splitmix64(fnv1a64(salt.as_bytes())))
}

/// A stable number in `[0, 1)` for `(text, salt)`: per-symbol attributes drawn by hash.
pub fn unit(text: &str, salt: &str) -> f64 {
    to_unit(seed_of(text, salt))
}

/// The top 53 bits of `x` as a number in `[0, 1)`.
pub fn to_unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// xoshiro256** seeded through splitmix64, with a cached second Box–Muller variate.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
    spare: Option<f64>,
}

impl Rng {
    /// A generator whose whole stream is a function of `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut s = [0u64; 4];
        for slot in &mut s {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            *slot = splitmix64(x);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s, spare: None }
    }

    /// A generator for `(text, salt)`.
    pub fn for_key(text: &str, salt: &str) -> Rng {
        Rng::new(seed_of(text, salt))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        to_unit(self.next_u64())
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal variate (Box–Muller; the second variate of each pair is kept for the next call).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // u1 in (0, 1] so that ln(u1) is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare = Some(r * s);
        r * c
    }

    /// Standard normal variate by inverse-CDF table lookup with interpolation: several times
    /// faster than [`Rng::normal`], accurate to about 1e-3 in the body; tails stop at about ±4.3σ
    /// (fat tails come from [`Rng::fat_tailed`] and jumps, not from here).
    pub fn normal_fast(&mut self) -> f64 {
        let table = normal_table();
        let u = self.uniform() * (TABLE_N as f64);
        let i = u as usize;
        let f = u - i as f64;
        table[i] + f * (table[i + 1] - table[i])
    }

    /// A fat-tailed variate with unit variance: a scale mixture of normals (with probability
    /// `p_wide` the draw is `wide` times wider), renormalised.
    pub fn fat_tailed(&mut self, p_wide: f64, wide: f64) -> f64 {
        let z = self.normal_fast();
        let norm = (1.0 - p_wide + p_wide * wide * wide).sqrt();
        if self.uniform() < p_wide {
            z * wide / norm
        } else {
            z / norm
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

/// Intervals of the inverse-normal table.
const TABLE_N: usize = 1024;

/// Φ⁻¹ at TABLE_N + 1 evenly spaced probabilities (the end points clamped just inside 0 and 1).
fn normal_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=TABLE_N)
            .map(|i| {
                let p = (i as f64 / TABLE_N as f64).clamp(1e-5, 1.0 - 1e-5);
                inverse_normal_cdf(p)
            })
            .collect()
    })
}

/// Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -inverse_normal_cdf(1.0 - p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::for_key("AAPL", "path"), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::for_key("AAPL", "path"), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(Rng::for_key("MSFT", "path"), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::new(42);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
        let ft: Vec<f64> = (0..n).map(|_| r.fat_tailed(0.05, 3.0)).collect();
        let var = ft.iter().map(|x| x * x).sum::<f64>() / n as f64;
        let kurt = ft.iter().map(|x| x.powi(4)).sum::<f64>() / n as f64 / (var * var);
        assert!((var - 1.0).abs() < 0.03, "fat var {var}");
        assert!(kurt > 4.0, "fat tails: kurtosis {kurt}");
    }

    #[test]
    fn fast_normal_moments() {
        assert!((inverse_normal_cdf(0.975) - 1.959_964).abs() < 1e-5);
        assert!(inverse_normal_cdf(0.5).abs() < 1e-12);
        assert!((inverse_normal_cdf(0.001) + 3.090_232).abs() < 1e-5);
        let mut r = Rng::new(7);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal_fast()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
        let beyond2 = xs.iter().filter(|x| x.abs() > 2.0).count() as f64 / n as f64;
        assert!((beyond2 - 0.0455).abs() < 0.003, "{beyond2}");
    }

    #[test]
    fn unit_in_range() {
        for i in 0..1000 {
            let u = unit(&format!("S{i}"), "x");
            assert!((0.0..1.0).contains(&u));
        }
    }
}
