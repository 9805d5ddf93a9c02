//! Floats to int32 lanes and back, with a scale that cannot overflow.
//!
//! The card sums int32 lanes. Before a tensor (or a bucket of tensors) is reduced, every worker
//! contributes a one-hot vector of [`EXPONENT_LANES`] lanes with a 1 at the binary exponent of its
//! largest magnitude. The card sums those like any other fragment; the highest non-zero lane of the
//! sum is the largest exponent `e` over all workers, so every value is below `2^e` in magnitude and
//! any sum over `n` workers, partial or whole, is below `n * 2^e`. [`Scale::new`] picks the largest
//! power of two `s` with `n * 2^e * s <= 2^30`: no lane can saturate, in the card or in the PS, so
//! the sum is exact in int32 and the only error is each value's rounding to a multiple of `1/s`.
//!
//! This is SwitchML's block exponent, agreed once per tensor instead of once per packet: one extra
//! round of 288 lanes per tensor, no change to the wire format, no float path in the
//! card. The price: one worker's outlier coarsens everyone's resolution for that tensor.

/// Lanes of the exponent round: one per exponent `e` (|v| < 2^e) a non-zero finite f32 can have,
/// -148..=128, from lane `e + 159`.
pub const EXPONENT_LANES: usize = 288;
/// Exponent of lane 0.
const LOWEST_EXPONENT: i32 = -159;
/// Headroom: sums stay within 2^30, half the int32 range.
const SUM_BITS: i32 = 30;

/// The one-hot contribution of a worker's tensor to the exponent round.
pub fn exponent_vote(values: &[f32]) -> Vec<i32> {
    let mut vote = vec![0i32; EXPONENT_LANES];
    if let Some(e) = max_exponent(values) {
        vote[(e - LOWEST_EXPONENT) as usize] = 1;
    }
    vote
}

/// The smallest `e` with every finite |v| < 2^e; `None` if all are zero. Non-finite values are the
/// caller's to reject (see [`Scale::quantize`]).
fn max_exponent(values: &[f32]) -> Option<i32> {
    let max = values
        .iter()
        .filter(|v| v.is_finite())
        .fold(0f32, |m, v| m.max(v.abs()));
    (max > 0.0).then(|| {
        // |v| < 2^e with e = floor(log2 max) + 1, read exactly from the float's bits.
        let (mantissa_exp, _) = frexp(max);
        mantissa_exp
    })
}

/// `x = m * 2^e` with 0.5 <= m < 1; returns `(e, m)`.
fn frexp(x: f32) -> (i32, f32) {
    let bits = x.to_bits();
    let raw = ((bits >> 23) & 0xff) as i32;
    if raw == 0 {
        // Subnormal: scale into the normal range first.
        let (e, m) = frexp(x * 2f32.powi(64));
        return (e - 64, m);
    }
    let e = raw - 126;
    let m = f32::from_bits((bits & 0x807f_ffff) | (126 << 23));
    (e, m)
}

/// Why a tensor cannot be reduced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScaleError {
    /// NaN or infinity at this index: a sum of it means nothing.
    NotFinite { index: usize, value: f32 },
}

impl std::fmt::Display for ScaleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScaleError::NotFinite { index, value } => {
                write!(f, "element {index} is {value}, not a finite number")
            }
        }
    }
}

impl std::error::Error for ScaleError {}

/// A power-of-two scale shared by every worker of one reduction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// log2 of the factor floats are multiplied by.
    pub shift: i32,
}

impl Scale {
    /// The scale for `workers` contributions, from the card's sum of their exponent votes.
    pub fn new(vote_sum: &[i32], workers: u32) -> Scale {
        let top = vote_sum.iter().rposition(|c| *c != 0);
        let Some(lane) = top else {
            return Scale { shift: 0 };
        }; // every tensor was all zeros
        let e = lane as i32 + LOWEST_EXPONENT;
        let n_bits = 32 - (workers.max(1) - 1).leading_zeros() as i32; // ceil(log2 workers)
        Scale {
            shift: SUM_BITS - e - n_bits,
        }
    }

