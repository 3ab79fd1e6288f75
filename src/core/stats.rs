//! Latency statistics: min, median, p90, jitter.

/// A summary of latency samples, in the samples' unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// How many finite samples were summarized.
    pub n: usize,
    /// The smallest sample.
    pub min: f64,
    /// The middle sample, or the mean of the two middle ones for an even count.
    pub median: f64,
    /// The nearest-rank 90th percentile: the ceil(0.9·n)-th smallest sample.
    pub p90: f64,
    /// The largest sample.
    pub max: f64,
    /// Mean absolute difference between consecutive samples, in the order taken (RFC 3550's idea of jitter, unsmoothed).
    pub jitter: f64,
}

/// Sorts a short list, stably, by insertion.
///
/// The lists sorted here hold at most a few thousand items (a latency series, a watch timeline), where the
/// standard library's sorts bring several kilobytes of wasm apiece for no speed the page can notice.
pub fn sort_small<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// Summarizes samples in the order they were taken; non-finite samples are ignored; None when none remain.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    let taken: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    let mut sorted = taken.clone();
    sort_small(&mut sorted, |a, b| a.total_cmp(b).is_lt());
    let n = sorted.len();
    let (&min, &max) = (sorted.first()?, sorted.last()?);
    // Halving before adding cannot overflow, unlike adding first.
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        sorted[n / 2 - 1] / 2.0 + sorted[n / 2] / 2.0
    };
    let p90 = sorted[(9 * n).div_ceil(10) - 1];
    let jitter = if n < 2 {
        0.0
    } else {
        let total: f64 = taken.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        total / (n - 1) as f64
    };
    Some(Summary {
        n,
        min,
        median,
        p90,
        max,
        jitter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_small_sorts_stably_like_the_standard_sort() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..60 {
            let mut items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 5) as u8, i)
                })
                .collect();
            let mut want = items.clone();
            want.sort_by_key(|&(k, _)| k);
            sort_small(&mut items, |a, b| a.0 < b.0);
            assert_eq!(items, want, "length {len}");
        }
    }

    /// A summary from its fields, in declaration order.
    fn s(n: usize, min: f64, median: f64, p90: f64, max: f64, jitter: f64) -> Option<Summary> {
        Some(Summary {
            n,
            min,
            median,
            p90,
            max,
            jitter,
        })
    }

    #[test]
    fn summaries_table() {
        let one_to_ten: Vec<f64> = (1..=10).map(f64::from).collect();
        let ten_to_one: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let one_to_eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        let rows: Vec<(&str, Vec<f64>, Option<Summary>)> = vec![
            ("empty", vec![], None),
            (
                "only non-finite",
                vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY],
                None,
            ),
            ("one sample", vec![5.0], s(1, 5.0, 5.0, 5.0, 5.0, 0.0)),
            ("two samples", vec![1.0, 2.0], s(2, 1.0, 1.5, 2.0, 2.0, 1.0)),
            (
                "three unsorted",
                vec![3.0, 1.0, 2.0],
                s(3, 1.0, 2.0, 3.0, 3.0, 1.5),
            ),
            (
                "ten ascending: p90 is the 9th",
                one_to_ten,
                s(10, 1.0, 5.5, 9.0, 10.0, 1.0),
            ),
            (
                "ten descending: order changes nothing but jitter",
                ten_to_one,
                s(10, 1.0, 5.5, 9.0, 10.0, 1.0),
            ),
            (
                "eleven: p90 is the 10th",
                one_to_eleven,
                s(11, 1.0, 6.0, 10.0, 11.0, 1.0),
            ),
            (
                "alternating: jitter is the full swing",
                vec![100.0, 0.0, 100.0, 0.0],
                s(4, 0.0, 50.0, 100.0, 100.0, 100.0),
            ),
            (
                "steady then one spike",
                vec![10.0, 10.0, 10.0, 10.0, 50.0],
                s(5, 10.0, 10.0, 50.0, 50.0, 10.0),
            ),
            (
                "non-finite samples skipped, jitter over the rest in order",
                vec![10.0, f64::NAN, 20.0, f64::INFINITY, 10.0],
                s(3, 10.0, 10.0, 20.0, 20.0, 10.0),
            ),
            (
                "huge values do not overflow the median",
                vec![f64::MAX, f64::MAX],
                s(2, f64::MAX, f64::MAX, f64::MAX, f64::MAX, 0.0),
            ),
        ];
        for (what, samples, want) in rows {
            assert_eq!(summarize(&samples), want, "{what}");
        }
    }
}
