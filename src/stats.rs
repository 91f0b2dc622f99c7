//! Interval arithmetic for shares: the figures a committee will be shown.

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `successes` out of `n` at normal quantile `z`.
///
/// Chosen over the textbook (Wald) interval because it stays inside [0, 1] and behaves
/// well for small groups and for shares near 0% or 100%, which breakdown rows often are.
/// Returns `None` when `n` is zero: there is no share to bound.
pub fn wilson(successes: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    // The interval always contains p; clamping keeps rounding from saying otherwise at
    // p = 0 or 1.
    Some(((centre - half).clamp(0.0, p), (centre + half).clamp(p, 1.0)))
}

/// A share with its 95% Wilson interval, or `None` for an empty denominator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Share {
    pub fn of(successes: u64, n: u64) -> Option<Share> {
        let (low, high) = wilson(successes, n, Z95)?;
        Some(Share {
            estimate: successes as f64 / n as f64,
            low,
            high,
        })
    }
}

/// Where an interval lies relative to a claimed share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The whole interval is under the claim: the data do not support it.
    Below,
    /// The interval contains the claim.
    Consistent,
    /// The whole interval is over the claim.
    Above,
}

impl Verdict {
    pub fn of(share: &Share, claim: f64) -> Verdict {
        if share.high < claim {
            Verdict::Below
        } else if share.low > claim {
            Verdict::Above
        } else {
            Verdict::Consistent
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Below => "below",
            Verdict::Consistent => "consistent",
            Verdict::Above => "above",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17:857-872, table I:
        // 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611.
        let (lo, hi) = wilson(81, 263, Z95).unwrap();
        assert!(close(lo, 0.2553) && close(hi, 0.3662), "{lo} {hi}");
        let (lo, hi) = wilson(15, 148, Z95).unwrap();
        assert!(close(lo, 0.0624) && close(hi, 0.1605), "{lo} {hi}");
        let (lo, hi) = wilson(0, 20, Z95).unwrap();
        assert!(close(lo, 0.0) && close(hi, 0.1611), "{lo} {hi}");
    }

    #[test]
    fn verdicts_compare_the_interval_with_the_claim() {
        // 340/1000: Wilson 95% is about 0.311 to 0.370.
        let s = Share::of(340, 1000).unwrap();
        assert_eq!(Verdict::of(&s, 0.8), Verdict::Below);
        assert_eq!(Verdict::of(&s, 0.35), Verdict::Consistent);
        assert_eq!(Verdict::of(&s, 0.3), Verdict::Above);
        // 8/10 = 0.8 exactly: consistent with 0.8 whatever the interval.
        assert_eq!(
            Verdict::of(&Share::of(8, 10).unwrap(), 0.8),
            Verdict::Consistent
        );
        // 790/1000 against 0.8: the interval (0.763-0.813) contains it.
        assert_eq!(
            Verdict::of(&Share::of(790, 1000).unwrap(), 0.8),
            Verdict::Consistent
        );
        // 700/1000 against 0.8: (0.671-0.728) lies below.
        assert_eq!(
            Verdict::of(&Share::of(700, 1000).unwrap(), 0.8),
            Verdict::Below
        );
    }

    #[test]
    fn wilson_contains_the_estimate_and_stays_in_unit_range() {
        for n in [1u64, 2, 7, 100, 12345] {
            for k in [0, n / 3, n / 2, n] {
                let s = Share::of(k, n).unwrap();
                assert!(
                    s.low <= s.estimate && s.estimate <= s.high,
                    "{k}/{n}: {s:?}"
                );
                assert!(s.low >= 0.0 && s.high <= 1.0);
            }
        }
        assert_eq!(wilson(0, 0, Z95), None);
    }
}
