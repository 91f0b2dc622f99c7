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

/// Cohen's kappa for a square agreement table, with its large-sample standard error.
///
/// `table[i][j]` counts the items the first rater (the people) put in category `i` and
/// the second (the tool) in category `j`. Kappa is (p_o - p_e) / (1 - p_e): the observed
/// agreement beyond what the two raters' marginal shares would give by chance.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Kappa {
    pub estimate: f64,
    /// The asymptotic (non-null) standard error of Fleiss, Cohen and Everitt (1969), the
    /// "ASE" statistics packages print.
    pub se: f64,
    /// estimate +- 1.96 se, clamped to [-1, 1].
    pub ci95: [f64; 2],
}

impl Kappa {
    /// `None` when the table is empty or chance agreement is already perfect (p_e = 1,
    /// both raters used one and the same category), where kappa is undefined.
    pub fn of<const K: usize>(table: &[[u64; K]; K]) -> Option<Kappa> {
        let n: u64 = table.iter().flatten().sum();
        if n == 0 {
            return None;
        }
        let n_f = n as f64;
        let p = |i: usize, j: usize| table[i][j] as f64 / n_f;
        let row: Vec<f64> = (0..K).map(|i| (0..K).map(|j| p(i, j)).sum()).collect();
        let col: Vec<f64> = (0..K).map(|j| (0..K).map(|i| p(i, j)).sum()).collect();
        let po: f64 = (0..K).map(|i| p(i, i)).sum();
        let pe: f64 = (0..K).map(|i| row[i] * col[i]).sum();
        if pe >= 1.0 - 1e-12 {
            return None;
        }
        let k = (po - pe) / (1.0 - pe);
        let a: f64 = (0..K)
            .map(|i| p(i, i) * (1.0 - (row[i] + col[i]) * (1.0 - k)).powi(2))
            .sum();
        let b: f64 = (1.0 - k).powi(2)
            * (0..K)
                .flat_map(|i| (0..K).filter(move |&j| j != i).map(move |j| (i, j)))
                .map(|(i, j)| p(i, j) * (col[i] + row[j]).powi(2))
                .sum::<f64>();
        let c = (k - pe * (1.0 - k)).powi(2);
        let se = ((a + b - c).max(0.0) / (n_f * (1.0 - pe).powi(2))).sqrt();
        Some(Kappa {
            estimate: k,
            se,
            ci95: [(k - Z95 * se).max(-1.0), (k + Z95 * se).min(1.0)],
        })
    }
}

/// A proportion estimated from `n` (effective) observations, for [`rogan_gladen`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    pub p: f64,
    pub n: f64,
}

impl Proportion {
    /// The binomial variance p(1-p)/n.
    fn variance(self) -> f64 {
        self.p * (1.0 - self.p) / self.n
    }
}

/// A prevalence corrected for a classifier's measured error rates.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Corrected {
    /// (p_obs + spec - 1) / (sens + spec - 1), clamped to [0, 1].
    pub estimate: f64,
    /// Delta-method 95% interval, clamped to [0, 1].
    pub ci95: [f64; 2],
}

