//! Watch mode's schedule: the interval, and exponential backoff with jitter after failures.
//!
//! The SDKs back off from 0.5 s, doubling to 8 s, because a client retrying one request wants its answer
//! soon. A watch is a long observation instead: while failures last it backs off further, to 30 s, to
//! spare the user's network and the API during an outage, and the jitter keeps many watchers (tabs,
//! users) from retrying in step when the outage ends.

/// Between successful probes.
pub const INTERVAL_MS: u32 = 2_000;
/// The first wait after a failure, doubled after each further consecutive failure…
pub const BACKOFF_BASE_MS: u32 = 1_000;
/// …up to this.
pub const BACKOFF_CAP_MS: u32 = 30_000;

/// The wait before the next probe: INTERVAL_MS after a success (consecutive_failures == 0); after k ≥ 1 consecutive failures, min(CAP, BASE·2^(k−1)) scaled by a jitter factor 0.5 + random/2, random in [0, 1) (values outside are clamped), so that many watchers do not retry in step. Never overflows for large k.
pub fn next_delay_ms(consecutive_failures: u32, random: f64) -> u32 {
    let Some(doublings) = consecutive_failures.checked_sub(1) else {
        return INTERVAL_MS;
    };
    // The shift is bounded and the product saturates, so no count of failures overflows.
    let backoff = BACKOFF_BASE_MS
        .saturating_mul(1 << doublings.min(31))
        .min(BACKOFF_CAP_MS);
    // NaN would survive `clamp`, so it counts as 0.
    let random = if random.is_nan() {
        0.0
    } else {
        random.clamp(0.0, 1.0)
    };
    // The product lies in [backoff / 2, backoff], so the cast neither wraps nor saturates.
    (f64::from(backoff) * (0.5 + random / 2.0)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_table() {
        let randoms = [0.0, 0.999, -1.0, 2.0, f64::NAN];
        // (consecutive failures, the delay for each of `randoms`)
        let rows = [
            (0, [2_000, 2_000, 2_000, 2_000, 2_000]),
            (1, [500, 999, 500, 1_000, 500]),
            (2, [1_000, 1_999, 1_000, 2_000, 1_000]),
            (5, [8_000, 15_992, 8_000, 16_000, 8_000]),
            (6, [15_000, 29_985, 15_000, 30_000, 15_000]),
            (40, [15_000, 29_985, 15_000, 30_000, 15_000]),
            (u32::MAX, [15_000, 29_985, 15_000, 30_000, 15_000]),
        ];
        for (failures, wants) in rows {
            for (i, (random, want)) in randoms.into_iter().zip(wants).enumerate() {
                assert_eq!(
                    next_delay_ms(failures, random),
                    want,
                    "{failures} failures, random #{i}"
                );
            }
        }
    }
}
