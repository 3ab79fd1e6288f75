//! `service.rate_limits`: (being written).