/// The Rogan-Gladen (1978) estimator of a true share from an observed share `observed`
/// and the classifier's sensitivity `sens` and specificity `spec`.
///
/// Its interval comes from the delta method, taking the three inputs as independent
/// binomial proportions (they are when the observed share comes from the whole log and
/// sensitivity and specificity from disjoint sets of labelled contacts):
/// var = [var(p_obs) + t^2 var(sens) + (1 - t)^2 var(spec)] / J^2, with J = sens + spec - 1
/// and t the unclamped estimate (Greenland 1988). `None` when J <= 0 (rules no better
/// than chance cannot be corrected for) or when any input has no observations.
pub fn rogan_gladen(observed: Proportion, sens: Proportion, spec: Proportion) -> Option<Corrected> {
    let j = sens.p + spec.p - 1.0;
    if j <= 0.0 || [observed, sens, spec].iter().any(|x| x.n <= 0.0) {
        return None;
    }
    let t = (observed.p + spec.p - 1.0) / j;
    let var =
        (observed.variance() + t * t * sens.variance() + (1.0 - t) * (1.0 - t) * spec.variance())
            / (j * j);
    let half = Z95 * var.sqrt();
    let unit = |x: f64| x.clamp(0.0, 1.0);
    Some(Corrected {
        estimate: unit(t),
        ci95: [unit(t - half), unit(t + half)],
    })
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

    #[test]
    fn kappa_matches_a_hand_computed_table() {
        // people (rows) x tool (columns), n = 50:   [[20, 5], [10, 15]]
        // p11 .4, p12 .1, p21 .2, p22 .3; rows .5 .5; columns .6 .4.
        // p_o = .7; p_e = .5*.6 + .5*.4 = .5; kappa = (.7 - .5) / (1 - .5) = .4.
        // Fleiss-Cohen-Everitt: A = sum p_ii [1 - (p_i. + p_.i)(1 - k)]^2
        //   = .4 (1 - 1.1*.6)^2 + .3 (1 - .9*.6)^2 = .04624 + .06348 = .10972;
        // B = (1 - k)^2 sum_{i!=j} p_ij (p_.i + p_j.)^2 = .36 (.1*1.1^2 + .2*.9^2) = .10188;
        // C = [k - p_e (1 - k)]^2 = (.4 - .3)^2 = .01;
        // var = (A + B - C) / (n (1 - p_e)^2) = .2016 / 12.5 = .016128; se = .126996;
        // 95%: .4 +- 1.959964 * .126996 = .15109 to .64891.
        let k = Kappa::of(&[[20, 5], [10, 15]]).unwrap();
        assert!(close(k.estimate, 0.4), "{k:?}");
        assert!(close(k.se, 0.126996), "{k:?}");
        assert!(
            close(k.ci95[0], 0.15109) && close(k.ci95[1], 0.64891),
            "{k:?}"
        );
    }

    #[test]
    fn kappa_is_one_for_perfect_agreement_and_undefined_without_variety() {
        // Perfect agreement on a 3x3 table: p_o = 1, kappa = 1, and A + B - C = 0.
        let k = Kappa::of(&[[3, 0, 0], [0, 5, 0], [0, 0, 2]]).unwrap();
        assert!(close(k.estimate, 1.0) && close(k.se, 0.0), "{k:?}");
        // Both raters always said the first category: p_e = 1.
        assert_eq!(Kappa::of(&[[9, 0], [0, 0]]), None);
        assert_eq!(Kappa::of(&[[0u64; 3]; 3]), None);
        // Agreement no better than chance: rows .5 .5, columns .5 .5, p_o = .5 = p_e.
        let k = Kappa::of(&[[10, 10], [10, 10]]).unwrap();
        assert!(close(k.estimate, 0.0), "{k:?}");
    }

    #[test]
    fn rogan_gladen_matches_hand_computed_values() {
        // p_obs .34 of 1000, sens .9 of 100, spec .8 of 100: J = .7,
        // t = (.34 + .8 - 1) / .7 = .2.
        // var = [.34*.66/1000 + .2^2 * .9*.1/100 + .8^2 * .8*.2/100] / .7^2
        //     = (.0002244 + .000036 + .001024) / .49 = .00262122; se = .051198;
        // 95%: .2 +- 1.959964 * .051198 = .09965 to .30035.
        let c = rogan_gladen(
            Proportion { p: 0.34, n: 1000.0 },
            Proportion { p: 0.9, n: 100.0 },
            Proportion { p: 0.8, n: 100.0 },
        )
        .unwrap();
        assert!(close(c.estimate, 0.2), "{c:?}");
        assert!(
            close(c.ci95[0], 0.09965) && close(c.ci95[1], 0.30035),
            "{c:?}"
        );
    }

    #[test]
    fn rogan_gladen_clamps_and_refuses_useless_rules() {
        // p_obs .1 with spec .8: (.1 + .8 - 1) / J < 0, clamped to 0.
        let c = rogan_gladen(
            Proportion { p: 0.1, n: 500.0 },
            Proportion { p: 0.9, n: 50.0 },
            Proportion { p: 0.8, n: 50.0 },
        )
        .unwrap();
        assert_eq!(c.estimate, 0.0);
        assert!(c.ci95[0] == 0.0 && c.ci95[1] > 0.0, "{c:?}");
        // Perfect rules: the observed share is the answer.
        let c = rogan_gladen(
            Proportion { p: 0.3, n: 100.0 },
            Proportion { p: 1.0, n: 10.0 },
            Proportion { p: 1.0, n: 10.0 },
        )
        .unwrap();
        assert!(close(c.estimate, 0.3), "{c:?}");
        // sens + spec <= 1: no better than tossing a coin.
        let coin = Proportion { p: 0.5, n: 40.0 };
        assert_eq!(
            rogan_gladen(Proportion { p: 0.4, n: 10.0 }, coin, coin),
            None
        );
        let none = Proportion { p: 0.9, n: 0.0 };
        assert_eq!(
            rogan_gladen(Proportion { p: 0.4, n: 10.0 }, none, none),
            None
        );
    }
}
