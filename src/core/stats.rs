//! Latency statistics: min, median, p90, jitter.