    /// Floats to lanes, rounding to nearest. Errors on NaN or infinity.
    pub fn quantize(&self, values: &[f32]) -> Result<Vec<i32>, ScaleError> {
        let factor = 2f64.powi(self.shift);
        values
            .iter()
            .enumerate()
            .map(|(index, v)| {
                if !v.is_finite() {
                    return Err(ScaleError::NotFinite { index, value: *v });
                }
                Ok((f64::from(*v) * factor).round() as i32)
            })
            .collect()
    }

    /// Summed lanes back to floats.
    pub fn dequantize(&self, lanes: &[i32]) -> Vec<f32> {
        let factor = 2f64.powi(-self.shift);
        lanes.iter().map(|x| (f64::from(*x) * factor) as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sum_lanes(vs: &[Vec<i32>]) -> Vec<i32> {
        (0..vs[0].len()).map(|i| vs.iter().map(|v| v[i]).sum()).collect()
    }

    #[test]
    fn frexp_matches_the_definition() {
        for x in [1.0f32, 0.5, 3.0, 1e-40, f32::MAX, f32::MIN_POSITIVE, 1e30] {
            let (e, m) = frexp(x);
            assert!((0.5..1.0).contains(&m), "{x}: m = {m}");
            assert_eq!(f64::from(m) * 2f64.powi(e), f64::from(x), "{x}");
        }
    }

    #[test]
    fn non_finite_values_are_refused_with_their_index() {
        let s = Scale { shift: 0 };
        assert_eq!(
            s.quantize(&[1.0, f32::NAN]).unwrap_err().to_string(),
            "element 1 is NaN, not a finite number"
        );
        assert!(matches!(
            s.quantize(&[f32::INFINITY]),
            Err(ScaleError::NotFinite { index: 0, .. })
        ));
    }

    #[test]
    fn the_worst_case_fits_every_width() {
        // Every worker at the largest magnitude, same sign: the sum is as large as it gets.
        for (value, workers) in [
            (f32::MAX, 64u32),
            (0.999_999f32, 64),
            (1.0, 3),
            (1e-45, 5),
            (-7.5, 1),
        ] {
            let vote = exponent_vote(&[value]);
            let sum: Vec<i32> = vote.iter().map(|v| v * workers as i32).collect();
            let scale = Scale::new(&sum, workers);
            let lane = i64::from(scale.quantize(&[value]).unwrap()[0]);
            let total = lane * i64::from(workers);
            assert!(total.abs() <= 1 << 30, "{value} x {workers}: {total}");
            assert!(
                total.abs() > 1 << 27,
                "{value} x {workers}: {total} wastes precision"
            );
        }
    }

    proptest! {
        /// Whatever the magnitudes, the int32 sum of n workers' lanes never overflows, and the
        /// result is within n half-steps of the exact float sum.
        #[test]
        fn sums_never_overflow_and_stay_close(
            tensors in prop::collection::vec(prop::collection::vec(
                prop_oneof![any::<f32>().prop_filter("finite", |v| v.is_finite()), -1e3f32..1e3, Just(0.0f32)], 1..20), 1..70),
        ) {
            let len = tensors[0].len();
            let tensors: Vec<Vec<f32>> = tensors.into_iter().map(|mut t| { t.resize(len, 0.0); t }).collect();
            let n = tensors.len() as u32;
            let votes: Vec<Vec<i32>> = tensors.iter().map(|t| exponent_vote(t)).collect();
            let scale = Scale::new(&sum_lanes(&votes), n);
            let lanes: Vec<Vec<i32>> = tensors.iter().map(|t| scale.quantize(t).unwrap()).collect();
            for i in 0..len {
                let wide: i64 = lanes.iter().map(|l| i64::from(l[i])).sum();
                prop_assert!(wide.abs() <= 1 << 30, "lane {} sums to {}", i, wide);
                let exact: f64 = tensors.iter().map(|t| f64::from(t[i])).sum();
                let got = f64::from(wide as i32) * 2f64.powi(-scale.shift);
                let step = 2f64.powi(-scale.shift);
                prop_assert!((got - exact).abs() <= f64::from(n) * step / 2.0 + 1e-30, "lane {}: {} vs {}", i, got, exact);
            }
        }
    }
}
