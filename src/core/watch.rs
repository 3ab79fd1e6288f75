//! Watch mode's schedule: the interval, and exponential backoff with jitter after failures.
