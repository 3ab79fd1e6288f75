//! `dns.public`: (being written).
